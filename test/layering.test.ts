// Imports run downward only: shared/ is pure (no Node, no DOM), main/ and renderer/ never import each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const layers = ['shared', 'main', 'renderer'] as const;
const allowed: Record<(typeof layers)[number], string[]> = {
  shared: ['shared'],
  main: ['shared', 'main'],
  renderer: ['shared', 'renderer'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(p);
    return /\.(ts|mts|svelte)$/.test(e.name) ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const re = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  return [...text.matchAll(re)].map((m) => m[1] ?? m[2] ?? m[3]);
}

for (const layer of layers) {
  test(`${layer}/ imports only from ${allowed[layer].join(' and ')}`, () => {
    const bad: string[] = [];
    for (const file of sources(join(root, layer))) {
      for (const spec of importsOf(file)) {
        if (spec.startsWith('.')) {
          const target = relative(root, resolve(dirname(file), spec)).split(/[\\/]/)[0];
          if (!allowed[layer].includes(target)) bad.push(`${relative(root, file)} → ${spec}`);
        } else if (layer === 'shared' && (spec.startsWith('node:') || ['fs', 'path', 'os', 'electron'].includes(spec))) {
          bad.push(`${relative(root, file)} → ${spec} (shared/ must stay free of Node)`);
        } else if (layer === 'renderer' && (spec.startsWith('node:') || spec === 'electron')) {
          bad.push(`${relative(root, file)} → ${spec} (the renderer is sandboxed)`);
        }
      }
    }
    assert.deepEqual(bad, []);
  });
}
