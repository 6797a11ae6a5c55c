// A whole TaughtNet run on slices of the shipped NCBI-disease and BC5CDR-chem corpora, with the tiny BERT fixture
// folder as teachers and students, through the real engine host and a real store: two students (distilled, and the
// Merged baseline λ = 0) from teachers trained once, with every result recorded; a run killed (-9) during the second
// student resumes without training the first again, to the same scores as one never stopped; a cancelled run says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRuntime, type RuntimeClient } from '../../main/engine/runtime/client.ts';
import type { ServiceContext } from '../../main/services/context.ts';
import { loadModelFolder } from '../../main/models/model-folder.ts';
import { createTaughtNetRun, executeRun, type RunEvent } from '../../main/pipeline/taughtnet-run.ts';
import { serviceContext } from '../../main/cli/store.ts';
import { listAgreements } from '../../main/store/agreements.ts';
import { listErrorAnalyses } from '../../main/store/error-analyses.ts';
import { listEvaluations } from '../../main/store/evaluations.ts';
import { listMetrics } from '../../main/store/metrics.ts';
import { getModel, listModels } from '../../main/store/models.ts';
import { getDataset } from '../../main/store/datasets.ts';
import { getRun } from '../../main/store/runs.ts';
import { openStore } from '../../main/store/store.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { taughtnet } from '../cli/run-cli.ts';
import { TINY_BERT, corpusSlice, isMeasuredFigure } from './fixtures.ts';
import { loadTokenizer } from '../../main/models/tokenizer-files.ts';
import type { RunConfigInput } from '../../shared/method/run-config.ts';

const root = tempDir('pipeline-test-');
const ncbi = corpusSlice(root, 'NCBI-disease', 48);
const chem = corpusSlice(root, 'BC5CDR-chem', 48);
const training = { epochs: 2, lr: 3e-3, batchSize: 8, maxLength: 64, seed: 3 };
const CONFIG: RunConfigInput = {
  corpora: [
    { path: ncbi, type: 'Disease' },
    { path: chem, type: 'Chemical' },
  ],
  teachers: [
    { type: 'Chemical', model: { folder: TINY_BERT }, ...training },
    { type: 'Disease', model: { folder: TINY_BERT }, ...training },
  ],
  students: [
    { model: { folder: TINY_BERT }, ...training, epochs: 3, lambda: 0.5 },
    { model: { folder: TINY_BERT }, ...training, epochs: 2, lambda: 0 },
  ],
  device: 'cpu',
};

/** What a run recorded, comparable across stores: every epoch's figures and every test score, by name. */
const resultsOf = (dataDir: string) => {
  const store = openStore({ dataDir });
  try {
    const metrics = listMetrics(store, 1)
      .filter((m) => !isMeasuredFigure(m.name))
      .map(({ phase, epoch, name, value }) => ({ phase, epoch, name, value }));
    const scores = listEvaluations(store, {}).map((e) => ({
      model: getModel(store, e.modelId)!.name,
      dataset: getDataset(store, e.datasetId)!.name,
      mode: e.mode,
      f1: e.f1,
      precision: e.precision,
      recall: e.recall,
    }));
    return { metrics, scores };
  } finally {
    store.close();
  }
};

/** A fresh store in `name` and an engine host, both closed after `use`. */
async function withRunner(
  name: string,
  use: (ctx: ServiceContext, client: RuntimeClient, dataDir: string) => Promise<void>,
): Promise<void> {
  const dataDir = join(root, name);
  const store = openStore({ dataDir });
  const client = startRuntime();
  try {
    await use(serviceContext(store), client, dataDir);
  } finally {
    await client.terminate();
    store.close();
  }
}

let uninterrupted: ReturnType<typeof resultsOf>;

test('a run trains both teachers once and two students, and records models, metrics, evaluations, agreement and errors', () =>
  withRunner('store-a', async (ctx, client, dataDir) => {
    const { store } = ctx;
    const events: RunEvent[] = [];
    const run = createTaughtNetRun(ctx, { config: CONFIG });
    const finished = await executeRun(ctx, client, run.id, { onEvent: (e) => events.push(e) });
    assert.equal(finished.status, 'completed');
    assert.equal(finished.device, 'cpu');

    // Phases in the paper's order; teachers in corpus order (Disease first), whatever order the config lists them in.
    const phases = [...new Set(events.map((e) => e.phase))];
    assert.deepEqual(phases, [
      'prepare',
      'teacher:Disease',
      'teacher:Chemical',
      'distributions',
      'student:student 1',
      'student:student 2',
      'evaluate',
      'done',
    ]);
    const said = (phase: string) => events.find((e) => e.phase === phase)!.message;
    assert.match(said('student:student 1'), /distilled from 2 teachers \(λ = 0\.5\)/);
    assert.match(said('student:student 2'), /trained on the merged gold labels \(the Merged baseline\)/);
    const steps = events.filter((e) => e.training);
    assert.ok(
      steps.some((e) => e.training!.etaSeconds !== null && e.training!.etaSeconds >= 0),
      'progress carries an ETA',
    );
    // The whole run's ETA counts the models after this one: in the first teacher it is beyond the teacher's own.
    const early = steps.find((e) => e.phase === 'teacher:Disease' && e.training!.etaSeconds !== null)!;
    assert.ok(
      early.runEtaSeconds! > early.training!.etaSeconds!,
      `run ETA ${early.runEtaSeconds} > phase ETA ${early.training!.etaSeconds}`,
    );
    const last = steps.at(-1)!.training!;
    assert.equal(last.step, last.totalSteps);

    const models = listModels(store, { runId: run.id });
    assert.deepEqual(
      models.map((m) => [m.kind, m.name]),
      [
        ['teacher', 'teacher Disease'],
        ['teacher', 'teacher Chemical'],
        ['student', 'student 1'],
        ['student', 'student 2'],
      ],
    );
    const student = await loadModelFolder(join(dataDir, models[2].folder));
    assert.deepEqual(student.config.labels, ['B-Disease', 'I-Disease', 'B-Chemical', 'I-Chemical', 'O']);
    const teacher = await loadModelFolder(join(dataDir, models[1].folder));
    assert.deepEqual(teacher.config.labels, ['B-Chemical', 'I-Chemical', 'O']);

    const metrics = listMetrics(store, run.id);
    for (const [phase, epochs] of [
      ['teacher:Disease', 2],
      ['teacher:Chemical', 2],
      ['student:student 1', 3],
      ['student:student 2', 2],
    ] as const) {
      assert.equal(metrics.filter((m) => m.phase === phase && m.name === 'train_loss').length, epochs, phase);
    }
    const losses = metrics
      .filter((m) => m.phase === 'student:student 1' && m.name === 'train_loss')
      .map((m) => m.value);
    assert.ok(losses.every(Number.isFinite) && losses.at(-1)! < losses[0], `student loss falls: ${losses.join(', ')}`);
    assert.ok(metrics.some((m) => m.phase === 'student:student 1' && m.name === 'dev_f1:Chemical'));
    // Each phase's duration; each student's speeds and peak memory (the engine host's, from /proc).
    for (const phase of [
      'prepare',
      'teacher:Disease',
      'teacher:Chemical',
      'distributions',
      'student:student 1',
      'student:student 2',
      'evaluate',
    ]) {
      assert.ok(metrics.find((m) => m.phase === phase && m.name === 'seconds')!.value > 0, phase);
    }
    for (const phase of ['student:student 1', 'student:student 2']) {
      for (const name of ['train_samples_per_second', 'infer_samples_per_second', 'peak_memory_mb']) {
        assert.ok(metrics.find((m) => m.phase === phase && m.name === name)!.value > 0, `${phase} ${name}`);
      }
    }
    assert.equal(metrics.find((m) => m.phase === 'distributions' && m.name === 'reused:sum')!.value, 0);

    // Two teachers on their own corpus, two students on both, × 2 modes.
    const evaluations = listEvaluations(store, { runId: run.id });
    assert.equal(evaluations.length, 12);
    for (const e of evaluations)
      assert.ok(e.f1 >= 0 && e.f1 <= 1 && e.support > 0 && e.wordsPerSecond! > 0, JSON.stringify(e));
    const agreements = listAgreements(store, { runId: run.id });
    assert.equal(agreements.length, 2);
    assert.deepEqual(agreements[0].labels, ['ground truth', 'teacher Disease', 'student 1', 'student 2']);
    assert.ok(
      agreements.every((a) => a.matrix.every((row, i) => row[i] === 1)),
      'a labelling agrees with itself',
    );
    // Every model's error categories on each corpus it was scored on: teachers too.
    const errors = listErrorAnalyses(store, { runId: run.id });
    assert.equal(errors.length, 6);
    assert.deepEqual(new Set(errors.map((a) => a.modelId)), new Set(models.map((m) => m.id)));
    assert.ok(errors.every((a) => Object.values(a.counts).some((n) => n > 0)));
    uninterrupted = resultsOf(dataDir);
  }));

test('a run killed with -9 during the second student resumes with --resume, the first student kept, to the same figures and scores', async () => {
  const dataDir = join(root, 'store-b');
  const configFile = join(root, 'run.json');
  writeFileSync(configFile, JSON.stringify(CONFIG));
  // The CLI in a child process; killed once the second student has finished its first epoch.
  const child = spawn(process.execPath, ['main/cli/taughtnet.mjs', 'run', configFile, '--data-dir', dataDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (/\[student:student 2\] epoch 1: train loss/.test(stderr)) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`the run ended before the second student's first epoch:\n${stderr}`)));
  });
  await new Promise((resolve) => child.on('exit', resolve));

  const resumed = await taughtnet(['run', '--resume', '1', '--data-dir', dataDir, '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /run 1 .*interrupted/, 'the dead run is declared interrupted first');
  assert.doesNotMatch(resumed.stderr, /\[teacher:/, 'finished teachers are not trained again');
  assert.doesNotMatch(resumed.stderr, /\[student:student 1\]/, 'the finished first student is not trained again');
  assert.doesNotMatch(resumed.stderr, /\[distributions\]/, 'nor are the distributions computed again');
  assert.doesNotMatch(
    resumed.stderr,
    /\[student:student 2\] epoch 1:/,
    'the finished epoch of the second is not trained again',
  );
  assert.match(resumed.stderr, /\[student:student 2\] epoch 2:/);
  const out = JSON.parse(resumed.stdout);
  assert.equal(out.run.status, 'completed');
  // Bitwise the same figures: the resumed epochs start from the checkpointed state, data order and dropout seeds.
  assert.deepEqual(resultsOf(dataDir), uninterrupted);

  // The comparison in one object (the issue's Done-when), and in words.
  const [shown, text] = await Promise.all([
    taughtnet(['runs', 'show', '1', '--json', '--data-dir', dataDir]),
    taughtnet(['runs', 'show', '1', '--data-dir', dataDir]),
  ]);
  assert.equal(shown.code, 0, shown.stderr);
  const { summary } = JSON.parse(shown.stdout);
  const prf = { precision: Number, recall: Number, f1: Number };
  const isPrf = (x: Record<string, number>) => Object.keys(prf).every((k) => x[k] >= 0 && x[k] <= 1);
  assert.deepEqual(
    summary.teachers.map((t: { type: string; trained: boolean }) => [t.type, t.trained]),
    [
      ['Disease', true],
      ['Chemical', true],
    ],
  );
  assert.ok(
    summary.teachers.every(
      (t: { test: { lenient: Record<string, number>; strict: Record<string, number> } }) =>
        isPrf(t.test.lenient) && isPrf(t.test.strict),
    ),
  );
  assert.deepEqual(summary.distributions, { reused: false });
  assert.deepEqual(
    summary.students.map((st: { lambda: number; architecture: string }) => st.lambda),
    [0.5, 0],
  );
  for (const st of summary.students) {
    assert.equal(st.architecture, summary.students[0].architecture);
    for (const key of [
      'modelId',
      'parameters',
      'sizeMB',
      'trainSamplesPerSecond',
      'inferSamplesPerSecond',
      'peakMemoryMB',
    ])
      assert.ok(st[key] > 0, key);
    assert.deepEqual(Object.keys(st.test), ['Disease', 'Chemical']);
    assert.ok(isPrf(st.test.Chemical.strict));
    // CORRECT + CFN + WLRS + WLOS + RLOS count gold mentions: the same sum for every student of a corpus.
    assert.deepEqual(Object.keys(st.errors), ['Disease', 'Chemical']);
    assert.ok(st.errors.Disease.CORRECT >= 0 && st.errors.Disease.CFN >= 0);
  }
  assert.deepEqual(summary.kappa.Disease.labels, ['ground truth', 'teacher Disease', 'student 1', 'student 2']);
  assert.equal(summary.kappa.Chemical.matrix.length, 4);
  assert.match(
    text.stdout,
    /Cohen's kappa, Chemical test split:\n\s+ground truth\s+teacher Chemical\s+student 1\s+student 2\n/,
  );
  assert.match(text.stdout, /error categories:\nmodel\s+type\s+CORRECT\s+NEW\s+CFP\s+CFN\s+WLRS\s+WLOS\s+RLOS\n/);
  assert.match(text.stdout, /teacher Chemical\s+Chemical\s+\d+/, "teachers' error categories too");
  assert.match(text.stdout, /phases:\nphase\s+duration\nprepare\s/);
  assert.match(text.stdout, /student:student 2\s+\S/);
});

test('cancelling stops the run between steps and marks it cancelled', () =>
  withRunner('store-c', async (ctx, client) => {
    const { store } = ctx;
    const run = createTaughtNetRun(ctx, { config: CONFIG });
    const controller = new AbortController();
    const events: RunEvent[] = [];
    await assert.rejects(
      executeRun(ctx, client, run.id, {
        signal: controller.signal,
        onEvent: (e) => {
          events.push(e);
          if (e.training?.step === 3) controller.abort();
        },
      }),
      { name: 'AbortError' },
    );
    assert.equal(getRun(store, run.id)!.status, 'cancelled');
    assert.equal(events.filter((e) => e.training).at(-1)!.training!.step, 3, 'no step after the cancel');
    assert.deepEqual(listModels(store, { runId: run.id }), []);
  }));

test("a maxLength beyond the model's positions fails before training, saying what to set", () =>
  withRunner('store-d', async (ctx, client) => {
    const { store } = ctx;
    const run = createTaughtNetRun(ctx, {
      config: { ...CONFIG, teachers: CONFIG.teachers.map((t) => ({ ...t, maxLength: 128 })) },
    });
    await assert.rejects(
      executeRun(ctx, client, run.id),
      /the Disease teacher: maxLength 128 is more than the model's 64 positions/,
    );
    assert.equal(getRun(store, run.id)!.status, 'failed');
    assert.match(getRun(store, run.id)!.error!, /set its maxLength to at most 64/);
  }));

test('longSentences "drop" (the authors\' preprocessing) leaves out long sentences everywhere and counts them', () =>
  withRunner('store-e', async (ctx, client) => {
    const { store } = ctx;
    const maxLength = 40;
    const config = {
      ...CONFIG,
      longSentences: 'drop',
      students: [{ ...CONFIG.students![0], epochs: 1, maxLength }],
    } as const;
    const run = createTaughtNetRun(ctx, { config });
    const finished = await executeRun(ctx, client, run.id);
    assert.equal(finished.status, 'completed', finished.error ?? '');

    // Counted here from the tokenizer's own pieces: [CLS] + pieces (at least one per word) + [SEP].
    const { tokenizer } = loadTokenizer(TINY_BERT);
    const long = (block: string) =>
      block.split('\n').reduce((n, line) => n + Math.max(1, tokenizer.wordIds(line.split('\t')[0]).length), 2) >
      maxLength;
    const blocks = (folder: string, file: string) =>
      readFileSync(join(folder, file), 'utf8')
        .split(/\n\s*\n/)
        .filter((b) => b.trim());
    const figures = Object.fromEntries(listMetrics(store, run.id, { phase: 'prepare' }).map((m) => [m.name, m.value]));
    let dropped = 0;
    for (const [folder, type] of [
      [ncbi, 'Disease'],
      [chem, 'Chemical'],
    ]) {
      for (const [file, split] of [
        ['train.tsv', 'train'],
        ['devel.tsv', 'dev'],
        ['test.tsv', 'test'],
      ]) {
        const expected = blocks(folder, file).filter(long).length;
        assert.equal(figures[`dropped_sentences:${type}:${split}`], expected, `${type} ${split}`);
        dropped += expected;
      }
      // The test scores cover only the sentences kept.
      const kept = blocks(folder, 'test.tsv').filter((b) => !long(b));
      const mentions = kept.reduce((n, b) => n + (b.match(/\tB-/g) ?? []).length, 0);
      const dataset = listEvaluations(store, { runId: run.id }).find(
        (e) => getDataset(store, e.datasetId)!.entityTypes[0] === type,
      )!;
      assert.equal(dataset.support, mentions);
    }
    assert.ok(dropped > 0, 'the slices hold sentences over 40 subwords');
  }));
