// The student's loss (paper §III.B.4, eqs 13–15) as data, plus a plain float64 implementation of it that the
// engine's graph loss (main/engine/ops/loss.ts, distillationLoss) is checked against.
//
//   L  = λ·L_KD + (1 − λ)·L_GT                                   (eq. 13)
//   L_KD = −Σ_k A(k) · log S(k)   soft cross-entropy against the aggregated teacher distribution A (eq. 14)
//   L_GT = −log S(gold label)     cross-entropy against the gold label (eq. 15)
//
// Tokens: a word's label sits on its first subword; other subwords, special tokens and padding carry
// IGNORE_LABEL (-100) and are in neither term. Reduction: each term is the MEAN over the tokens in its mask,
// Σ(loss·mask) / max(Σmask, 1), so a batch with no token in a mask adds 0 for that term (PyTorch would give NaN).
// The paper sums over tokens; a mean only rescales the learning rate and keeps λ's meaning independent of
// batch size, which is what the authors' code (and HF) does.
//
// Cross-entropy vs KL: the paper (and the authors' code) name KL divergence; KL(A‖S) = CE(A, S) − H(A) and H(A)
// does not depend on the student, so both give the same gradient. We optimise CE and report H(A) beside it.
import { IGNORE_LABEL } from '../models/ignore-label.ts';

/**
 * How the KD term is averaged:
 *  'token'   mean over tokens of the per-token cross-entropy (eq. 14 up to the mean). The paper.
 *  'element' mean over tokens × labels: PyTorch's nn.KLDivLoss() default (reduction='mean'), which the authors'
 *            code uses. It divides the KD term by the number of labels (7 for three corpora), so with λ = 0.99
 *            the KD term weighs 0.99/7 ≈ 0.14 against the GT term's 0.01: not the λ the setting shows.
 */
export type KdReduction = 'token' | 'element';
export const KD_REDUCTIONS: readonly KdReduction[] = ['token', 'element'];

export interface LossConfig {
  /** λ in [0, 1]: the weight of the KD term; 1 − λ weighs the GT term. */
  readonly lambda: number;
  /**
   * Whether the GT term leaves out tokens labelled O.
   * false: every labelled token, O included (eq. 15). The paper.
   * true:  only B-/I- tokens, as the authors' code does (mask labels != 6): the gold O labels then never teach
   *        the student directly, only through the teachers' distribution.
   */
  readonly gtIgnoresO: boolean;
  readonly kdReduction: KdReduction;
}

/**
 * λ: the paper gives no value. 0.99 is the one the authors published (hard-coded in their train_student.py), so it
 * is our default; here it is a setting.
 */
export const DEFAULT_LOSS: LossConfig = { lambda: 0.99, gtIgnoresO: false, kdReduction: 'token' };

/** A complete, checked loss config from a partial one (missing fields take DEFAULT_LOSS). */
export function lossConfig(partial: Partial<LossConfig> = {}): LossConfig {
  const config = { ...DEFAULT_LOSS, ...partial };
  if (typeof config.lambda !== 'number' || !(config.lambda >= 0 && config.lambda <= 1)) {
    throw new Error(`λ must be a number from 0 to 1, got ${config.lambda}`);
  }
  if (typeof config.gtIgnoresO !== 'boolean')
    throw new Error(`gtIgnoresO must be true or false, got ${config.gtIgnoresO}`);
  if (!KD_REDUCTIONS.includes(config.kdReduction)) {
    throw new Error(`kdReduction must be one of ${KD_REDUCTIONS.join(', ')}, got ${config.kdReduction}`);
  }
  return config;
}

/** The factors the two token-mean terms are multiplied by: L = kd·mean_KD + gt·mean_GT. */
export function lossWeights(config: LossConfig, numLabels: number): { kd: number; gt: number } {
  return { kd: config.kdReduction === 'element' ? config.lambda / numLabels : config.lambda, gt: 1 - config.lambda };
}

/**
 * Per-token masks (1 = in the term) from label ids with IGNORE_LABEL on unlabelled positions. `oLabel` is O's
 * id in Y_multi (the last one: 2n for n corpora).
 */
export function lossMasks(
  labels: Int32Array,
  oLabel: number,
  config: LossConfig,
): { kd: Float32Array; gt: Float32Array } {
  const kd = new Float32Array(labels.length);
  const gt = new Float32Array(labels.length);
  labels.forEach((label, t) => {
    if (label === IGNORE_LABEL) return;
    kd[t] = 1;
    gt[t] = config.gtIgnoresO && label === oLabel ? 0 : 1;
  });
  return { kd, gt };
}

export interface LossInput {
  /** Student logits [tokens × numLabels]. */
  readonly logits: ArrayLike<number>;
  /** Aggregated teacher distribution A [tokens × numLabels] (aggregate.ts). */
  readonly teacherProbs: ArrayLike<number>;
  /** Gold label id per token, IGNORE_LABEL where none. */
  readonly labels: Int32Array;
  readonly numLabels: number;
}

export interface LossValue {
  /** L = weights.kd · kd + weights.gt · gt. */
  loss: number;
  /** Token mean of the soft cross-entropy −Σ A·log S over the KD mask. */
  kd: number;
  /** Token mean of −log S(gold) over the GT mask. */
  gt: number;
  /** Token mean of the teachers' entropy H(A) over the KD mask: KL(A‖S) = kd − teacherEntropy. */
  teacherEntropy: number;
  kdTokens: number;
  gtTokens: number;
}

/** The student loss of one batch, in float64, for checking the graph loss against. O is the last label. */
export function referenceLoss(input: LossInput, config: LossConfig): LossValue {
  const { logits, teacherProbs, labels, numLabels: c } = input;
  const tokens = labels.length;
  if (logits.length !== tokens * c || teacherProbs.length !== tokens * c) {
    throw new Error(
      `expected ${tokens} tokens × ${c} labels: got ${logits.length} logits and ${teacherProbs.length} teacher probabilities`,
    );
  }
  const masks = lossMasks(labels, c - 1, config);
  const logp = new Float64Array(c);
  let kdSum = 0;
  let entropySum = 0;
  let gtSum = 0;
  for (let t = 0; t < tokens; t++) {
    logSoftmax(logits, t * c, c, logp);
    if (masks.kd[t]) {
      for (let k = 0; k < c; k++) {
        const a = teacherProbs[t * c + k];
        if (a > 0) {
          kdSum -= a * logp[k];
          entropySum -= a * Math.log(a);
        }
      }
    }
    if (masks.gt[t]) {
      const label = labels[t];
      if (!(label >= 0 && label < c)) throw new Error(`token ${t}: label id ${label} is outside 0..${c - 1}`);
      gtSum -= logp[label];
    }
  }
  const kdTokens = masks.kd.reduce((s, m) => s + m, 0);
  const gtTokens = masks.gt.reduce((s, m) => s + m, 0);
  const kd = kdSum / Math.max(kdTokens, 1);
  const gt = gtSum / Math.max(gtTokens, 1);
  const w = lossWeights(config, c);
  return {
    loss: w.kd * kd + w.gt * gt,
    kd,
    gt,
    teacherEntropy: entropySum / Math.max(kdTokens, 1),
    kdTokens,
    gtTokens,
  };
}

function logSoftmax(x: ArrayLike<number>, at: number, c: number, out: Float64Array): void {
  let max = -Infinity;
  for (let k = 0; k < c; k++) max = Math.max(max, x[at + k]);
  let sum = 0;
  for (let k = 0; k < c; k++) sum += Math.exp(x[at + k] - max);
  const logSum = max + Math.log(sum);
  for (let k = 0; k < c; k++) out[k] = x[at + k] - logSum;
}
