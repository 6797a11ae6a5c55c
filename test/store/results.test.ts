// Datasets, models and what runs find out about them: evaluations, agreement matrices, error analyses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type Store } from '../../main/store/store.ts';
import { addDataset, deleteDataset, findDataset, getDataset, listDatasets } from '../../main/store/datasets.ts';
import { addModel, deleteModel, getModel, listModels } from '../../main/store/models.ts';
import { createRun, deleteRun } from '../../main/store/runs.ts';
import { listEvaluations, saveEvaluation } from '../../main/store/evaluations.ts';
import { listAgreements, saveAgreement } from '../../main/store/agreements.ts';
import { listErrorAnalyses, saveErrorAnalysis } from '../../main/store/error-analyses.ts';
import { tempDir } from './fixtures/temp-dir.ts';

const HASH = 'c'.repeat(64);
const COUNTS = { CORRECT: 785, NEW: 803, CFP: 43, CFN: 24, WLRS: 9, WLOS: 24, RLOS: 113 };

function seeded(): { store: Store; datasetId: number; runId: number; teacherId: number; studentId: number } {
  const store = openStore({ dataDir: tempDir() });
  const dataset = addDataset(store, {
    name: 'NCBI-disease',
    source: 'resources/datasets/NCBI-disease',
    entityTypes: ['Disease'],
    contentHash: HASH,
    splits: [
      { name: 'train', sentences: 5424, tokens: 135701, mentions: 5134 },
      { name: 'devel', sentences: 923, tokens: 23969, mentions: 787 },
      { name: 'test', sentences: 940, tokens: 24497, mentions: 960 },
    ],
  });
  const run = createRun(store, { name: 'distil', config: { lambda: 0.5 } });
  const teacher = addModel(store, {
    name: 'teacher NCBI',
    kind: 'teacher',
    architecture: 'bert-base',
    parameterCount: 108_893_186,
    sizeBytes: 435_572_744,
    folder: 'models/teacher-ncbi',
    runId: run.id,
  });
  const student = addModel(store, {
    name: 'student',
    kind: 'student',
    architecture: 'bert-tiny',
    parameterCount: 4_386_178,
    sizeBytes: 17_544_712,
    folder: 'models/student',
    runId: run.id,
  });
  return { store, datasetId: dataset.id, runId: run.id, teacherId: teacher.id, studentId: student.id };
}

test('datasets keep their splits in order, entity types and content hash', () => {
  const { store, datasetId } = seeded();
  const dataset = getDataset(store, datasetId)!;
  assert.deepEqual(
    dataset.splits.map((s) => s.name),
    ['train', 'devel', 'test'],
  );
  assert.deepEqual(dataset.entityTypes, ['Disease']);
  assert.equal(findDataset(store, 'NCBI-disease', HASH)?.id, datasetId);
  assert.equal(findDataset(store, 'NCBI-disease', 'd'.repeat(64)), undefined);
  assert.throws(
    () =>
      addDataset(store, {
        name: 'NCBI-disease',
        source: 'x',
        entityTypes: ['Disease'],
        contentHash: HASH,
        splits: [{ name: 'a', sentences: 1, tokens: 1, mentions: 0 }],
      }),
    /dataset "NCBI-disease": one already exists/,
  );
  assert.throws(
    () =>
      addDataset(store, {
        name: 'd',
        source: 'x',
        entityTypes: [],
        contentHash: 'XYZ',
        splits: [
          { name: 'a', sentences: -1, tokens: 1, mentions: 0 },
          { name: 'a', sentences: 1, tokens: 1, mentions: 0 },
        ],
      }),
    (e: Error) =>
      /at entityTypes/.test(e.message) &&
      /sha256/.test(e.message) &&
      /at splits\[0\]\.sentences/.test(e.message) &&
      /split names must differ/.test(e.message),
  );
  assert.equal(listDatasets(store).length, 1);
  store.close();
});

test('models are listed by kind and refuse negative sizes and unknown kinds', () => {
  const { store, runId, teacherId } = seeded();
  assert.deepEqual(
    listModels(store, { kind: 'teacher' }).map((m) => m.id),
    [teacherId],
  );
  assert.equal(listModels(store, { runId }).length, 2);
  assert.equal(getModel(store, teacherId)?.parameterCount, 108_893_186);
  const base = {
    name: 'm',
    kind: 'pretrained',
    architecture: 'bert',
    parameterCount: 1,
    sizeBytes: 1,
    folder: '/models/m',
  } as const;
  assert.throws(() => addModel(store, { ...base, sizeBytes: -5 }), /invalid model:[\s\S]*at sizeBytes/);
  assert.throws(
    () => addModel(store, { ...base, kind: 'oracle' as never }),
    /expected one of "pretrained"\|"teacher"\|"student"/,
  );
  assert.throws(() => addModel(store, { ...base, runId: 999 }), /model "m": it refers to a run.* that does not exist/);
  // A model outlives the run record that produced it.
  deleteRun(store, runId);
  assert.equal(getModel(store, teacherId)?.runId, null);
  store.close();
});

test('evaluations per model, split and mode; saving again replaces', () => {
  const { store, datasetId, runId, teacherId, studentId } = seeded();
  const scores = { precision: 0.86, recall: 0.89, f1: 0.8747, support: 960 };
  const base = { runId, datasetId, split: 'test', ...scores, perType: { Disease: scores } };
  saveEvaluation(store, { ...base, modelId: teacherId, mode: 'lenient' });
  saveEvaluation(store, { ...base, modelId: teacherId, mode: 'strict', f1: 0.85 });
  const again = saveEvaluation(store, { ...base, modelId: teacherId, mode: 'strict', f1: 0.86 });
  saveEvaluation(store, { ...base, modelId: studentId, mode: 'strict' });
  assert.equal(again.perType.Disease.support, 960);
  assert.deepEqual(
    listEvaluations(store, { modelId: teacherId }).map((e) => [e.mode, e.f1]),
    [
      ['lenient', 0.8747],
      ['strict', 0.86],
    ],
  );
  assert.equal(listEvaluations(store, { mode: 'strict' }).length, 2);
  assert.throws(() => saveEvaluation(store, { ...base, modelId: teacherId, mode: 'strict', f1: 1.2 }), /at f1/);
  assert.throws(() => saveEvaluation(store, { ...base, modelId: teacherId, mode: 'loose' as never }), /at mode/);
  assert.throws(
    () => saveEvaluation(store, { ...base, modelId: teacherId, mode: 'strict', split: 'validation' }),
    /evaluation of model \d+ on dataset \d+\/validation: it refers to .* that does not exist/,
  );
  assert.throws(
    () =>
      saveEvaluation(store, {
        ...base,
        modelId: teacherId,
        mode: 'strict',
        perType: { Disease: { ...scores, support: -1 } },
      }),
    /perType\.Disease\.support/,
  );
  deleteModel(store, studentId);
  assert.equal(listEvaluations(store).length, 2);
  store.close();
});

test('agreement matrices are square, symmetric kappas with one label per row', () => {
  const { store, datasetId, runId } = seeded();
  const labels = ['ground truth', 'teacher NCBI', 'student'];
  const matrix = [
    [1, 0.81, 0.77],
    [0.81, 1, 0.9],
    [0.77, 0.9, 1],
  ];
  const saved = saveAgreement(store, { runId, datasetId, split: 'test', labels, matrix });
  assert.deepEqual([saved.labels, saved.matrix], [labels, matrix]);
  assert.throws(
    () => saveAgreement(store, { runId, datasetId, split: 'test', labels, matrix: matrix.slice(1) }),
    /expected a 3×3 matrix/,
  );
  assert.throws(
    () =>
      saveAgreement(store, {
        runId,
        datasetId,
        split: 'test',
        labels,
        matrix: [
          [1, 0.8, 0.7],
          [0.81, 1, 0.9],
          [0.77, 0.9, 1],
        ],
      }),
    /kappa is symmetric, but \[1\]\[0\]/,
  );
  assert.throws(
    () =>
      saveAgreement(store, {
        runId,
        datasetId,
        split: 'test',
        labels,
        matrix: [
          [1, 2, 0],
          [2, 1, 0],
          [0, 0, 1],
        ],
      }),
    /at matrix\[0\]\[1\]/,
  );
  assert.equal(listAgreements(store, { datasetId }).length, 1);
  deleteDataset(store, datasetId);
  assert.equal(listAgreements(store).length, 0);
  store.close();
});

test('error analyses hold every category of the paper', () => {
  const { store, datasetId, runId, studentId } = seeded();
  const details = { RLOS: [{ sentence: 12, gold: 'breast cancer', predicted: 'cancer' }] };
  const saved = saveErrorAnalysis(store, {
    runId,
    modelId: studentId,
    datasetId,
    split: 'test',
    counts: COUNTS,
    details,
  });
  assert.deepEqual([saved.counts, saved.details], [COUNTS, details]);
  const { RLOS: _, ...missing } = COUNTS;
  assert.throws(
    () =>
      saveErrorAnalysis(store, {
        runId,
        modelId: studentId,
        datasetId,
        split: 'test',
        counts: missing as never,
        details,
      }),
    /at counts\.RLOS/,
  );
  assert.throws(
    () =>
      saveErrorAnalysis(store, {
        runId,
        modelId: studentId,
        datasetId,
        split: 'test',
        counts: { ...COUNTS, OTHER: 1 } as never,
        details,
      }),
    /OTHER/,
  );
  assert.equal(listErrorAnalyses(store, { modelId: studentId })[0].counts.CORRECT, 785);
  deleteRun(store, runId);
  assert.equal(listErrorAnalyses(store).length, 0);
  store.close();
});
