// Agreement matrices: Cohen's kappa between each pair of models (and the ground truth) on a split.
import { z } from 'zod';
import type { Agreement } from '../../shared/store-types.ts';
import type { Store } from './store.ts';
import { nowIso, prepared } from './sql.ts';
import { explainConstraints, id, nonEmpty, parseInput } from './input.ts';

interface AgreementRow {
  id: number;
  run_id: number;
  dataset_id: number;
  split: string;
  labels: string;
  matrix: string;
  created_at: string;
}

const toAgreement = (row: AgreementRow): Agreement => ({
  id: row.id,
  runId: row.run_id,
  datasetId: row.dataset_id,
  split: row.split,
  labels: JSON.parse(row.labels),
  matrix: JSON.parse(row.matrix),
  createdAt: row.created_at,
});

const kappa = z.number().min(-1).max(1);
const newAgreement = z
  .strictObject({
    runId: id,
    datasetId: id,
    split: nonEmpty,
    labels: z.array(nonEmpty).min(2),
    matrix: z.array(z.array(kappa)),
  })
  .superRefine(({ labels, matrix }, ctx) => {
    const n = labels.length;
    if (matrix.length !== n || matrix.some((row) => row.length !== n)) {
      ctx.addIssue({
        code: 'custom',
        path: ['matrix'],
        message: `expected a ${n}×${n} matrix, one row and column per label`,
      });
      return;
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        // Kappa is symmetric; allow float noise from computing both halves.
        if (Math.abs(matrix[i][j] - matrix[j][i]) > 1e-9) {
          ctx.addIssue({
            code: 'custom',
            path: ['matrix', i, j],
            message: `kappa is symmetric, but [${i}][${j}] ≠ [${j}][${i}]`,
          });
        }
      }
    }
  });
export type NewAgreement = z.input<typeof newAgreement>;

/** Saves the agreement matrix of a run on a split; saving again replaces it. */
export function saveAgreement(store: Store, input: NewAgreement): Agreement {
  const a = parseInput(newAgreement, input, 'agreement matrix');
  const row = explainConstraints(`agreement matrix on dataset ${a.datasetId}/${a.split}`, () =>
    prepared(
      store,
      `INSERT INTO agreements (run_id, dataset_id, split, labels, matrix, created_at)
         VALUES (@runId, @datasetId, @split, @labels, @matrix, @now)
         ON CONFLICT (run_id, dataset_id, split) DO UPDATE SET
           labels = excluded.labels, matrix = excluded.matrix, created_at = excluded.created_at
         RETURNING *`,
    ).get({ ...a, labels: JSON.stringify(a.labels), matrix: JSON.stringify(a.matrix), now: nowIso() }),
  );
  return toAgreement(row as AgreementRow);
}

const agreementFilter = z.strictObject({ runId: id.optional(), datasetId: id.optional(), split: nonEmpty.optional() });

export function listAgreements(store: Store, filter: z.input<typeof agreementFilter> = {}): Agreement[] {
  const f = parseInput(agreementFilter, filter, 'agreement filter');
  const rows = prepared(
    store,
    `SELECT * FROM agreements WHERE (@runId IS NULL OR run_id = @runId)
         AND (@datasetId IS NULL OR dataset_id = @datasetId) AND (@split IS NULL OR split = @split)
       ORDER BY id`,
  ).all({ runId: null, datasetId: null, split: null, ...f });
  return (rows as AgreementRow[]).map(toAgreement);
}
