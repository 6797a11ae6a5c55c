// What a training step costs, relative to other models' steps on the same machine: the whole run's ETA needs it for
// the models that have not taken a step yet (a Micro student's step is some 5 times faster than a Tiny teacher's).
// A step is its tokens' matmul work (forward and backward: 3 times the forward's multiply-adds per token) and a cost
// per parameter (the optimizer's update, gradients written out, the embedding table's gradient), which does not
// shrink with the batch. PER_PARAMETER is fitted to steps measured on this engine (2 × AMD EPYC): Base takes 11.4
// times a Tiny step at batch 8 × 128 (README, engine --vs-torch), Tiny 4.7 times a Micro step at batch 16 of the
// merged corpora (some 25 words a sentence); the model gives 13.1 and 4.1, near enough for an ETA.
import type { EncoderConfig } from './config.ts';
import { parameterCount } from './weight-names.ts';

/** Multiply-adds' worth of time each parameter costs a step. */
const PER_PARAMETER = 1000;

/** The encoder's multiply-adds per token: attention projections and the feed-forward layer. */
const workPerToken = (shape: Pick<EncoderConfig, 'numLayers' | 'hiddenSize' | 'intermediateSize'>): number =>
  shape.numLayers * (4 * shape.hiddenSize ** 2 + 2 * shape.hiddenSize * shape.intermediateSize);

/** A training step's cost in multiply-adds' worth of time, for comparing models' steps, not a time. */
export const stepCost = (config: EncoderConfig, numLabels: number, tokensPerStep: number): number =>
  3 * tokensPerStep * workPerToken(config) + PER_PARAMETER * parameterCount(config, numLabels);
