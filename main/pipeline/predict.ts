// Batched prediction through the engine host: windows of encoded sentences in, one probability row per word out
// (taken at the word's first subword, windows stitched back into sentences). Teachers' distributions over the
// merged corpus and every evaluation go through here.
import type { RuntimeClient } from '../engine/runtime/client.ts';
import { BATCH } from '../engine/nn/token-classification.ts';
import { tensor, type Tensor } from '../tensors/tensor.ts';
import type { EncoderConfig } from '../../shared/models/config.ts';
import { padBatch, stitchWords, type EncodedWindow, type PaddedBatch } from '../../shared/tokenizers/encode.ts';

/** The model inputs of a padded batch (token types only for families that have them). */
export function modelFeeds(config: EncoderConfig, b: PaddedBatch): Record<string, Tensor> {
  const shape = [b.size, b.length];
  return {
    [BATCH.inputIds]: tensor('int64', shape, BigInt64Array.from(b.inputIds, BigInt)),
    [BATCH.attentionMask]: tensor('float32', shape, Float32Array.from(b.attentionMask)),
    ...(config.typeVocabSize > 0
      ? { [BATCH.tokenTypeIds]: tensor('int64', shape, BigInt64Array.from(b.tokenTypeIds, BigInt)) }
      : {}),
  };
}

/**
 * Window indices (`ids`, by default all in corpus order) in batches of similar length (less padding); windows of one
 * length keep their order in `ids`.
 */
export function lengthBuckets(
  windows: readonly EncodedWindow[],
  batchSize: number,
  ids: readonly number[] = [...windows.keys()],
): number[][] {
  // Array.prototype.sort is stable.
  const order = [...ids].sort((a, b) => windows[a].inputIds.length - windows[b].inputIds.length);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}

export interface PredictOptions {
  readonly program: string;
  readonly padId: number;
  readonly batchSize: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
  /** The model inputs of a batch (default modelFeeds) and the output read (default BATCH.probs), for other graphs. */
  readonly feeds?: (b: PaddedBatch) => Record<string, Tensor>;
  readonly output?: string;
}

/**
 * Runs `program` (an eval graph whose output is BATCH.probs [batch, seq, labels]) over the windows, and returns
 * per sentence, per word, that word's probabilities. `wordCounts[s]` is sentence s's number of words.
 */
export async function predictWords(
  client: RuntimeClient,
  config: EncoderConfig,
  windows: readonly EncodedWindow[],
  wordCounts: readonly number[],
  o: PredictOptions,
): Promise<Float32Array[][]> {
  const labels = config.labels?.length ?? 0;
  const buckets = lengthBuckets(windows, o.batchSize);
  const padded = buckets.map((ids) =>
    padBatch(
      ids.map((k) => windows[k]),
      o.padId,
    ),
  );
  const outputs = await client.request(
    { kind: 'evaluate', program: o.program, batches: padded.map(o.feeds ?? ((b) => modelFeeds(config, b))) },
    { signal: o.signal, onProgress: o.onProgress && ((p) => o.onProgress!(p.done, p.total)) },
  );
  // Window k's row in the outputs: (batch, row in batch).
  const where = new Array<[number, number]>(windows.length);
  buckets.forEach((ids, b) => ids.forEach((k, row) => (where[k] = [b, row])));
  return stitchWords(windows, wordCounts, (k, p) => {
    const [b, row] = where[k];
    const probs = outputs[b][o.output ?? BATCH.probs].data as Float32Array;
    const at = (row * padded[b].length + p) * labels;
    return probs.slice(at, at + labels);
  });
}

/** The index of the largest value of a row (the first, on ties). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
  return best;
}

/** The most probable label of each word. */
export function argmaxLabels(probs: readonly (readonly Float32Array[])[], labels: readonly string[]): string[][] {
  return probs.map((sentence) => sentence.map((row) => labels[argmax(row)]));
}
