// Issue 12, faults 3 and 4: what a run needs is checked before its first training step. A broken student folder or
// a corpus with an empty split used to be found only after both teachers had trained; a resume repeated that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { startRuntime, type RuntimeClient } from '../../main/engine/runtime/client.ts';
import type { ServiceContext } from '../../main/services/context.ts';
import { checkStepMemory } from '../../main/pipeline/preflight.ts';
import { createTaughtNetRun, executeRun, type RunEvent } from '../../main/pipeline/taughtnet-run.ts';
import { serviceContext } from '../../main/cli/store.ts';
import { addDataset } from '../../main/store/datasets.ts';
import { listMetrics } from '../../main/store/metrics.ts';
import { listModels } from '../../main/store/models.ts';
import { getRun } from '../../main/store/runs.ts';
import { openStore } from '../../main/store/store.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { TINY_BERT, corpusSlice, isMeasuredFigure } from './fixtures.ts';
import type { RunConfigInput } from '../../shared/method/run-config.ts';
import { presetConfig, SHIPPED_VOCAB, sizePreset } from '../../shared/models/presets.ts';
import { microBatchToFit, RUN_MEMORY_SHARE } from '../../shared/models/step-memory.ts';

const root = tempDir('preflight-test-');
const ncbi = corpusSlice(root, 'NCBI-disease', 24);
const chem = corpusSlice(root, 'BC5CDR-chem', 24);
const training = { epochs: 1, lr: 3e-3, batchSize: 8, maxLength: 64, seed: 3 };
const config = (
  student: NonNullable<RunConfigInput['student']>['model'],
  corpora: RunConfigInput['corpora'] = [
    { path: ncbi, type: 'Disease' },
    { path: chem, type: 'Chemical' },
  ],
): RunConfigInput => ({
  corpora,
  teachers: [
    { type: 'Disease', model: { folder: TINY_BERT }, ...training },
    { type: 'Chemical', model: { folder: TINY_BERT }, ...training },
  ],
  student: { model: student, ...training },
  device: 'cpu',
});

async function withRunner(use: (ctx: ServiceContext, client: RuntimeClient) => Promise<void>): Promise<void> {
  const store = openStore({ dataDir: tempDir('preflight-store-') });
  const client = startRuntime();
  try {
    await use(serviceContext(store), client);
  } finally {
    await client.terminate();
    store.close();
  }
}

/** Runs (or resumes) and expects it to fail in 'prepare' with `message`, before any step: no model, no figure. */
async function failsBeforeTraining(
  ctx: ServiceContext,
  client: RuntimeClient,
  runId: number,
  message: RegExp,
): Promise<void> {
  const events: RunEvent[] = [];
  await assert.rejects(executeRun(ctx, client, runId, { onEvent: (e) => events.push(e) }), message);
  const run = getRun(ctx.store, runId)!;
  assert.equal(run.status, 'failed');
  assert.match(run.error!, message);
  assert.equal(run.phase, 'prepare', 'it failed in the prepare phase');
  assert.deepEqual(
    events.filter((e) => e.training),
    [],
    'no training step ran',
  );
  assert.deepEqual(listModels(ctx.store, { runId }), [], 'no teacher was trained');
  assert.deepEqual(
    listMetrics(ctx.store, runId).filter((m) => !isMeasuredFigure(m.name)),
    [],
    'no epoch was recorded',
  );
}

test('fault 4: a truncated student weights file fails the run before the first teacher trains, and again on resume', () =>
  withRunner(async (ctx, client) => {
    const student = join(root, 'truncated-student');
    cpSync(TINY_BERT, student, { recursive: true });
    const weights = join(student, 'model.safetensors');
    truncateSync(weights, Math.floor(statSync(weights).size / 2));
    const run = createTaughtNetRun(ctx, { config: config({ folder: student }) });
    const message = /the student "student 1": .*truncated-student[\\/]model\.safetensors: .*truncated/;
    await failsBeforeTraining(ctx, client, run.id, message);
    await failsBeforeTraining(ctx, client, run.id, message); // the resume checks again, as fast
  }));

test('fault 4: a missing student folder and a student folder without a tokenizer are named before training', () =>
  withRunner(async (ctx, client) => {
    const missing = createTaughtNetRun(ctx, { config: config({ folder: join(root, 'no-such-model') }) });
    await failsBeforeTraining(ctx, client, missing.id, /the student "student 1": .*no-such-model: no such folder/);
    const noTokenizer = join(root, 'no-tokenizer');
    cpSync(TINY_BERT, noTokenizer, { recursive: true, filter: (src) => !/vocab\.txt|tokenizer/.test(src) });
    const run = createTaughtNetRun(ctx, { config: config({ folder: noTokenizer }) });
    await failsBeforeTraining(ctx, client, run.id, /the student "student 1": .*no-tokenizer: no tokenizer files/);
  }));

test('fault 3: a corpus whose stored cut leaves its test split empty fails the run before training', () =>
  withRunner(async (ctx, client) => {
    // A dataset registered before `dataset add` refused such cuts: one file cut 100/0/0.
    const file = join(root, 'one-file.tsv');
    writeFileSync(file, 'Cancer\tB-Disease\nhere\tO\n\nno\tO\n\nTumour\tB-Disease\n');
    const dataset = addDataset(ctx.store, {
      name: 'one-file',
      source: file,
      entityTypes: ['Disease'],
      contentHash: 'a'.repeat(64),
      split: { ratios: [100, 0, 0], seed: 42 },
      splits: [
        { name: 'train', sentences: 3, tokens: 4, mentions: 2 },
        { name: 'dev', sentences: 0, tokens: 0, mentions: 0 },
        { name: 'test', sentences: 0, tokens: 0, mentions: 0 },
      ],
    });
    const run = createTaughtNetRun(ctx, {
      config: config({ preset: 'tiny' }, [
        { dataset: dataset.id, type: 'Disease' },
        { path: chem, type: 'Chemical' },
      ]),
    });
    await failsBeforeTraining(
      ctx,
      client,
      run.id,
      /the Disease corpus one-file has no sentences in its dev and test splits/,
    );
  }));

test('a student whose training step cannot fit this computer fails the run before training, naming the micro-batch that fits', () =>
  withRunner(async (ctx, client) => {
    // Large in batches of 64 windows of 512 subwords needs some 130 GB a step: more than this machine has.
    const large = { ...training, batchSize: 64, maxLength: 512 };
    const run = createTaughtNetRun(ctx, {
      config: { ...config({ preset: 'large' }), student: { model: { preset: 'large' }, ...large } },
    });
    const fits = microBatchToFit(
      presetConfig(sizePreset('large'), SHIPPED_VOCAB, null),
      64,
      512,
      RUN_MEMORY_SHARE * (totalmem() / 1e6),
    );
    assert.ok(fits !== null && fits < 64, `this machine fits ${fits}`);
    await failsBeforeTraining(
      ctx,
      client,
      run.id,
      new RegExp(
        `the student "student 1": its training at batch 64 .* needs about \\d+\\.\\d GB of memory, .*set its "microBatchSize" to ${fits} `,
      ),
    );
  }));

test('step memory: checked on the CPU and for micro-batches, which run there; GPU steps keep their state on the device', () => {
  const large = presetConfig(sizePreset('large'), SHIPPED_VOCAB, null);
  const settings = { batchSize: 16, maxLength: 128 };
  const cpu = { device: 'cpu' as const, memoryMB: 64_000 };
  checkStepMemory('Large', settings, large, cpu); // 11.1 GB of 51 GB
  checkStepMemory('Large', settings, large, { ...cpu, memoryMB: 16_000 }); // of 12.8 GB
  assert.throws(
    () => checkStepMemory('Large', settings, large, { ...cpu, memoryMB: 12_000 }),
    /^Error: Large: its training at batch 16 of windows of 128 subwords needs about 11\.1 GB of memory, more than the 9\.6 GB a run may use on this computer \(80 % of its 12\.0 GB\): set its "microBatchSize" to 8 \(/,
  );
  assert.throws(
    () => checkStepMemory('Large', { ...settings, microBatchSize: 8 }, large, { device: 'cuda', memoryMB: 4_000 }),
    /Large: its training in micro-batches of 8 windows of 128 subwords .*even one window at a time \(\d+\.\d GB\): train a smaller model/,
  );
  checkStepMemory('Large', settings, large, { device: 'cuda', memoryMB: 4_000 }); // on the GPU: not the host's memory
});
