// Batched prediction through the engine host: windows of encoded sentences in, one probability row per word out
// (taken at the word's first subword, windows stitched back into sentences). Two graphs are run this way:
// - the inference graph (main/models/inference-model.ts, what `models export` writes): the weights are constants,
//   so onnxruntime folds and fuses around them. A trained model labels with it: the run's evaluation, the teachers'
//   distributions and `annotate`, float32 or int8, so a model labels the same text alike wherever it runs;
// - the eval graph on a training workspace's parameters, for the dev split after each epoch of fine-tuning.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempFolder } from '../files/temp-folder.ts';
import type { RuntimeClient } from '../engine/runtime/client.ts';
import { onnxOutputNames } from '../engine/runtime/onnx-model.ts';
import type { ProviderChoice } from '../engine/runtime/provider-choice.ts';
import type { ProviderRequest } from '../engine/runtime/providers.ts';
import { BATCH } from '../engine/nn/token-classification.ts';
import { inferenceModel } from '../models/inference-model.ts';
import { quantizeMatMulWeights } from '../models/quantize.ts';
import { tensor, type Tensor } from '../tensors/tensor.ts';
import { usesTokenTypes, type EncoderConfig } from '../../shared/models/config.ts';
import { padBatch, stitchWords, type EncodedWindow, type PaddedBatch } from '../../shared/tokenizers/encode.ts';

/** The eval graph's inputs of a padded batch (token types only for families that have them). */
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

/** The inference graph's inputs, as the exported file takes them: int64 ids and mask, token types where used. */
export function inferenceFeeds(config: EncoderConfig, b: PaddedBatch): Record<string, Tensor> {
  const shape = [b.size, b.length];
  const int64 = (data: Int32Array) => tensor('int64', shape, BigInt64Array.from(data, BigInt));
  return {
    [BATCH.inputIds]: int64(b.inputIds),
    [BATCH.attentionMask]: int64(b.attentionMask),
    ...(usesTokenTypes(config) ? { [BATCH.tokenTypeIds]: int64(b.tokenTypeIds) } : {}),
  };
}

/** How predictWords feeds a program and reads it: its inputs, and the output that holds probabilities or logits. */
export interface PredictGraph {
  readonly feeds: (config: EncoderConfig, b: PaddedBatch) => Record<string, Tensor>;
  readonly output: string;
  /** The output holds logits: each word's row is turned into probabilities here (softmax). */
  readonly logits: boolean;
}

export const EVAL_GRAPH: PredictGraph = { feeds: modelFeeds, output: BATCH.probs, logits: false };
export const INFERENCE_GRAPH: PredictGraph = { feeds: inferenceFeeds, output: 'logits', logits: true };

export type Precision = 'float32' | 'int8';

export interface InferenceOptions {
  readonly provider: ProviderRequest;
  /** int8: the encoder's linear weights quantised (main/models/quantize.ts; the classifier stays float). */
  readonly precision?: Precision;
  /** onnxruntime's intra-op threads (default: one per core); several labelling processes share the cores. */
  readonly threads?: number;
}

/**
 * Opens a workspace without state on the client's engine host and loads a model's inference graph as `program`,
 * with onnxruntime's full graph optimisation (the workspace's default). The program runs with INFERENCE_GRAPH.
 */
export async function loadInference(
  client: RuntimeClient,
  model: { config: EncoderConfig; weights: ReadonlyMap<string, Tensor> },
  program: string,
  o: InferenceOptions,
): Promise<ProviderChoice> {
  const float = inferenceModel(model.config, model.weights);
  const bytes =
    o.precision === 'int8'
      ? quantizeMatMulWeights(float, { include: (name) => !name.startsWith('classifier.') }).bytes
      : float;
  const device = await client.request({
    kind: 'open',
    provider: o.provider,
    state: {},
    ...(o.threads ? { tuning: { intraOpNumThreads: o.threads } } : {}),
  });
  // The model goes to the host as a file (see OnnxFile), removed once the host has loaded it.
  const dir = tempFolder('taughtnet-model-');
  try {
    const path = join(dir, 'model.onnx');
    await writeFile(path, bytes);
    const model = { path, outputs: onnxOutputNames(bytes) };
    await client.request({ kind: 'load', program, spec: { model, read: [INFERENCE_GRAPH.output] } });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return device;
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
  /** The program's graph: INFERENCE_GRAPH (loadInference) or EVAL_GRAPH. */
  readonly graph: PredictGraph;
}

/**
 * Runs `program` over the windows and returns per sentence, per word, that word's probabilities (of the labels, in
 * the config's order). `wordCounts[s]` is sentence s's number of words.
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
    { kind: 'evaluate', program: o.program, batches: padded.map((b) => o.graph.feeds(config, b)) },
    { signal: o.signal, onProgress: o.onProgress && ((p) => o.onProgress!(p.done, p.total)) },
  );
  // Window k's row in the outputs: (batch, row in batch).
  const where = new Array<[number, number]>(windows.length);
  buckets.forEach((ids, b) => ids.forEach((k, row) => (where[k] = [b, row])));
  return stitchWords(windows, wordCounts, (k, p) => {
    const [b, row] = where[k];
    const values = outputs[b][o.graph.output].data as Float32Array;
    const at = (row * padded[b].length + p) * labels;
    const word = values.slice(at, at + labels);
    return o.graph.logits ? softmax(word) : word;
  });
}

/** Softmax of a row of logits, in place. */
function softmax(row: Float32Array): Float32Array {
  let max = -Infinity;
  for (const x of row) max = Math.max(max, x);
  let sum = 0;
  for (let j = 0; j < row.length; j++) sum += row[j] = Math.exp(row[j] - max);
  for (let j = 0; j < row.length; j++) row[j] /= sum;
  return row;
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
