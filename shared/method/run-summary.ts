// A run's results as the paper compares them, in one object (`taughtnet runs show ID --json`'s "summary"): each
// teacher's test scores, whether the distributions came from an earlier run, each student's scores per entity
// type (Tables IV–V) with its size, speeds and peak memory, every model's error categories (Table VI), and per
// entity type the kappa matrix over the ground truth, the teacher and every student (Fig. 2), and, for models
// trained with several seeds, each score's mean and sample standard deviation over them (per corpus, its teachers;
// per student group and corpus, its students). Pure: it reads a run's details as the window receives them.
import type { RunDetails } from '../runs.ts';
import type { ErrorCategory, Evaluation, Model, RunMetric } from '../store-types.ts';
import { groupBy } from '../group-by.ts';
import { spread, type Spread } from '../metrics/spread.ts';
import { parseRunConfig, studentGroup } from './run-config.ts';

export interface PRF {
  precision: number;
  recall: number;
  f1: number;
}

export interface ModelTest {
  lenient: PRF;
  strict: PRF;
}

export interface TeacherSummary {
  type: string;
  modelId: number;
  name: string;
  /** Trained by this run; false for a trained teacher taken from the store ({ "trained": ID }). */
  trained: boolean;
  test: ModelTest;
  errors: Partial<Record<ErrorCategory, number>>;
}

export interface StudentSummary {
  name: string;
  /** The students trained as one with different seeds (see StudentGroupSummary): its name, or its own name. */
  group: string;
  seed: number;
  modelId: number;
  lambda: number;
  architecture: string;
  parameters: number;
  sizeMB: number;
  /** Training sentences per second over its epochs (each epoch's dev scoring included), on the run's device. */
  trainSamplesPerSecond: number | null;
  /** Test sentences per second of tokenizing and labelling, on the run's device. */
  inferSamplesPerSecond: number | null;
  /** The engine host's peak resident memory while it trained (Linux), in MB. */
  peakMemoryMB: number | null;
  /** Per entity type (each corpus's test split). */
  test: Record<string, ModelTest>;
  errors: Record<string, Partial<Record<ErrorCategory, number>>>;
}

/** Each score's mean and sample standard deviation over seeds (fractions, as the scores). */
export interface TestSpread {
  lenient: Record<keyof PRF, Spread>;
  strict: Record<keyof PRF, Spread>;
}

/** The teachers of one corpus (several where the config gave it seeds). */
export interface TeacherGroupSummary {
  type: string;
  modelIds: number[];
  test: TestSpread;
}

/** The trained students of one group: one student, or one per seed of a student with "seeds". */
export interface StudentGroupSummary {
  name: string;
  lambda: number;
  seeds: number[];
  modelIds: number[];
  /** Per entity type (each corpus's test split), over the students scored on it. */
  test: Record<string, TestSpread>;
}

export interface RunResults {
  teachers: TeacherSummary[];
  distributions: { reused: boolean };
  students: StudentSummary[];
  /** Over seeds: per corpus its teachers, per group its students (n = 1 where a model has one seed). */
  groups: { teachers: TeacherGroupSummary[]; students: StudentGroupSummary[] };
  /** Students of the config not (yet) trained: still to come, failed or skipped (the run's error says why). */
  untrainedStudents: string[];
  /** Those of them the user skipped (the run stopped them; resuming it trains them). */
  skippedStudents: string[];
  kappa: Record<string, { labels: string[]; matrix: number[][] }>;
  /** Each phase's duration in seconds, in the pipeline's order. */
  phases: { phase: string; seconds: number }[];
}

/** Both modes' scores are there (a run stopped while it scored may have one). */
const complete = (t: ModelTest) => [t.lenient, t.strict].every((p) => Object.values(p).every(Number.isFinite));

/** The spread of every score over `tests` (at least one, each complete). */
function testSpread(tests: readonly ModelTest[]): TestSpread {
  const over = (mode: keyof ModelTest) => ({
    precision: spread(tests.map((t) => t[mode].precision)),
    recall: spread(tests.map((t) => t[mode].recall)),
    f1: spread(tests.map((t) => t[mode].f1)),
  });
  return { lenient: over('lenient'), strict: over('strict') };
}

const prf = (e: Evaluation | undefined): PRF =>
  e ? { precision: e.precision, recall: e.recall, f1: e.f1 } : { precision: NaN, recall: NaN, f1: NaN };

export function summariseRun(details: RunDetails): RunResults {
  const { run, models, evaluations, errorAnalyses, agreements, metrics } = details;
  const config = parseRunConfig(run.config, `run ${run.id}'s config`);
  // Every evaluation carries the entity type of its corpus.
  const typeOf = new Map(evaluations.map((e) => [e.datasetId, Object.keys(e.perType)[0]]));
  const testOf = (modelId: number, datasetId: number): ModelTest => {
    const of = (mode: Evaluation['mode']) =>
      evaluations.find((e) => e.modelId === modelId && e.datasetId === datasetId && e.mode === mode);
    return { lenient: prf(of('lenient')), strict: prf(of('strict')) };
  };
  const errorsOf = (modelId: number) =>
    Object.fromEntries(
      errorAnalyses
        .filter((a) => a.modelId === modelId)
        .map((a) => [typeOf.get(a.datasetId) ?? String(a.datasetId), a.counts]),
    );
  const figure = (phase: string, name: string) =>
    metrics.find((m) => m.phase === phase && m.name === name && m.epoch === 0)?.value ?? null;
  const datasetsOf = (m: Model) => [...new Set(evaluations.filter((e) => e.modelId === m.id).map((e) => e.datasetId))];

  const teachers = models
    .filter((m) => m.kind === 'teacher')
    .flatMap((m) =>
      datasetsOf(m).map((datasetId) => ({
        type: typeOf.get(datasetId)!,
        modelId: m.id,
        name: m.name,
        trained: m.runId === run.id,
        test: testOf(m.id, datasetId),
        errors: errorsOf(m.id)[typeOf.get(datasetId)!] ?? {},
      })),
    )
    .sort(
      (a, b) => config.corpora.findIndex((c) => c.type === a.type) - config.corpora.findIndex((c) => c.type === b.type),
    );

  const studentModels = new Map(
    models.filter((m) => m.kind === 'student' && m.runId === run.id).map((m) => [m.name, m]),
  );
  const students = config.students.flatMap((s): StudentSummary[] => {
    const m = studentModels.get(s.name);
    if (!m) return [];
    const phase = `student:${s.name}`;
    return [
      {
        name: s.name,
        group: studentGroup(s),
        seed: s.seed,
        modelId: m.id,
        lambda: s.lambda,
        architecture: m.architecture,
        parameters: m.parameterCount,
        sizeMB: m.sizeBytes / 1e6,
        trainSamplesPerSecond: figure(phase, 'train_samples_per_second'),
        inferSamplesPerSecond: figure(phase, 'infer_samples_per_second'),
        peakMemoryMB: figure(phase, 'peak_memory_mb'),
        test: Object.fromEntries(datasetsOf(m).map((d) => [typeOf.get(d)!, testOf(m.id, d)])),
        errors: errorsOf(m.id),
      },
    ];
  });

  const groups = {
    teachers: [
      ...groupBy(
        teachers.filter((t) => complete(t.test)),
        (t) => t.type,
      ),
    ].map(([type, seeded]) => ({
      type,
      modelIds: seeded.map((t) => t.modelId),
      test: testSpread(seeded.map((t) => t.test)),
    })),
    students: [...groupBy(students, (st) => st.group)].map(([name, members]) => ({
      name,
      lambda: members[0].lambda,
      seeds: members.map((st) => st.seed),
      modelIds: members.map((st) => st.modelId),
      test: Object.fromEntries(
        config.corpora.flatMap(({ type }) => {
          const scored = members.filter((st) => st.test[type] && complete(st.test[type])).map((st) => st.test[type]);
          return scored.length > 0 ? [[type, testSpread(scored)]] : [];
        }),
      ),
    })),
  };

  const phases = phaseDurations(metrics);
  return {
    teachers,
    distributions: {
      reused: metrics.some((m) => m.phase === 'distributions' && m.name.startsWith('reused:') && m.value === 1),
    },
    students,
    groups,
    untrainedStudents: config.students.filter((s) => !studentModels.has(s.name)).map((s) => s.name),
    skippedStudents: details.skippedStudents,
    kappa: Object.fromEntries(
      agreements.map((a) => [typeOf.get(a.datasetId) ?? String(a.datasetId), { labels: a.labels, matrix: a.matrix }]),
    ),
    phases,
  };
}

/** How long each phase took, in the pipeline's order (a resumed phase's figure is rewritten, so order is restored). */
export function phaseDurations(metrics: readonly RunMetric[]): { phase: string; seconds: number }[] {
  const rank = (phase: string) =>
    ['prepare', 'teacher', 'distributions', 'student', 'evaluate'].indexOf(phase.split(':')[0]);
  return metrics
    .filter((m) => m.name === 'seconds' && m.epoch === 0 && m.step === null)
    .map((m) => ({ phase: m.phase, seconds: m.value }))
    .sort((a, b) => rank(a.phase) - rank(b.phase));
}
