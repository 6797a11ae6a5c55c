// Models: pretrained encoders the user imported, and the teachers and students runs produced.
import { z } from 'zod';
import { MODEL_KINDS, type Model, type ModelKind } from '../../shared/store-types.ts';
import type { Store } from './store.ts';
import { nowIso, prepared } from './sql.ts';
import { count, explainConstraints, id, nonEmpty, parseInput } from './input.ts';

interface ModelRow {
  id: number;
  name: string;
  kind: ModelKind;
  architecture: string;
  parameter_count: number;
  size_bytes: number;
  folder: string;
  run_id: number | null;
  created_at: string;
}

function toModel(row: ModelRow): Model {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    architecture: row.architecture,
    parameterCount: row.parameter_count,
    sizeBytes: row.size_bytes,
    folder: row.folder,
    runId: row.run_id,
    createdAt: row.created_at,
  };
}

const newModel = z.strictObject({
  name: nonEmpty,
  kind: z.enum(MODEL_KINDS),
  architecture: nonEmpty,
  parameterCount: count,
  sizeBytes: count,
  folder: nonEmpty,
  runId: id.nullable().optional(),
});
export type NewModel = z.input<typeof newModel>;

export function addModel(store: Store, input: NewModel): Model {
  const m = parseInput(newModel, input, 'model');
  const row = explainConstraints(`model "${m.name}"`, () =>
    prepared(
      store,
      `INSERT INTO models (name, kind, architecture, parameter_count, size_bytes, folder, run_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    ).get(m.name, m.kind, m.architecture, m.parameterCount, m.sizeBytes, m.folder, m.runId ?? null, nowIso()),
  );
  return toModel(row as ModelRow);
}

export function getModel(store: Store, modelId: number): Model | undefined {
  const row = prepared(store, `SELECT * FROM models WHERE id = ?`).get(parseInput(id, modelId, 'model id'));
  return row ? toModel(row as ModelRow) : undefined;
}

/** The model stored with exactly this folder (an imported one's absolute path), if any. */
export function findModelByFolder(store: Store, folder: string): Model | undefined {
  const row = prepared(store, `SELECT * FROM models WHERE folder = ? ORDER BY id LIMIT 1`).get(
    parseInput(nonEmpty, folder, 'model folder'),
  );
  return row ? toModel(row as ModelRow) : undefined;
}

export function listModels(store: Store, filter: { kind?: ModelKind; runId?: number } = {}): Model[] {
  const f = parseInput(
    z.strictObject({ kind: z.enum(MODEL_KINDS).optional(), runId: id.optional() }),
    filter,
    'model filter',
  );
  const rows = prepared(
    store,
    `SELECT * FROM models WHERE (@kind IS NULL OR kind = @kind) AND (@runId IS NULL OR run_id = @runId) ORDER BY id`,
  ).all({ kind: f.kind ?? null, runId: f.runId ?? null });
  return (rows as ModelRow[]).map(toModel);
}

/** Deletes a model's row with its evaluations and artifact rows (the files go at the next collectGarbage). */
export function deleteModel(store: Store, modelId: number): boolean {
  return prepared(store, `DELETE FROM models WHERE id = ?`).run(parseInput(id, modelId, 'model id')).changes > 0;
}
