// Serves the built renderer (out/renderer) under the app:// protocol, with the CSP as a header. The renderer
// test harness serves the page through this same function over HTTP.
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY } from './csp.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'workbench';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
};

/** True for the app's own pages: nothing else may be navigated to or call the main process. */
export function isAppUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** The file at `pathname` under `rendererFolder` (index.html for '/'); 404 outside it or when absent. */
export async function rendererResponse(rendererFolder: string, pathname: string): Promise<Response> {
  const root = resolve(rendererFolder);
  let relative: string;
  try {
    relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return new Response('bad path', { status: 400 });
  }
  const file = resolve(root, `.${relative}`);
  if (!file.startsWith(root + sep)) return new Response('not found', { status: 404 });
  try {
    const body = await readFile(file);
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    return new Response(body, { headers: { 'Content-Type': type, ...SECURITY_HEADERS } });
  } catch {
    return new Response('not found', { status: 404 });
  }
}
