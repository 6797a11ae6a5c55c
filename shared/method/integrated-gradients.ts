// The pure parts of Integrated Gradients (Sundararajan, Taly, Yan 2017), as the paper applies it (§IV-E.5, Fig. 3).
//
//   IG_i(x) = (x_i − x'_i) · ∫₀¹ ∂f(x' + α(x − x'))/∂x_i dα
//
// along the straight line from a baseline x' to the input x, both embeddings [subwords × hidden]. The integral is
// a quadrature over m points α_k with weights w_k (Σw_k = 1):
//   'gauss-legendre' (default): Gauss–Legendre nodes mapped to [0, 1]; exact for integrands of degree ≤ 2m − 1.
//                    What Captum uses by default, and so transformers-interpret, the tool the paper cites.
//   'trapezoid':     m evenly spaced points 0, 1/(m−1), …, 1, end points weighted half (Captum's
//                    riemann_trapezoid); error O(1/m²).
// The model (outside this file) gives f and its gradient at each path point; here we plan the points, combine
// the gradients into attributions, sum over the hidden dimension, aggregate subwords into words, and check
// completeness: Σ_i IG_i = f(x) − f(x'), up to quadrature error.

export type Quadrature = 'gauss-legendre' | 'trapezoid';
export const QUADRATURES: readonly Quadrature[] = ['gauss-legendre', 'trapezoid'];

export interface IgSteps {
  rule: Quadrature;
  /** Path positions α_k in [0, 1]. */
  alphas: Float64Array;
  /** Quadrature weights w_k, summing to 1. */
  weights: Float64Array;
}

export function igSteps(rule: Quadrature, steps: number): IgSteps {
  if (!Number.isInteger(steps) || steps < (rule === 'trapezoid' ? 2 : 1)) {
    throw new Error(
      `${rule} needs an integer number of steps of at least ${rule === 'trapezoid' ? 2 : 1}, got ${steps}`,
    );
  }
  if (rule === 'trapezoid') {
    const alphas = Float64Array.from({ length: steps }, (_, k) => k / (steps - 1));
    const weights = new Float64Array(steps).fill(1 / (steps - 1));
    weights[0] = weights[steps - 1] = 0.5 / (steps - 1);
    return { rule, alphas, weights };
  }
  if (rule !== 'gauss-legendre') throw new Error(`unknown quadrature '${rule}' (expected ${QUADRATURES.join(', ')})`);
  const { nodes, weights } = gaussLegendre(steps);
  return { rule, alphas: nodes.map((x) => (x + 1) / 2), weights: weights.map((w) => w / 2) };
}

/** Gauss–Legendre nodes (ascending) and weights on [−1, 1]: Newton's method on the Legendre polynomial P_n. */
function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      // P_n(x) by the three-term recurrence (p1 = P_n, p0 = P_{n−1}), then P_n'(x) from the two.
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k];
      dp = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    nodes[i] = -x;
    nodes[n - 1 - i] = x;
    weights[i] = weights[n - 1 - i] = 2 / ((1 - x * x) * dp * dp);
  }
  return { nodes, weights };
}

/**
 * The baseline x': 'zeros', or the embeddings of [PAD] at every position except the tokens in `keepIds`
 * (e.g. [CLS], [SEP]), which keep their own, as transformers-interpret builds its reference input.
 */
export type Baseline = { kind: 'zeros' } | { kind: 'pad'; padId: number; keepIds: readonly number[] };

/** The baseline's token ids for `inputIds` (only for the 'pad' baseline). */
export function baselineIds(inputIds: readonly number[], padId: number, keepIds: readonly number[]): number[] {
  return inputIds.map((id) => (keepIds.includes(id) ? id : padId));
}

/** The baseline embeddings [subwords × hidden], looked up in a word-embedding table [vocab × hidden]. */
export function baselineEmbeddings(
  baseline: Baseline,
  inputIds: readonly number[],
  table: Float32Array,
  hidden: number,
): Float32Array {
  const out = new Float32Array(inputIds.length * hidden);
  if (baseline.kind === 'zeros') return out;
  baselineIds(inputIds, baseline.padId, baseline.keepIds).forEach((id, s) => {
    if (!(id >= 0 && (id + 1) * hidden <= table.length))
      throw new Error(`token id ${id} is outside the embedding table`);
    out.set(table.subarray(id * hidden, (id + 1) * hidden), s * hidden);
  });
  return out;
}

/** The path points x' + α_k(x − x'), stacked: [steps × size], ready to run as one batch. */
export function pathInputs(baseline: Float32Array, input: Float32Array, alphas: ArrayLike<number>): Float32Array {
  if (baseline.length !== input.length)
    throw new Error(`baseline has ${baseline.length} values, input ${input.length}`);
  const size = input.length;
  const out = new Float32Array(alphas.length * size);
  for (let k = 0; k < alphas.length; k++) {
    const a = alphas[k];
    for (let i = 0; i < size; i++) out[k * size + i] = baseline[i] + a * (input[i] - baseline[i]);
  }
  return out;
}

/** IG per input value: (x − x') ⊙ Σ_k w_k·∇f(path point k). `gradients[k]` is the gradient at α_k. */
export function integratedGradients(
  input: ArrayLike<number>,
  baseline: ArrayLike<number>,
  gradients: readonly ArrayLike<number>[],
  steps: IgSteps,
): Float64Array {
  if (gradients.length !== steps.weights.length)
    throw new Error(`${gradients.length} gradients for ${steps.weights.length} steps`);
  if (baseline.length !== input.length)
    throw new Error(`baseline has ${baseline.length} values, input ${input.length}`);
  const out = new Float64Array(input.length);
  gradients.forEach((g, k) => {
    if (g.length !== input.length) throw new Error(`gradient ${k + 1} has ${g.length} values, input ${input.length}`);
    const w = steps.weights[k];
    for (let i = 0; i < out.length; i++) out[i] += w * g[i];
  });
  for (let i = 0; i < out.length; i++) out[i] *= input[i] - baseline[i];
  return out;
}

/** Per-subword attributions: the sum over the hidden dimension of [subwords × hidden]. */
export function sumOverHidden(attributions: ArrayLike<number>, hidden: number): Float64Array {
  if (attributions.length % hidden !== 0)
    throw new Error(`${attributions.length} values do not divide into rows of ${hidden}`);
  const out = new Float64Array(attributions.length / hidden);
  for (let s = 0; s < out.length; s++) {
    let sum = 0;
    for (let h = 0; h < hidden; h++) sum += attributions[s * hidden + h];
    out[s] = sum;
  }
  return out;
}

/**
 * Per-word attributions: the sum over each word's subwords (attributions add, so completeness still holds).
 * `wordIds[s]` is subword s's word, null for special tokens, whose sum is returned apart.
 */
export function wordAttributions(
  perSubword: ArrayLike<number>,
  wordIds: readonly (number | null)[],
  words: number,
): { words: Float64Array; special: number } {
  if (wordIds.length !== perSubword.length)
    throw new Error(`${perSubword.length} subword attributions for ${wordIds.length} word ids`);
  const out = new Float64Array(words);
  let special = 0;
  wordIds.forEach((w, s) => {
    if (w === null) special += perSubword[s];
    else if (w >= 0 && w < words) out[w] += perSubword[s];
    else throw new Error(`subword ${s} belongs to word ${w}, outside 0..${words - 1}`);
  });
  return { words: out, special };
}

export interface Completeness {
  /** Σ attributions. */
  sum: number;
  /** f(x) − f(x'). */
  expected: number;
  /** |sum − expected|. */
  error: number;
  /** error / max(|expected|, tiny): Captum's convergence delta, relative. */
  relativeError: number;
}

/** How far the attributions are from f(x) − f(baseline) (IG's completeness axiom); a large error wants more steps. */
export function completeness(attributions: ArrayLike<number>, fInput: number, fBaseline: number): Completeness {
  let sum = 0;
  for (let i = 0; i < attributions.length; i++) sum += attributions[i];
  const expected = fInput - fBaseline;
  const error = Math.abs(sum - expected);
  return { sum, expected, error, relativeError: error / Math.max(Math.abs(expected), 1e-12) };
}
