// Reading corpora from disk: one CoNLL file, or a dataset folder holding train / dev (or devel) / test files.
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { CorpusIssue, ParseOptions, ParseResult, Scheme, Sentence } from '../../shared/corpus/types.ts';
import { CORPUS_EXTENSIONS, formatIssue, parseConll } from '../../shared/corpus/conll.ts';
import { splitSentences, type SplitOptions } from '../../shared/corpus/split.ts';
import { findMisalignment } from '../../shared/corpus/align.ts';
import { errorMessage } from '../../shared/error-message.ts';


/** Split names as read from a folder: file base name → split. */
const SPLIT_FILES: Record<string, string> = { train: 'train', dev: 'dev', devel: 'dev', test: 'test' };
const SPLIT_ORDER = ['train', 'dev', 'test'];

/** Thrown when a corpus cannot be read; `issues` holds every problem found (each FILE:LINE), `count` all of them. */
export class CorpusError extends Error {
  constructor(
    readonly issues: CorpusIssue[],
    readonly count = issues.length,
  ) {
    const more = count > issues.length ? `\n… and ${count - issues.length} more` : '';
    super(issues.map(formatIssue).join('\n') + more);
    this.name = 'CorpusError';
  }
}

export interface CorpusSplit {
  /** The file it was read from. */
  file: string;
  scheme: Scheme;
  sentences: Sentence[];
}

export interface Dataset {
  /** Folder or file name. */
  name: string;
  /** Splits in order train, dev, test; a single unsplit file gives one split named after the file. */
  splits: Record<string, CorpusSplit>;
  /** Every repair made while reading (see RepairPolicy), capped per file; repairCount counts them all. */
  repairs: CorpusIssue[];
  repairCount: number;
}

export type ReadOptions = Omit<ParseOptions, 'file'>;

export interface LoadOptions extends ReadOptions {
  /** For a single file: cut it into train/dev/test with a seeded shuffle (default 80/10/10, seed 42). */
  split?: SplitOptions;
}

/** Reads and parses one corpus file; throws CorpusError when the file holds errors, naming each FILE:LINE. */
export async function readCorpusFile(file: string, options: ReadOptions = {}): Promise<ParseResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CorpusError([{ file, line: 0, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}` }]);
  }
  const result = parseConll(text, { ...options, file });
  if (result.errorCount > 0) throw new CorpusError(result.errors, result.errorCount);
  return result;
}

/** Finds train / dev (devel) / test files in a folder; throws when train is missing or a split has two files. */
export async function findSplitFiles(folder: string): Promise<Record<string, string>> {
  const found: Record<string, string[]> = {};
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const ext = extname(entry.name).toLowerCase();
    if (ext !== '' && !CORPUS_EXTENSIONS.includes(ext)) continue;
    const split = SPLIT_FILES[basename(entry.name, extname(entry.name)).toLowerCase()];
    if (split) (found[split] ??= []).push(join(folder, entry.name));
  }
  const twice = Object.entries(found).filter(([, files]) => files.length > 1);
  if (twice.length > 0) {
    throw new CorpusError(
      twice.map(([split, files]) => ({ file: folder, line: 0, message: `more than one ${split} file: ${files.sort().join(', ')}` })),
    );
  }
  if (!found.train) {
    throw new CorpusError([
      { file: folder, line: 0, message: `no train file (expected train, dev or devel, test, with no extension or ${CORPUS_EXTENSIONS.join(' ')})` },
    ]);
  }
  return Object.fromEntries(SPLIT_ORDER.filter((s) => found[s]).map((s) => [s, found[s][0]]));
}

/**
 * Loads a dataset folder (train / dev or devel / test) or a single file. Collects the errors of every file
 * before throwing one CorpusError, so a user sees all that is wrong at once.
 */
export async function loadDataset(path: string, options: LoadOptions = {}): Promise<Dataset> {
  const { split, ...readOptions } = options;
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new CorpusError([{ file: path, line: 0, message: 'no such file or folder' }]);
  }
  const files = info.isDirectory() ? await findSplitFiles(path) : { [basename(path, extname(path))]: path };
  if (info.isDirectory() && split) throw new Error(`${path} is a folder with its own splits; split applies to a single file`);

  const name = info.isDirectory() ? basename(path) : basename(path, extname(path));
  const dataset: Dataset = { name, splits: {}, repairs: [], repairCount: 0 };
  const errors: CorpusIssue[] = [];
  let errorCount = 0;
  for (const [name, file] of Object.entries(files)) {
    try {
      const parsed = await readCorpusFile(file, readOptions);
      dataset.splits[name] = { file, scheme: parsed.scheme, sentences: parsed.sentences };
      dataset.repairs.push(...parsed.repairs);
      dataset.repairCount += parsed.repairCount;
    } catch (e) {
      if (!(e instanceof CorpusError)) throw e;
      errors.push(...e.issues);
      errorCount += e.count;
    }
  }
  if (errorCount > 0) throw new CorpusError(errors, errorCount);

  if (split) {
    const [whole] = Object.values(dataset.splits);
    const parts = splitSentences(whole.sentences, split);
    dataset.splits = Object.fromEntries(SPLIT_ORDER.map((s) => [s, { ...whole, sentences: parts[s as keyof typeof parts] }]));
  }
  return dataset;
}

/**
 * Reads two labellings of the same text (gold and predictions, or two annotators) and checks that they hold the
 * same tokens in the same sentences. Labels are kept as written (repair 'keep', scheme IOB2 by default): the
 * metric decides what a stray I- means. Throws CorpusError for a malformed file, Error naming FILE:LINE in both files where they part.
 */
export async function readAlignedFiles(
  fileA: string,
  fileB: string,
  options: Omit<ReadOptions, 'repair'> = {},
): Promise<[Sentence[], Sentence[]]> {
  // IOB2 unless told otherwise: detection would read a file of stray I- as IOB1 and turn them into B-,
  // deciding for the metric.
  const read = (file: string) => readCorpusFile(file, { ...options, scheme: options.scheme ?? 'iob2', repair: 'keep' });
  const results = await Promise.allSettled([read(fileA), read(fileB)]);
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  if (failed.length > 0) {
    if (!failed.every((e) => e instanceof CorpusError)) throw failed[0];
    throw new CorpusError(
      failed.flatMap((e: CorpusError) => e.issues),
      failed.reduce((n, e: CorpusError) => n + e.count, 0),
    );
  }
  const [a, b] = results.map((r) => (r as PromiseFulfilledResult<ParseResult>).value);
  const misaligned = findMisalignment({ file: fileA, sentences: a.sentences }, { file: fileB, sentences: b.sentences });
  if (misaligned) throw new Error(misaligned);
  return [a.sentences, b.sentences];
}
