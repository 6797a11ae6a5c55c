// Shape and indexing ops. Gradients route dy back to where each input element went.
import {
  attr,
  constTensor,
  ONNX_DTYPE,
  type DType,
  type Dim,
  type Graph,
  type Shape,
  type Tensor,
} from '../graph/graph.ts';
import { sumTo } from './reduce.ts';

const isStatic = (s: Shape): s is readonly number[] => s.every((d) => typeof d === 'number');
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const norm = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

/** x's shape as an int64 tensor: a constant when static, a Shape node otherwise. */
export function shapeOf(g: Graph, x: Tensor): Tensor {
  if (isStatic(x.shape)) return g.ints(x.shape);
  return g.op('Shape', [x], { dtype: 'int64', shape: [x.shape.length] });
}

/** A tensor of x's shape filled with `value` (in `dtype`, default x's). */
export function fill(g: Graph, x: Tensor, value: number, dtype: DType = x.dtype): Tensor {
  return g.op('ConstantOfShape', [shapeOf(g, x)], {
    label: 'fill',
    attrs: { value: attr.t(constTensor(dtype, [1], [value])) },
    dtype,
    shape: x.shape,
  });
}
export const zerosLike = (g: Graph, x: Tensor): Tensor => fill(g, x, 0);
export const onesLike = (g: Graph, x: Tensor): Tensor => fill(g, x, 1);

/** Reshape to `target` (0 copies x's dim, -1 is inferred) or to a runtime int64 shape tensor. */
export function reshape(g: Graph, x: Tensor, target: readonly number[] | Tensor, shape?: Shape): Tensor {
  const out = Array.isArray(target) ? inferReshape(x.shape, target as readonly number[]) : (shape ?? x.shape);
  const to = Array.isArray(target) ? g.ints(target as readonly number[]) : (target as Tensor);
  return g.op('Reshape', [x, to], { shape: out, grads: [(dy) => reshape(g, dy, shapeOf(g, x), x.shape), null] });
}

function inferReshape(from: Shape, target: readonly number[]): Dim[] {
  const out: Dim[] = target.map((d, i) => (d === 0 ? from[i] : d));
  const hole = out.indexOf(-1);
  if (hole >= 0) {
    const known = out.filter((_, i) => i !== hole);
    out[hole] =
      isStatic(from) && isStatic(known) ? numel(from) / numel(known) : `?${from.join('x')}/${known.join('x')}`;
  }
  return out;
}

export function transpose(g: Graph, x: Tensor, perm: readonly number[]): Tensor {
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return g.op('Transpose', [x], {
    attrs: { perm: attr.ints(perm) },
    shape: perm.map((p) => x.shape[p]),
    grads: [(dy) => transpose(g, dy, inverse)],
  });
}

/** Swaps the last two axes. */
export function transposeLast2(g: Graph, x: Tensor): Tensor {
  const r = x.shape.length;
  return transpose(g, x, [...Array(r - 2).keys(), r - 1, r - 2]);
}

export function unsqueeze(g: Graph, x: Tensor, axes: readonly number[]): Tensor {
  const rank = x.shape.length + axes.length;
  const at = new Set(axes.map((a) => norm(a, rank)));
  const shape: Dim[] = [];
  for (let i = 0, j = 0; i < rank; i++) shape.push(at.has(i) ? 1 : x.shape[j++]);
  return g.op('Unsqueeze', [x, g.ints(axes)], {
    shape,
    grads: [
      (dy) =>
        squeeze(
          g,
          dy,
          axes.map((a) => norm(a, rank)),
        ),
      null,
    ],
  });
}

export function squeeze(g: Graph, x: Tensor, axes: readonly number[]): Tensor {
  const at = new Set(axes.map((a) => norm(a, x.shape.length)));
  return g.op('Squeeze', [x, g.ints(axes)], {
    shape: x.shape.filter((_, i) => !at.has(i)),
    grads: [
      (dy) =>
        unsqueeze(
          g,
          dy,
          [...at].sort((a, b) => a - b),
        ),
      null,
    ],
  });
}

export function concat(g: Graph, xs: readonly Tensor[], axis: number): Tensor {
  const a = norm(axis, xs[0].shape.length);
  const sizes = xs.map((x) => x.shape[a]);
  const fixed = isStatic(sizes) ? (sizes as number[]) : undefined;
  return g.op('Concat', xs, {
    attrs: { axis: attr.i(a) },
    grads: xs.map((x, k) => (dy: Tensor) => {
      if (!fixed) throw new Error(`concat gradient needs static sizes on axis ${a}`);
      const start = fixed.slice(0, k).reduce((p, q) => p + q, 0);
      return slice(g, dy, [start], [start + fixed[k]], [a]);
    }),
  });
}

/** x[starts:ends] along `axes` (step 1). */
export function slice(
  g: Graph,
  x: Tensor,
  starts: readonly number[],
  ends: readonly number[],
  axes: readonly number[],
): Tensor {
  const rank = x.shape.length;
  const shape = [...x.shape];
  axes.forEach((ax, k) => {
    const a = norm(ax, rank);
    const d = x.shape[a];
    const clamp = (v: number): number => (typeof d === 'number' ? Math.min(Math.max(v < 0 ? v + d : v, 0), d) : v);
    shape[a] = typeof d === 'number' ? clamp(ends[k]) - clamp(starts[k]) : `?slice`;
  });
  return g.op('Slice', [x, g.ints(starts), g.ints(ends), g.ints(axes)], {
    shape,
    grads: [
      (dy) => {
        // Pad dy with zeros back to x's extent on the sliced axes.
        const pads = new Array<number>(2 * rank).fill(0);
        axes.forEach((ax, k) => {
          const a = norm(ax, rank);
          const d = x.shape[a];
          if (typeof d !== 'number') throw new Error(`slice gradient needs a static size on axis ${a}`);
          const s = Math.min(Math.max(starts[k] < 0 ? starts[k] + d : starts[k], 0), d);
          pads[a] = s;
          pads[a + rank] = d - s - (shape[a] as number);
        });
        return g.op('Pad', [dy, g.ints(pads)], { shape: x.shape, grads: [null, null] });
      },
      null,
      null,
      null,
    ],
  });
}

/** Broadcasts x to `shape` (numpy rules). */
export function expand(g: Graph, x: Tensor, to: Tensor, shape: Shape): Tensor {
  return g.op('Expand', [x, to], { shape, grads: [(dy) => sumTo(g, dy, x.shape), null] });
}

export function cast(g: Graph, x: Tensor, dtype: DType): Tensor {
  const float = (d: DType): boolean => d === 'float32' || d === 'float64';
  return g.op('Cast', [x], {
    attrs: { to: attr.i(ONNX_DTYPE[dtype]) },
    dtype,
    shape: x.shape,
    grads: [float(x.dtype) && float(dtype) ? (dy) => cast(g, dy, x.dtype) : null],
  });
}

/**
 * Rows of `table` picked by integer `indices` (an embedding lookup); the gradient adds dy's rows back into a zero
 * table, in token order. Not ScatterND with reduction 'add': ORT's CPU kernel spreads its rows over threads with no
 * guard, so two tokens with the same id race and one update is lost (a wrong gradient that differs from run to
 * run); ScatterElements adds element by element in one thread.
 */
export function gather(g: Graph, table: Tensor, indices: Tensor): Tensor {
  return g.op('Gather', [table, indices], {
    attrs: { axis: attr.i(0) },
    grads: [
      (dy) => {
        const rows = reshape(g, dy, [-1, table.shape[1] as number]);
        const at = expand(g, reshape(g, indices, [-1, 1]), shapeOf(g, rows), rows.shape);
        return g.op('ScatterElements', [zerosLike(g, table), at, rows], {
          label: 'scatter_add',
          attrs: { axis: attr.i(0), reduction: attr.s('add') },
        });
      },
      null,
    ],
  });
}

/** 0, 1, ..., n-1 as int64 (n an int64 scalar tensor). */
export function range(g: Graph, n: Tensor, length: Dim): Tensor {
  return g.op('Range', [g.constant(constTensor('int64', [], [0])), n, g.constant(constTensor('int64', [], [1]))], {
    dtype: 'int64',
    shape: [length],
  });
}
