// Datasets: the corpora shipped in resources/datasets, and the folders a user registered in the store.
// Reading and counting is the corpus library's (loadDataset, corpusStats); storing is the store's (addDataset).
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { corpusStats } from '../../shared/corpus/stats.ts';
import { UNTYPED } from '../../shared/corpus/labels.ts';
import type { DatasetEntry, DatasetRef, DatasetRegistration, DatasetReport, ParsedArgs } from '../../shared/ipc/contract.ts';
import type { SingleFileSplit, Dataset as StoredDataset } from '../../shared/store-types.ts';
import { DEFAULT_SPLIT } from '../../shared/corpus/split.ts';
import { CorpusError, loadDataset, type Dataset } from '../corpus/dataset.ts';
import { addDataset, findDataset, getDataset, listDatasets } from '../store/datasets.ts';
import type { ServiceContext } from './context.ts';

const shippedFolder = (ctx: ServiceContext) => join(ctx.resourcesFolder, 'datasets');

async function listShipped(ctx: ServiceContext): Promise<DatasetEntry[]> {
  const entries = await readdir(shippedFolder(ctx), { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`the included datasets cannot be listed: ${shippedFolder(ctx)} (${e.code ?? e.message}); reinstall the workbench`);
  });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    // Their entity types are in their labels, known once read (datasets:inspect): listing reads no corpus.
    .map((name) => ({ ref: { source: 'shipped', name }, name, folder: join(shippedFolder(ctx), name), entityTypes: [] }));
}

function userEntry(dataset: StoredDataset): DatasetEntry {
  return { ref: { source: 'user', id: dataset.id }, name: dataset.name, folder: dataset.source, entityTypes: dataset.entityTypes };
}

/**
 * The shipped corpora, then the user's. A run given a shipped corpus by its path registers it in the store (its
 * results need a dataset row); that row is the shipped corpus, so it is not listed a second time as the user's.
 */
export async function listAllDatasets(ctx: ServiceContext): Promise<DatasetEntry[]> {
  const shipped = await listShipped(ctx);
  const shippedFolders = new Set(shipped.map((e) => resolve(e.folder)));
  return [...shipped, ...listDatasets(ctx.store).filter((d) => !shippedFolders.has(resolve(d.source))).map(userEntry)];
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

function splitReports(dataset: Dataset): DatasetReport['splits'] {
  return Object.entries(dataset.splits).map(([name, split]) => ({
    name,
    file: split.file,
    scheme: split.scheme,
    stats: corpusStats(split.sentences),
  }));
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
 * sha256 over each file's bytes, and for a single file over how it is cut, so an edited corpus (or another
 * cut of it) is told apart from the one a run used.
 */
async function contentHash(dataset: Dataset, cut: SingleFileSplit | null): Promise<string> {
  const hash = createHash('sha256');
  if (cut) {
    hash.update(`${JSON.stringify(cut)}\0`).update(await readFile(Object.values(dataset.splits)[0].file));
  } else {
    for (const [name, split] of Object.entries(dataset.splits)) hash.update(`${name}\0`).update(await readFile(split.file)).update('\0');
  }
  return hash.digest('hex');
}

/**
 * Registers a dataset folder, or one file cut into train/dev/test, once it loads without errors; registering
 * the same content under the same name again registers nothing and returns the one there.
 */
export async function registerDataset(
  ctx: ServiceContext,
  { folder: path, name, entityType, split }: ParsedArgs<'datasets:register'>,
): Promise<DatasetRegistration> {
  if (!isAbsolute(path)) throw new Error(`"${path}" is not a full path`);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new Error(`${path}: no such file or folder`);
  const isFile = info.isFile();
  if (split && !isFile) throw new Error(`${path} is not a single file: a split applies to one file, a folder brings its own splits`);
  const cut: SingleFileSplit | null = isFile ? { ratios: split?.ratios ?? [...DEFAULT_SPLIT.ratios], seed: split?.seed ?? DEFAULT_SPLIT.seed } : null;
  let dataset: Dataset;
  try {
    dataset = await loadDataset(path, { split: cut ?? undefined });
  } catch (e) {
    if (e instanceof CorpusError) throw new Error(`the dataset in ${path} cannot be read:\n${e.message}`, { cause: e });
    throw e;
  }
  const splits = splitReports(dataset);
  const labelTypes = [...new Set(splits.flatMap((s) => Object.keys(s.stats.types)))];
  const typed = labelTypes.filter((t) => t !== UNTYPED);
  if (labelTypes.length === 0) throw new Error(`${path} holds no entity mentions`);
  if (labelTypes.includes(UNTYPED) && !entityType) {
    throw new Error(`the labels in ${path} carry no entity type (bare B / I): say which type they mark, e.g. Disease`);
  }
  if (!labelTypes.includes(UNTYPED) && entityType && !typed.includes(entityType)) {
    throw new Error(`the labels in ${path} mark ${typed.join(', ')}, not ${entityType}: leave the entity type empty or correct it`);
  }
  const entityTypes = entityType && !typed.includes(entityType) ? [...typed, entityType] : typed;

  const hash = await contentHash(dataset, cut);
  const { repairs, repairCount } = dataset;
  const existing = findDataset(ctx.store, name, hash);
  if (existing) return { entry: userEntry(existing), added: false, repairs, repairCount };
  const stored = addDataset(ctx.store, {
    name,
    source: path,
    entityTypes,
    contentHash: hash,
    split: cut,
    splits: splits.map((s) => ({ name: s.name, sentences: s.stats.sentences, tokens: s.stats.tokens, mentions: s.stats.mentions })),
  });
  ctx.emit('datasets:changed', { name: stored.name });
  return { entry: userEntry(stored), added: true, repairs, repairCount };
}
