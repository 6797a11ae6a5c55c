// The wizard's review step and teacher step through the app's IPC handlers: runs:estimate times real training
// steps in an engine host (not in this process) and adds up the run; runs:trained-teachers offers the teachers of
// earlier runs with their entity type.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceContext } from '../../main/services/context.ts';
import { handleIpc } from '../../main/services/handlers.ts';
import { interruptExecutingRuns } from '../../main/services/runs.ts';
import { openStore, type Store } from '../../main/store/store.ts';
import type { Result, RunDetails } from '../../shared/ipc/contract.ts';
import type { RunConfigInput } from '../../shared/method/run-config.ts';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import { TINY_BERT, corpusSlice } from '../pipeline/fixtures.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { ok, refusal, testServiceContext } from './service-context.ts';

const corpora = tempDir('estimate-ipc-corpora-');
const training = { epochs: 2, lr: 3e-3, batchSize: 4, maxLength: 64, seed: 3 };
const CONFIG: RunConfigInput = {
  corpora: [
    { path: corpusSlice(corpora, 'NCBI-disease', 24), type: 'Disease' },
    { path: corpusSlice(corpora, 'BC5CDR-chem', 24), type: 'Chemical' },
  ],
  teachers: [
    { type: 'Disease', model: { folder: TINY_BERT }, ...training },
    { type: 'Chemical', model: { folder: TINY_BERT }, ...training },
  ],
  students: [
    { model: { folder: TINY_BERT }, ...training, lambda: 0.99 },
    { model: { folder: TINY_BERT }, ...training, lambda: 0 },
  ],
  device: 'cpu',
};

let store: Store;
let ctx: ServiceContext;
let hostsStarted = 0;

before(() => {
  store = openStore({ dataDir: tempDir('estimate-ipc-store-') });
  ctx = testServiceContext(store, {
    startRuntime: () => {
      hostsStarted++;
      return startRuntime();
    },
  });
});

after(() => {
  interruptExecutingRuns(ctx);
  store.close();
});

test('runs:estimate times each model in an engine host and adds up the run, storing nothing', async () => {
  const estimate = ok<Result<'runs:estimate'>>(await handleIpc(ctx, 'runs:estimate', { config: CONFIG }));
  assert.equal(hostsStarted, 1, 'measured in an engine host of its own');
  assert.deepEqual(
    estimate.models.map((m) => m.name),
    ['teacher Disease', 'teacher Chemical', 'student 1', 'student 2'],
  );
  // 24 training sentences, batches of 4 (a long sentence may need two windows), 2 epochs.
  for (const m of estimate.models.slice(0, 2)) assert.ok(m.steps >= 12 && m.steps <= 16, `${m.name}: ${m.steps} steps`);
  for (const m of estimate.models.slice(2)) assert.ok(m.steps >= 24 && m.steps <= 30, `${m.name}: ${m.steps} steps`);
  for (const m of estimate.models) {
    assert.ok(m.secondsPerStep > 0 && m.secondsPerStep < 5, `${m.name}: ${m.secondsPerStep} s a step`);
    assert.ok(m.seconds > m.steps * m.secondsPerStep, `${m.name}: training plus its labelling`);
    // Its steps, its labelling and the rest (opening it, building programs, checkpoints) are each counted.
    const { steps, labelling, overhead } = m.parts;
    assert.ok(steps > 0 && labelling > 0 && overhead > 0, `${m.name}: ${JSON.stringify(m.parts)}`);
    assert.ok(Math.abs(m.seconds - (steps + labelling + overhead)) < 1e-9);
    assert.ok(Math.abs(steps - m.steps * m.secondsPerStep) < 1e-9);
  }
  assert.ok(Math.abs(estimate.seconds - estimate.models.reduce((n, m) => n + m.seconds, 0)) < 1e-9);
  if (process.platform === 'linux') assert.ok(estimate.peakMemoryMB! > 20, `peak ${estimate.peakMemoryMB} MB`);
  assert.deepEqual(estimate.reusedTeachers, []);
  assert.equal(
    store.db.prepare('SELECT count(*) FROM datasets').pluck().get(),
    0,
    'the corpora are not registered by an estimate',
  );
  assert.match(
    refusal(await handleIpc(ctx, 'runs:estimate', { config: { ...CONFIG, device: 'tpu' } })),
    /invalid arguments for runs:estimate/,
  );
  const missing = refusal(
    await handleIpc(ctx, 'runs:estimate', {
      config: { ...CONFIG, corpora: [{ path: '/no/such/corpus', type: 'Disease' }, CONFIG.corpora[1]] },
    }),
  );
  assert.match(missing, /\/no\/such\/corpus/);
});

test('runs:trained-teachers offers the teachers of a finished run with their types; an estimate reusing them times only the students', async () => {
  const run = ok<Result<'runs:start'>>(
    await handleIpc(ctx, 'runs:start', { name: 'first', config: { ...CONFIG, students: [CONFIG.students![1]] } }),
  );
  assert.match(
    refusal(await handleIpc(ctx, 'runs:estimate', { config: CONFIG })),
    /is training: .*estimate once it has finished/,
  );
  await ctx.executing.get(run.id)?.done;
  assert.equal(ok<RunDetails>(await handleIpc(ctx, 'runs:show', { runId: run.id })).run.status, 'completed');

  const teachers = ok<Result<'runs:trained-teachers'>>(await handleIpc(ctx, 'runs:trained-teachers', {}));
  assert.deepEqual(teachers.map((t) => [t.type, t.runName, t.model.name]).sort(), [
    ['Chemical', 'first', 'teacher Chemical'],
    ['Disease', 'first', 'teacher Disease'],
  ]);
  for (const t of teachers) assert.ok(t.testF1! >= 0 && t.testF1! <= 1);

  const reused = {
    ...CONFIG,
    teachers: teachers.map((t) => ({ type: t.type, model: { trained: t.model.id }, maxLength: 64 })),
  };
  const estimate = ok<Result<'runs:estimate'>>(await handleIpc(ctx, 'runs:estimate', { config: reused }));
  assert.deepEqual(
    estimate.models.map((m) => m.name),
    ['student 1', 'student 2'],
  );
  assert.deepEqual(estimate.reusedTeachers.sort(), ['Chemical', 'Disease']);
  // The reused teachers still label (the distributions, their test splits): the run counts that time too.
  assert.ok(estimate.seconds > estimate.models.reduce((n, m) => n + m.seconds, 0));
});
