// The token-classification model (…ForTokenClassification: encoder, dropout, linear classifier) and its task:
// batch inputs, loss (gold cross-entropy, or TaughtNet's distillation loss), probabilities; and the graphs of
// Integrated Gradients. The number of labels is the config's labels (id2label).
import { Graph, type DType, type Tensor } from '../graph/graph.ts';
import { grad } from '../graph/autodiff.ts';
import { toOnnx, type OnnxModel } from '../graph/onnx.ts';
import { crossEntropy, distillationLoss } from '../ops/loss.ts';
import { dropout, softmax, type DropoutContext } from '../ops/nn.ts';
import type { EncoderConfig } from '../../../shared/models/config.ts';
import { classifierShapes } from '../../../shared/models/weight-names.ts';
import {
  embeddingTables,
  encoder,
  encoderParamSpecs,
  linear,
  wordEmbeddings,
  type EncoderInputs,
  type Params,
} from './encoder.ts';
import { layoutParams, paramViews, type ParamLayout, type ParamSpec } from './params.ts';
import { IO, type Task } from '../optim/train-graphs.ts';
import { decays, type AdamWConfig } from '../optim/adamw.ts';
import { tensor, type Tensor as Values } from '../../tensors/tensor.ts';
import { IGNORE_LABEL } from '../../../shared/models/ignore-label.ts';

/**
 * Batch input names: int64 [batch, seq] ids, float masks [batch, seq] (1 = counts), teacher probs [batch, seq, labels],
 * and the float scalar counts the loss's means divide by (see tokenCounts).
 */
export const BATCH = {
  inputIds: 'input_ids',
  tokenTypeIds: 'token_type_ids',
  attentionMask: 'attention_mask',
  labels: 'labels',
  labelMask: 'label_mask',
  labelCount: 'label_count',
  teacherProbs: 'teacher_probs',
  teacherMask: 'teacher_mask',
  teacherCount: 'teacher_count',
  probs: 'probs',
} as const;

/**
 * The count feeds of a batch: the tokens its gold term's mean is over (mask 1, label not IGNORE_LABEL), and with
 * `teacherMask` its distillation term's. A micro-batch is fed its whole batch's counts, so that the micro-batches'
 * losses and gradients add up to the whole batch's.
 */
export function tokenCounts(
  labels: BigInt64Array,
  labelMask: Float32Array,
  teacherMask?: Float32Array,
): Record<string, Values> {
  const ignored = BigInt(IGNORE_LABEL);
  const count = (mask: Float32Array) =>
    tensor('float32', [], Float32Array.of(mask.reduce((n, m, i) => n + (labels[i] === ignored ? 0 : m), 0)));
  return {
    [BATCH.labelCount]: count(labelMask),
    ...(teacherMask ? { [BATCH.teacherCount]: count(teacherMask) } : {}),
  };
}

/** A batch's gold feeds with every labelled token counted: labels, label mask (0 on IGNORE_LABEL) and count. */
export function goldFeeds(labels: ArrayLike<number>, shape: readonly number[]): Record<string, Values> {
  const ids = BigInt64Array.from(Array.from(labels), BigInt);
  const mask = Float32Array.from(Array.from(labels), (l) => (l === IGNORE_LABEL ? 0 : 1));
  return {
    [BATCH.labels]: tensor('int64', shape, ids),
    [BATCH.labelMask]: tensor('float32', shape, mask),
    ...tokenCounts(ids, mask),
  };
}

export function numLabels(c: EncoderConfig): number {
  if (c.labels === null || c.labels.length === 0)
    throw new Error(`the ${c.modelType} config names no labels (id2label): a token classifier needs them`);
  return c.labels.length;
}

/** Encoder and classifier parameters with HF's initialisation (classifier: normal(0, initializer_range), bias 0). */
export function tokenClassifierParamSpecs(c: EncoderConfig): ParamSpec[] {
  const head = [...classifierShapes(c, numLabels(c))].map(([name, shape]): ParamSpec => ({
    name,
    shape,
    init: name.endsWith('.bias') ? { constant: 0 } : { normal: c.initializerRange },
  }));
  return [...encoderParamSpecs(c), ...head];
}

/** The flat parameter layout; its size is parameterCount(c, numLabels(c)). */
export function tokenClassifierLayout(c: EncoderConfig, opt: AdamWConfig): ParamLayout {
  return layoutParams(tokenClassifierParamSpecs(c), decays(opt));
}

/** Logits [batch, seq, labels]. */
export function tokenClassifierLogits(
  g: Graph,
  c: EncoderConfig,
  p: Params,
  x: EncoderInputs,
  drop?: DropoutContext,
): Tensor {
  const hidden = encoder(g, c, p, x, drop);
  return linear(g, p, 'classifier', dropout(g, hidden, c.classifierDropout ?? c.hiddenDropout, drop));
}

/** Declares input_ids, attention_mask and (when the family has token types) token_type_ids on `g`. */
export function modelInputs(g: Graph, c: EncoderConfig, p: Params, dtype: DType): EncoderInputs & { inputIds: Tensor } {
  const inputIds = g.input(BATCH.inputIds, 'int64', ['batch', 'seq']);
  return {
    inputIds,
    inputsEmbeds: wordEmbeddings(g, p, inputIds),
    ...(c.typeVocabSize > 0 ? { tokenTypeIds: g.input(BATCH.tokenTypeIds, 'int64', ['batch', 'seq']) } : {}),
    attentionMask: g.input(BATCH.attentionMask, dtype, ['batch', 'seq']),
  };
}

export interface TokenClassificationOptions {
  dtype?: DType;
  /** TaughtNet: loss = kd·softCE(student, teacher_probs) + gt·CE(student, labels) (lossWeights). Absent: plain CE. */
  distillation?: { kd: number; gt: number };
}

export function tokenClassificationTask(
  c: EncoderConfig,
  layout: ParamLayout,
  o: TokenClassificationOptions = {},
): Task {
  const dtype = o.dtype ?? 'float32';
  const labelCount = numLabels(c);
  return {
    layout,
    dtype,
    lookupTables: embeddingTables(c),
    forward(g, params, drop) {
      const logits = tokenClassifierLogits(g, c, params, modelInputs(g, c, params, dtype), drop);
      const labels = g.input(BATCH.labels, 'int64', ['batch', 'seq']);
      const labelMask = g.input(BATCH.labelMask, dtype, ['batch', 'seq']);
      const count = g.input(BATCH.labelCount, dtype, []);
      const loss = g.scope('loss', () =>
        o.distillation === undefined
          ? crossEntropy(g, logits, labels, labelMask, count)
          : distillationLoss(g, {
              logits,
              labels,
              hardMask: labelMask,
              hardCount: count,
              teacherProbs: g.input(BATCH.teacherProbs, dtype, ['batch', 'seq', labelCount]),
              softMask: g.input(BATCH.teacherMask, dtype, ['batch', 'seq']),
              softCount: g.input(BATCH.teacherCount, dtype, []),
              weights: o.distillation,
            }),
      );
      return { loss, outputs: { [BATCH.probs]: g.untaped(() => softmax(g, logits)) } };
    },
  };
}

/**
 * Integrated Gradients' inner step: inputs params, inputs_embeds [batch, seq, embedding size], token_type_ids (when
 * the family has them), attention_mask and target [batch, seq, labels] (weights on the probabilities to explain,
 * e.g. one-hot of the predicted label at one token); outputs probs and grad_inputs_embeds = d Σ(target·probs) / d inputs_embeds.
 */
export function attributionGraph(c: EncoderConfig, layout: ParamLayout, dtype: DType = 'float32'): OnnxModel {
  const g = new Graph();
  const params = paramViews(g, layout, g.input(IO.params, dtype, [layout.size]));
  const embeds = g.input('inputs_embeds', dtype, ['batch', 'seq', c.embeddingSize]);
  const logits = tokenClassifierLogits(g, c, params, {
    inputsEmbeds: embeds,
    ...(c.typeVocabSize > 0 ? { tokenTypeIds: g.input(BATCH.tokenTypeIds, 'int64', ['batch', 'seq']) } : {}),
    attentionMask: g.input(BATCH.attentionMask, dtype, ['batch', 'seq']),
  });
  const probs = softmax(g, logits);
  const target = g.input('target', dtype, ['batch', 'seq', numLabels(c)]);
  const [dEmbeds] = grad(g, [{ y: probs, dy: target }], [embeds]);
  return toOnnx(g, { [BATCH.probs]: probs, grad_inputs_embeds: dEmbeds }, 'attribution');
}

/** Word embeddings of input ids (the IG path starts from these): inputs params, input_ids; output inputs_embeds. */
export function embeddingGraph(layout: ParamLayout, dtype: DType = 'float32'): OnnxModel {
  const g = new Graph();
  const params = paramViews(g, layout, g.input(IO.params, dtype, [layout.size]));
  return toOnnx(
    g,
    { inputs_embeds: wordEmbeddings(g, params, g.input(BATCH.inputIds, 'int64', ['batch', 'seq'])) },
    'embeddings',
  );
}

/** Inference: inputs params and the model inputs (see modelInputs); output logits [batch, seq, labels]. */
export function logitsGraph(c: EncoderConfig, layout: ParamLayout, dtype: DType = 'float32'): OnnxModel {
  const g = new Graph();
  const params = paramViews(g, layout, g.input(IO.params, dtype, [layout.size]));
  return toOnnx(g, { logits: tokenClassifierLogits(g, c, params, modelInputs(g, c, params, dtype)) }, 'logits');
}
