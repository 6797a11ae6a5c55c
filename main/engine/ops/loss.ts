// Token-level losses with masks: mean over the tokens whose mask is 1. Against gold labels, a token labelled
// IGNORE_LABEL (−100) counts nowhere whatever its mask, as in PyTorch's CrossEntropyLoss(ignore_index=−100).
// A mean may divide by a `count` given as a graph input instead of its own mask's sum: a micro-batch then divides by
// its whole batch's count, so that the micro-batches' losses (and gradients) sum to the whole batch's.
import { constTensor, type Graph, type Tensor } from '../graph/graph.ts';
import { add, div, equal, log, max, mul, neg, sub } from './elementwise.ts';
import { logSoftmax } from './nn.ts';
import { reduceSum } from './reduce.ts';
import { cast, unsqueeze } from './shape.ts';
import { IGNORE_LABEL } from '../../../shared/models/ignore-label.ts';

/** Σ(values·mask) / max(count, 1), count Σmask unless given: the mean over unmasked tokens (0 when none is). */
function maskedMean(g: Graph, values: Tensor, mask: Tensor, count?: Tensor): Tensor {
  const all = [...values.shape.keys()];
  return div(g, reduceSum(g, mul(g, values, mask), all), max(g, count ?? reduceSum(g, mask, all), 1));
}

/**
 * Labels as int32: ORT's WebGPU provider has no int64 arithmetic, so int64 labels are cast first (on a GPU that cast
 * runs on the host, where the batch comes from anyway) and the comparisons with them run on the device.
 */
const int32Labels = (g: Graph, labels: Tensor): Tensor =>
  labels.dtype === 'int32' ? labels : cast(g, labels, 'int32');

/** One-hot rows of int32 `labels` over `classes` classes (labels outside 0..classes−1, e.g. −100, give zero rows). */
function oneHot(g: Graph, labels: Tensor, classes: number, dtype: Tensor['dtype']): Tensor {
  const ids = g.constant(constTensor('int32', [classes], [...Array(classes).keys()]));
  return cast(g, equal(g, unsqueeze(g, labels, [-1]), ids), dtype);
}

/** `mask` where the int32 label is not IGNORE_LABEL, 0 where it is: an ignored token leaves the mean's count too. */
const labelledMask = (g: Graph, mask: Tensor, labels: Tensor): Tensor =>
  mul(g, mask, sub(g, 1, cast(g, equal(g, labels, g.scalar(IGNORE_LABEL, 'int32')), mask.dtype)));

/**
 * Cross-entropy of logits [..., C] against integer labels [...], averaged over the tokens where mask [...] is 1 and
 * the label is not IGNORE_LABEL: PyTorch's CrossEntropyLoss(ignore_index=−100, reduction='mean') over the masked tokens.
 */
export function crossEntropy(g: Graph, logits: Tensor, labels: Tensor, mask: Tensor, count?: Tensor): Tensor {
  const classes = logits.shape[logits.shape.length - 1];
  if (typeof classes !== 'number') throw new Error('crossEntropy needs a static class count');
  const ids = int32Labels(g, labels);
  const logp = logSoftmax(g, logits);
  const nll = neg(g, reduceSum(g, mul(g, oneHot(g, ids, classes, logits.dtype), logp), [-1]));
  return maskedMean(g, nll, labelledMask(g, mask, ids), count);
}

/** Soft-target cross-entropy −Σ p·log softmax(logits) against probabilities p [..., C], masked mean over tokens. */
export function softCrossEntropy(g: Graph, logits: Tensor, probs: Tensor, mask: Tensor, count?: Tensor): Tensor {
  return maskedMean(g, neg(g, reduceSum(g, mul(g, probs, logSoftmax(g, logits)), [-1])), mask, count);
}

/** KL(p ‖ softmax(logits)) = soft cross-entropy − entropy(p); same gradient as softCrossEntropy. */
export function klDivergence(g: Graph, logits: Tensor, probs: Tensor, mask: Tensor): Tensor {
  const plogp = reduceSum(g, mul(g, probs, log(g, max(g, probs, 1e-30))), [-1]);
  return add(g, softCrossEntropy(g, logits, probs, mask), maskedMean(g, plogp, mask));
}

/**
 * TaughtNet's student loss: kd·softCE(student, teacher probs) + gt·CE(student, gold labels), per-token masks.
 * A token labelled IGNORE_LABEL (not a word's first subword: it has no teacher distribution) is in neither term.
 * The paper's weights are λ and 1 − λ (shared/method/loss-config.ts lossWeights says which to use).
 */
export function distillationLoss(
  g: Graph,
  o: {
    logits: Tensor;
    teacherProbs: Tensor;
    labels: Tensor;
    softMask: Tensor;
    hardMask: Tensor;
    weights: { kd: number; gt: number };
    /** The counts the soft and hard means divide by (see maskedMean); their masks' sums when absent. */
    softCount?: Tensor;
    hardCount?: Tensor;
  },
): Tensor {
  const ids = int32Labels(g, o.labels);
  const soft = softCrossEntropy(g, o.logits, o.teacherProbs, labelledMask(g, o.softMask, ids), o.softCount);
  const hard = crossEntropy(g, o.logits, ids, o.hardMask, o.hardCount);
  return add(g, mul(g, soft, o.weights.kd), mul(g, hard, o.weights.gt));
}
