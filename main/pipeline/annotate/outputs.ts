// Where labelled documents go: a stream (stdout), a file, or a brat folder (ID.txt + ID.ann per document).
//
// A file or folder output keeps a progress record beside it, rewritten after each chunk: how many documents and
// bytes are complete, and what run wrote them (inputs, model, options). --resume truncates the file to the
// recorded bytes (dropping a chunk cut off by a crash) and skips the recorded documents; a finished output
// removes the record. Resuming refuses an output whose record is missing or was written by a different run.
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../models/model-folder.ts';
import {
  bratFiles,
  conllBlock,
  CSV_HEADER,
  csvRows,
  fileNameOf,
  jsonlRecord,
  pubtatorBlock,
  type Labelled,
  type OutputFormat,
} from '../../../shared/annotate/formats.ts';
import { errorMessage } from '../../../shared/error-message.ts';

const WRITERS: Record<Exclude<OutputFormat, 'brat'>, (l: Labelled) => string> = {
  jsonl: jsonlRecord,
  conll: conllBlock,
  pubtator: pubtatorBlock,
  csv: csvRows,
};

export interface Output {
  /** Documents an earlier run already wrote (resume), 0 for a fresh output. */
  readonly done: number;
  write(labelled: readonly Labelled[]): Promise<void>;
  /** The output is complete: drops the progress record. */
  finish(): void;
  close(): void;
}

interface ProgressRecord {
  /** What run wrote the output; a resume must match it. */
  readonly run: unknown;
  readonly documents: number;
  readonly bytes: number;
}

function readRecord(path: string, run: unknown): ProgressRecord {
  if (!existsSync(path))
    throw new Error(
      `cannot resume: ${path} is missing (the output is finished, or was not written by annotate with --out)`,
    );
  let record: ProgressRecord;
  try {
    record = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot resume: ${path} is unreadable: ${errorMessage(e)}`, { cause: e });
  }
  if (JSON.stringify(record.run) !== JSON.stringify(run)) {
    throw new Error(
      `cannot resume: the output was written by a different command (inputs, model or options differ); its record: ${JSON.stringify(record.run)}`,
    );
  }
  return record;
}

/**
 * What every output takes: whether this output starts the whole (a CSV header is written only then, so that shards
 * concatenate into the unsharded output), and what run writes it (for --resume).
 */
export interface OutputOptions {
  readonly first: boolean;
  readonly resume: boolean;
  readonly run: unknown;
}

/** Standard output: no record, no resume. */
export function streamOutput(
  format: Exclude<OutputFormat, 'brat'>,
  stream: NodeJS.WritableStream,
  o: Pick<OutputOptions, 'first'>,
): Output {
  let first = o.first;
  return {
    done: 0,
    async write(labelled) {
      const text = (first && format === 'csv' ? CSV_HEADER : '') + labelled.map(WRITERS[format]).join('');
      first = false;
      if (!stream.write(text)) await new Promise((resolve) => stream.once('drain', resolve));
    },
    finish() {},
    close() {},
  };
}

/** `path` as the output file; `run` identifies the command for --resume. */
export function fileOutput(format: Exclude<OutputFormat, 'brat'>, path: string, o: OutputOptions): Output {
  const recordPath = `${path}.annotate-progress`;
  const record = o.resume ? readRecord(recordPath, o.run) : { run: o.run, documents: 0, bytes: 0 };
  if (o.resume && existsSync(path) && statSync(path).size < record.bytes)
    throw new Error(`cannot resume: ${path} is shorter than its progress record says`);
  const fd = openSync(path, o.resume ? 'r+' : 'w');
  ftruncateSync(fd, record.bytes);
  let bytes = record.bytes;
  let documents = record.documents;
  const save = () =>
    writeFileAtomic(recordPath, JSON.stringify({ run: o.run, documents, bytes } satisfies ProgressRecord) + '\n');
  save();
  return {
    done: record.documents,
    async write(labelled) {
      const text =
        (o.first && bytes === 0 && format === 'csv' ? CSV_HEADER : '') + labelled.map(WRITERS[format]).join('');
      const buffer = Buffer.from(text, 'utf8');
      writeSync(fd, buffer, 0, buffer.length, bytes);
      fsyncSync(fd);
      bytes += buffer.length;
      documents += labelled.length;
      save();
    },
    finish: () => rmSync(recordPath, { force: true }),
    close: () => closeSync(fd),
  };
}

/**
 * brat: DIR/ID.txt and DIR/ID.ann per document; a document id met twice is refused (it would overwrite). Shards
 * may share the folder: each keeps its own record (`shard` names it).
 */
export function bratOutput(dir: string, o: Omit<OutputOptions, 'first'> & { shard?: string }): Output {
  mkdirSync(dir, { recursive: true });
  const recordPath = join(dir, o.shard ? `.annotate-progress-${o.shard}` : '.annotate-progress');
  const record = o.resume ? readRecord(recordPath, o.run) : { run: o.run, documents: 0, bytes: 0 };
  let documents = record.documents;
  const names = new Map<string, string>();
  const save = () =>
    writeFileAtomic(recordPath, JSON.stringify({ run: o.run, documents, bytes: 0 } satisfies ProgressRecord) + '\n');
  save();
  return {
    done: record.documents,
    async write(labelled) {
      for (const l of labelled) {
        const name = fileNameOf(l.doc.id);
        const earlier = names.get(name);
        if (earlier !== undefined)
          throw new Error(
            `${l.doc.source}: document "${l.doc.id}" would overwrite ${name}.ann of ${earlier}; brat needs unique ids`,
          );
        names.set(name, l.doc.source);
        const { txt, ann } = bratFiles(l);
        writeFileAtomic(join(dir, `${name}.txt`), txt);
        writeFileAtomic(join(dir, `${name}.ann`), ann);
      }
      documents += labelled.length;
      save();
    },
    finish: () => rmSync(recordPath, { force: true }),
    close() {},
  };
}
