// Matrix products. dA = dY·Bᵀ, dB = Aᵀ·dY, summed over broadcast batch axes.
import { attr, type Graph, type Tensor } from '../graph/graph.ts';
import { sumTo } from './reduce.ts';
import { reshape, transposeLast2 } from './shape.ts';

/** numpy matmul for rank ≥ 2 operands. */
export function matmul(g: Graph, a: Tensor, b: Tensor): Tensor {
  return g.op('MatMul', [a, b], {
    grads: [
      (dy) => sumTo(g, matmul(g, dy, transposeLast2(g, b)), a.shape),
      (dy) => {
        // A weight shared by every row (b of rank 2, a batched): one GEMM over the flattened rows, Aᵀ·dY.
        const [k, n] = b.shape;
        if (b.shape.length === 2 && a.shape.length > 2 && typeof k === 'number' && typeof n === 'number') {
          return gemm(g, reshape(g, a, [-1, k]), reshape(g, dy, [-1, n]), { transA: true });
        }
        return sumTo(g, matmul(g, transposeLast2(g, a), dy), b.shape);
      },
    ],
  });
}

/** ONNX Gemm: op(A)·op(B) (+ C), with op = transpose when asked. 2-D operands. */
export function gemm(
  g: Graph,
  a: Tensor,
  b: Tensor,
  opts: { transA?: boolean; transB?: boolean; c?: Tensor } = {},
): Tensor {
  const { transA = false, transB = false, c } = opts;
  const inputs = c ? [a, b, c] : [a, b];
  return g.op('Gemm', inputs, {
    attrs: { transA: attr.i(transA ? 1 : 0), transB: attr.i(transB ? 1 : 0) },
    grads: [
      (dy) => (transA ? gemm(g, b, dy, { transA: transB, transB: true }) : gemm(g, dy, b, { transB: !transB })),
      (dy) => (transB ? gemm(g, dy, a, { transA: true, transB: transA }) : gemm(g, a, dy, { transA: !transA })),
      ...(c ? [(dy: Tensor) => sumTo(g, dy, c.shape)] : []),
    ],
  });
}
