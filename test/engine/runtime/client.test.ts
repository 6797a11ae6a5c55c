import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../../../main/engine/runtime/client.ts';
import { createWorkspace } from '../../../main/engine/runtime/workspace.ts';
import { listProviders } from '../../../main/engine/runtime/providers.ts';
import { skipUnless } from '../../needs.ts';
import { TRAIN_UPDATES, batch, evalModel, initialState, trainModel } from './linear-adam.ts';

const D = 16;
const dir = mkdtempSync(join(tmpdir(), 'runtime-client-test-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const webgpu = (await listProviders()).find((p) => p.name === 'webgpu')!;

test('the engine host trains, evaluates and checkpoints like an in-process workspace', async () => {
  const expected: number[] = [];
  const local = await createWorkspace('cpu', initialState(D));
  const localTrain = await local.load({ model: trainModel(D), updates: TRAIN_UPDATES, read: ['loss'] });
  for (let i = 0; i < 8; i++) expected.push((await localTrain.run(batch(D, i))).loss.data[0] as number);
  await local.dispose();

  const runtime = startRuntime();
  try {
    const providers = await runtime.request({ kind: 'providers' });
    assert.ok(providers.find((p) => p.name === 'cpu')?.available);
    const choice = await runtime.request({ kind: 'open', provider: 'cpu', state: Object.fromEntries(initialState(D)) });
    assert.equal(choice.name, 'cpu');
    const loaded = await runtime.request({
      kind: 'load',
      program: 'train',
      spec: { model: trainModel(D), updates: TRAIN_UPDATES, read: ['loss'] },
    });
    assert.deepEqual(loaded.batchInputs, ['x', 'y']);
    await runtime.request({ kind: 'load', program: 'eval', spec: { model: evalModel(D), read: ['loss'] } });

    const losses: number[] = [];
    for (let i = 0; i < 4; i++)
      losses.push(
        (await runtime.request({ kind: 'step', program: 'train', feeds: batch(D, i) })).loss.data[0] as number,
      );
    const path = join(dir, 'step4.safetensors');
    await runtime.request({ kind: 'saveCheckpoint', path, meta: { step: 4 } });
    for (let i = 4; i < 8; i++)
      losses.push(
        (await runtime.request({ kind: 'step', program: 'train', feeds: batch(D, i) })).loss.data[0] as number,
      );
    assert.deepEqual(losses, expected);

    const progress: number[] = [];
    const evaluated = await runtime.request(
      { kind: 'evaluate', program: 'eval', batches: [100, 101, 102].map((i) => batch(D, i)) },
      { onProgress: (p) => progress.push(p.done / p.total) },
    );
    assert.equal(evaluated.length, 3);
    assert.deepEqual(progress, [1 / 3, 2 / 3, 1]);

    const meta = await runtime.request({ kind: 'loadCheckpoint', path });
    assert.deepEqual(meta, { step: 4 });
    const again = await runtime.request({ kind: 'step', program: 'train', feeds: batch(D, 4) });
    assert.equal(again.loss.data[0], expected[4]);
    const { step, w } = await runtime.request({ kind: 'readState', names: ['step', 'w'] });
    assert.equal(step.data[0], 5);
    assert.ok(w.data instanceof Float32Array && w.data.length === D, 'typed arrays cross as typed arrays');
  } finally {
    await runtime.terminate();
  }
});

test('errors cross the boundary with message and stack, and the host carries on', async () => {
  const runtime = startRuntime();
  try {
    await assert.rejects(runtime.request({ kind: 'step', program: 'train', feeds: {} }), (e: Error) => {
      assert.match(e.message, /no program named "train" is loaded/);
      assert.match(e.stack ?? '', /engine-host\.ts/);
      return true;
    });
    await assert.rejects(runtime.request({ kind: 'readState' }), /no workspace is open/);
    await assert.rejects(
      runtime.request({ kind: 'open', provider: 'cuda', state: {} }),
      /the cuda provider was requested but cannot be used/,
    );
    // The crash hook is fenced: refused unless the host's environment allows test hooks.
    await assert.rejects(
      runtime.request({ kind: 'testCrash' }),
      /testCrash is a test hook; the engine host refuses it unless TAUGHTNET_ENGINE_TEST_HOOKS=1/,
    );
    assert.ok((await runtime.request({ kind: 'providers' })).length === 3);
  } finally {
    await runtime.terminate();
  }
  await assert.rejects(runtime.request({ kind: 'providers' }), /the engine host was terminated/);
});

test('cancelling stops an evaluation between batches without blocking the caller', async () => {
  const runtime = startRuntime();
  try {
    const Dbig = 2048;
    await runtime.request({ kind: 'open', provider: 'cpu', state: Object.fromEntries(initialState(Dbig)) });
    await runtime.request({ kind: 'load', program: 'eval', spec: { model: evalModel(Dbig), read: ['loss'] } });
    const distinct = [0, 1, 2, 3].map((i) => batch(Dbig, i, 16));
    const batches = Array.from({ length: 300 }, (_, i) => distinct[i % 4]);
    const controller = new AbortController();
    let done = 0;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const run = runtime.request(
      { kind: 'evaluate', program: 'eval', batches },
      {
        signal: controller.signal,
        onProgress: (p) => {
          done = p.done;
          if (p.done === 5) controller.abort();
        },
      },
    );
    await assert.rejects(run, (e: Error) => e.name === 'AbortError');
    clearInterval(timer);
    assert.ok(done >= 5 && done < batches.length, `stopped after ${done} batches`);
    assert.ok(ticks > 0, 'the caller’s event loop kept turning');
    // A request cancelled before it starts never runs; the host still serves the next one.
    const early = new AbortController();
    early.abort();
    await assert.rejects(
      runtime.request({ kind: 'providers' }, { signal: early.signal }),
      (e: Error) => e.name === 'AbortError',
    );
    const after = await runtime.request({ kind: 'evaluate', program: 'eval', batches: batches.slice(0, 2) });
    assert.equal(after.length, 2);
  } finally {
    await runtime.terminate();
  }
});

test(
  'the engine host trains on WebGPU with state kept on the device',
  { skip: skipUnless(webgpu.available, `no WebGPU adapter: ${webgpu.reason}`) },
  async () => {
    const runtime = startRuntime();
    try {
      const choice = await runtime.request({
        kind: 'open',
        provider: 'webgpu',
        state: Object.fromEntries(initialState(D)),
      });
      assert.equal(choice.name, 'webgpu');
      await runtime.request({
        kind: 'load',
        program: 'train',
        spec: { model: trainModel(D), updates: TRAIN_UPDATES, read: ['loss'] },
      });
      let first = 0;
      let last = 0;
      for (let i = 0; i < 40; i++) {
        last = (await runtime.request({ kind: 'step', program: 'train', feeds: batch(D, i) })).loss.data[0] as number;
        if (i === 0) first = last;
      }
      assert.ok(last < first / 4, `loss ${first} → ${last}`);
      const { step } = await runtime.request({ kind: 'readState', names: ['step'] });
      assert.equal(step.data[0], 40);
    } finally {
      await runtime.terminate();
    }
  },
);
