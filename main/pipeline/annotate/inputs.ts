// Input files (or standard input) streamed as documents, each with its byte offset in the concatenation of all
// inputs. Offsets make the work deterministic: documents are grouped into chunks by offset (a chunk is every
// document starting in one block of `chunkBytes`), and a shard is a range of blocks, so a chunk holds the same
// documents whether the input is labelled whole, sharded, resumed or spread over workers.
import { createReadStream, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import {
  conllDocument,
  InputError,
  jsonlDocument,
  pubtatorReader,
  type Document,
} from '../../../shared/annotate/documents.ts';
import { columns } from '../../../shared/corpus/conll.ts';
import { errorMessage } from '../../../shared/error-message.ts';

export const INPUT_FORMATS = ['text', 'jsonl', 'pubtator', 'conll'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface Input {
  /** A file path, or '-' for standard input. */
  readonly path: string;
  readonly format: InputFormat;
  /** Bytes, when known (files). */
  readonly size?: number;
}

export interface PositionedDocument {
  readonly doc: Document;
  /** Byte offset of the document's first line in the concatenated inputs. */
  readonly offset: number;
}

const EXTENSIONS: Record<string, InputFormat> = {
  '.txt': 'text',
  '.text': 'text',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.pubtator': 'pubtator',
  '.conll': 'conll',
  '.iob': 'conll',
  '.bio': 'conll',
  '.tsv': 'conll',
};

/** The extensions whose format inputOf tells without being told. */
export const INPUT_EXTENSIONS = Object.keys(EXTENSIONS);

/** An input's format: given, else from its extension; standard input without --input-format is plain text. */
export function inputOf(path: string, given?: InputFormat): Input {
  if (path === '-') return { path, format: given ?? 'text' };
  let size: number;
  try {
    const s = statSync(path);
    if (!s.isFile()) throw new Error(`${path}: not a file`);
    size = s.size;
  } catch (e) {
    throw new InputError((e as NodeJS.ErrnoException).code === 'ENOENT' ? `${path}: no such file` : errorMessage(e));
  }
  const format = given ?? EXTENSIONS[extname(path).toLowerCase()];
  if (!format)
    throw new InputError(
      `${path}: cannot tell its format from the extension; give --input-format ${INPUT_FORMATS.join('|')}`,
    );
  return { path, format, size };
}

interface Line {
  readonly text: string;
  /** 1-based. */
  readonly number: number;
  /** Byte offset of the line's start in its file. */
  readonly offset: number;
}

/** A stream's lines (LF or CRLF), with their byte offsets; stops early once `until` bytes have been passed. */
async function* linesOf(stream: NodeJS.ReadableStream, until = Infinity): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingStart = 0;
  let consumed = 0;
  let number = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let from = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, from)) {
      const bytes =
        pending.length > 0 ? Buffer.concat([...pending, chunk.subarray(from, nl)]) : chunk.subarray(from, nl);
      const text = bytes.toString('utf8');
      yield { text: text.endsWith('\r') ? text.slice(0, -1) : text, number: ++number, offset: pendingStart };
      pending = [];
      pendingStart = consumed + nl + 1;
      from = nl + 1;
      if (pendingStart >= until) return;
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
    consumed += chunk.length;
  }
  if (pending.length > 0) {
    const text = Buffer.concat(pending).toString('utf8');
    yield { text: text.endsWith('\r') ? text.slice(0, -1) : text, number: number + 1, offset: pendingStart };
  }
}

const withoutBom = (text: string, line: number) => (line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

export interface ReadOptions {
  /** Plain text: one document per line instead of one per file. */
  readonly lines?: boolean;
  /** Only documents whose offset lies in [from, to). */
  readonly from?: number;
  readonly to?: number;
}

/** The documents of one input, `base` being its offset in the concatenation. */
async function* inputDocuments(input: Input, base: number, o: ReadOptions): AsyncGenerator<PositionedDocument> {
  const { from = 0, to = Infinity } = o;
  const file = input.path === '-' ? 'stdin' : input.path;
  const name = input.path === '-' ? 'stdin' : basename(input.path, extname(input.path));
  const stream = input.path === '-' ? process.stdin : createReadStream(input.path);
  const inRange = (offset: number) => base + offset >= from && base + offset < to;
  // Line formats stop reading past the range; a document of several lines may run on past it.
  const lines = linesOf(
    stream,
    input.format === 'jsonl' || (input.format === 'text' && o.lines) ? to - base : Infinity,
  );
  try {
    if (input.format === 'text' && !o.lines) {
      if (!inRange(0)) return;
      const parts: string[] = [];
      for await (const line of lines) parts.push(withoutBom(line.text, line.number));
      yield { doc: { id: name, text: parts.join('\n'), source: `${file}:1` }, offset: base };
      return;
    }
    if (input.format === 'text' || input.format === 'jsonl') {
      for await (const line of lines) {
        const text = withoutBom(line.text, line.number);
        if (!inRange(line.offset) || text.trim() === '') continue;
        const where = `${file}:${line.number}`;
        const doc =
          input.format === 'jsonl' ? jsonlDocument(text, where) : { id: `${name}:${line.number}`, text, source: where };
        yield { doc, offset: base + line.offset };
      }
      return;
    }
    if (input.format === 'pubtator') {
      const reader = pubtatorReader(file);
      for await (const line of lines) {
        const done = reader.push(withoutBom(line.text, line.number), line.number, line.offset);
        if (done && inRange(done.at)) yield { doc: done.doc, offset: base + done.at };
      }
      const last = reader.end();
      if (last && inRange(last.at)) yield { doc: last.doc, offset: base + last.at };
      return;
    }
    // CoNLL: each sentence is a document, its id FILE:LINE; the first column is the token, the rest is ignored.
    let tokens: string[] = [];
    let first: Line | null = null;
    const flush = (): PositionedDocument | undefined => {
      if (!first || tokens.length === 0) return undefined;
      const positioned = {
        doc: conllDocument(tokens, `${name}:${first.number}`, `${file}:${first.number}`),
        offset: base + first.offset,
      };
      tokens = [];
      first = null;
      return inRange(positioned.offset - base) ? positioned : undefined;
    };
    for await (const line of lines) {
      const text = withoutBom(line.text, line.number).trimEnd();
      if (text === '' || text.startsWith('-DOCSTART-')) {
        const done = flush();
        if (done) yield done;
        continue;
      }
      first ??= line;
      tokens.push(columns(text)[0]);
    }
    const done = flush();
    if (done) yield done;
  } finally {
    if (input.path !== '-') (stream as ReturnType<typeof createReadStream>).destroy();
  }
}

/** Every input's documents in order, each with its offset in the concatenated inputs. */
export async function* readDocuments(
  inputs: readonly Input[],
  o: ReadOptions = {},
): AsyncGenerator<PositionedDocument> {
  let base = 0;
  for (const input of inputs) {
    const size = input.size ?? Infinity;
    // Inputs wholly outside the range are not opened.
    if (base + size > (o.from ?? 0) && base < (o.to ?? Infinity)) yield* inputDocuments(input, base, o);
    base += size;
  }
}
