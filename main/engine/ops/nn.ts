// Neural-network ops with hand-written gradient rules: one compact rule each, whatever nodes the forward emits.
// Log-softmax is composed from ReduceMax/Sub/Exp/ReduceSum/Log because ORT's WebGPU provider has no LogSoftmax
// kernel (it has Softmax).
import { attr, type Graph, type Tensor } from '../graph/graph.ts';
import { add, div, exp, log, mul, sqrt, sub } from './elementwise.ts';
import { reduceMax, reduceMean, reduceSum, sumTo } from './reduce.ts';
import { cast, reshape, shapeOf } from './shape.ts';

export function softmax(g: Graph, x: Tensor, axis = -1): Tensor {
  return g.op('Softmax', [x], {
    attrs: { axis: attr.i(axis) },
    shape: x.shape,
    grads: [(dy, y) => mul(g, y, sub(g, dy, reduceSum(g, mul(g, dy, y), [axis], true)))],
  });
}

export function logSoftmax(g: Graph, x: Tensor, axis = -1): Tensor {
  return g.composite(
    'log_softmax',
    [x],
    () => {
      const s = sub(g, x, reduceMax(g, x, [axis], true));
      return sub(g, s, log(g, reduceSum(g, exp(g, s), [axis], true)));
    },
    [(dy, y) => sub(g, dy, mul(g, exp(g, y), reduceSum(g, dy, [axis], true)))],
  );
}

/**
 * Layer normalization over the last axis. float32 emits ONNX LayerNormalization, whose Mean and InvStdDev outputs the
 * backward pass takes (instead of computing them again); float64 (ORT's CPU provider lacks it) the same maths
 * decomposed, its statistics recomputed for the backward pass. One gradient rule serves both, so the float64
 * gradient check covers it.
 */
export function layerNorm(g: Graph, x: Tensor, gamma: Tensor, beta: Tensor, eps: number): Tensor {
  const normalized = (): { xhat: Tensor; rstd: Tensor } => {
    const xc = sub(g, x, reduceMean(g, x, [-1], true));
    const rstd = div(g, 1, sqrt(g, add(g, reduceMean(g, mul(g, xc, xc), [-1], true), eps)));
    return { xhat: mul(g, xc, rstd), rstd };
  };
  let kernel: { mean: Tensor; rstd: Tensor } | undefined; // the float32 forward's statistics
  let stats: { xhat: Tensor; rstd: Tensor } | undefined; // made once for the backward pass, shared by its rules
  const saved = (): { xhat: Tensor; rstd: Tensor } =>
    (stats ??= g.untaped(() =>
      kernel ? { xhat: mul(g, sub(g, x, kernel.mean), kernel.rstd), rstd: kernel.rstd } : normalized(),
    ));
  return g.composite(
    'layer_norm',
    [x, gamma, beta],
    () => {
      if (x.dtype !== 'float32') return add(g, mul(g, normalized().xhat, gamma), beta);
      const perRow = [...x.shape.slice(0, -1), 1];
      const [y, mean, rstd] = g.opWithOutputs(
        'LayerNormalization',
        [x, gamma, beta],
        { attrs: { axis: attr.i(-1), epsilon: attr.f(eps) } },
        [perRow, perRow],
      );
      kernel = { mean, rstd };
      return y;
    },
    [
      (dy) => {
        const { xhat, rstd } = saved();
        const dxhat = mul(g, dy, gamma);
        const centred = sub(g, dxhat, reduceMean(g, dxhat, [-1], true));
        return mul(g, rstd, sub(g, centred, mul(g, xhat, reduceMean(g, mul(g, dxhat, xhat), [-1], true))));
      },
      (dy) => sumTo(g, mul(g, dy, saved().xhat), gamma.shape),
      (dy) => sumTo(g, dy, beta.shape),
    ],
  );
}

/** Dropout state of one forward pass: the step's seed (int64 scalar input, in [0, 2³¹)) and a counter of sites. */
export interface DropoutContext {
  seed: Tensor;
  nextSite: number;
  /** The seed as uint32, and per shape the step's element hashes and how many sites have used them. */
  shared?: { seed: Tensor; streams: Map<string, { hashes: Tensor; sites: number }> };
}

/**
 * Dropout with a mask hashed from (step seed, dropout site, element index) in the graph, so a step is reproducible
 * from its seed alone (also after resuming from a checkpoint) and no mask crosses from TypeScript. (ONNX random
 * ops take their seed as an attribute and advance their state on every run, which is neither.)
 * The hash uses only uint32 Add and Mul (wrapping mod 2³²) and Greater, which every provider runs on the device
 * (ORT's WebGPU provider has no BitwiseXor or BitShift), in "squares" rounds x ← x·x + y whose top bits depend
 * non-linearly on every input bit; only the top bits are used (the comparison with p·2³²). With
 *   sq(i, k, r) = r rounds of x ← x·x + y from x = y = i·0x9e3779b9 + k,
 *   key = sq(seed, (s₀ + 1)·0x632be5ab, 3)   for the first site s₀ of x's shape in the forward pass,
 *   h = sq(i, key, 4)                        element i's hash, computed once per shape and step,
 * element i of the j-th site of that shape is dropped when h·M^j < p·2³² (M = 0x915f77f5). The sites of one shape
 * so cost one Mul each besides the comparison, instead of a hash chain each (the attention probabilities' sites
 * are 8·12·128·128 elements per layer at batch 8 × 128). h·M^j and h·M^k are as independent as h and h·M^(k−j)
 * are: M's powers up to the 100th all pass the 2D spectral test (the lattice {(u, u·M^n mod 2³²)} has no vector
 * shorter than 8,090), so their top bits are not correlated at any p. (Three rounds for h failed the independence
 * checks of ops.test.ts at p = 0.5.)
 */
export function dropout(g: Graph, x: Tensor, p: number, ctx: DropoutContext | undefined): Tensor {
  const threshold = Math.floor(p * 2 ** 32);
  if (!ctx || threshold === 0) return x; // also p < 2⁻³², for which 1/(1 − p) rounds to 1
  const site = ctx.nextSite++;
  const mask = g.untaped(() =>
    g.scope(`dropout_mask_${site}`, () => {
      const shared = (ctx.shared ??= { seed: cast(g, ctx.seed, 'uint32'), streams: new Map() });
      const shape = x.shape.join(',');
      const stream = shared.streams.get(shape) ?? {
        hashes: elementHashes(g, x, squares(g, shared.seed, u32(g, Math.imul(site + 1, 0x632be5ab)), 3)),
        sites: 0,
      };
      shared.streams.set(shape, stream);
      const j = stream.sites++;
      const c = j === 0 ? stream.hashes : g.op('Mul', [stream.hashes, u32(g, powU32(MULTIPLIER, j))]);
      // Kept as 1/(1 − p) by Cast and Mul: two passes that together take half the time of one Where.
      return mul(g, cast(g, g.op('Greater', [c, u32(g, threshold - 1)]), x.dtype), 1 / (1 - p));
    }),
  );
  return mul(g, x, mask);
}

/**
 * dropout(softmax(x)) as one op (attention probabilities). With y = softmax(x) and z the output, dL/dx =
 * y·(dy·m − Σ dy·m·y) = t − y·Σt for t = dy·z: one pass over the probabilities fewer than dropout's rule and then
 * softmax's, and the mask need not be kept for the backward pass.
 */
export function softmaxDropout(g: Graph, x: Tensor, p: number, ctx: DropoutContext | undefined, axis = -1): Tensor {
  let y = x;
  return g.composite('softmax_dropout', [x], () => dropout(g, (y = softmax(g, x, axis)), p, ctx), [
    (dy, z) => {
      const t = mul(g, dy, z);
      return sub(g, t, mul(g, y, reduceSum(g, t, [axis], true)));
    },
  ]);
}

const MULTIPLIER = 0x915f77f5;

/** b^n mod 2³². */
const powU32 = (b: number, n: number): number => (n === 0 ? 1 : Math.imul(b, powU32(b, n - 1)) >>> 0);

/** sq(i, key, 4) for i = 0, 1, 2, ... in x's shape. */
function elementHashes(g: Graph, x: Tensor, key: Tensor): Tensor {
  return g.scope('element_hashes', () => {
    // The count in int64 then cast: a GPU provider has no int64 ReduceProd, so the count stays on the host,
    // where Range wants its bounds (an int32 ReduceProd would run on the device and be copied back).
    const n = g.op('ReduceProd', [shapeOf(g, x)], { dtype: 'int64', shape: [], attrs: { keepdims: attr.i(0) } });
    const flat = g.op('Range', [g.scalar(0, 'int32'), cast(g, n, 'int32'), g.scalar(1, 'int32')], {
      dtype: 'int32',
      shape: ['?n'],
    });
    return squares(g, reshape(g, cast(g, flat, 'uint32'), shapeOf(g, x), x.shape), key, 4);
  });
}

const u32 = (g: Graph, v: number): Tensor => g.scalar(v >>> 0, 'uint32');
const addU32 = (g: Graph, a: Tensor, b: Tensor): Tensor => g.op('Add', [a, b]); // wraps mod 2³²
const square = (g: Graph, a: Tensor): Tensor => g.op('Mul', [a, a]); // wraps mod 2³²

/** r rounds of x ← x·x + y from x = y = i·0x9e3779b9 + k (uint32). */
function squares(g: Graph, i: Tensor, k: Tensor, rounds: number): Tensor {
  const y = addU32(g, g.op('Mul', [i, u32(g, 0x9e3779b9)]), k);
  let x = y;
  for (let r = 0; r < rounds; r++) x = addU32(g, square(g, x), y);
  return x;
}
