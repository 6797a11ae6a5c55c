import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseRunConfig,
  teacherName,
  teacherSeedsInCorpusOrder,
  studentGroup,
  parseStudentConfig,
  referenceCodeChoices,
  REFERENCE_CODE_OPTIONS,
  studentLossConfig,
  teachersInCorpusOrder,
  type RunConfigInput,
} from '../../shared/method/run-config.ts';

const minimal: RunConfigInput = {
  corpora: [
    { path: 'resources/datasets/NCBI-disease', type: 'Disease' },
    { dataset: 2, type: 'Chemical' },
  ],
  // Listed in the other order on purpose: teachers are matched to corpora by type.
  teachers: [
    { type: 'Chemical', model: { folder: '/models/biobert' } },
    { type: 'Disease', model: { preset: 'base' }, epochs: 30 },
  ],
  student: { model: { preset: 'tiny' } },
};

test("a minimal config gets the paper's defaults", () => {
  const c = parseRunConfig(minimal);
  const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  const common = {
    lr: 5e-5,
    batchSize: 8,
    maxLength: 128,
    seed: 1,
    warmupRatio: 0,
    weightDecay: 0,
    maxGradNorm: 1,
    adam,
  };
  // Teachers 30 epochs (§IV-A), students 20 (§IV-D).
  assert.deepEqual(c.teachers[0], { type: 'Chemical', model: { folder: '/models/biobert' }, epochs: 30, ...common });
  assert.deepEqual(c.teachers[1], { type: 'Disease', model: { preset: 'base' }, ...common, epochs: 30 });
  assert.deepEqual(c.students, [
    {
      name: 'student 1',
      model: { preset: 'tiny' },
      epochs: 20,
      ...common,
      lambda: 0.99,
      aggregation: 'sum',
      gtIgnoresO: false,
      kdReduction: 'token',
    },
  ]);
  assert.deepEqual([c.version, c.checkpointSelection, c.longSentences, c.device], [1, 'dev', 'window', 'auto']);
  assert.deepEqual(referenceCodeChoices(c), []);
});

test('teachers come back in corpus order, whatever order they were written in', () => {
  assert.deepEqual(
    teachersInCorpusOrder(parseRunConfig(minimal)).map((t) => t.type),
    ['Disease', 'Chemical'],
  );
});

test('the student loss settings become a LossConfig', () => {
  const c = parseRunConfig({ ...minimal, student: { model: { preset: 'tiny' }, lambda: 0.5, gtIgnoresO: true } });
  assert.deepEqual(studentLossConfig(c.students[0]), { lambda: 0.5, gtIgnoresO: true, kdReduction: 'token' });
});

test('"students" lists several, each named; "student" is a list of one; a stored config reads back the same', () => {
  const { student: _, ...rest } = minimal;
  const c = parseRunConfig({
    ...rest,
    students: [{ model: { preset: 'tiny' } }, { name: 'Merged', model: { preset: 'tiny' }, lambda: 0 }],
  });
  assert.deepEqual(
    c.students.map((s) => [s.name, s.lambda]),
    [
      ['student 1', 0.99],
      ['Merged', 0],
    ],
  );
  assert.deepEqual(parseRunConfig(JSON.parse(JSON.stringify(c))), c);
  assert.deepEqual(
    parseRunConfig({ ...minimal, teachers: [{ type: 'Disease', model: { trained: 4 } }, minimal.teachers[0]] })
      .teachers[0].model,
    { trained: 4 },
  );
  assert.throws(() => parseRunConfig({ ...minimal, students: [{ model: { preset: 'tiny' } }] }), /not both/);
  assert.throws(() => parseRunConfig(rest), /give "students"/);
  assert.throws(
    () =>
      parseRunConfig({
        ...rest,
        students: [
          { name: 'a', model: { preset: 'tiny' } },
          { name: 'a', model: { preset: 'tiny' } },
        ],
      }),
    /two students are named "a"/,
  );
  assert.throws(() => parseRunConfig({ ...rest, students: [{ model: { trained: 4 } }] }), /students\[0\]\.model/);
  const [added] = parseStudentConfig({ model: { preset: 'tiny' }, lambda: 0 }, c.students);
  assert.equal(added.name, 'student 3');
  assert.throws(
    () => parseStudentConfig({ name: 'Merged', model: { preset: 'tiny' } }, c.students),
    /already has a student named "Merged"/,
  );
});

test('"seeds" makes one student per seed, named and grouped, and one teacher per seed; a stored config reads back the same', () => {
  const { student: _, ...rest } = minimal;
  const c = parseRunConfig({
    ...rest,
    teachers: [{ ...minimal.teachers[0], seeds: [4, 2] }, minimal.teachers[1]],
    students: [
      { name: 'tiny λ0.99', model: { preset: 'tiny' }, seeds: [1, 2, 3] },
      { model: { preset: 'tiny' }, lambda: 0, seeds: [7] },
      { model: { preset: 'tiny' }, seed: 5 },
    ],
  });
  assert.deepEqual(
    c.students.map((s) => [s.name, studentGroup(s), s.seed]),
    [
      ['tiny λ0.99 (seed 1)', 'tiny λ0.99', 1],
      ['tiny λ0.99 (seed 2)', 'tiny λ0.99', 2],
      ['tiny λ0.99 (seed 3)', 'tiny λ0.99', 3],
      ['student 2 (seed 7)', 'student 2', 7],
      ['student 3', 'student 3', 5],
    ],
  );
  assert.ok(
    c.students.every((s) => !('seeds' in s)),
    "each seed's student is an ordinary student with one seed",
  );
  // The students learn from the first seed's teacher; every seed's teacher is trained and named by its seed.
  assert.deepEqual(
    teachersInCorpusOrder(c).map((t) => [t.type, t.seed]),
    [
      ['Disease', 1],
      ['Chemical', 4],
    ],
  );
  assert.deepEqual(
    teacherSeedsInCorpusOrder(c).map((ts) => ts.map((t) => teacherName(c, t))),
    [['teacher Disease'], ['teacher Chemical (seed 4)', 'teacher Chemical (seed 2)']],
  );
  assert.deepEqual(parseRunConfig(JSON.parse(JSON.stringify(c))), c);
});

test('seeds are refused when listed twice, with "seed", empty, on a trained teacher, or where a group\'s students differ', () => {
  const { student: _, ...rest } = minimal;
  const bad = (value: unknown, message: RegExp) => assert.throws(() => parseRunConfig(value, 'run.json'), message);
  const tiny = { model: { preset: 'tiny' } } as const;
  bad(
    { ...rest, students: [{ ...tiny, seeds: [1, 2, 1] }] },
    /seed 1 is listed twice; each seed trains one model[\s\S]*students\[0\]\.seeds\[2\]/,
  );
  bad({ ...rest, students: [{ ...tiny, seed: 3, seeds: [1, 2] }] }, /give "seed": N or "seeds": \[ … \], not both/);
  bad({ ...rest, students: [{ ...tiny, seeds: [] }] }, /give at least one seed/);
  bad(
    { ...minimal, teachers: [{ ...minimal.teachers[0], seeds: [2, 2] }, minimal.teachers[1]] },
    /teachers\[0\]\.seeds\[1\]/,
  );
  bad(
    { ...minimal, teachers: [{ type: 'Chemical', model: { trained: 4 }, seeds: [1, 2] }, minimal.teachers[1]] },
    /taken from the store is used as it is: it has no seeds/,
  );
  // A name a seed's student takes already.
  bad(
    {
      ...rest,
      students: [
        { ...tiny, name: 'a', seeds: [1] },
        { ...tiny, name: 'a (seed 1)' },
      ],
    },
    /two students are named "a \(seed 1\)"/,
  );
  // A stored config edited by hand: the students of a group (or the teachers of a corpus) differ in more than their seed.
  const stored = parseRunConfig({ ...rest, students: [{ ...tiny, name: 'a', seeds: [1, 2] }] });
  bad(
    { ...stored, students: [stored.students[0], { ...stored.students[1], lr: 1e-3 }] },
    /the students of group "a" differ in lr; the students of a group differ only in their seed/,
  );
  bad(
    { ...stored, students: [stored.students[0], { ...stored.students[1], seed: 1 }] },
    /two students of group "a" have seed 1/,
  );
  bad(
    { ...stored, teachers: [...stored.teachers, { ...stored.teachers[0], seed: 2, epochs: 3 }] },
    /a second teacher for Chemical \(differing in epochs\); give one per corpus, with "seeds"/,
  );
});

test('a student added with seeds joins its group when the settings match, and is refused when they do not', () => {
  const { student: _, ...rest } = minimal;
  const c = parseRunConfig({
    ...rest,
    students: [
      { name: 'tiny', model: { preset: 'tiny' }, seeds: [1, 2] },
      { model: { preset: 'tiny' }, lambda: 0 },
    ],
  });
  // Unnamed: "student N" counts the groups of the run.
  assert.deepEqual(
    parseStudentConfig({ model: { preset: 'tiny' }, seeds: [1, 2] }, c.students).map((s) => s.name),
    ['student 3 (seed 1)', 'student 3 (seed 2)'],
  );
  const more = parseStudentConfig({ name: 'tiny', model: { preset: 'tiny' }, seeds: [3] }, c.students);
  assert.deepEqual(
    more.map((s) => [s.name, studentGroup(s)]),
    [['tiny (seed 3)', 'tiny']],
  );
  assert.throws(
    () => parseStudentConfig({ name: 'tiny', model: { preset: 'tiny' }, seeds: [2] }, c.students),
    /already has a student named "tiny \(seed 2\)"/,
  );
  assert.throws(
    () => parseStudentConfig({ name: 'tiny', model: { preset: 'tiny' }, lambda: 0.5, seeds: [3] }, c.students),
    /the students of group "tiny" differ in lambda/,
  );
  assert.throws(
    () => parseStudentConfig({ model: { preset: 'tiny' }, seeds: [4, 4] }, c.students),
    /seed 4 is listed twice/,
  );
});

test('reference-code options are reported with their warnings', () => {
  const c = parseRunConfig({
    ...minimal,
    checkpointSelection: 'test',
    student: { model: { preset: 'tiny' }, aggregation: 'softmax' },
  });
  const chosen = referenceCodeChoices(c);
  assert.deepEqual(
    chosen.map((o) => o.setting),
    ['student.aggregation', 'checkpointSelection'],
  );
  assert.match(chosen[1].warning, /test scores are optimistic/);
});

test('every reference-code option names a real setting whose default is the paper value', () => {
  const parsed = parseRunConfig(minimal);
  const c = { ...parsed, student: parsed.students[0] } as unknown as Record<string, unknown>;
  for (const o of REFERENCE_CODE_OPTIONS) {
    const value = o.setting.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], c);
    assert.equal(value, o.paper, o.setting);
    assert.notEqual(o.reference, o.paper);
    // The reference value is accepted by the schema.
    const [head, key] = o.setting.split('.');
    const edited = key
      ? { ...minimal, [head]: { ...(minimal as unknown as Record<string, object>)[head], [key]: o.reference } }
      : { ...minimal, [head]: o.reference };
    assert.deepEqual(
      referenceCodeChoices(parseRunConfig(edited)).map((x) => x.setting),
      [o.setting],
    );
  }
});

test('bad configs are refused, each problem named with its path', () => {
  const bad = (value: unknown, message: RegExp) => assert.throws(() => parseRunConfig(value, 'run.json'), message);
  bad(
    { ...minimal, student: { model: { preset: 'tiny' }, lambda: 1.2 } },
    /invalid run\.json[\s\S]*λ is at most 1[\s\S]*student\.lambda/,
  );
  bad({ ...minimal, teachers: minimal.teachers.slice(0, 1) }, /no teacher for Disease/);
  bad(
    { ...minimal, teachers: [...minimal.teachers, { type: 'Gene', model: { preset: 'tiny' } }] },
    /no corpus has type Gene/,
  );
  bad({ ...minimal, teachers: [...minimal.teachers, minimal.teachers[0]] }, /a second teacher for Chemical/);
  bad({ ...minimal, corpora: [minimal.corpora[0], { dataset: 3, type: 'Disease' }] }, /two corpora have type Disease/);
  bad({ ...minimal, corpora: [{ path: 'x', type: 'rare disease' }] }, /one word without spaces/);
  bad({ ...minimal, corpora: [] }, /at least one corpus/);
  bad({ ...minimal, student: { model: { preset: 'huge' } } }, /student\.model/);
  bad({ ...minimal, student: { model: { preset: 'tiny', folder: '/m' } } }, /student\.model/);
  bad({ ...minimal, checkpointSelection: 'train' }, /checkpointSelection/);
  bad({ ...minimal, device: 'tpu' }, /device/);
  bad({ ...minimal, epochs: 3 }, /epochs/); // unknown top-level key
  bad({ ...minimal, student: { model: { preset: 'tiny' }, batchSize: 0 } }, /student\.batchSize/);
  bad(
    { ...minimal, student: { model: { preset: 'tiny' }, batchSize: 8, microBatchSize: 16 } },
    /microBatchSize 16 is more than batchSize 8[\s\S]*student\.microBatchSize/,
  );
  bad(
    { ...minimal, device: 'webgpu', student: { model: { preset: 'tiny' }, batchSize: 8, microBatchSize: 2 } },
    /micro-batches \(microBatchSize\) run on the CPU only[\s\S]*device/,
  );
});

test('micro-batches are a training setting of teachers and students, whole batches when left out', () => {
  const c = parseRunConfig({
    ...minimal,
    teachers: [{ ...minimal.teachers[0], batchSize: 16, microBatchSize: 4 }, minimal.teachers[1]],
  });
  assert.deepEqual(
    c.teachers.map((t) => [t.batchSize, t.microBatchSize]),
    [
      [16, 4],
      [8, undefined],
    ],
  );
  assert.equal(c.students[0].microBatchSize, undefined);
});
