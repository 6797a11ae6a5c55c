// Teachers trained once serve many students, across runs: a second run names the first run's teachers
// ({ "trained": ID }), trains no teacher and reuses the cached distributions; a teacher of the wrong type is refused
// before anything trains; a student added to a finished run (taughtnet run --add-student) trains alone; one student
// failing leaves the other's results, and resuming trains only the failed one; a student and a teacher with seeds
// train one model per seed, and runs show gives their scores' mean ± standard deviation. Real store, real engine
// host, the tiny BERT fixture (and once the tiny preset) and small slices of the shipped corpora.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import { serviceContext } from '../../main/cli/store.ts';
import { createTaughtNetRun, executeRun, type RunEvent } from '../../main/pipeline/taughtnet-run.ts';
import { listAgreements } from '../../main/store/agreements.ts';
import { listEvaluations } from '../../main/store/evaluations.ts';
import { listMetrics } from '../../main/store/metrics.ts';
import { listModels } from '../../main/store/models.ts';
import { getRun } from '../../main/store/runs.ts';
import { openStore, type Store } from '../../main/store/store.ts';
import type { RunConfigInput } from '../../shared/method/run-config.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { taughtnet } from '../cli/run-cli.ts';
import { TINY_BERT, corpusSlice } from './fixtures.ts';

const root = tempDir('students-test-');
const dataDir = join(root, 'store');
const corpora = [
  { path: corpusSlice(root, 'NCBI-disease', 32), type: 'Disease' },
  { path: corpusSlice(root, 'BC5CDR-chem', 32), type: 'Chemical' },
];
const training = { epochs: 1, lr: 3e-3, batchSize: 8, maxLength: 64, seed: 5 };
const student = (lambda: number, name?: string) => ({
  ...(name ? { name } : {}),
  model: { folder: TINY_BERT },
  ...training,
  lambda,
});

/** Executes a run created from `config` in the one store of this file; its events, and the error if it failed. */
async function execute(
  config: RunConfigInput | { resume: number },
): Promise<{ runId: number; events: RunEvent[]; error?: Error; store: Store }> {
  const store = openStore({ dataDir });
  const client = startRuntime();
  const ctx = serviceContext(store);
  const events: RunEvent[] = [];
  try {
    const runId = 'resume' in config ? config.resume : createTaughtNetRun(ctx, { config }).id;
    const error = await executeRun(ctx, client, runId, { onEvent: (e) => events.push(e) }).then(
      () => undefined,
      (e: Error) => e,
    );
    return { runId, events, error, store };
  } finally {
    await client.terminate();
  }
}

const phasesOf = (events: RunEvent[]) => [...new Set(events.map((e) => e.phase))];
let teacherIds: Record<string, number>;

test('a first run trains the teachers; a second naming them as trained trains none and reuses the distributions', async () => {
  const first = await execute({
    corpora,
    teachers: corpora.map((c) => ({ type: c.type, model: { folder: TINY_BERT }, ...training })),
    student: student(0.5),
    device: 'cpu',
  });
  try {
    assert.equal(first.error, undefined);
    teacherIds = Object.fromEntries(
      listModels(first.store, { runId: first.runId, kind: 'teacher' }).map((m) => [m.name.split(' ')[1], m.id]),
    );
  } finally {
    first.store.close();
  }

  const second = await execute({
    corpora,
    teachers: corpora.map((c) => ({ type: c.type, model: { trained: teacherIds[c.type] }, maxLength: 64 })),
    students: [student(0.5), student(0)],
    device: 'cpu',
  });
  try {
    assert.equal(second.error, undefined);
    assert.deepEqual(phasesOf(second.events), [
      'prepare',
      'distributions',
      'student:student 1',
      'student:student 2',
      'evaluate',
      'done',
    ]);
    assert.deepEqual(
      second.events.filter((e) => e.phase === 'distributions').map((e) => e.message),
      ["reusing the teachers' distributions (sum) computed by run 1: same teachers, corpora and aggregation"],
    );
    const figures = listMetrics(second.store, second.runId, { phase: 'distributions' });
    assert.deepEqual(
      figures.map((m) => [m.name, m.value]),
      [['reused:sum', 1]],
    );
    assert.deepEqual(
      listModels(second.store, { runId: second.runId }).map((m) => m.name),
      ['student 1', 'student 2'],
    );
    // The first run's teachers are scored in this run too, beside its students.
    const scored = new Set(listEvaluations(second.store, { runId: second.runId }).map((e) => e.modelId));
    assert.ok(scored.has(teacherIds.Disease) && scored.has(teacherIds.Chemical));
  } finally {
    second.store.close();
  }
  const shown = await taughtnet(['runs', 'show', String(second.runId), '--json', '--data-dir', dataDir]);
  const { summary } = JSON.parse(shown.stdout);
  assert.deepEqual(
    summary.teachers.map((t: { modelId: number; trained: boolean }) => [t.modelId, t.trained]),
    [
      [teacherIds.Disease, false],
      [teacherIds.Chemical, false],
    ],
  );
  assert.deepEqual(summary.distributions, { reused: true });
});

test('a trained teacher of another entity type is refused before anything trains, saying what to do', async () => {
  const run = await execute({
    corpora,
    teachers: [
      { type: 'Disease', model: { trained: teacherIds.Chemical } },
      { type: 'Chemical', model: { trained: teacherIds.Chemical } },
    ],
    student: student(0.5),
    device: 'cpu',
  });
  try {
    assert.match(
      run.error!.message,
      /the Disease teacher: model \d+ \("teacher Chemical"\) predicts B-Chemical, I-Chemical, O, not B-Disease, I-Disease, O; give the id of a teacher trained on a Disease corpus/,
    );
    assert.ok(!run.events.some((e) => e.training), 'nothing trained');
    assert.equal(getRun(run.store, run.runId)!.status, 'failed');
  } finally {
    run.store.close();
  }
});

test('taughtnet run --add-student trains only the new student of a finished run and scores it beside the others', async () => {
  const file = join(root, 'student.json');
  writeFileSync(file, JSON.stringify(student(0, 'Merged')));
  const added = await taughtnet(['run', '--add-student', '1', file, '--data-dir', dataDir, '--json']);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stderr, /run 1: Merged added/);
  assert.doesNotMatch(
    added.stderr,
    /\[teacher:|\[distributions\]|\[student:student 1\]/,
    'teachers, distributions and the first student are kept',
  );
  assert.match(added.stderr, /\[student:Merged\] Merged: trained on the merged gold labels \(the Merged baseline\)/);
  assert.equal(JSON.parse(added.stdout).run.status, 'completed');
  assert.doesNotMatch(added.stderr, /Warning: maxDynamic|adapter/i, 'a CPU run starts no WebGPU adapter');
  const store = openStore({ dataDir });
  try {
    assert.deepEqual(
      listModels(store, { runId: 1, kind: 'student' }).map((m) => m.name),
      ['student 1', 'Merged'],
    );
    assert.deepEqual(listAgreements(store, { runId: 1 })[0].labels, [
      'ground truth',
      'teacher Disease',
      'student 1',
      'Merged',
    ]);
  } finally {
    store.close();
  }
  const again = await taughtnet(['run', '--add-student', '1', file, '--data-dir', dataDir]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /already has a student named "Merged"/);
});

test("one student failing leaves the other's results; resuming trains only the failed one", async () => {
  const config: RunConfigInput = {
    corpora,
    teachers: corpora.map((c) => ({ type: c.type, model: { trained: teacherIds[c.type] }, maxLength: 64 })),
    students: [student(0.5, 'ok'), student(0, 'blocked')],
    device: 'cpu',
  };
  // A file where the second student's checkpoint folder goes: its training fails as on a broken disk.
  const store = openStore({ dataDir });
  const runId = createTaughtNetRun(serviceContext(store), { config }).id;
  store.close();
  const blocker = join(dataDir, 'runs', String(runId), 'student-blocked');
  mkdirSync(join(dataDir, 'runs', String(runId)), { recursive: true });
  writeFileSync(blocker, '');

  const failed = await execute({ resume: runId });
  try {
    assert.match(
      failed.error!.message,
      /1 of 2 students failed \(blocked: .*EEXIST.*\); the other models' results are stored/,
    );
    assert.equal(getRun(failed.store, runId)!.status, 'failed');
    const ok = listModels(failed.store, { runId, kind: 'student' });
    assert.deepEqual(
      ok.map((m) => m.name),
      ['ok'],
    );
    assert.equal(
      listEvaluations(failed.store, { runId }).filter((e) => e.modelId === ok[0].id).length,
      4,
      'two corpora × two modes',
    );
    assert.deepEqual(listAgreements(failed.store, { runId })[0].labels.slice(2), ['ok']);
  } finally {
    failed.store.close();
  }

  rmSync(blocker);
  const resumed = await execute({ resume: runId });
  try {
    assert.equal(resumed.error, undefined);
    assert.deepEqual(phasesOf(resumed.events), ['prepare', 'student:blocked', 'evaluate', 'done']);
    assert.deepEqual(listAgreements(resumed.store, { runId })[0].labels.slice(2), ['ok', 'blocked']);
  } finally {
    resumed.store.close();
  }
});

test('seeds: a tiny preset student and a teacher with two seeds; resuming trains only the failed seed; runs show gives mean ± sd', async () => {
  const { seed: _, ...unseeded } = training;
  // Slices this small leave most one-epoch models at all-O (F1 0 whatever the seed); the fixture students' two
  // seeds score differently here, so the deviations are checked beyond 0 too.
  const small = [
    { path: corpusSlice(join(root, 'small'), 'NCBI-disease', 16), type: 'Disease' },
    { path: corpusSlice(join(root, 'small'), 'BC5CDR-chem', 16), type: 'Chemical' },
  ];
  const config: RunConfigInput = {
    corpora: small,
    teachers: [
      { type: 'Disease', model: { folder: TINY_BERT }, ...unseeded, seeds: [1, 2] },
      { type: 'Chemical', model: { folder: TINY_BERT }, ...unseeded },
    ],
    students: [
      { name: 'tiny', model: { preset: 'tiny' }, ...unseeded, seeds: [1, 2], lambda: 0.5 },
      { name: 'fixture', model: { folder: TINY_BERT }, ...unseeded, seeds: [1, 2], lambda: 0.5 },
    ],
    device: 'cpu',
  };
  const store = openStore({ dataDir });
  const runId = createTaughtNetRun(serviceContext(store), { config }).id;
  store.close();
  // The second seed's checkpoint folder is taken by a file: that seed fails, the first is trained and scored.
  const blocker = join(dataDir, 'runs', String(runId), 'student-tiny-seed-2-');
  mkdirSync(join(dataDir, 'runs', String(runId)), { recursive: true });
  writeFileSync(blocker, '');
  const failed = await execute({ resume: runId });
  try {
    assert.match(failed.error!.message, /1 of 4 students failed \(tiny \(seed 2\): /);
    assert.deepEqual(phasesOf(failed.events), [
      'prepare',
      'teacher:Disease (seed 1)',
      'teacher:Disease (seed 2)',
      'teacher:Chemical',
      'distributions',
      'student:tiny (seed 1)',
      'student:tiny (seed 2)',
      'student:fixture (seed 1)',
      'student:fixture (seed 2)',
      'evaluate',
    ]);
    assert.deepEqual(
      listModels(failed.store, { runId }).map((m) => m.name),
      [
        'teacher Disease (seed 1)',
        'teacher Disease (seed 2)',
        'teacher Chemical',
        'tiny (seed 1)',
        'fixture (seed 1)',
        'fixture (seed 2)',
      ],
    );
  } finally {
    failed.store.close();
  }
  rmSync(blocker);
  const resumed = await execute({ resume: runId });
  let names: Map<number, string>;
  try {
    assert.equal(resumed.error, undefined);
    assert.deepEqual(
      phasesOf(resumed.events),
      ['prepare', 'student:tiny (seed 2)', 'evaluate', 'done'],
      'only the failed seed trains again',
    );
    const models = listModels(resumed.store, { runId });
    names = new Map(models.map((m) => [m.id, m.name]));
    assert.equal(
      models.find((m) => m.name === 'tiny (seed 2)')!.parameterCount,
      models.find((m) => m.name === 'tiny (seed 1)')!.parameterCount,
    );
    // Two seeds, two different students: their first training losses differ.
    const firstLoss = (seed: number) =>
      listMetrics(resumed.store, runId, { phase: `student:tiny (seed ${seed})` }).find((m) => m.name === 'train_loss')!
        .value;
    assert.notEqual(firstLoss(1), firstLoss(2));
    // The students learn from the first seed's Disease teacher: it alone stands in the kappa matrix.
    assert.deepEqual(listAgreements(resumed.store, { runId })[0].labels, [
      'ground truth',
      'teacher Disease (seed 1)',
      'tiny (seed 1)',
      'tiny (seed 2)',
      'fixture (seed 1)',
      'fixture (seed 2)',
    ]);
  } finally {
    resumed.store.close();
  }

  const [json, text] = await Promise.all([
    taughtnet(['runs', 'show', String(runId), '--json', '--data-dir', dataDir]),
    taughtnet(['runs', 'show', String(runId), '--data-dir', dataDir]),
  ]);
  assert.equal(json.code, 0, json.stderr);
  const { summary, evaluations } = JSON.parse(json.stdout);
  type Scored = { modelId: number; datasetName: string; mode: string; precision: number; recall: number; f1: number };
  /** The recorded score of each model named, on the corpus whose dataset is `corpus`. */
  const scoresOf = (modelNames: string[], corpus: string, mode: string, score: 'precision' | 'recall' | 'f1') =>
    modelNames.map(
      (name) =>
        (evaluations as Scored[]).find(
          (e) => names.get(e.modelId) === name && e.datasetName === corpus && e.mode === mode,
        )![score],
    );
  // Mean and sample standard deviation of two values: (a + b) / 2 and |a − b| / √2; one value has no deviation.
  const deviations: number[] = [];
  const expectSpread = (actual: { n: number; mean: number; sd: number | null }, values: number[]) => {
    deviations.push(actual.sd ?? 0);
    assert.equal(actual.n, values.length);
    assert.ok(Math.abs(actual.mean - values.reduce((s, x) => s + x, 0) / values.length) < 1e-12);
    if (values.length === 1) assert.equal(actual.sd, null);
    else
      assert.ok(
        Math.abs(actual.sd! - Math.abs(values[0] - values[1]) / Math.SQRT2) < 1e-12,
        `${actual.sd} for ${values}`,
      );
  };
  assert.deepEqual(
    summary.students.map((s: { name: string; group: string; seed: number }) => [s.name, s.group, s.seed]),
    [
      ['tiny (seed 1)', 'tiny', 1],
      ['tiny (seed 2)', 'tiny', 2],
      ['fixture (seed 1)', 'fixture', 1],
      ['fixture (seed 2)', 'fixture', 2],
    ],
  );
  assert.deepEqual(
    summary.groups.students.map((g: { name: string; lambda: number; seeds: number[] }) => [g.name, g.lambda, g.seeds]),
    [
      ['tiny', 0.5, [1, 2]],
      ['fixture', 0.5, [1, 2]],
    ],
  );
  const teachers = Object.fromEntries(summary.groups.teachers.map((g: { type: string }) => [g.type, g]));
  for (const group of summary.groups.students) {
    for (const [type, corpus] of [
      ['Disease', 'NCBI-disease'],
      ['Chemical', 'BC5CDR-chem'],
    ]) {
      for (const mode of ['lenient', 'strict']) {
        for (const score of ['precision', 'recall', 'f1'] as const) {
          expectSpread(
            group.test[type][mode][score],
            scoresOf([`${group.name} (seed 1)`, `${group.name} (seed 2)`], corpus, mode, score),
          );
        }
      }
    }
  }
  for (const score of ['precision', 'recall', 'f1'] as const) {
    expectSpread(
      teachers.Disease.test.lenient[score],
      scoresOf(['teacher Disease (seed 1)', 'teacher Disease (seed 2)'], 'NCBI-disease', 'lenient', score),
    );
  }
  assert.ok(
    deviations.some((sd) => sd > 0),
    'some score differs between the seeds, so the deviations are checked beyond 0',
  );
  assert.equal(teachers.Chemical.test.lenient.f1.n, 1);
  assert.equal(teachers.Chemical.test.lenient.f1.sd, null);

  // In words: "F1 46.55 ± 0.83 (n = 2)", in %.
  const f1 = summary.groups.students[1].test.Disease.lenient.f1;
  const line = `F1 ${(100 * f1.mean).toFixed(2)} ± ${(100 * f1.sd).toFixed(2)} (n = 2)`;
  assert.match(text.stdout, /over seeds \(mean ± sample standard deviation, %\):\n/);
  assert.ok(
    text.stdout.split('\n').some((l) => /^fixture\s+Disease\s+P /.test(l) && l.includes(line)),
    `${line} in:\n${text.stdout}`,
  );
  assert.match(text.stdout, /teacher Chemical\s+Chemical\s+P [\d.]+\s+R [\d.]+\s+F1 [\d.]+ \(n = 1\)/);
});
