// Error analyses: how a model's predictions on a split fall into the paper's categories (Table VI).
import { z } from 'zod';
import { ERROR_CATEGORIES, type ErrorAnalysis, type ErrorCategory } from '../../shared/store-types.ts';
import type { Store } from './store.ts';
import { nowIso, prepared } from './sql.ts';
import { count, explainConstraints, id, json, nonEmpty, parseInput } from './input.ts';

interface ErrorAnalysisRow {
  id: number;
  run_id: number;
  model_id: number;
  dataset_id: number;
  split: string;
  counts: string;
  details: string;
  created_at: string;
}

const toErrorAnalysis = (row: ErrorAnalysisRow): ErrorAnalysis => ({
  id: row.id,
  runId: row.run_id,
  modelId: row.model_id,
  datasetId: row.dataset_id,
  split: row.split,
  counts: JSON.parse(row.counts),
  details: JSON.parse(row.details),
  createdAt: row.created_at,
});

// Every category, even at zero, so a table of analyses has no holes.
const categoryCounts = z.strictObject(
  Object.fromEntries(ERROR_CATEGORIES.map((category) => [category, count])) as Record<ErrorCategory, typeof count>,
);

const newErrorAnalysis = z.strictObject({
  runId: id,
  modelId: id,
  datasetId: id,
  split: nonEmpty,
  counts: categoryCounts,
  /** e.g. example mentions per category; shaped by the analysis code. */
  details: json,
});
export type NewErrorAnalysis = z.input<typeof newErrorAnalysis>;

/** Saves an error analysis; a second one for the same run, model, dataset and split replaces the first. */
export function saveErrorAnalysis(store: Store, input: NewErrorAnalysis): ErrorAnalysis {
  const e = parseInput(newErrorAnalysis, input, 'error analysis');
  const row = explainConstraints(`error analysis of model ${e.modelId} on dataset ${e.datasetId}/${e.split}`, () =>
    prepared(
      store,
      `INSERT INTO error_analyses (run_id, model_id, dataset_id, split, counts, details, created_at)
         VALUES (@runId, @modelId, @datasetId, @split, @counts, @details, @now)
         ON CONFLICT (run_id, model_id, dataset_id, split) DO UPDATE SET
           counts = excluded.counts, details = excluded.details, created_at = excluded.created_at
         RETURNING *`,
    ).get({ ...e, counts: JSON.stringify(e.counts), details: JSON.stringify(e.details), now: nowIso() }),
  );
  return toErrorAnalysis(row as ErrorAnalysisRow);
}

const errorAnalysisFilter = z.strictObject({
  runId: id.optional(),
  modelId: id.optional(),
  datasetId: id.optional(),
  split: nonEmpty.optional(),
});

export function listErrorAnalyses(store: Store, filter: z.input<typeof errorAnalysisFilter> = {}): ErrorAnalysis[] {
  const f = parseInput(errorAnalysisFilter, filter, 'error analysis filter');
  const rows = prepared(
    store,
    `SELECT * FROM error_analyses WHERE (@runId IS NULL OR run_id = @runId) AND (@modelId IS NULL OR model_id = @modelId)
         AND (@datasetId IS NULL OR dataset_id = @datasetId) AND (@split IS NULL OR split = @split)
       ORDER BY id`,
  ).all({ runId: null, modelId: null, datasetId: null, split: null, ...f });
  return (rows as ErrorAnalysisRow[]).map(toErrorAnalysis);
}
