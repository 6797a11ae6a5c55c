// The whole tree typechecks: TypeScript for shared/, main/ and test/, svelte-check for the renderer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

function run(bin: string, args: string[], cwd: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('tsc finds no type errors in shared/, main/ and test/', () => {
  const r = run(require.resolve('typescript/bin/tsc'), ['--noEmit', '-p', 'tsconfig.json'], root);
  assert.equal(r.status, 0, r.output);
});

test('svelte-check finds no errors or warnings in renderer/', () => {
  const bin = require.resolve('svelte-check/bin/svelte-check');
  const r = run(bin, ['--tsconfig', './tsconfig.json', '--fail-on-warnings', '--output', 'human'], `${root}renderer`);
  assert.equal(r.status, 0, r.output);
});
