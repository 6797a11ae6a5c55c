// Building and shipping the app: `npm run build` produces every entry (the engine's worker included) with a
// preload a sandbox can load; electron-builder.yml passes electron-builder's own schema and says what we need;
// `npm start` without Electron explains what is missing and fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger, setPrinter } from 'builder-util';
import { ROOT } from '../../main/app/build-state.ts';
import { CONTENT_SECURITY_POLICY } from '../../main/app/csp.ts';
import { buildAppInto } from './harness.ts';

/** The text of a built entry and of every chunk it imports statically, as one string. */
function loadedBy(entry: string, seen = new Set<string>()): string {
  if (seen.has(entry)) return '';
  seen.add(entry);
  const text = readFileSync(entry, 'utf8');
  const chunks = [...text.matchAll(/^import [^'"]*?["'](\.{1,2}\/[^"']+)["']/gm)].map((m) =>
    join(dirname(entry), m[1]),
  );
  return [text, ...chunks.map((c) => loadedBy(c, seen))].join('\n');
}

test('the build writes main, the engine worker, a self-contained CommonJS preload and the renderer', async () => {
  const out = mkdtempSync(join(tmpdir(), 'taughtnet-build-'));
  try {
    await buildAppInto(out);
    for (const file of ['main/index.js', 'main/worker.js', 'preload/preload.cjs', 'renderer/index.html']) {
      assert.ok(existsSync(join(out, file)), `${file} was not built`);
    }
    // A sandboxed preload can require only electron: everything else must be bundled in.
    const preload = readFileSync(join(out, 'preload/preload.cjs'), 'utf8');
    assert.deepEqual(
      [...new Set([...preload.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]))],
      ['electron'],
    );
    assert.doesNotMatch(preload, /^\s*(import|export)\s/m);
    // Native modules stay outside the bundle, loaded from node_modules; onnxruntime-node only by the engine worker
    // (the main process asks a host even which providers work).
    // (Booleans: a failed match would print the whole bundle.)
    const main = loadedBy(join(out, 'main/index.js'));
    const importsOrt = (code: string) => /from "onnxruntime-node"|\(\s*"onnxruntime-node"\s*\)/.test(code);
    assert.ok(/from "better-sqlite3"/.test(main), 'main/index.js imports better-sqlite3 from node_modules');
    assert.ok(!importsOrt(main), 'main/index.js and its chunks do not load onnxruntime-node');
    assert.ok(
      importsOrt(loadedBy(join(out, 'main/worker.js'))),
      'the engine worker imports onnxruntime-node from node_modules',
    );
    const html = readFileSync(join(out, 'renderer/index.html'), 'utf8');
    assert.ok(
      html.includes(
        `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY.replaceAll("'", '&#39;')}">`,
      ),
    );
    assert.doesNotMatch(html, /<script>(?!<\/script>)|<style/); // no inline script or style for the CSP to block
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('electron-builder.yml passes electron-builder’s schema and names the installers, native modules and resources', async () => {
  // Its log to stderr: the test runner reads this process's stdout as its own channel, and a line written into the
  // middle of a report once failed the file ("Unable to deserialize cloned data").
  setPrinter((message) => process.stderr.write(`${message}\n`));
  const config = await getConfig(ROOT, join(ROOT, 'electron-builder.yml'), null);
  await validateConfiguration(config, new DebugLogger(false));
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  assert.equal(config.electronVersion, lock.packages['node_modules/electron'].version);
  assert.deepEqual(config.linux?.target, ['AppImage', 'deb']);
  assert.deepEqual(config.win?.target, ['nsis']);
  assert.equal(config.npmRebuild, true);
  const unpacked = config.asarUnpack as string[];
  for (const native of ['onnxruntime-node', 'better-sqlite3'])
    assert.ok(unpacked.includes(`**/node_modules/${native}/**`), native);
  assert.ok(unpacked.includes('out/main/**'), 'the engine worker must load from plain files');
  const [resources, ...others] = config.extraResources as { from: string; to?: string; filter: string[] }[];
  assert.deepEqual(others, []);
  assert.deepEqual([resources.from, resources.to, resources.filter], ['resources', undefined, ['**/*']]); // into process.resourcesPath
});

test('npm start without Electron says what is missing, how to get it, and that the CLI works', () => {
  const empty = mkdtempSync(join(tmpdir(), 'taughtnet-no-electron-'));
  try {
    // Pointing Electron at an empty folder: the binary is missing whether or not the package is installed here.
    const run = spawnSync(process.execPath, [join(ROOT, 'main/app/start.mjs')], {
      cwd: ROOT,
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty },
      encoding: 'utf8',
    });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /Electron is missing/);
    assert.match(run.stderr, new RegExp(`binary is not at ${empty}`));
    assert.match(run.stderr, /node node_modules\/electron\/install.js/);
    assert.match(run.stderr, /ELECTRON_OVERRIDE_DIST_PATH/);
    assert.match(run.stderr, /npx taughtnet --help/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
