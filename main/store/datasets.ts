// Datasets: a corpus the workbench knows, with its splits' sizes and entity types.
import { z } from 'zod';
import type { Dataset, DatasetSplit } from '../../shared/store-types.ts';
import type { Store } from './store.ts';
import { nowIso, prepared } from './sql.ts';
import { singleFileSplit } from '../../shared/corpus/datasets.ts';
import { count, explainConstraints, id, nonEmpty, parseInput, sha256Hex } from './input.ts';

interface DatasetRow {
  id: number;
  name: string;
  source: string;
  entity_types: string;
  content_hash: string;
  created_at: string;
  split: string | null;
}

const newDataset = z.strictObject({
  name: nonEmpty,
  source: nonEmpty,
  entityTypes: z.array(nonEmpty).min(1),
  contentHash: sha256Hex,
  splits: z
    .array(z.strictObject({ name: nonEmpty, sentences: count, tokens: count, mentions: count }))
    .min(1)
    .refine((splits) => new Set(splits.map((s) => s.name)).size === splits.length, 'split names must differ'),
  split: singleFileSplit.nullable().default(null),
});
export type NewDataset = z.input<typeof newDataset>;

function toDataset(store: Store, row: DatasetRow): Dataset {
  const splits = prepared(
    store,
    `SELECT name, sentences, tokens, mentions FROM dataset_splits WHERE dataset_id = ? ORDER BY rowid`,
  ).all(row.id) as DatasetSplit[];
  return {
    id: row.id,
    name: row.name,
    source: row.source,
    entityTypes: JSON.parse(row.entity_types),
    contentHash: row.content_hash,
    createdAt: row.created_at,
    splits,
    split: row.split === null ? null : JSON.parse(row.split),
  };
}

export function addDataset(store: Store, input: NewDataset): Dataset {
  const dataset = parseInput(newDataset, input, 'dataset');
  return explainConstraints(`dataset "${dataset.name}"`, () =>
    store.db.transaction(() => {
      const row = prepared(
        store,
        `INSERT INTO datasets (name, source, entity_types, content_hash, created_at, split) VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
      ).get(
        dataset.name,
        dataset.source,
        JSON.stringify(dataset.entityTypes),
        dataset.contentHash,
        nowIso(),
        dataset.split === null ? null : JSON.stringify(dataset.split),
      ) as DatasetRow;
      const addSplit = prepared(
        store,
        `INSERT INTO dataset_splits (dataset_id, name, sentences, tokens, mentions) VALUES (?, ?, ?, ?, ?)`,
      );
      for (const s of dataset.splits) addSplit.run(row.id, s.name, s.sentences, s.tokens, s.mentions);
      return toDataset(store, row);
    })(),
  );
}

export function getDataset(store: Store, datasetId: number): Dataset | undefined {
  const row = prepared(store, `SELECT * FROM datasets WHERE id = ?`).get(parseInput(id, datasetId, 'dataset id'));
  return row ? toDataset(store, row as DatasetRow) : undefined;
}

/** The dataset of this name with exactly this content, if it was added before. */
export function findDataset(store: Store, name: string, contentHash: string): Dataset | undefined {
  const row = prepared(store, `SELECT * FROM datasets WHERE name = ? AND content_hash = ?`).get(
    parseInput(nonEmpty, name, 'dataset name'),
    parseInput(sha256Hex, contentHash, 'content hash'),
  );
  return row ? toDataset(store, row as DatasetRow) : undefined;
}

export function listDatasets(store: Store): Dataset[] {
  const rows = prepared(store, `SELECT * FROM datasets ORDER BY id`).all() as DatasetRow[];
  return rows.map((row) => toDataset(store, row));
}

/** Deletes a dataset with its splits and every evaluation, agreement and error analysis made on it. */
export function deleteDataset(store: Store, datasetId: number): boolean {
  const result = prepared(store, `DELETE FROM datasets WHERE id = ?`).run(parseInput(id, datasetId, 'dataset id'));
  return result.changes > 0;
}
