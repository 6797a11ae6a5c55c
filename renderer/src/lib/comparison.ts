// The paper's comparison of one or several runs, as rows the tables, charts and CSV files share: per corpus and on
// average P/R/F1 (Tables IV–V) of the teachers (each on its own corpus) and of each student, and what each student
// costs (parameters, size, speeds, peak memory). Built on shared/method/run-summary.ts, the object the CLI prints.
import type { RunDetails } from '../../../shared/ipc/contract.ts';
import { summariseRun, type ModelTest, type PRF, type TestSpread } from '../../../shared/method/run-summary.ts';
import type { EvalMode } from '../../../shared/store-types.ts';

export interface ComparedModel {
  runId: number;
  runName: string;
  /** 'Teachers' stands for the run's teachers together, each scored on its own corpus (the paper's Table IV row). */
  name: string;
  role: 'teachers' | 'student';
  lambda: number | null;
  /** Test scores per entity type. */
  test: Record<string, ModelTest>;
  architecture: string;
  parameters: number | null;
  sizeMB: number | null;
  trainSamplesPerSecond: number | null;
  inferSamplesPerSecond: number | null;
  /** Labelling speed on the test splits, words per second (recorded for every model, teachers too). */
  wordsPerSecond: number | null;
  peakMemoryMB: number | null;
  /** A student trained with several seeds: per entity type, its group's scores over them (mean ± sd); else null. */
  overSeeds: Record<string, TestSpread> | null;
}

/** Mean precision, recall and F1 over the types a model was scored on (the paper's "average" columns). */
export function averageOf(test: Record<string, ModelTest>, mode: EvalMode): PRF | null {
  const scores = Object.values(test).map((t) => t[mode]);
  if (scores.length === 0) return null;
  const mean = (key: keyof PRF) => scores.reduce((n, s) => n + s[key], 0) / scores.length;
  return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') };
}

/** A run's teachers (as one row) and students, in the config's order. */
export function comparedModels(details: RunDetails): ComparedModel[] {
  const results = summariseRun(details);
  const { run } = details;
  const speedOf = (modelId: number) => {
    const speeds = details.evaluations
      .filter((e) => e.modelId === modelId && e.wordsPerSecond !== null)
      .map((e) => e.wordsPerSecond!);
    return speeds.length > 0 ? speeds.reduce((a, b) => a + b, 0) / speeds.length : null;
  };
  const teacherModels = results.teachers.map((t) => details.models.find((m) => m.id === t.modelId));
  const rows: ComparedModel[] = [];
  if (results.teachers.length > 0) {
    const sum = (f: (m: NonNullable<(typeof teacherModels)[number]>) => number) =>
      teacherModels.reduce((n, m) => n + (m ? f(m) : 0), 0);
    const speeds = results.teachers.map((t) => speedOf(t.modelId)).filter((s): s is number => s !== null);
    rows.push({
      runId: run.id,
      runName: run.name,
      name: 'Teachers',
      role: 'teachers',
      lambda: null,
      test: Object.fromEntries(results.teachers.map((t) => [t.type, t.test])),
      architecture: [...new Set(teacherModels.map((m) => m?.architecture ?? '?'))].join(', '),
      // Together, as a user would have to keep them all: one model per corpus.
      parameters: sum((m) => m.parameterCount),
      sizeMB: sum((m) => m.sizeBytes) / 1e6,
      trainSamplesPerSecond: null,
      inferSamplesPerSecond: null,
      // Labelling a text with every teacher takes the sum of their times per word.
      wordsPerSecond: speeds.length > 0 ? 1 / speeds.reduce((n, s) => n + 1 / s, 0) : null,
      peakMemoryMB: null,
      overSeeds: null,
    });
  }
  for (const s of results.students) {
    const group = results.groups.students.find((g) => g.modelIds.includes(s.modelId) && g.seeds.length > 1);
    rows.push({
      runId: run.id,
      runName: run.name,
      name: s.name,
      role: 'student',
      lambda: s.lambda,
      test: s.test,
      architecture: s.architecture,
      parameters: s.parameters,
      sizeMB: s.sizeMB,
      trainSamplesPerSecond: s.trainSamplesPerSecond,
      inferSamplesPerSecond: s.inferSamplesPerSecond,
      wordsPerSecond: speedOf(s.modelId),
      peakMemoryMB: s.peakMemoryMB,
      overSeeds: group?.test ?? null,
    });
  }
  return rows;
}

/** The entity types of the models, in the order first met (the runs' corpus order). */
export const typesOf = (models: readonly ComparedModel[]): string[] => [
  ...new Set(models.flatMap((m) => Object.keys(m.test))),
];
