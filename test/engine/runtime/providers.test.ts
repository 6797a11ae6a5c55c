import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import {
  PROVIDER_PREFERENCE,
  chooseProvider,
  listProviders,
  type ProviderRequest,
} from '../../../main/engine/runtime/providers.ts';
import { ensureXdgRuntimeDir } from '../../../main/engine/runtime/xdg-runtime-dir.ts';

test('every provider is reported with whether it works and why', async () => {
  const all = await listProviders();
  assert.deepEqual(
    all.map((p) => p.name),
    PROVIDER_PREFERENCE,
  );
  for (const p of all) assert.ok(p.reason.length > 10, `${p.name} has a reason`);
  assert.ok(all.find((p) => p.name === 'cpu')!.available, 'the CPU provider always works');
});

test('auto takes the first working, non-emulated provider and says why it skipped the others', async () => {
  const all = await listProviders();
  const choice = await chooseProvider('auto');
  const index = PROVIDER_PREFERENCE.indexOf(choice.name);
  const status = all[index];
  assert.ok(status.available && !status.emulated);
  assert.deepEqual(
    choice.skipped.map((s) => s.name),
    PROVIDER_PREFERENCE.slice(0, index),
  );
  for (const s of choice.skipped)
    assert.ok(!s.available || s.emulated, `${s.name} was skipped for a reason: ${s.reason}`);
  assert.match(choice.reason, new RegExp(choice.name));
});

test('an explicit request is honoured or refused with the reason', async () => {
  for (const status of await listProviders()) {
    if (status.available) {
      const choice = await chooseProvider(status.name);
      assert.equal(choice.name, status.name);
      assert.deepEqual(choice.skipped, []);
    } else {
      await assert.rejects(
        chooseProvider(status.name),
        new RegExp(`the ${status.name} provider was requested but cannot be used: `),
      );
    }
  }
  await assert.rejects(chooseProvider('tpu' as ProviderRequest), /unknown provider "tpu"/);
});

test(
  'XDG_RUNTIME_DIR is provided as a private folder when missing',
  { skip: process.platform !== 'linux' && 'Linux only' },
  () => {
    const saved = process.env.XDG_RUNTIME_DIR;
    try {
      delete process.env.XDG_RUNTIME_DIR;
      ensureXdgRuntimeDir();
      const dir = process.env.XDG_RUNTIME_DIR!;
      assert.ok(dir, 'set');
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      ensureXdgRuntimeDir();
      assert.equal(process.env.XDG_RUNTIME_DIR, dir, 'kept once set');
    } finally {
      if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
      else process.env.XDG_RUNTIME_DIR = saved;
    }
  },
);
