// Elementwise ops with numpy broadcasting (the builder infers and checks the broadcast shape). Each gradient is
// summed back over the axes its input was broadcast along.
import type { Graph, OnnxOp, Tensor } from '../graph/graph.ts';
import { sumTo } from './reduce.ts';

/** A number becomes a scalar constant of the other operand's dtype. */
type Operand = Tensor | number;
const lift = (g: Graph, x: Operand, like: Tensor): Tensor => (typeof x === 'number' ? g.scalar(x, like.dtype) : x);

function binary(
  type: OnnxOp,
  g: Graph,
  a0: Operand,
  b0: Operand,
  grads: (a: Tensor, b: Tensor) => [(dy: Tensor, y: Tensor) => Tensor, (dy: Tensor, y: Tensor) => Tensor],
): Tensor {
  const ref = typeof a0 === 'number' ? (b0 as Tensor) : a0;
  const a = lift(g, a0, ref);
  const b = lift(g, b0, ref);
  const [da, db] = grads(a, b);
  return g.op(type, [a, b], {
    grads: [(dy, y) => sumTo(g, da(dy, y), a.shape), (dy, y) => sumTo(g, db(dy, y), b.shape)],
  });
}

export const add = (g: Graph, a: Operand, b: Operand): Tensor => binary('Add', g, a, b, () => [(dy) => dy, (dy) => dy]);
export const sub = (g: Graph, a: Operand, b: Operand): Tensor =>
  binary('Sub', g, a, b, () => [(dy) => dy, (dy) => neg(g, dy)]);
export const mul = (g: Graph, a: Operand, b: Operand): Tensor =>
  binary('Mul', g, a, b, (a, b) => [(dy) => mul(g, dy, b), (dy) => mul(g, dy, a)]);
export const div = (g: Graph, a: Operand, b: Operand): Tensor =>
  binary('Div', g, a, b, (_a, b) => [(dy) => div(g, dy, b), (dy, y) => neg(g, div(g, mul(g, dy, y), b))]);

function unary(type: OnnxOp, g: Graph, x: Tensor, grad: (dy: Tensor, y: Tensor) => Tensor): Tensor {
  return g.op(type, [x], { shape: x.shape, grads: [grad] });
}

export const neg = (g: Graph, x: Tensor): Tensor => unary('Neg', g, x, (dy) => neg(g, dy));
export const exp = (g: Graph, x: Tensor): Tensor => unary('Exp', g, x, (dy, y) => mul(g, dy, y));
export const log = (g: Graph, x: Tensor): Tensor => unary('Log', g, x, (dy) => div(g, dy, x));
export const sqrt = (g: Graph, x: Tensor): Tensor => unary('Sqrt', g, x, (dy, y) => div(g, mul(g, dy, 0.5), y));
export const tanh = (g: Graph, x: Tensor): Tensor =>
  unary('Tanh', g, x, (dy, y) => mul(g, dy, sub(g, 1, mul(g, y, y))));

/** x ** p for a constant exponent p. */
export function pow(g: Graph, x: Tensor, p: number): Tensor {
  return g.op('Pow', [x, g.scalar(p, x.dtype)], {
    grads: [(dy) => mul(g, dy, mul(g, pow(g, x, p - 1), p)), null],
  });
}

/** where(cond, a, b): a where cond is true, else b. cond carries no gradient. */
export function where(g: Graph, cond: Tensor, a0: Operand, b0: Operand): Tensor {
  const ref = typeof a0 === 'number' ? (b0 as Tensor) : a0;
  const a = lift(g, a0, ref);
  const b = lift(g, b0, ref);
  const zero = g.scalar(0, ref.dtype);
  return g.op('Where', [cond, a, b], {
    grads: [
      null,
      (dy) => sumTo(g, where(g, cond, dy, zero), a.shape),
      (dy) => sumTo(g, where(g, cond, zero, dy), b.shape),
    ],
  });
}

/** Elementwise comparison and extrema (no gradient: used on labels, masks and scalars only). */
export const equal = (g: Graph, a: Tensor, b: Tensor): Tensor => g.op('Equal', [a, b]);
export const max = (g: Graph, a: Tensor, b: Operand): Tensor => g.op('Max', [a, lift(g, b, a)]);
export const min = (g: Graph, a: Tensor, b: Operand): Tensor => g.op('Min', [a, lift(g, b, a)]);

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf. float32 emits ONNX Erf. ORT's CPU provider has no double Erf, so float64 (used by the gradient checks)
 * evaluates erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3···(2n+1)) — all terms positive, so exact to ~1e-15 for |x| ≤ 5;
 * beyond that erf is ±1 to 1e-12. Both forms share one gradient rule.
 */
export function erf(g: Graph, x: Tensor): Tensor {
  return g.composite(
    'erf',
    [x],
    () => (x.dtype === 'float64' ? erfSeries(g, x) : g.op('Erf', [x], { shape: x.shape })),
    [(dy) => mul(g, dy, mul(g, exp(g, neg(g, mul(g, x, x))), TWO_OVER_SQRT_PI))],
  );
}

function erfSeries(g: Graph, x0: Tensor): Tensor {
  const x = min(g, max(g, x0, -5), 5);
  const a = mul(g, mul(g, x, x), 2);
  let r: Tensor = g.scalar(1, x.dtype);
  for (let n = 90; n >= 1; n--) r = add(g, mul(g, mul(g, a, r), 1 / (2 * n + 1)), 1);
  return mul(g, mul(g, mul(g, x, r), exp(g, neg(g, mul(g, x, x)))), TWO_OVER_SQRT_PI);
}

/**
 * Exact (erf-based) GELU as in BERT: x·Φ(x), Φ(x) = (1 + erf(x/√2))/2. Gradient: Φ(x) + x·φ(x). The forward is
 * x·(1 + erf(x/√2))·0.5, with x/√2 as Hugging Face writes it: the pattern onnxruntime fuses into one Gelu kernel
 * (BiasGelu with the linear layer's bias before it). Scaling by 0.5 is exact, so its place changes no bit.
 */
export function gelu(g: Graph, x: Tensor): Tensor {
  const onePlusErf = (): Tensor => add(g, erf(g, div(g, x, Math.SQRT2)), 1);
  const cdf = (): Tensor => mul(g, onePlusErf(), 0.5);
  return g.composite('gelu', [x], () => mul(g, mul(g, x, onePlusErf()), 0.5), [
    (dy) => {
      const pdf = mul(g, exp(g, mul(g, mul(g, x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
      return mul(g, dy, add(g, cdf(), mul(g, x, pdf)));
    },
  ]);
}
