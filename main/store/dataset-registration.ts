// Registering a dataset: read a folder (or one file cut into train/dev/test) with the corpus library, check its
// entity types, and store it once by content. Below the pipeline (a run registers the corpora it names) and the
// services (the window's Datasets page), which both call it.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { corpusStats } from '../../shared/corpus/stats.ts';
import { UNTYPED } from '../../shared/corpus/labels.ts';
import { DEFAULT_SPLIT } from '../../shared/corpus/split.ts';
import type { CorpusIssue } from '../../shared/corpus/types.ts';
import type { DatasetRegistrationRequest, DatasetReport } from '../../shared/corpus/datasets.ts';
import type { Dataset as StoredDataset, SingleFileSplit } from '../../shared/store-types.ts';
import { CorpusError, loadDataset, type Dataset } from '../corpus/dataset.ts';
import { checkPath } from '../files/regular-file.ts';
import { addDataset, findDataset } from './datasets.ts';
import type { Store } from './store.ts';

/** Statistics per split of a loaded dataset. */
export function splitReports(dataset: Dataset): DatasetReport['splits'] {
  return Object.entries(dataset.splits).map(([name, split]) => ({
    name,
    file: split.file,
    scheme: split.scheme,
    stats: corpusStats(split.sentences),
  }));
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
    for (const [name, split] of Object.entries(dataset.splits))
      hash
        .update(`${name}\0`)
        .update(await readFile(split.file))
        .update('\0');
  }
  return hash.digest('hex');
}

/**
 * A run trains on train, chooses its epochs on dev and scores on test, so a cut that leaves one empty is refused
 * here, where the user can still choose other ratios, rather than after hours of training.
 */
function refuseEmptySplits(path: string, dataset: Dataset, cut: SingleFileSplit): void {
  const empty = Object.entries(dataset.splits)
    .filter(([, s]) => s.sentences.length === 0)
    .map(([name]) => name);
  if (empty.length === 0) return;
  const total = Object.values(dataset.splits).reduce((n, s) => n + s.sentences.length, 0);
  const names =
    empty.length === 1 ? `the ${empty[0]} split` : `the ${empty.slice(0, -1).join(', ')} and ${empty.at(-1)} splits`;
  throw new Error(
    `${path}: cutting its ${total} sentences by ${cut.ratios.join('/')} leaves ${names} empty, and a run needs sentences in ` +
      `train, dev and test: choose split ratios that give each a share (e.g. 80/10/10; --split on the command line)` +
      (total < 3 ? `, and a file with more sentences` : ''),
  );
}

export interface StoredRegistration {
  dataset: StoredDataset;
  /** false when the same content was registered under this name before: `dataset` is that one. */
  added: boolean;
  repairs: CorpusIssue[];
  repairCount: number;
}

/**
 * Registers a dataset folder, or one file cut into train/dev/test, once it loads without errors; registering
 * the same content under the same name again registers nothing and returns the one there.
 */
export async function registerDatasetFiles(
  store: Store,
  { folder: path, name, entityType, split }: DatasetRegistrationRequest,
): Promise<StoredRegistration> {
  if (!isAbsolute(path)) throw new Error(`"${path}" is not a full path`);
  const info = checkPath(path, 'file or folder'); // a FIFO, device or link loop is refused by name here
  const isFile = info.isFile();
  if (split && !isFile)
    throw new Error(`${path} is not a single file: a split applies to one file, a folder brings its own splits`);
  const cut: SingleFileSplit | null = isFile
    ? { ratios: split?.ratios ?? [...DEFAULT_SPLIT.ratios], seed: split?.seed ?? DEFAULT_SPLIT.seed }
    : null;
  let dataset: Dataset;
  try {
    dataset = await loadDataset(path, { split: cut ?? undefined });
  } catch (e) {
    if (e instanceof CorpusError) throw new Error(`the dataset in ${path} cannot be read:\n${e.message}`, { cause: e });
    throw e;
  }
  if (cut) refuseEmptySplits(path, dataset, cut);
  const splits = splitReports(dataset);
  const labelTypes = [...new Set(splits.flatMap((s) => Object.keys(s.stats.types)))];
  const typed = labelTypes.filter((t) => t !== UNTYPED);
  if (labelTypes.length === 0) throw new Error(`${path} holds no entity mentions`);
  if (labelTypes.includes(UNTYPED) && !entityType) {
    throw new Error(`the labels in ${path} carry no entity type (bare B / I): say which type they mark, e.g. Disease`);
  }
  if (!labelTypes.includes(UNTYPED) && entityType && !typed.includes(entityType)) {
    throw new Error(
      `the labels in ${path} mark ${typed.join(', ')}, not ${entityType}: leave the entity type empty or correct it`,
    );
  }
  const entityTypes = entityType && !typed.includes(entityType) ? [...typed, entityType] : typed;

  const hash = await contentHash(dataset, cut);
  const { repairs, repairCount } = dataset;
  const existing = findDataset(store, name, hash);
  if (existing) return { dataset: existing, added: false, repairs, repairCount };
  const stored = addDataset(store, {
    name,
    source: path,
    entityTypes,
    contentHash: hash,
    split: cut,
    splits: splits.map((s) => ({
      name: s.name,
      sentences: s.stats.sentences,
      tokens: s.stats.tokens,
      mentions: s.stats.mentions,
    })),
  });
  return { dataset: stored, added: true, repairs, repairCount };
}
