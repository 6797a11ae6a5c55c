// Reductions. The gradient of a reduction broadcasts dy back over the reduced axes.
import { type Dim, type Graph, type Shape, type Tensor } from '../graph/graph.ts';
import { mul } from './elementwise.ts';
import { expand, shapeOf, squeeze, unsqueeze } from './shape.ts';

const axesOf = (axes: readonly number[], rank: number): number[] =>
  axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
const reducedShape = (s: Shape, axes: number[], keepdims: boolean): Dim[] =>
  keepdims ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i));

/** dy of a reduction over `axes`, broadcast back to x's shape. */
function spread(g: Graph, dy: Tensor, x: Tensor, axes: number[], keepdims: boolean): Tensor {
  const kept = keepdims ? dy : unsqueeze(g, dy, axes);
  return expand(g, kept, shapeOf(g, x), x.shape);
}

export function reduceSum(g: Graph, x: Tensor, axes: readonly number[], keepdims = false): Tensor {
  const ax = axesOf(axes, x.shape.length);
  return g.op('ReduceSum', [x, g.ints(ax)], {
    attrs: { keepdims: { i: keepdims ? 1 : 0 } },
    shape: reducedShape(x.shape, ax, keepdims),
    grads: [(dy) => spread(g, dy, x, ax, keepdims), null],
  });
}

export function reduceMean(g: Graph, x: Tensor, axes: readonly number[], keepdims = false): Tensor {
  const ax = axesOf(axes, x.shape.length);
  const n = ax.map((a) => x.shape[a]);
  if (!n.every((d) => typeof d === 'number')) throw new Error('reduceMean needs static sizes on the reduced axes');
  const count = (n as number[]).reduce((a, b) => a * b, 1);
  return g.op('ReduceMean', [x, g.ints(ax)], {
    attrs: { keepdims: { i: keepdims ? 1 : 0 } },
    shape: reducedShape(x.shape, ax, keepdims),
    grads: [(dy) => mul(g, spread(g, dy, x, ax, keepdims), g.scalar(1 / count, x.dtype)), null],
  });
}

/** Max over axes; used inside composites only (for numerical stability), so it carries no gradient. */
export function reduceMax(g: Graph, x: Tensor, axes: readonly number[], keepdims = false): Tensor {
  const ax = axesOf(axes, x.shape.length);
  return g.op('ReduceMax', [x, g.ints(ax)], {
    attrs: { keepdims: { i: keepdims ? 1 : 0 } },
    shape: reducedShape(x.shape, ax, keepdims),
  });
}

/** Sums x over the axes along which `shape` was broadcast to x's shape (the gradient of broadcasting). */
export function sumTo(g: Graph, x: Tensor, shape: Shape): Tensor {
  const lead = x.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < x.shape.length; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && x.shape[i] !== 1) axes.push(i);
    else if (shape[i - lead] !== x.shape[i] && typeof x.shape[i] === 'number' && typeof shape[i - lead] === 'number')
      throw new Error(`cannot sum [${x.shape.join(',')}] to [${shape.join(',')}]`);
  }
  if (axes.length === 0) return x;
  if (axes.length === lead) return reduceSum(g, x, axes); // leading axes only: dropped by the sum, no Squeeze
  const summed = reduceSum(g, x, axes, true);
  return lead === 0 ? summed : squeeze(g, summed, [...Array(lead).keys()]);
}
