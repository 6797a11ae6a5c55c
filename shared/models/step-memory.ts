// The memory a model's training on the CPU needs, from its shape, before anything runs: the wizard proposes
// micro-batches that fit this computer from it, and a run refuses, before its first step, a model that cannot fit.
// The training step's own peak is fitted to the peak resident memory of `npm run bench -- engine --micro-batch N [--length N]` (README, 2026-12-07,
// onnxruntime 1.30): Micro, Tiny, Base and Large in micro-batches of 1 to 8 windows of 128 subwords, Tiny and Base of
// 512; it is within −5 % and +8 % of all 15 (test/models/step-memory.test.ts). Its parts:
//   - the process and onnxruntime themselves;
//   - each embedding weight: its value and AdamW's two moments (the gradient is only the rows a batch read);
//   - each other weight: value, moments, the gradient onnxruntime writes and the copy JavaScript reads, and the
//     buffers onnxruntime keeps for the backward pass's weight-shaped products;
//   - each window of a micro-batch: the activations the backward pass reads, per layer some floats per subword and
//     hidden unit and, in attention, per head and pair of subwords (the latter grow with the window's square).
// A run's engine host holds a little more than the step alone (the predictions on the dev split, the evaluation
// program; the parameters come and go by file). That part is fitted to the host's peak in two runs (2026-12-07, a
// fresh host per model): a Tiny student at batch 16 (820 MB) and a Base student at batch 8 (3,239 MB), windows of up
// to 128 subwords.
import type { EncoderConfig } from './config.ts';
import { encoderShapes, parameterCount } from './weight-names.ts';

const PROCESS_MB = 170;
const BYTES_PER_EMBEDDING_WEIGHT = 12;
const BYTES_PER_WEIGHT = 22.5;
/** Floats kept per layer and window: per subword and hidden unit, and per head and pair of subwords. */
const FLOATS_PER_TOKEN_UNIT = 8;
const FLOATS_PER_HEAD_PAIR = 4;
const RUN_MB = 130;
const RUN_BYTES_PER_WEIGHT = 1.24;

/** A run may fill this share of the computer's memory: the rest is the system's, the app's and the run process's,
 *  and covers the estimate's error. */
export const RUN_MEMORY_SHARE = 0.8;

/** The memory in MB a run may use on a computer with `memoryMB`. */
export const runBudgetMB = (memoryMB: number): number => RUN_MEMORY_SHARE * memoryMB;

/** A memory figure in MB as people read it: "13.6 GB". */
export const inGB = (mb: number): string => `${(mb / 1000).toFixed(1)} GB`;

const isEmbedding = (name: string) => name.startsWith('embeddings.') && !name.includes('LayerNorm');

/** Peak memory in MB (10⁶ bytes) of a training step on the CPU over `windows` windows of `length` subwords. */
export function trainingStepMB(config: EncoderConfig, windows: number, length: number): number {
  let bytes = PROCESS_MB * 1e6;
  for (const [name, shape] of encoderShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    bytes += n * (isEmbedding(name) ? BYTES_PER_EMBEDDING_WEIGHT : BYTES_PER_WEIGHT);
  }
  const perLayer =
    FLOATS_PER_TOKEN_UNIT * length * config.hiddenSize + FLOATS_PER_HEAD_PAIR * config.numHeads * length ** 2;
  bytes += windows * config.numLayers * perLayer * 4;
  return bytes / 1e6;
}

/** Peak memory in MB of a model's training in a run's engine host, in micro-batches of `windows` windows. */
export const trainingPeakMB = (config: EncoderConfig, windows: number, length: number): number =>
  trainingStepMB(config, windows, length) + RUN_MB + (RUN_BYTES_PER_WEIGHT * parameterCount(config)) / 1e6;

/**
 * The most windows per micro-batch (at most the batch) whose training fits in `budgetMB`; null when not even one
 * window's does.
 */
export function microBatchToFit(
  config: EncoderConfig,
  batchSize: number,
  length: number,
  budgetMB: number,
): number | null {
  for (let windows = batchSize; windows >= 1; windows--)
    if (trainingPeakMB(config, windows, length) <= budgetMB) return windows;
  return null;
}
