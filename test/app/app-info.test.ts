// The About page's facts: the providers come from an engine host (probed once), so the process that serves the
// window (Electron's main process) never loads ONNX Runtime for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import { appInfo } from '../../main/services/app-info.ts';
import { openStore } from '../../main/store/store.ts';
import { testServiceContext } from './service-context.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('app info asks one engine host for the providers, once per context', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'taughtnet-app-info-'));
  const store = openStore({ dataDir });
  let hosts = 0;
  const ctx = testServiceContext(store, { startRuntime: () => (hosts++, startRuntime()) });
  try {
    const first = await appInfo(ctx);
    const second = await appInfo(ctx);
    assert.equal(hosts, 1);
    assert.deepEqual(
      first.providers.map((p) => p.name),
      ['cuda', 'webgpu', 'cpu'],
    );
    assert.ok(first.providers.find((p) => p.name === 'cpu')?.available, JSON.stringify(first.providers));
    assert.ok(first.autoProvider.name, first.autoProvider.reason);
    assert.deepEqual(second.providers, first.providers);
    assert.match(first.versions.onnxruntime, /^\d+\.\d+\.\d+/);
  } finally {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test(
  'app info leaves ONNX Runtime out of the calling process',
  { skip: process.platform !== 'linux' && 'reads /proc/self/maps' },
  () => {
    // A fresh process, so that no other test has loaded onnxruntime into it: it answers app info as the Electron main
    // process does, then lists the native libraries it has mapped.
    const script = `
    import { mkdtempSync, readFileSync } from 'node:fs';
    import { tmpdir } from 'node:os';
    import { join } from 'node:path';
    import { appInfo } from './main/services/app-info.ts';
    import { openStore } from './main/store/store.ts';
    import { startRuntime } from './main/engine/runtime/client.ts';
    const store = openStore({ dataDir: mkdtempSync(join(tmpdir(), 'taughtnet-app-info-')) });
    const ctx = { store, resourcesFolder: 'resources', appVersion: '0', emit() {}, startRuntime: () => startRuntime(), executing: new Map() };
    const info = await appInfo(ctx);
    const ort = readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => /onnxruntime/.test(l));
    console.log(JSON.stringify({ cpu: info.providers.find((p) => p.name === 'cpu').available, ort: ort.length }));
    store.close();
  `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.deepEqual(JSON.parse(out.trim().split('\n').at(-1)!), { cpu: true, ort: 0 });
  },
);
