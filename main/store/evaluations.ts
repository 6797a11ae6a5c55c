// Evaluations: seqeval-style scores of one model on one dataset split, per run and matching mode.
import { z } from 'zod';
import { EVAL_MODES, type EvalMode, type Evaluation, type Scores } from '../../shared/store-types.ts';
import type { Store } from './store.ts';
import { nowIso, prepared } from './sql.ts';
import { count, explainConstraints, fraction, id, nonEmpty, parseInput } from './input.ts';

interface EvaluationRow {
  id: number;
  run_id: number;
  model_id: number;
  dataset_id: number;
  split: string;
  mode: EvalMode;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  per_type: string;
  created_at: string;
  words_per_second: number | null;
}

const toEvaluation = (row: EvaluationRow): Evaluation => ({
  id: row.id,
  runId: row.run_id,
  modelId: row.model_id,
  datasetId: row.dataset_id,
  split: row.split,
  mode: row.mode,
  precision: row.precision,
  recall: row.recall,
  f1: row.f1,
  support: row.support,
  perType: JSON.parse(row.per_type),
  wordsPerSecond: row.words_per_second,
  createdAt: row.created_at,
});

const scores = { precision: fraction, recall: fraction, f1: fraction, support: count };
const newEvaluation = z.strictObject({
  runId: id,
  modelId: id,
  datasetId: id,
  split: nonEmpty,
  mode: z.enum(EVAL_MODES),
  ...scores,
  perType: z.record(nonEmpty, z.strictObject(scores) satisfies z.ZodType<Scores>),
  wordsPerSecond: z.number().positive().finite().nullable().default(null),
});
export type NewEvaluation = z.input<typeof newEvaluation>;

/** Saves an evaluation; a second one for the same run, model, dataset, split and mode replaces the first. */
export function saveEvaluation(store: Store, input: NewEvaluation): Evaluation {
  const e = parseInput(newEvaluation, input, 'evaluation');
  const row = explainConstraints(`evaluation of model ${e.modelId} on dataset ${e.datasetId}/${e.split}`, () =>
    prepared(
      store,
      `INSERT INTO evaluations (run_id, model_id, dataset_id, split, mode, precision, recall, f1, support, per_type, words_per_second, created_at)
         VALUES (@runId, @modelId, @datasetId, @split, @mode, @precision, @recall, @f1, @support, @perType, @wordsPerSecond, @now)
         ON CONFLICT (run_id, model_id, dataset_id, split, mode) DO UPDATE SET
           precision = excluded.precision, recall = excluded.recall, f1 = excluded.f1, support = excluded.support,
           per_type = excluded.per_type, words_per_second = excluded.words_per_second, created_at = excluded.created_at
         RETURNING *`,
    ).get({ ...e, perType: JSON.stringify(e.perType), now: nowIso() }),
  );
  return toEvaluation(row as EvaluationRow);
}

const evaluationFilter = z.strictObject({
  runId: id.optional(),
  modelId: id.optional(),
  datasetId: id.optional(),
  split: nonEmpty.optional(),
  mode: z.enum(EVAL_MODES).optional(),
});

export function listEvaluations(store: Store, filter: z.input<typeof evaluationFilter> = {}): Evaluation[] {
  const f = parseInput(evaluationFilter, filter, 'evaluation filter');
  const rows = prepared(
    store,
    `SELECT * FROM evaluations WHERE (@runId IS NULL OR run_id = @runId) AND (@modelId IS NULL OR model_id = @modelId)
         AND (@datasetId IS NULL OR dataset_id = @datasetId) AND (@split IS NULL OR split = @split)
         AND (@mode IS NULL OR mode = @mode)
       ORDER BY id`,
  ).all({ runId: null, modelId: null, datasetId: null, split: null, mode: null, ...f });
  return (rows as EvaluationRow[]).map(toEvaluation);
}
