import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkspace } from '../../../main/engine/runtime/workspace.ts';
import { readCheckpoint, restoreCheckpoint, saveCheckpoint } from '../../../main/engine/runtime/checkpoint.ts';
import { listProviders, type ProviderName } from '../../../main/engine/runtime/providers.ts';
import { writeSafetensors } from '../../../main/tensors/safetensors.ts';
import { tensor, type Tensor } from '../../../main/tensors/tensor.ts';
import { TRAIN_UPDATES, batch, initialState, numbers, trainModel } from './linear-adam.ts';

const D = 16;
const dir = mkdtempSync(join(tmpdir(), 'checkpoint-test-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const webgpu = (await listProviders()).find((p) => p.name === 'webgpu')!;

/** A state of the right names and shapes but other values, so a resume that restored nothing would show. */
function scrambledState(): Map<string, Tensor> {
  return new Map([...initialState(D)].map(([n, t]) => [n, tensor('float32', t.shape, numbers(99, t.data.length))]));
}

async function losses(provider: ProviderName, from: number, to: number, state: Map<string, Tensor>, restore?: string) {
  const ws = await createWorkspace(provider, state);
  const train = await ws.load({ model: trainModel(D), updates: TRAIN_UPDATES, read: ['loss'] });
  const meta = restore ? await restoreCheckpoint(restore, ws) : undefined;
  const out: number[] = [];
  for (let i = meta?.step ?? from; i < to; i++) out.push((await train.run(batch(D, i))).loss.data[0] as number);
  return { ws, out, meta };
}

for (const provider of ['cpu', 'webgpu'] as const) {
  test(
    `resuming from a checkpoint gives the same next losses as never stopping (${provider})`,
    {
      skip: provider === 'webgpu' && !webgpu.available ? `no WebGPU adapter: ${webgpu.reason}` : false,
    },
    async () => {
      const straight = await losses(provider, 0, 10, initialState(D));
      await straight.ws.dispose();

      const first = await losses(provider, 0, 5, initialState(D));
      const path = join(dir, `${provider}.safetensors`);
      await saveCheckpoint(path, first.ws, { step: 5, rng: [1, 2, 3], schedule: { warmupDone: true } });
      await first.ws.dispose();

      const resumed = await losses(provider, 0, 10, scrambledState(), path);
      try {
        assert.deepEqual(resumed.meta, { step: 5, rng: [1, 2, 3], schedule: { warmupDone: true } });
        assert.deepEqual(resumed.out, straight.out.slice(5));
        const { state } = await readCheckpoint(path);
        assert.equal(state.get('step')!.data[0], 5);
      } finally {
        await resumed.ws.dispose();
      }
    },
  );
}

test('a checkpoint that does not match the model, or is no checkpoint, is refused with the reason', async () => {
  const ws = await createWorkspace('cpu', initialState(D));
  try {
    const partial = join(dir, 'partial.safetensors');
    const state = await ws.readState();
    state.delete('v.b');
    state.set('extra', tensor('float32', [1], new Float32Array(1)));
    await writeSafetensors(partial, state, { format: 'taughtnet-checkpoint/1', meta: '{"step":1}' });
    await assert.rejects(
      restoreCheckpoint(partial, ws),
      /partial\.safetensors: the checkpoint does not match the model; missing v\.b; unexpected extra/,
    );

    const foreign = join(dir, 'weights.safetensors');
    await writeSafetensors(foreign, await ws.readState(), { format: 'pt' });
    await assert.rejects(
      restoreCheckpoint(foreign, ws),
      /weights\.safetensors: not a TaughtNet checkpoint \(format "pt"/,
    );

    const wrongShape = join(dir, 'shape.safetensors');
    const reshaped = await ws.readState();
    reshaped.set('w', tensor('float32', [D + 1], new Float32Array(D + 1)));
    await writeSafetensors(wrongShape, reshaped, { format: 'taughtnet-checkpoint/1', meta: '{"step":1}' });
    await assert.rejects(
      restoreCheckpoint(wrongShape, ws),
      /shape\.safetensors: state "w" is float32 \[16\] but the new value is float32 \[17\]/,
    );
    await assert.rejects(saveCheckpoint(join(dir, 'x.safetensors'), ws, { step: -1 }), /non-negative integer/);
  } finally {
    await ws.dispose();
  }
});
