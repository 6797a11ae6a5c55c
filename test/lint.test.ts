// Lint and layout are checked as tests, so CI enforces them: ESLint's bug-catching rules (type-aware) find nothing,
// and every file Prettier lays out is laid out (`npm run lint`, `npm run format` to fix the layout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** A package's command-line script, by its package.json `bin`. */
function bin(pkg: string): string {
  const manifest = require(`${pkg}/package.json`) as { bin: string | Record<string, string> };
  return join(
    dirname(require.resolve(`${pkg}/package.json`)),
    typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[pkg],
  );
}

function run(pkg: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [bin(pkg), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('the bug-catching rules are on for TypeScript and Svelte files', async () => {
  const eslint = new ESLint({ cwd: root });
  for (const file of ['main/cli/main.ts', 'renderer/src/pages/RunsPage.svelte', 'test/lint.test.ts']) {
    const config = await eslint.calculateConfigForFile(join(root, file));
    assert.ok(config, `${file} has an ESLint config`);
    const rules = config.rules ?? {};
    for (const rule of [
      '@typescript-eslint/no-floating-promises',
      '@typescript-eslint/no-unused-vars',
      '@typescript-eslint/switch-exhaustiveness-check',
    ]) {
      assert.equal([rules[rule]].flat()[0], 2, `${rule} in ${file}`);
    }
  }
});

test('ESLint finds nothing', () => {
  const r = run('eslint', ['--max-warnings', '0', '.']);
  assert.equal(r.status, 0, r.output);
});

test('Prettier finds every file laid out', () => {
  const r = run('prettier', ['--check', '.']);
  assert.equal(r.status, 0, r.output);
});
