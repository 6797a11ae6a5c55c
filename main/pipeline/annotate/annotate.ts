// Labelling a stream of documents with one or more labellers (one engine host each), the output in input order.
//
// Documents are read lazily and grouped into chunks by byte offset (see inputs.ts); each chunk goes to the next
// free labeller, and finished chunks are written strictly in order. At most one chunk per labeller is in flight,
// so memory stays flat whatever the input's size. Because a chunk's documents depend on the input alone, the
// bytes written are the same with one worker or many, and a shard's output is exactly its part of the whole.
import { CANCELLED } from '../../engine/runtime/protocol.ts';
import { readDocuments, type Input, type PositionedDocument } from './inputs.ts';
import type { Labeller } from './labeller.ts';
import type { Labelled } from '../../../shared/annotate/formats.ts';

/** Documents starting within one block of this many bytes form one chunk. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

export interface Shard {
  /** 1-based: shard `index` of `count`. */
  readonly index: number;
  readonly count: number;
}

export interface AnnotateProgress {
  readonly documents: number;
  /** Input bytes behind the last chunk written, and the bytes this run covers (null when unknown: stdin). */
  readonly bytes: number;
  readonly totalBytes: number | null;
  readonly seconds: number;
}

export interface AnnotateOptions {
  readonly inputs: readonly Input[];
  readonly lines?: boolean;
  readonly shard?: Shard;
  readonly chunkBytes?: number;
  /** One per worker. */
  readonly labellers: readonly Labeller[];
  /** Writes one chunk's documents, in order; called once per chunk, after the previous call has finished. */
  readonly write: (labelled: readonly Labelled[]) => Promise<void>;
  /** Documents already written by an earlier run (--resume): read past, not labelled. */
  readonly skipDocuments?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: AnnotateProgress) => void;
}

export interface AnnotateResult {
  /** Documents written by this run. */
  readonly documents: number;
  readonly mentions: number;
  readonly words: number;
  /** Stopped by the signal: what was written stays, and --resume continues from there. */
  readonly stopped: boolean;
}

/** The byte range [from, to) of shard I of N: whole chunks, the first N - 1 shards of equal size. */
export function shardRange(
  totalBytes: number,
  chunkBytes: number,
  { index, count }: Shard,
): { from: number; to: number } {
  const chunks = Math.ceil(totalBytes / chunkBytes);
  return {
    from: Math.floor(((index - 1) * chunks) / count) * chunkBytes,
    to: index === count ? Infinity : Math.floor((index * chunks) / count) * chunkBytes,
  };
}

/** Consecutive documents grouped by the block their offset falls in. */
async function* chunksOf(
  docs: AsyncIterable<PositionedDocument>,
  chunkBytes: number,
): AsyncGenerator<{ docs: PositionedDocument[]; end: number }> {
  let chunk: PositionedDocument[] = [];
  let block = -1;
  for await (const d of docs) {
    const b = Math.floor(d.offset / chunkBytes);
    if (b !== block && chunk.length > 0) {
      yield { docs: chunk, end: (block + 1) * chunkBytes };
      chunk = [];
    }
    block = b;
    chunk.push(d);
  }
  if (chunk.length > 0) yield { docs: chunk, end: (block + 1) * chunkBytes };
}

const isAbort = (e: unknown) => (e as Error)?.name === CANCELLED;

export async function annotate(o: AnnotateOptions): Promise<AnnotateResult> {
  if (o.labellers.length === 0) throw new Error('annotate needs at least one labeller');
  const chunkBytes = o.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const sizes = o.inputs.map((i) => i.size);
  const knownSize = sizes.every((s) => s !== undefined) ? sizes.reduce((a: number, b) => a + b!, 0) : null;
  if (o.shard && knownSize === null)
    throw new Error('--shard needs files: standard input has no size to cut into shards');
  const range = o.shard ? shardRange(knownSize!, chunkBytes, o.shard) : { from: 0, to: Infinity };
  const totalBytes = knownSize === null ? null : Math.min(range.to, knownSize) - range.from;
  const started = performance.now();
  let documents = 0;
  let mentions = 0;
  let words = 0;

  let toSkip = o.skipDocuments ?? 0;
  const free = [...o.labellers];
  const inFlight: { result: Promise<Labelled[]>; end: number }[] = [];
  const writeOldest = async () => {
    const { result, end } = inFlight.shift()!;
    const labelled = await result;
    await o.write(labelled);
    documents += labelled.length;
    for (const l of labelled) {
      mentions += l.mentions.length;
      for (const s of l.sentences) words += s.words.length;
    }
    o.onProgress?.({
      documents,
      bytes: Math.min(end, range.to, knownSize ?? Infinity) - range.from,
      totalBytes,
      seconds: (performance.now() - started) / 1000,
    });
  };

  try {
    for await (const chunk of chunksOf(readDocuments(o.inputs, { lines: o.lines, ...range }), chunkBytes)) {
      if (o.signal?.aborted) break;
      let docs = chunk.docs.map((d) => d.doc);
      if (toSkip > 0) {
        const skipped = Math.min(toSkip, docs.length);
        docs = docs.slice(skipped);
        toSkip -= skipped;
        if (docs.length === 0) continue;
      }
      while (free.length === 0) await writeOldest();
      const labeller = free.shift()!;
      const result = labeller.label(docs, o.signal).finally(() => free.push(labeller));
      result.catch(() => {}); // awaited in order by writeOldest; this only keeps an early failure from going unhandled
      inFlight.push({ result, end: chunk.end });
    }
    while (inFlight.length > 0) await writeOldest();
  } catch (e) {
    await Promise.allSettled(inFlight.map((f) => f.result));
    if (!isAbort(e) || !o.signal?.aborted) throw e;
  }
  return { documents, mentions, words, stopped: o.signal?.aborted ?? false };
}
