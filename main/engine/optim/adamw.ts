// AdamW (torch.optim.AdamW semantics) with global-norm clipping (torch.nn.utils.clip_grad_norm_) over the flat parameter
// buffer: p ← p·(1 − lr·wd) on the decayed group, then the bias-corrected Adam step. Two forms of the same step: emitted
// into the graph (GPU providers, where the state stays on the device), and applied in place to the buffers by
// WebAssembly loops (the CPU, where graph outputs would be copied into fresh buffers every step: three times the
// parameters).
import { constTensor, type Graph, type Tensor } from '../graph/graph.ts';
import { add, div, min, mul, sqrt, sub } from '../ops/elementwise.ts';
import type { ParamLayout } from '../nn/params.ts';
import { ADAMW_WASM } from './adamw-wasm.ts';

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
 * The step of `adamw` applied in place to flat float32 buffers, one pass (the same folded scalars and float32
 * operations in the same order as the graph; the scalars themselves are computed in float64), from the gradient given in segments (zero where none
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
  // cut where the decay group ends; then one loop over them.
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
    if (!resting) stepRange(b, data, from, to, decay, k);
    else if (decay !== 1) decayAlone(p, from, to, decay);
  }
  return gradNorm;
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

// The loops run in WebAssembly (adamw.wat), four parameters at a time: 2.5 to 4.5 times faster than the same loops in
// JavaScript (whose float64 arithmetic rounds to float32 at each store). The module's memory holds one chunk
// of each buffer at a time (see adamw.wat), and a fifth region of zeros stands for a missing gradient.
const CHUNK = 16384; // parameters, whole lanes of four: the five regions together (320 KiB) stay in a core's L2 cache
const [P, M, V, G, ZERO] = [0, 1, 2, 3, 4].map((region) => region * CHUNK);

interface Kernels {
  heap: Float32Array;
  step(n: number, ...offsetsThenScalars: number[]): void;
  scale(n: number, p: number, factor: number): void;
  sumOfSquares(n: number, x: number): number;
}

let kernels: Kernels | undefined;
function simd(): Kernels {
  if (kernels) return kernels;
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(ADAMW_WASM, 'base64')));
  const memory = exports.memory as WebAssembly.Memory;
  memory.grow(Math.ceil((5 * CHUNK * 4) / 65536));
  kernels = {
    heap: new Float32Array(memory.buffer),
    step: exports.step as Kernels['step'],
    scale: exports.scale as Kernels['scale'],
    sumOfSquares: exports.sumOfSquares as Kernels['sumOfSquares'],
  };
  return kernels;
}

/** Whole lanes of four (see adamw.wat). */
const lanes = (n: number): number => (n + 3) & ~3;

/** The step of parameters [from, to) with gradient `g` (g[0] for parameter `from`), or a zero gradient when null. */
function stepRange(
  b: AdamWBuffers,
  g: Float32Array | null,
  from: number,
  to: number,
  decay: number,
  c: StepConstants,
): void {
  const { heap, step } = simd();
  const { params: p, m, v } = b;
  for (let at = from; at < to; at += CHUNK) {
    const end = Math.min(at + CHUNK, to);
    const n = end - at;
    heap.set(p.subarray(at, end), P);
    heap.set(m.subarray(at, end), M);
    heap.set(v.subarray(at, end), V);
    if (g) heap.set(g.subarray(at - from, end - from), G);
    step(lanes(n), 4 * P, 4 * M, 4 * V, 4 * (g ? G : ZERO), decay, c.b1, c.b2, c.g1, c.g2, c.stepSize, c.eps);
    p.set(heap.subarray(P, P + n), at);
    m.set(heap.subarray(M, M + n), at);
    v.set(heap.subarray(V, V + n), at);
  }
}

/** Σx² (in float64). */
function sumOfSquares(x: Float32Array): number {
  const k = simd();
  let sum = 0;
  for (let at = 0; at < x.length; at += CHUNK) {
    const n = Math.min(CHUNK, x.length - at);
    k.heap.set(x.subarray(at, at + n), P);
    k.heap.fill(0, P + n, P + lanes(n));
    sum += k.sumOfSquares(lanes(n), 4 * P);
  }
  return sum;
}

/** p ← p·decay over [from, to): the step of resting parameters. */
function decayAlone(p: Float32Array, from: number, to: number, decay: number): void {
  const { heap, scale } = simd();
  for (let at = from; at < to; at += CHUNK) {
    const end = Math.min(at + CHUNK, to);
    heap.set(p.subarray(at, end), P);
    scale(lanes(end - at), 4 * P, decay);
    p.set(heap.subarray(P, P + end - at), at);
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
