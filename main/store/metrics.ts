// A run's training curves: per-epoch figures (step null) and per-step figures, by phase.
import { z } from 'zod';
import type { RunMetric } from '../../shared/store-types.ts';
import type { Store } from './store.ts';
import { nowIso, prepared } from './sql.ts';
import { count, explainConstraints, id, nonEmpty, parseInput } from './input.ts';

interface MetricRow {
  run_id: number;
  phase: string;
  epoch: number;
  step: number | null;
  name: string;
  value: number;
  recorded_at: string;
}

const toMetric = (row: MetricRow): RunMetric => ({
  runId: row.run_id,
  phase: row.phase,
  epoch: row.epoch,
  step: row.step,
  name: row.name,
  value: row.value,
  recordedAt: row.recorded_at,
});

const newMetrics = z.array(
  z.strictObject({
    phase: nonEmpty,
    epoch: count,
    step: count.nullable().optional(),
    name: nonEmpty,
    // zod's number is finite: SQLite would store NaN as NULL. A NaN loss is a failed run, not a figure.
    value: z.number(),
  }),
);
export type NewMetric = z.input<typeof newMetrics>[number];

/** Records figures of a run in one transaction; recording the same (phase, epoch, step, name) again replaces it. */
export function recordMetrics(store: Store, runId: number, metrics: NewMetric[]): void {
  parseInput(id, runId, 'run id');
  const rows = parseInput(newMetrics, metrics, 'metrics');
  const insert = prepared(
    store,
    `INSERT OR REPLACE INTO run_metrics (run_id, phase, epoch, step, name, value, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const now = nowIso();
  explainConstraints(`metrics of run ${runId}`, () =>
    store.db.transaction(() => {
      for (const m of rows) insert.run(runId, m.phase, m.epoch, m.step ?? null, m.name, m.value, now);
    })(),
  );
}

const metricFilter = z.strictObject({ phase: nonEmpty.optional(), perStep: z.boolean().optional() });

/** A run's figures in training order; `perStep` true gives only per-step ones, false only per-epoch ones. */
export function listMetrics(store: Store, runId: number, filter: z.input<typeof metricFilter> = {}): RunMetric[] {
  const f = parseInput(metricFilter, filter, 'metric filter');
  const rows = prepared(
    store,
    `SELECT * FROM run_metrics WHERE run_id = @runId AND (@phase IS NULL OR phase = @phase)
         AND (@perStep IS NULL OR (step IS NOT NULL) = @perStep)
       ORDER BY rowid`,
  ).all({
    runId: parseInput(id, runId, 'run id'),
    phase: f.phase ?? null,
    perStep: f.perStep === undefined ? null : Number(f.perStep),
  });
  return (rows as MetricRow[]).map(toMetric);
}
