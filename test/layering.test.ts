// Imports run downward only, as VS Code's layering lint checks its own. Between the top folders: shared/ is pure
// (no Node, no DOM), main/ and renderer/ never import each other. Inside main/, each folder imports only from the
// folders before it in LAYERS_OF_MAIN (and from shared/). shared/ipc, the contract between the window and the main
// process, is imported only by the services that answer it, the app that carries it and the renderer.
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

/** main/'s folders, lowest first; app and cli are two tops side by side and never import each other. */
const LAYERS_OF_MAIN = [
  'files',
  'tensors',
  'engine',
  'models',
  'corpus',
  'store',
  'pipeline',
  'services',
  ['app', 'cli'],
] as const;
const rankInMain = new Map<string, number>(
  LAYERS_OF_MAIN.flatMap((l, i) => (typeof l === 'string' ? [l] : [...l]).map((f): [string, number] => [f, i])),
);

/** Folders (relative to the root) that may import shared/ipc. */
const IPC_USERS = ['main/services', 'main/app', 'renderer', 'shared/ipc'];

/**
 * Known upward imports, each to be removed by the change named beside it. The test fails when one of them is gone,
 * so that this list only ever shrinks.
 */
const KNOWN_UPWARD: Record<string, string> = {};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(p);
    return /\.(ts|mts|svelte)$/.test(e.name) ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const re =
    /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  return [...text.matchAll(re)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** Every relative import in the tree: the importing file and the imported one, both relative to the root. */
function relativeImports(top: string): { file: string; spec: string; target: string }[] {
  return sources(join(root, top)).flatMap((file) =>
    importsOf(file)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => ({ file: relative(root, file), spec, target: relative(root, resolve(dirname(file), spec)) })),
  );
}

const parts = (path: string) => path.split(/[\\/]/);

for (const layer of layers) {
  test(`${layer}/ imports only from ${allowed[layer].join(' and ')}`, () => {
    const bad: string[] = [];
    for (const file of sources(join(root, layer))) {
      for (const spec of importsOf(file)) {
        if (spec.startsWith('.')) {
          const target = relative(root, resolve(dirname(file), spec)).split(/[\\/]/)[0];
          if (!allowed[layer].includes(target)) bad.push(`${relative(root, file)} → ${spec}`);
        } else if (
          layer === 'shared' &&
          (spec.startsWith('node:') || ['fs', 'path', 'os', 'electron'].includes(spec))
        ) {
          bad.push(`${relative(root, file)} → ${spec} (shared/ must stay free of Node)`);
        } else if (layer === 'renderer' && (spec.startsWith('node:') || spec === 'electron')) {
          bad.push(`${relative(root, file)} → ${spec} (the renderer is sandboxed)`);
        }
      }
    }
    assert.deepEqual(bad, []);
  });
}

/** The imports inside main/ that run upward or sideways (between app and cli), as `file → spec`. */
function upwardInMain(imports: { file: string; spec: string; target: string }[]): string[] {
  return imports.flatMap(({ file, spec, target }) => {
    const [, from] = parts(file);
    const [top, to] = parts(target);
    if (top !== 'main' || from === to) return [];
    return rankInMain.get(to)! >= rankInMain.get(from)! ? [`${file} → ${spec}`] : [];
  });
}

const order = LAYERS_OF_MAIN.map((l) => (typeof l === 'string' ? l : l.join(' and '))).join(' < ');

test(`inside main/, each folder imports only from those before it: ${order}`, () => {
  const folders = readdirSync(join(root, 'main'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  assert.deepEqual(
    folders.filter((f) => !rankInMain.has(f)),
    [],
    'every folder of main/ has a place in LAYERS_OF_MAIN',
  );
  const upward = upwardInMain(relativeImports('main'));
  assert.deepEqual(
    upward.filter((u) => !(u in KNOWN_UPWARD)),
    [],
    'imports that run upward or sideways',
  );
  assert.deepEqual(
    Object.keys(KNOWN_UPWARD).filter((k) => !upward.includes(k)),
    [],
    'known upward imports that are gone: remove them from KNOWN_UPWARD',
  );
});

test(`shared/ipc is imported only from ${IPC_USERS.join(', ')}`, () => {
  const bad = [...relativeImports('main'), ...relativeImports('shared'), ...relativeImports('renderer')]
    .filter(({ target }) => target.startsWith(join('shared', 'ipc')))
    .filter(({ file }) => !IPC_USERS.some((u) => file.startsWith(u + '/') || file.startsWith(u + '\\')))
    .map(({ file, spec }) => `${file} → ${spec}`);
  assert.deepEqual(bad, []);
});

test('an import into a later folder of main/, or between app and cli, counts as upward', () => {
  const imp = (file: string, target: string) => ({ file, spec: target, target });
  assert.deepEqual(
    upwardInMain([
      imp('main/engine/ops/loss.ts', 'main/tensors/tensor.ts'),
      imp('main/engine/ops/loss.ts', 'main/engine/graph/graph.ts'),
      imp('main/engine/ops/loss.ts', 'main/store/runs.ts'),
      imp('main/cli/info.ts', 'main/app/index.ts'),
      imp('main/services/runs.ts', 'main/pipeline/taughtnet-run.ts'),
    ]),
    ['main/engine/ops/loss.ts → main/store/runs.ts', 'main/cli/info.ts → main/app/index.ts'],
  );
});
