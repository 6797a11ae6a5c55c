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

/** A run of the gradient: the gradient of the flat parameters [offset, offset + data.length). */
export interface GradientSegment {
  offset: number;
  data: Float32Array;
}

/**
 * The step of `adamw` applied in place to flat float32 buffers, one pass (the same folded scalars, so the same
 * rounding as the graph up to float32 vs float64 arithmetic), from the gradient given in segments that together
 * cover the parameters; the first `decaySize` parameters are decayed. Returns the gradient's norm before clipping.
 */
export function adamwInPlace(
  b: AdamWBuffers,
  grad: readonly GradientSegment[],
  lr: number,
  step: number,
  decaySize: number,
  o: AdamWScalars,
): number {
  const { params: p, m, v } = b;
  const covered = grad.reduce((n, s) => n + s.data.length, 0);
  if (covered !== p.length) throw new Error(`the gradient covers ${covered} of ${p.length} parameters`);
  let sumSq = 0;
  for (const { data } of grad) for (let i = 0; i < data.length; i++) sumSq += data[i] * data[i];
  const gradNorm = Math.sqrt(sumSq);
  const clip = o.maxGradNorm === null ? 1 : Math.min(o.maxGradNorm / (gradNorm + 1e-6), 1);
  const [g1, g2] = [clip * (1 - o.beta1), clip * clip * (1 - o.beta2)];
  const sqrtBc2 = Math.sqrt(1 - o.beta2 ** step);
  const stepSize = (lr * sqrtBc2) / (1 - o.beta1 ** step);
  const eps = o.eps * sqrtBc2;
  for (const { offset, data } of grad) {
    const decay = offset < decaySize ? 1 - lr * o.weightDecay : 1; // the groups never share a parameter
    for (let i = 0, k = offset; i < data.length; i++, k++) {
      const g = data[i];
      const mk = (m[k] = o.beta1 * m[k] + g1 * g);
      const vk = (v[k] = o.beta2 * v[k] + g2 * g * g);
      p[k] = p[k] * decay - (stepSize * Math.fround(mk)) / (Math.sqrt(Math.fround(vk)) + eps);
    }
  }
  return gradNorm;
}
