// Datasets: the corpora shipped in resources/datasets, and the folders a user registered in the store.
// Reading and counting is the corpus library's (loadDataset, corpusStats); registering is the store's
// (registerDatasetFiles, which runs use too).
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type {
  DatasetEntry,
  DatasetRef,
  DatasetRegistration,
  DatasetReport,
  ParsedArgs,
} from '../../shared/ipc/contract.ts';
import type { Dataset as StoredDataset } from '../../shared/store-types.ts';
import { CorpusError, loadDataset } from '../corpus/dataset.ts';
import { registerDatasetFiles, splitReports } from '../store/dataset-registration.ts';
import { getDataset, listDatasets } from '../store/datasets.ts';
import type { ServiceContext } from './context.ts';

const shippedFolder = (ctx: ServiceContext) => join(ctx.resourcesFolder, 'datasets');

async function listShipped(ctx: ServiceContext): Promise<DatasetEntry[]> {
  const entries = await readdir(shippedFolder(ctx), { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    throw new Error(
      `the included datasets cannot be listed: ${shippedFolder(ctx)} (${e.code ?? e.message}); reinstall the workbench`,
    );
  });
  return (
    entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
      // Their entity types are in their labels, known once read (datasets:inspect): listing reads no corpus.
      .map((name) => ({
        ref: { source: 'shipped', name },
        name,
        folder: join(shippedFolder(ctx), name),
        entityTypes: [],
      }))
  );
}

function userEntry(dataset: StoredDataset): DatasetEntry {
  return {
    ref: { source: 'user', id: dataset.id },
    name: dataset.name,
    folder: dataset.source,
    entityTypes: dataset.entityTypes,
  };
}

/**
 * The shipped corpora, then the user's. A run given a shipped corpus by its path registers it in the store (its
 * results need a dataset row); that row is the shipped corpus, so it is not listed a second time as the user's.
 */
export async function listAllDatasets(ctx: ServiceContext): Promise<DatasetEntry[]> {
  const shipped = await listShipped(ctx);
  const shippedFolders = new Set(shipped.map((e) => resolve(e.folder)));
  return [
    ...shipped,
    ...listDatasets(ctx.store)
      .filter((d) => !shippedFolders.has(resolve(d.source)))
      .map(userEntry),
  ];
}

async function findEntry(ctx: ServiceContext, ref: DatasetRef): Promise<DatasetEntry> {
  if (ref.source === 'user') {
    const stored = getDataset(ctx.store, ref.id);
    if (!stored) throw new Error(`there is no registered dataset number ${ref.id}`);
    return userEntry(stored);
  }
  const entry = (await listShipped(ctx)).find((e) => e.name === ref.name);
  if (!entry) throw new Error(`there is no shipped dataset named "${ref.name}"`);
  return entry;
}

/** Reads a dataset: statistics per split, or every error that keeps it from loading (each FILE:LINE). */
export async function inspectDataset(ctx: ServiceContext, ref: DatasetRef): Promise<DatasetReport> {
  const entry = await findEntry(ctx, ref);
  // A dataset registered from one file is read cut as it was registered.
  const cut = ref.source === 'user' ? getDataset(ctx.store, ref.id)?.split : undefined;
  try {
    const dataset = await loadDataset(entry.folder, { split: cut ?? undefined });
    const { repairs, repairCount } = dataset;
    return { entry, splits: splitReports(dataset), errors: [], errorCount: 0, repairs, repairCount };
  } catch (e) {
    if (!(e instanceof CorpusError)) throw e;
    return { entry, splits: [], errors: e.issues, errorCount: e.count, repairs: [], repairCount: 0 };
  }
}

/**
 * Registers a dataset folder, or one file cut into train/dev/test (see registerDatasetFiles), and tells the
 * windows when it is new.
 */
export async function registerDataset(
  ctx: ServiceContext,
  args: ParsedArgs<'datasets:register'>,
): Promise<DatasetRegistration> {
  const { dataset, added, repairs, repairCount } = await registerDatasetFiles(ctx.store, args);
  if (added) ctx.emit('datasets:changed', { name: dataset.name });
  return { entry: userEntry(dataset), added, repairs, repairCount };
}
