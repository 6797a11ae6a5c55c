import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWorkspace } from '../../../main/engine/runtime/workspace.ts';
import { listProviders } from '../../../main/engine/runtime/providers.ts';
import { tensor } from '../../../main/tensors/tensor.ts';
import { TRAIN_UPDATES, batch, evalModel, initialState, trainModel } from './linear-adam.ts';

const D = 16;
const webgpu = (await listProviders()).find((p) => p.name === 'webgpu')!;
const noWebgpu = webgpu.available ? false : `no WebGPU adapter: ${webgpu.reason}`;

async function trainLosses(provider: 'cpu' | 'webgpu', steps: number): Promise<number[]> {
  const ws = await createWorkspace(provider, initialState(D));
  try {
    const train = await ws.load({ model: trainModel(D), updates: TRAIN_UPDATES, read: ['loss'] });
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) losses.push((await train.run(batch(D, i))).loss.data[0] as number);
    return losses;
  } finally {
    await ws.dispose();
  }
}

test('training on the CPU lowers the loss and swaps the state every step', async () => {
  const ws = await createWorkspace('cpu', initialState(D));
  try {
    const train = await ws.load({ model: trainModel(D), updates: TRAIN_UPDATES, read: ['loss'] });
    assert.deepEqual(train.batchInputs, ['x', 'y']);
    assert.deepEqual([...train.stateInputs].sort(), Object.keys(TRAIN_UPDATES).sort());
    const first = (await train.run(batch(D, 0))).loss.data[0] as number;
    let last = first;
    for (let i = 1; i < 60; i++) last = (await train.run(batch(D, i))).loss.data[0] as number;
    assert.ok(last < first / 4, `loss ${first} → ${last}`);
    const { step } = Object.fromEntries(await ws.readState(['step']));
    assert.equal(step.data[0], 60);
  } finally {
    await ws.dispose();
  }
});

test('an evaluation program reads the parameters the training program updates', async () => {
  for (const provider of ['cpu', ...(noWebgpu ? [] : ['webgpu' as const])] as const) {
    const ws = await createWorkspace(provider, initialState(D));
    try {
      const train = await ws.load({ model: trainModel(D), updates: TRAIN_UPDATES, read: ['loss'] });
      const evaluate = await ws.load({ model: evalModel(D), read: ['loss', 'pred'] });
      const before = (await evaluate.run(batch(D, 999))).loss.data[0] as number;
      for (let i = 0; i < 30; i++) await train.run(batch(D, i));
      const after = await evaluate.run(batch(D, 999));
      assert.ok(
        (after.loss.data[0] as number) < before / 2,
        `${provider}: eval loss ${before} → ${after.loss.data[0]}`,
      );
      assert.deepEqual(after.pred.shape, [8]);
      // Evaluating changes nothing.
      const again = await evaluate.run(batch(D, 999));
      assert.equal(again.loss.data[0], after.loss.data[0]);
    } finally {
      await ws.dispose();
    }
  }
});

test('CPU and WebGPU give the same losses for the same program', { skip: noWebgpu }, async () => {
  const cpu = await trainLosses('cpu', 25);
  const gpu = await trainLosses('webgpu', 25);
  for (let i = 0; i < cpu.length; i++) {
    assert.ok(
      Math.abs(cpu[i] - gpu[i]) <= 1e-5 * Math.max(1, Math.abs(cpu[i])),
      `step ${i}: cpu ${cpu[i]} webgpu ${gpu[i]}`,
    );
  }
});

test('state written and read back round-trips on every provider', async () => {
  for (const provider of ['cpu', ...(noWebgpu ? [] : ['webgpu' as const])] as const) {
    const ws = await createWorkspace(provider, initialState(D));
    try {
      const w = tensor(
        'float32',
        [D],
        Float32Array.from({ length: D }, (_, i) => i / 4),
      );
      await ws.writeState(new Map([['w', w]]));
      const back = await ws.readState(['w', 'b']);
      assert.deepEqual(back.get('w'), w);
      assert.deepEqual([...back.get('b')!.data], [0]);
      await assert.rejects(
        ws.writeState(new Map([['w', tensor('float32', [D + 1], new Float32Array(D + 1))]])),
        /state "w" is float32 \[16\] but the new value is float32 \[17\]/,
      );
      await assert.rejects(ws.readState(['nope']), /no state named "nope"/);
    } finally {
      await ws.dispose();
    }
  }
});

test('bad programs and feeds are refused with the names involved', async () => {
  const ws = await createWorkspace('cpu', initialState(D));
  try {
    await assert.rejects(
      ws.load({ model: trainModel(D), updates: { w: 'w_nxt' }, read: ['loss'] }),
      /the model has no output w_nxt/,
    );
    await assert.rejects(ws.load({ model: trainModel(D), updates: { ww: 'w_next' }, read: [] }), /no state named "ww"/);
    await assert.rejects(
      ws.load({ model: trainModel(D), updates: { b: 'w_next' }, read: [] }),
      /output "w_next" is float32 \[16\] but replaces state "b", which is float32 \[1\]/,
    );
    const train = await ws.load({ model: trainModel(D), updates: TRAIN_UPDATES, read: ['loss'] });
    await assert.rejects(train.run({ x: batch(D, 0).x, z: batch(D, 0).y }), /missing inputs y; unknown inputs z/);
  } finally {
    await ws.dispose();
  }
});

test('releasing a program keeps the state it produced, and a new program carries on from it', async () => {
  for (const provider of ['cpu', ...(noWebgpu ? [] : ['webgpu' as const])] as const) {
    const ws = await createWorkspace(provider, initialState(D));
    try {
      const train = await ws.load({ model: trainModel(D), updates: TRAIN_UPDATES, read: ['loss'] });
      for (let i = 0; i < 10; i++) await train.run(batch(D, i));
      const before = await ws.readState(); // every tensor, then a subset below: both fetch shapes on one session
      await train.release();
      assert.deepEqual(
        await ws.readState(['w', 'step']),
        new Map([
          ['w', before.get('w')],
          ['step', before.get('step')],
        ]),
      );
      const again = await ws.load({ model: trainModel(D), updates: TRAIN_UPDATES, read: ['loss'] });
      const { loss } = await again.run(batch(D, 10));
      assert.ok(Number.isFinite(loss.data[0] as number));
      assert.equal((await ws.readState(['step'])).get('step')!.data[0], 11);
    } finally {
      await ws.dispose();
    }
  }
});
