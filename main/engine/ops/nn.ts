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
 * Layer normalization over the last axis. float32 emits ONNX LayerNormalization; float64 (ORT's CPU provider
 * lacks it) the same maths decomposed. One gradient rule serves both, so the float64 gradient check covers it.
 */
export function layerNorm(g: Graph, x: Tensor, gamma: Tensor, beta: Tensor, eps: number): Tensor {
  const normalized = (): { xhat: Tensor; rstd: Tensor } => {
    const xc = sub(g, x, reduceMean(g, x, [-1], true));
    const rstd = div(g, 1, sqrt(g, add(g, reduceMean(g, mul(g, xc, xc), [-1], true), eps)));
    return { xhat: mul(g, xc, rstd), rstd };
  };
  let stats: { xhat: Tensor; rstd: Tensor } | undefined; // recomputed once for the backward pass, shared by its rules
  const saved = (): { xhat: Tensor; rstd: Tensor } => (stats ??= g.untaped(normalized));
  return g.composite(
    'layer_norm',
    [x, gamma, beta],
    () =>
      x.dtype === 'float32'
        ? g.op('LayerNormalization', [x, gamma, beta], { attrs: { axis: attr.i(-1), epsilon: attr.f(eps) } })
        : add(g, mul(g, normalized().xhat, gamma), beta),
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
  /** The seed as uint32 and the hashed element indices per shape, shared by the dropout sites. */
  shared?: { seed: Tensor; hashes: Map<string, Tensor> };
}

/**
 * Dropout with a mask hashed from (step seed, dropout site, element index) in the graph, so a step is reproducible
 * from its seed alone (also after resuming from a checkpoint) and no mask crosses from TypeScript. (ONNX random
 * ops take their seed as an attribute and advance their state on every run, which is neither.)
 * The hash uses only uint32 Add and Mul (wrapping mod 2³²) and Less, which every provider runs on the device
 * (ORT's WebGPU provider has no BitwiseXor or BitShift), in "squares" rounds x ← x·x + y whose top bits depend
 * non-linearly on every input bit; only the top bits are used (the comparison with p·2³²). With
 *   sq(i, k, r) = r rounds of x ← x·x + y from x = y = i·0x9e3779b9 + k,
 *   h = sq(i, 0x2545f491, 3)               element i's hash, shared by all sites of one shape,
 *   key = sq(seed, (site + 1)·0x632be5ab, 3),  a = h + key,  b = a·a + h,  c = b·b + a,
 * element i of site s is dropped when c < p·2³². Each site costs 5 integer passes. (Fewer rounds, or the
 * keyed step without the second squaring, failed the independence checks of ops.test.ts at p = 0.5.)
 */
export function dropout(g: Graph, x: Tensor, p: number, ctx: DropoutContext | undefined): Tensor {
  if (!ctx || p === 0) return x;
  const site = ctx.nextSite++;
  const mask = g.untaped(() =>
    g.scope(`dropout_mask_${site}`, () => {
      const shared = (ctx.shared ??= { seed: cast(g, ctx.seed, 'uint32'), hashes: new Map() });
      const h = elementHashes(g, x, shared.hashes);
      const key = squares(g, shared.seed, u32(g, Math.imul(site + 1, 0x632be5ab)), 3);
      const a = addU32(g, h, key);
      const c = addU32(g, square(g, addU32(g, square(g, a), h)), a);
      const dropped = g.op('Less', [c, u32(g, Math.floor(p * 2 ** 32))]);
      return g.op('Where', [dropped, g.scalar(0, x.dtype), g.scalar(1 / (1 - p), x.dtype)]);
    }),
  );
  return mul(g, x, mask);
}

/** sq(i, 0x2545f491, 3) for i = 0, 1, 2, ... in x's shape. */
function elementHashes(g: Graph, x: Tensor, known: Map<string, Tensor>): Tensor {
  const key = x.shape.join(',');
  const hashes =
    known.get(key) ??
    g.scope('element_hashes', () => {
      // The count in int64 then cast: a GPU provider has no int64 ReduceProd, so the count stays on the host,
      // where Range wants its bounds (an int32 ReduceProd would run on the device and be copied back).
      const n = g.op('ReduceProd', [shapeOf(g, x)], { dtype: 'int64', shape: [], attrs: { keepdims: attr.i(0) } });
      const flat = g.op('Range', [g.scalar(0, 'int32'), cast(g, n, 'int32'), g.scalar(1, 'int32')], {
        dtype: 'int32',
        shape: ['?n'],
      });
      return squares(g, reshape(g, cast(g, flat, 'uint32'), shapeOf(g, x), x.shape), u32(g, 0x2545f491), 3);
    });
  known.set(key, hashes);
  return hashes;
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
