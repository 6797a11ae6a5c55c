// Whether out/ must be rebuilt: an output is missing, or a source file is newer than the oldest output.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What the renderer build reads, and what it writes. */
export const RENDERER_SOURCES = ['renderer', 'shared', 'main/app/csp.ts', 'electron.vite.config.ts', 'package.json'];
export const RENDERER_OUTPUTS = ['out/renderer/index.html'];
/** The whole app (main process, preload, renderer). */
export const APP_SOURCES = ['main', ...RENDERER_SOURCES];
export const APP_OUTPUTS = ['out/main/index.js', 'out/preload/preload.cjs', ...RENDERER_OUTPUTS];

function newestChange(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

/** Paths are relative to the repository root; a missing source is skipped. */
export function isStale(outputs: readonly string[], sources: readonly string[]): boolean {
  const out = outputs.map((p) => join(ROOT, p));
  if (!out.every((p) => existsSync(p))) return true;
  const built = Math.min(...out.map((p) => statSync(p).mtimeMs));
  const src = sources.map((p) => join(ROOT, p)).filter((p) => existsSync(p));
  return src.some((p) => newestChange(p) > built);
}
