// Reading corpora from disk: one CoNLL file, or a dataset folder holding train / dev (or devel) / test files.
import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { CorpusIssue, ParseOptions, ParseResult, Scheme, Sentence } from '../../shared/corpus/types.ts';
import { CORPUS_EXTENSIONS, formatIssue, parseConll } from '../../shared/corpus/conll.ts';
import { splitSentences, type SplitOptions } from '../../shared/corpus/split.ts';
import { findMisalignment } from '../../shared/corpus/align.ts';
import { checkPath, PathError, readRegularFile } from '../files/regular-file.ts';

/** Split names as read from a folder: file base name → split. */
const SPLIT_FILES: Record<string, string> = { train: 'train', dev: 'dev', devel: 'dev', test: 'test' };
const SPLIT_ORDER = ['train', 'dev', 'test'];

/** How many of a corpus's problems its error message shows (a binary file has one per line); `issues` keeps more. */
const SHOWN_ISSUES = 20;

/** Thrown when a corpus cannot be read; `issues` holds every problem found (each FILE:LINE), `count` all of them. */
export class CorpusError extends Error {
  constructor(
    readonly issues: CorpusIssue[],
    readonly count = issues.length,
  ) {
    const shown = issues.slice(0, SHOWN_ISSUES);
    const more = count > shown.length ? `\n… and ${count - shown.length} more errors` : '';
    super(shown.map(formatIssue).join('\n') + more);
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

/** How many lines that are not UTF-8 are named one by one; the rest are counted. */
const MAX_ENCODING_ISSUES = 5;

/**
 * The text of a corpus file, which must be UTF-8: anything else (Latin-1, Windows-1252, binary) would be read with
 * replacement characters and change the tokens silently. Throws CorpusError naming each line that is not UTF-8.
 */
function decodeUtf8(file: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Find the lines (only on this error path, so a clean file is decoded once).
    const issues: CorpusIssue[] = [];
    let count = 0;
    const strict = new TextDecoder('utf-8', { fatal: true });
    for (let start = 0, line = 1; start <= bytes.length; line++) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      const bytesOfLine = bytes.subarray(start, end);
      try {
        strict.decode(bytesOfLine);
      } catch {
        count++;
        if (issues.length < MAX_ENCODING_ISSUES) {
          const bad = firstInvalidByte(bytesOfLine);
          const hint =
            issues.length === 0
              ? `; save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 ${basename(file)} > ${utf8Name(file)})`
              : '';
          issues.push({
            file,
            line,
            message: `not UTF-8 text (byte 0x${bytesOfLine[bad].toString(16).padStart(2, '0')} at column ${bad + 1})${hint}`,
          });
        }
      }
      start = end + 1;
    }
    throw new CorpusError(issues, count);
  }
}

/** The name the hint suggests for the converted copy. */
const utf8Name = (file: string) => `${basename(file, extname(file))}.utf8${extname(file)}`;

/** Where a line that failed to decode goes wrong: the first byte that starts no well-formed UTF-8 sequence (a close
 * reading; overlong forms are left to the decoder, which already refused the line). */
function firstInvalidByte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const c = bytes[i];
    const continuation =
      c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (continuation < 0) return i;
    for (let k = 1; k <= continuation; k++) if (i + k >= bytes.length || (bytes[i + k] & 0xc0) !== 0x80) return i;
    i += continuation + 1;
  }
  return 0;
}

/** Reads and parses one corpus file; throws CorpusError when the file holds errors, naming each FILE:LINE. */
export async function readCorpusFile(file: string, options: ReadOptions = {}): Promise<ParseResult> {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file);
  } catch (e) {
    if (e instanceof PathError) throw new CorpusError([{ file, line: 0, message: e.problem }]);
    throw e;
  }
  const result = parseConll(decodeUtf8(file, bytes), { ...options, file });
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
      twice.map(([split, files]) => ({
        file: folder,
        line: 0,
        message: `more than one ${split} file: ${files.sort().join(', ')}`,
      })),
    );
  }
  if (!found.train) {
    throw new CorpusError([
      {
        file: folder,
        line: 0,
        message: `no train file (expected train, dev or devel, test, with no extension or ${CORPUS_EXTENSIONS.join(' ')})`,
      },
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
    info = checkPath(path, 'file or folder');
  } catch (e) {
    if (e instanceof PathError) throw new CorpusError([{ file: path, line: 0, message: e.problem }]);
    throw e;
  }
  const files = info.isDirectory() ? await findSplitFiles(path) : { [basename(path, extname(path))]: path };
  if (info.isDirectory() && split)
    throw new Error(`${path} is a folder with its own splits; split applies to a single file`);

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
    dataset.splits = Object.fromEntries(
      SPLIT_ORDER.map((s) => [s, { ...whole, sentences: parts[s as keyof typeof parts] }]),
    );
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
