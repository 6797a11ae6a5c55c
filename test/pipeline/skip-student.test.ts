// Skipping one student while the others go on (issue 8): the first of two students is skipped mid-training; the
// second trains and is scored, the first has no scores, is recorded as skipped with its last finished epoch kept, and
// the run ends interrupted, saying so; resuming trains the skipped student from that epoch. A skip asked for from
// another process (`taughtnet runs skip-student`) reaches the run training here. Real store, real engine host, the
// tiny BERT fixture as every model, small slices of the shipped corpora registered under names of their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import { serviceContext } from '../../main/cli/store.ts';
import { createTaughtNetRun, executeRun, skipStudent, type RunEvent } from '../../main/pipeline/taughtnet-run.ts';
import { registerDatasetFiles } from '../../main/store/dataset-registration.ts';
import { listEvaluations } from '../../main/store/evaluations.ts';
import { listModels } from '../../main/store/models.ts';
import { getRun } from '../../main/store/runs.ts';
import { listStudentSkips } from '../../main/store/student-skips.ts';
import { openStore } from '../../main/store/store.ts';
import type { ServiceContext } from '../../main/services/context.ts';
import type { RunConfigInput } from '../../shared/method/run-config.ts';
import type { Run } from '../../shared/store-types.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { taughtnet } from '../cli/run-cli.ts';
import { TINY_BERT, corpusSlice } from './fixtures.ts';

const root = tempDir('skip-student-test-');
const dataDir = join(root, 'store');
const training = { model: { folder: TINY_BERT }, lr: 3e-3, batchSize: 4, maxLength: 64, seed: 2 };
const phasesOf = (events: RunEvent[]) => [...new Set(events.map((e) => e.phase))];
const messagesOf = (events: RunEvent[], phase: string) =>
  events.filter((e) => e.phase === phase && !e.training).map((e) => e.message);
let runId = 0;
let corpora: RunConfigInput['corpora'];

test('the first of two students skipped mid-training: the second is trained and scored, resuming trains the first', async () => {
  const store = openStore({ dataDir });
  const client = startRuntime();
  const ctx = serviceContext(store);
  const events: RunEvent[] = [];
  const asked: boolean[] = [];
  try {
    // Registered under names that are not their folders' (the progress names them as the Datasets page does).
    corpora = [];
    for (const [folder, name, type] of [
      [corpusSlice(root, 'NCBI-disease', 32), 'NCBI slice', 'Disease'],
      [corpusSlice(root, 'BC5CDR-chem', 32), 'CDR slice', 'Chemical'],
    ]) {
      const { dataset } = await registerDatasetFiles(store, { folder, name, entityType: type });
      corpora.push({ dataset: dataset.id, type });
    }
    const config: RunConfigInput = {
      corpora,
      teachers: corpora.map((c) => ({ type: c.type, ...training, epochs: 1 })),
      // 32 + 32 sentences (68 windows) in batches of 4: 17 steps an epoch.
      students: [
        { name: 'first', ...training, epochs: 3, lambda: 0.5 },
        { name: 'second', ...training, epochs: 1, lambda: 0 },
      ],
      device: 'cpu',
    };
    runId = createTaughtNetRun(ctx, { config }).id;
    const finished = await executeRun(ctx, client, runId, {
      onEvent: (e) => {
        events.push(e);
        // In its second epoch (the first is checkpointed), as the window's button or another terminal would ask.
        if (e.phase === 'student:first' && e.training?.step === 20) {
          asked.push(skipStudent(ctx, runId, 'first'), skipStudent(ctx, runId, 'first'));
          assert.throws(
            () => skipStudent(ctx, runId, 'third'),
            /^Error: run \d+ has no student "third"; its students are "first", "second"$/,
          );
        }
      },
    });

    assert.deepEqual(asked, [true, false], 'asked once; asking again says so');
    const firstSteps = events.filter((e) => e.phase === 'student:first' && e.training).map((e) => e.training!.step);
    assert.equal(Math.max(...firstSteps), 20, 'the first student stopped at its next step');
    assert.deepEqual(phasesOf(events), [
      'prepare',
      'teacher:Disease',
      'teacher:Chemical',
      'distributions',
      'student:first',
      'student:second',
      'evaluate',
      'done',
    ]);
    assert.deepEqual(messagesOf(events, 'teacher:Disease').slice(0, 1), [
      'fine-tuning the Disease teacher on NCBI slice',
    ]);
    assert.ok(
      messagesOf(events, 'student:first').includes(
        'first skipped at your request (its last finished epoch is kept, and resuming the run trains it from there); the other students go on',
      ),
    );
    assert.deepEqual(messagesOf(events, 'evaluate'), ['scoring 2 teachers and 1 student on each test split']);

    assert.equal(finished.status, 'interrupted');
    assert.equal(finished.phase, 'student:first', 'it stands where resuming goes on, not at the scoring it finished');
    assert.equal(
      finished.error,
      `student "first" was skipped at your request; the other models' results are stored, and resuming the run trains it`,
    );
    assert.deepEqual(getRun(store, runId), finished);
    const students = listModels(store, { runId, kind: 'student' });
    assert.deepEqual(
      students.map((m) => m.name),
      ['second'],
    );
    const scored = new Set(listEvaluations(store, { runId }).map((e) => e.modelId));
    assert.ok(scored.has(students[0].id), 'the second student is scored');
    assert.equal(scored.size, 3, 'two teachers and the second student: the skipped one has no scores');
    const [skip] = listStudentSkips(store, runId);
    assert.equal(skip.student, 'first');
    assert.ok(skip.skippedAt, 'recorded as skipped');
    assert.ok(
      existsSync(join(dataDir, 'runs', String(runId), 'student-first', 'last.safetensors')),
      'its first epoch is kept',
    );
  } finally {
    await client.terminate();
    store.close();
  }

  const [json, text] = await Promise.all([
    taughtnet(['runs', 'show', String(runId), '--json', '--data-dir', dataDir]),
    taughtnet(['runs', 'show', String(runId), '--data-dir', dataDir]),
  ]);
  assert.equal(json.code, 0, json.stderr);
  const { summary } = JSON.parse(json.stdout);
  assert.deepEqual(summary.skippedStudents, ['first']);
  assert.deepEqual(
    summary.students.map((s: { name: string }) => s.name),
    ['second'],
  );
  assert.match(text.stdout, /^status +interrupted$/m);
  assert.match(text.stdout, /^why it stopped: student "first" was skipped at your request;/m);
  assert.match(text.stdout, /^skipped at your request \(resuming the run trains them\): first$/m);
  assert.doesNotMatch(text.stdout, /students not trained/);

  // Resumed as a user would: only the skipped student trains, from its second epoch, and every model is scored.
  const resumed = await taughtnet(['run', '--resume', String(runId), '--data-dir', dataDir, '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(JSON.parse(resumed.stdout).run.status, 'completed');
  const phases = [...new Set([...resumed.stderr.matchAll(/^\[([^\]]+)\]/gm)].map((m) => m[1]))];
  assert.deepEqual(phases, ['prepare', 'student:first', 'evaluate', 'done']);
  assert.match(resumed.stderr, /\[student:first\] epoch 2\/3, step 18\/51/);
  assert.doesNotMatch(resumed.stderr, /\[student:first\] epoch 1\/3/, 'its first epoch is not trained again');
  assert.match(resumed.stderr, /scoring 2 teachers and 2 students on each test split/);
  const after = JSON.parse(
    (await taughtnet(['runs', 'show', String(runId), '--json', '--data-dir', dataDir])).stdout,
  ).summary;
  assert.deepEqual(after.skippedStudents, []);
  assert.deepEqual(
    after.students.map((s: { name: string }) => s.name),
    ['first', 'second'],
  );
  assert.ok(Object.keys(after.students[0].test).length === 2, 'the first student is scored on both corpora');
});

/**
 * Runs one student, distilled from the first test's teachers (reused as they are), each event passed to `onEvent`
 * with the run's id as it comes; returns the finished run and its events.
 */
async function studentRun(
  student: { name: string; epochs: number },
  onEvent: (e: RunEvent, ctx: ServiceContext, runId: number) => void,
): Promise<{ finished: Run; events: RunEvent[] }> {
  const store = openStore({ dataDir });
  const client = startRuntime();
  const ctx = serviceContext(store);
  const teachers = listModels(store, { runId, kind: 'teacher' });
  const events: RunEvent[] = [];
  try {
    const run = createTaughtNetRun(ctx, {
      config: {
        corpora,
        teachers: teachers.map((t, i) => ({ type: corpora[i].type, model: { trained: t.id }, maxLength: 64 })),
        students: [{ ...training, ...student, lambda: 0 }],
        device: 'cpu',
      },
    });
    const finished = await executeRun(ctx, client, run.id, {
      onEvent: (e) => {
        events.push(e);
        onEvent(e, ctx, run.id);
      },
    });
    return { finished, events };
  } finally {
    await client.terminate();
    store.close();
  }
}

test('a student skipped in its first epoch is said to start again on resume: it has no epoch to keep', async () => {
  const { finished, events } = await studentRun({ name: 'early', epochs: 2 }, (e, ctx, id) => {
    if (e.training?.step === 2) skipStudent(ctx, id, 'early');
  });
  assert.equal(finished.status, 'interrupted');
  assert.equal(finished.phase, 'student:early');
  assert.deepEqual(messagesOf(events, 'student:early').slice(1), [
    'early skipped at your request (it had not finished an epoch, so resuming the run trains it from the start); the other students go on',
  ]);
});

test('taughtnet runs skip-student from another process stops the student training here', async () => {
  let cli: ReturnType<typeof taughtnet> | undefined;
  // Far more steps than the command needs to start: it is the skip that ends this student.
  const { finished, events } = await studentRun({ name: 'long one', epochs: 400 }, (e, _, id) => {
    if (e.training && !cli) cli = taughtnet(['runs', 'skip-student', String(id), 'long one', '--data-dir', dataDir]);
  });
  const said = await cli!;
  assert.equal(said.code, 0, said.stderr);
  assert.equal(
    said.stdout,
    `run ${finished.id}: "long one" stops at its next step and the other students go on; taughtnet run --resume ${finished.id} trains it later\n`,
  );
  assert.equal(finished.status, 'interrupted');
  assert.match(finished.error!, /^student "long one" was skipped at your request/);
  const steps = events.filter((e) => e.training).map((e) => e.training!.step);
  assert.ok(Math.max(...steps) < 400 * 17, `stopped at step ${Math.max(...steps)}`);
  assert.deepEqual(messagesOf(events, 'evaluate'), ['scoring 2 teachers and 0 students on each test split']);

  // Refused with what is wrong: a run not training, a student that is not there.
  const notTraining = await taughtnet(['runs', 'skip-student', String(runId), 'first', '--data-dir', dataDir]);
  assert.equal(notTraining.code, 1);
  assert.match(
    notTraining.stderr,
    new RegExp(
      `^taughtnet: run ${runId} is completed, not training: only a student of a run that is training can be skipped`,
    ),
  );
  const unknown = await taughtnet(['runs', 'skip-student', '99', 'first', '--data-dir', dataDir]);
  assert.match(unknown.stderr, /^taughtnet: there is no run 99/);
});
