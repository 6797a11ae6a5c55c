// Runs from the window, through the app's own IPC handlers (same validation, same services) with a real store and
// real engine hosts: a run started in the background reports progress and completes with its results; a second
// run is refused meanwhile; cancel, resume after the app quit mid-run, and delete behave as the user expects.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceContext } from '../../main/services/context.ts';
import { ok, refusal, testServiceContext } from './service-context.ts';
import { handleIpc } from '../../main/services/handlers.ts';
import { interruptExecutingRuns } from '../../main/services/runs.ts';
import { openStore, type Store } from '../../main/store/store.ts';
import type { EventName, Events, Reply, Result, RunDetails, RunProgress } from '../../shared/ipc/contract.ts';
import { thisHost } from '../../main/store/owner.ts';
import type { RunConfigInput } from '../../shared/method/run-config.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { TINY_BERT, corpusSlice } from '../pipeline/fixtures.ts';

const corpora = tempDir('runs-ipc-corpora-');
const training = { epochs: 1, lr: 3e-3, batchSize: 8, maxLength: 64, seed: 3 };
const CONFIG: RunConfigInput = {
  corpora: [
    { path: corpusSlice(corpora, 'NCBI-disease', 24), type: 'Disease' },
    { path: corpusSlice(corpora, 'BC5CDR-chem', 24), type: 'Chemical' },
  ],
  teachers: [
    { type: 'Disease', model: { folder: TINY_BERT }, ...training },
    { type: 'Chemical', model: { folder: TINY_BERT }, ...training },
  ],
  student: { model: { folder: TINY_BERT }, ...training, epochs: 2, lambda: 0.5 },
  device: 'cpu',
};

let store: Store;
let ctx: ServiceContext;
let events: { event: EventName; payload: Events[EventName] }[] = [];

before(() => {
  store = openStore({ dataDir: tempDir('runs-ipc-store-') });
  ctx = testServiceContext(store, { emit: (event, payload) => events.push({ event, payload }) });
});

after(async () => {
  interruptExecutingRuns(ctx);
  store.close();
});

async function call<C extends Parameters<typeof handleIpc>[1] & string>(
  channel: C,
  args: unknown,
): Promise<Reply<unknown>> {
  return handleIpc(ctx, channel, args);
}
/** Waits for the run executing in the background to end. */
async function settled(runId: number): Promise<RunDetails> {
  await ctx.executing.get(runId)?.done;
  return ok<RunDetails>(await call('runs:show', { runId }));
}
/** Resolves at the first progress of `runId` that `wanted` accepts; fails if the run ends first. */
function progressWhere(runId: number, wanted: (p: RunProgress) => boolean): Promise<void> {
  const running = ctx.executing.get(runId);
  if (!running) return Promise.reject(new Error(`run ${runId} is not executing`));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (running.progress && wanted(running.progress)) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    void running.done.then(() => {
      clearInterval(timer);
      reject(
        new Error(
          `run ${runId} ended before the awaited progress: ${JSON.stringify(store.db.prepare('SELECT status, error FROM runs WHERE id = ?').get(runId))}`,
        ),
      );
    });
  });
}
const firstTrainingStep = (runId: number) => progressWhere(runId, (p) => p.training !== null);

test('a bad config is refused with each problem named, and nothing is stored', async () => {
  const message = refusal(
    await call('runs:start', { config: { ...CONFIG, student: { ...CONFIG.student, lambda: 2 }, corpora: [] } }),
  );
  assert.match(message, /^invalid arguments for runs:start/);
  assert.match(message, /lambda/);
  assert.match(message, /corpora/);
  assert.deepEqual(ok(await call('runs:list', {})), []);
  assert.match(refusal(await call('runs:show', { runId: 0 })), /invalid arguments for runs:show/);
  assert.match(refusal(await call('runs:cancel', { runId: 99 })), /there is no run 99/);
});

test('a run started from the window trains in the background, reports progress, and records its results', async () => {
  events = [];
  const run = ok<Result<'runs:start'>>(await call('runs:start', { name: 'two corpora', config: CONFIG }));
  assert.equal(run.name, 'two corpora');
  // One run at a time on a workstation.
  assert.match(
    refusal(await call('runs:start', { config: CONFIG })),
    new RegExp(`run ${run.id} \\(two corpora\\) is training: wait for it to finish, or cancel it first`),
  );
  await firstTrainingStep(run.id);
  const listed = ok<Result<'runs:list'>>(await call('runs:list', {}));
  assert.equal(listed[0].run.id, run.id);
  assert.equal(listed[0].progress?.runId, run.id);
  assert.ok((listed[0].progress?.training?.totalSteps ?? 0) > 0);

  const details = await settled(run.id);
  assert.equal(details.run.status, 'completed', details.run.error ?? '');
  assert.equal(details.progress, null, 'no progress once it has ended');
  assert.deepEqual(
    details.models.map((m) => [m.name, m.kind]),
    [
      ['teacher Disease', 'teacher'],
      ['teacher Chemical', 'teacher'],
      ['student 1', 'student'],
    ],
  );
  assert.equal(details.evaluations.length, 8); // 2 corpora × (teacher, student) × (lenient, strict)
  assert.ok(details.evaluations.every((e) => e.wordsPerSecond! > 0));
  assert.deepEqual(
    details.datasets.map((d) => [d.name, d.entityTypes]),
    [
      ['NCBI-disease', ['Disease']],
      ['BC5CDR-chem', ['Chemical']],
    ],
  );
  assert.equal(details.agreements.length, 2);
  assert.equal(details.errorAnalyses.length, 4); // every model on every corpus it was scored on
  assert.deepEqual(
    [...new Set(details.metrics.map((m) => m.phase))],
    ['prepare', 'teacher:Disease', 'teacher:Chemical', 'distributions', 'student:student 1', 'evaluate'],
  );
  assert.ok(
    details.metrics.every((m) => m.step === null),
    'per-epoch figures only',
  );

  // The windows heard of it: progress with training figures, phases in order, and the end.
  const progress = events.filter((e) => e.event === 'runs:progress').map((e) => e.payload as Events['runs:progress']);
  assert.ok(progress.some((p) => p.training && p.training.step === p.training.totalSteps));
  assert.deepEqual(
    [...new Set(progress.map((p) => p.phase))],
    ['prepare', 'teacher:Disease', 'teacher:Chemical', 'distributions', 'student:student 1', 'evaluate', 'done'],
  );
  assert.ok(
    progress.some((p) => p.training && p.runEtaSeconds !== null),
    "progress carries the whole run's ETA",
  );
  assert.ok(events.filter((e) => e.event === 'runs:changed').length >= 3);
  assert.equal(ok<Result<'models:list'>>(await call('models:list', {}))[0].name, 'student 1');
  assert.match(
    refusal(await call('runs:resume', { runId: run.id })),
    /is completed: only an interrupted, failed or queued run can be resumed/,
  );

  // A student added from the window trains alone, in the background, and is scored beside the first.
  assert.match(
    refusal(await call('runs:add-student', { runId: run.id, student: { model: { trained: 1 } } })),
    /^invalid arguments for runs:add-student/,
  );
  const student = { ...CONFIG.student, lambda: 0, epochs: 1 };
  assert.equal(
    ok<Result<'runs:add-student'>>(await call('runs:add-student', { runId: run.id, student })).status,
    'queued',
  );
  const grown = await settled(run.id);
  assert.equal(grown.run.status, 'completed', grown.run.error ?? '');
  assert.deepEqual(
    grown.models.map((m) => m.name),
    ['teacher Disease', 'teacher Chemical', 'student 1', 'student 2'],
  );
  assert.deepEqual(grown.agreements[0].labels, ['ground truth', 'teacher Disease', 'student 1', 'student 2']);
});

test('cancel stops the run after its current step; a cancelled run can be deleted with its checkpoints', async () => {
  const run = ok<Result<'runs:start'>>(await call('runs:start', { config: CONFIG }));
  await firstTrainingStep(run.id);
  ok(await call('runs:cancel', { runId: run.id }));
  const details = await settled(run.id);
  assert.equal(details.run.status, 'cancelled');
  assert.ok(
    existsSync(join(store.dataDir, 'runs', String(run.id))),
    'the checkpoints are there until the run is deleted',
  );
  assert.deepEqual(ok(await call('runs:delete', { runId: run.id })), { deleted: true });
  assert.equal(existsSync(join(store.dataDir, 'runs', String(run.id))), false);
  assert.match(refusal(await call('runs:show', { runId: run.id })), new RegExp(`there is no run ${run.id}`));
});

test('a run the app quit in the middle of is interrupted, then resumes from the window without redoing a finished teacher', async () => {
  // The Chemical teacher trains long enough to be caught in the middle.
  const config = { ...CONFIG, teachers: [CONFIG.teachers[0], { ...CONFIG.teachers[1], epochs: 40 }] };
  const run = ok<Result<'runs:start'>>(await call('runs:start', { config }));
  await progressWhere(run.id, (p) => p.phase === 'teacher:Chemical' && p.training !== null);
  const executing = ctx.executing.get(run.id)!;
  interruptExecutingRuns(ctx); // what the app does when it quits
  await executing.done;
  assert.equal(ok<RunDetails>(await call('runs:show', { runId: run.id })).run.status, 'interrupted');
  assert.match(refusal(await call('runs:delete', { runId: 10_000 })), /there is no run 10000/);

  events = [];
  ok(await call('runs:resume', { runId: run.id }));
  const details = await settled(run.id);
  assert.equal(details.run.status, 'completed', details.run.error ?? '');
  assert.equal(details.evaluations.length, 8);
  const phases = new Set(
    events.filter((e) => e.event === 'runs:progress').map((e) => (e.payload as RunProgress).phase),
  );
  assert.ok(
    phases.has('teacher:Chemical') && !phases.has('teacher:Disease'),
    `phases after resume: ${[...phases].join(', ')}`,
  );
});

test('a run left running by a process that died meanwhile is marked interrupted when the window lists runs', async () => {
  const run = ok<Result<'runs:start'>>(await call('runs:start', { config: CONFIG }));
  ctx.executing.get(run.id)!.controller.abort();
  await settled(run.id);
  // As a `taughtnet run` killed with -9 leaves its row: running, owned by a pid that is gone.
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  const now = new Date().toISOString();
  store.db
    .prepare(
      `UPDATE runs SET status = 'running', started_at = ?, finished_at = NULL, owner_pid = ?, owner_host = ?, heartbeat_at = ? WHERE id = ?`,
    )
    .run(now, dead, thisHost(), now, run.id);
  events = [];
  const listed = ok<Result<'runs:list'>>(await call('runs:list', {}));
  assert.equal(listed.find((s) => s.run.id === run.id)?.run.status, 'interrupted');
  assert.deepEqual(events, [{ event: 'runs:changed', payload: { runId: run.id } }]);
  assert.equal(ok<Result<'runs:cancel'>>(await call('runs:cancel', { runId: run.id })).status, 'cancelled');
});

test("a run another machine took over (after this one's heartbeat went stale) is left to it", async () => {
  const run = ok<Result<'runs:start'>>(await call('runs:start', { config: CONFIG }));
  await firstTrainingStep(run.id);
  // What a machine that resumed the run writes.
  store.db
    .prepare(`UPDATE runs SET owner_host = 'other-lab-pc', owner_pid = 4242, heartbeat_at = ? WHERE id = ?`)
    .run(new Date().toISOString(), run.id);
  const details = await settled(run.id);
  assert.deepEqual([details.run.status, details.run.ownerHost], ['running', 'other-lab-pc']);
  assert.ok(!details.models.some((m) => m.kind === 'student'), 'this process stopped at its next phase');
  assert.ok(
    existsSync(join(store.dataDir, 'runs', String(run.id))),
    'the checkpoints stay for the machine that runs it now',
  );
  store.db
    .prepare(`UPDATE runs SET status = 'failed', finished_at = ?, owner_host = NULL, owner_pid = NULL WHERE id = ?`)
    .run(new Date().toISOString(), run.id);
});
