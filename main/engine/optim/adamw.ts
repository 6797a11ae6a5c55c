// AdamW (torch.optim.AdamW semantics) with global-norm clipping (torch.nn.utils.clip_grad_norm_) over the flat parameter
// buffer: p ← p·(1 − lr·wd) on the decayed group, then the bias-corrected Adam step. Two forms of the same step: emitted
// into the graph (GPU providers, where the state stays on the device), and applied in place to the buffers in
// TypeScript (the CPU, where graph outputs would be copied into fresh buffers every step: three times the parameters).
import { constTensor, type Graph, type Tensor } from '../graph/graph.ts';
import { add, div, min, mul, sqrt, sub } from '../ops/elementwise.ts';
import type { ParamLayout } from '../nn/params.ts';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Global gradient-norm clip; null for none. */
  maxGradNorm: number | null;
  /** Parameters whose name matches one of these get no weight decay (HF: biases and LayerNorm weights). */
  noDecay: readonly RegExp[];
}

export const ADAMW_DEFAULTS: AdamWConfig = {
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.01,
  maxGradNorm: 1.0,
  noDecay: [/\.bias$/, /LayerNorm\.weight$/],
};

export const decays =
  (o: AdamWConfig) =>
  (name: string): boolean =>
    !o.noDecay.some((re) => re.test(name));

export interface AdamWState {
  params: Tensor;
  grad: Tensor;
  m: Tensor;
  v: Tensor;
  /** Learning rate of this step (float scalar, from the schedule). */
  lr: Tensor;
  /** 1-based step number (float scalar), for the bias corrections. */
  step: Tensor;
}

/**
 * One AdamW step; returns the next params, m, v and the gradient's global norm before clipping.
 * Every pass over the flat buffers costs memory bandwidth, so scalars are folded first (15 passes in all):
 *   m ← β₁m + (1−β₁)·c·g,  v ← β₂v + (1−β₂)·c²·g²   (c: the clip coefficient)
 *   p ← p·(1 − lr·wd) − (lr·√bc₂/bc₁) · m / (√v + ε·√bc₂)
 * which equals torch's p·(1 − lr·wd) − lr/bc₁ · m / (√v/√bc₂ + ε).
 */
export function adamw(
  g: Graph,
  s: AdamWState,
  layout: ParamLayout,
  o: AdamWConfig,
): { params: Tensor; m: Tensor; v: Tensor; gradNorm: Tensor } {
  return g.scope('adamw', () => {
    const gradNorm = sqrt(
      g,
      g.op('ReduceSumSquare', [s.grad], { label: 'grad_sq', shape: [], attrs: { keepdims: { i: 0 } } }),
    );
    const clip =
      o.maxGradNorm === null ? g.scalar(1, s.grad.dtype) : min(g, div(g, o.maxGradNorm, add(g, gradNorm, 1e-6)), 1);
    const m = add(g, mul(g, s.m, o.beta1), mul(g, s.grad, mul(g, clip, 1 - o.beta1)));
    const v = add(g, mul(g, s.v, o.beta2), mul(g, mul(g, s.grad, s.grad), mul(g, mul(g, clip, clip), 1 - o.beta2)));
    const bc1 = sub(g, 1, powStep(g, o.beta1, s.step));
    const sqrtBc2 = sqrt(g, sub(g, 1, powStep(g, o.beta2, s.step)));
    const update = mul(g, div(g, m, add(g, sqrt(g, v), mul(g, sqrtBc2, o.eps))), div(g, mul(g, s.lr, sqrtBc2), bc1));
    return { params: sub(g, decayed(g, s.params, s.lr, layout, o.weightDecay), update), m, v, gradNorm };
  });
}

/** β^step (β a constant, step a float scalar tensor). */
function powStep(g: Graph, beta: number, step: Tensor): Tensor {
  return g.op('Pow', [g.scalar(beta, step.dtype), step]);
}

/** p·(1 − lr·wd) on the decayed group [0, decaySize), p elsewhere. */
function decayed(g: Graph, p: Tensor, lr: Tensor, layout: ParamLayout, wd: number): Tensor {
  if (wd === 0 || layout.decaySize === 0) return p;
  const factor = sub(g, 1, mul(g, lr, wd));
  if (layout.decaySize === layout.size) return mul(g, p, factor);
  // [factor × decaySize, 1 × rest] in one pass: ones for the (small) undecayed group, padded in front with factor.
  const rest = layout.size - layout.decaySize;
  const ones = g.constant(constTensor(p.dtype, [rest], new Array<number>(rest).fill(1)));
  const perElement = g.op('Pad', [ones, g.ints([layout.decaySize, 0]), factor], {
    label: 'decay_factors',
    shape: [layout.size],
  });
  return mul(g, p, perElement);
}

/** The scalars of one AdamW step that adamwInPlace needs (AdamWConfig without its name patterns, which `decaySize` replaces). */
export type AdamWScalars = Omit<AdamWConfig, 'noDecay'>;

export interface AdamWBuffers {
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/**
 * A run of the gradient: the gradient of the flat parameters [offset, offset + data.length). A step takes its gradient
 * as segments in increasing offset order, none overlapping; parameters that no segment covers have a zero gradient
 * (the rows of an embedding table that no token of the batch looked up).
 */
export interface GradientSegment {
  offset: number;
  data: Float32Array;
}

/**
 * Parameters [from, to) whose Adam moments are all zero and that have no gradient in a step (embedding rows that no
 * batch has looked up yet): their step is the weight decay alone, m and v staying zero (exactly what the full step
 * computes for them), so it need not read m and v, and without decay it does nothing.
 */
export interface RestingSpan {
  from: number;
  to: number;
}

/**
 * The step of `adamw` applied in place to flat float32 buffers, one pass (the same folded scalars, so the same
 * rounding as the graph up to float32 vs float64 arithmetic), from the gradient given in segments (zero where none
 * covers a parameter) and the resting spans (sorted, overlapping no segment); the first `decaySize` parameters are
 * decayed. Returns the gradient's norm before clipping.
 */
export function adamwInPlace(
  b: AdamWBuffers,
  grad: readonly GradientSegment[],
  lr: number,
  step: number,
  decaySize: number,
  o: AdamWScalars,
  resting: readonly RestingSpan[] = [],
): number {
  const p = b.params;
  const pieces = [
    ...grad.map((s) => ({ from: s.offset, to: s.offset + s.data.length, data: s.data as Float32Array | null })),
    ...resting.map((r) => ({ ...r, data: null })),
  ].sort((x, y) => x.from - y.from);
  pieces.forEach((s, i) => {
    if ((i > 0 && s.from < pieces[i - 1].to) || s.to > p.length || s.from > s.to)
      throw new Error(
        `gradient segment or resting span [${s.from}, ${s.to}) overlaps the one before it or ends past the ${p.length} parameters`,
      );
  });
  let sumSq = 0;
  for (const { data } of grad) sumSq += sumOfSquares(data);
  const gradNorm = Math.sqrt(sumSq);
  const clip = o.maxGradNorm === null ? 1 : Math.min(o.maxGradNorm / (gradNorm + 1e-6), 1);
  const sqrtBc2 = Math.sqrt(1 - o.beta2 ** step);
  const k: StepConstants = {
    b1: o.beta1,
    b2: o.beta2,
    g1: clip * (1 - o.beta1),
    g2: clip * clip * (1 - o.beta2),
    stepSize: (lr * sqrtBc2) / (1 - o.beta1 ** step),
    eps: o.eps * sqrtBc2,
  };
  const decayed = 1 - lr * o.weightDecay;
  // Every parameter once, in order: the segments, the resting spans and the gaps between them (zero gradient), each
  // cut where the decay group ends; then one plain loop over them (V8 keeps the loops below fast only when called so).
  const runs: { from: number; to: number; data: Float32Array | null; resting: boolean }[] = [];
  const add = (from: number, to: number, data: Float32Array | null, resting: boolean): void => {
    const cut = Math.min(Math.max(decaySize, from), to);
    if (from < cut) runs.push({ from, to: cut, data: data && data.subarray(0, cut - from), resting });
    if (cut < to) runs.push({ from: cut, to, data: data && data.subarray(cut - from), resting });
  };
  let done = 0;
  for (const piece of pieces) {
    if (done < piece.from) add(done, piece.from, null, false);
    add(piece.from, piece.to, piece.data, piece.data === null);
    done = piece.to;
  }
  if (done < p.length) add(done, p.length, null, false);
  for (const { from, to, data, resting } of runs) {
    const decay = from < decaySize ? decayed : 1;
    if (data) stepWithGradient(b, data, from, decay, k);
    else if (!resting) stepWithoutGradient(b, from, to, decay, k);
    else if (decay !== 1) decayAlone(p, from, to, decay);
  }
  return gradNorm;
}

/**
 * Σx², in two running sums: with one, each add waited on the one before (Tiny's gradient: 4.3 ms, two: 2.9 ms;
 * four were faster in some processes and 9.7 ms in others, as V8 happened to compile them).
 */
function sumOfSquares(x: Float32Array): number {
  let a = 0,
    b = 0,
    i = 0;
  for (const n = x.length - 1; i < n; i += 2) {
    a += x[i] * x[i];
    b += x[i + 1] * x[i + 1];
  }
  if (i < x.length) a += x[i] * x[i];
  return a + b;
}

/** The folded scalars of one step (see `adamw`), for the loops below. */
interface StepConstants {
  b1: number;
  b2: number;
  g1: number;
  g2: number;
  stepSize: number;
  eps: number;
}

// Three loops, kept small and monomorphic for V8: parameters with a gradient; parameters without one, which skip
// reading a gradient of zeros (an embedding table's rows no batch read now); resting ones, which only decay. The
// first two round m and v to float32 as they are stored.
function stepWithGradient(b: AdamWBuffers, g: Float32Array, offset: number, decay: number, c: StepConstants): void {
  const { params: p, m, v } = b;
  const { b1, b2, g1, g2, stepSize, eps } = c;
  for (let i = 0, k = offset; i < g.length; i++, k++) {
    const gi = g[i];
    const mk = Math.fround(b1 * m[k] + g1 * gi);
    const vk = Math.fround(b2 * v[k] + g2 * gi * gi);
    m[k] = mk;
    v[k] = vk;
    p[k] = p[k] * decay - (stepSize * mk) / (Math.sqrt(vk) + eps);
  }
}

function decayAlone(p: Float32Array, from: number, to: number, decay: number): void {
  for (let k = from; k < to; k++) p[k] *= decay;
}

function stepWithoutGradient(b: AdamWBuffers, from: number, to: number, decay: number, c: StepConstants): void {
  const { params: p, m, v } = b;
  const { b1, b2, stepSize, eps } = c;
  for (let k = from; k < to; k++) {
    const mk = Math.fround(b1 * m[k]);
    const vk = Math.fround(b2 * v[k]);
    m[k] = mk;
    v[k] = vk;
    p[k] = p[k] * decay - (stepSize * mk) / (Math.sqrt(vk) + eps);
  }
}

/**
 * The gradient of a lookup table [rows, width] whose flat parameters start at `offset`, from the gradients of the rows
 * a batch looked up (`rowGrads` [n, width], for table rows `indices`, negative ones counted from the end as Gather
 * does): one segment per row looked up, in row order, holding its gradients summed in lookup order (as ScatterElements'
 * add sums them, to the bit); rows not looked up are left out (a zero gradient). The sums are made in place, into the
 * row of each index's first lookup, so `rowGrads` is overwritten and the segments are views of it.
 */
export function lookupGradient(
  rowGrads: Float32Array,
  indices: BigInt64Array,
  rows: number,
  width: number,
  offset: number,
): GradientSegment[] {
  const n = indices.length;
  if (rowGrads.length !== n * width)
    throw new Error(`${rowGrads.length} row gradients for ${n} lookups of rows of ${width}`);
  const first = new Int32Array(rows).fill(-1);
  for (let i = 0; i < n; i++) {
    const r = Number(indices[i] < 0n ? indices[i] + BigInt(rows) : indices[i]);
    if (!(r >= 0 && r < rows)) throw new Error(`lookup index ${indices[i]} is outside a table of ${rows} rows`);
    if (first[r] < 0) first[r] = i;
    else
      for (let j = 0, to = first[r] * width, from = i * width; j < width; j++) rowGrads[to + j] += rowGrads[from + j];
  }
  const segments: GradientSegment[] = [];
  for (let r = 0; r < rows; r++)
    if (first[r] >= 0)
      segments.push({ offset: offset + r * width, data: rowGrads.subarray(first[r] * width, (first[r] + 1) * width) });
  return segments;
}
