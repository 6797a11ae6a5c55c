// Build-time shape and dtype checks (main/engine/graph/infer.ts): a node whose inputs cannot combine is refused as it
// is emitted, naming the op, its scope and the inputs' dtypes and shapes; inputs that can agree at run time still
// build, and run in onnxruntime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type DType, type Shape, type Tensor } from '../../main/engine/graph/graph.ts';
import * as E from '../../main/engine/ops/elementwise.ts';
import * as S from '../../main/engine/ops/shape.ts';
import { gemm, matmul } from '../../main/engine/ops/matmul.ts';
import { layerNorm } from '../../main/engine/ops/nn.ts';
import { ints, session, type Feed } from './check.ts';

/** Builds `body` on a fresh graph inside the scope encoder.layer.0 and expects it to throw `message`. */
function refused(body: (g: Graph, x: (dtype: DType, shape: Shape) => Tensor) => unknown, message: RegExp): void {
  const g = new Graph();
  let n = 0;
  const x = (dtype: DType, shape: Shape): Tensor => g.input(`x${n++}`, dtype, shape);
  assert.throws(() => g.scope('encoder.layer.0', () => body(g, x)), { message });
}

const f32 = 'float32';

test('element-wise ops refuse shapes that cannot broadcast, sizes by value and symbols by name', () => {
  const ops = { Add: E.add, Sub: E.sub, Mul: E.mul, Div: E.div, Max: E.max, Min: E.min, Equal: E.equal };
  for (const [name, op] of Object.entries(ops)) {
    refused(
      (g, x) => op(g, x(f32, [2, 3]), x(f32, [4])),
      new RegExp(
        `^${name} in encoder\\.layer\\.0: float32 \\[2, 3\\] and float32 \\[4\\] do not broadcast \\(3 vs 4\\)$`,
      ),
    );
    // Were 'seq' 1 at run time, onnxruntime would broadcast these silently.
    refused(
      (g, x) => op(g, x(f32, ['batch', 3]), x(f32, ['seq', 3])),
      new RegExp(
        `^${name} in encoder\\.layer\\.0: float32 \\[batch, 3\\] and float32 \\[seq, 3\\] do not broadcast \\(batch vs seq\\)$`,
      ),
    );
  }
  refused(
    (g, x) => E.where(g, x('bool', [2, 3]), x(f32, [2, 3]), x(f32, [4])),
    /^Where in encoder\.layer\.0: bool \[2, 3\], float32 \[2, 3\] and float32 \[4\] do not broadcast \(3 vs 4\)$/,
  );
  refused(
    (g, x) => g.op('Pow', [x(f32, [2]), x(f32, [3])]),
    /^Pow in encoder\.layer\.0: float32 \[2\] and float32 \[3\] do not broadcast/,
  );
  refused(
    (g, x) => g.op('Less', [x(f32, ['batch', 'seq']), x(f32, ['seq', 'batch'])]),
    /^Less in encoder\.layer\.0: float32 \[batch, seq\] and float32 \[seq, batch\] do not broadcast \(batch vs seq\)$/,
  );
  refused(
    (g, x) => g.op('Greater', [x(f32, [5]), x(f32, [2, 4])]),
    /^Greater in encoder\.layer\.0: float32 \[5\] and float32 \[2, 4\] do not broadcast \(5 vs 4\)$/,
  );
});

test('ops refuse to mix dtypes where ONNX wants one type, and non-integer shapes, axes and indices', () => {
  refused(
    (g, x) => E.add(g, x(f32, [2]), x('float64', [2])),
    /^Add in encoder\.layer\.0: float32 \[2\] and float64 \[2\] differ in dtype$/,
  );
  refused(
    (g, x) => E.mul(g, x('int64', ['batch', 'seq']), x(f32, ['batch', 'seq'])),
    /^Mul in encoder\.layer\.0: int64 \[batch, seq\] and float32 \[batch, seq\] differ in dtype$/,
  );
  refused(
    (g, x) => E.equal(g, x('int64', [3]), x('int32', [3])),
    /^Equal in encoder\.layer\.0: int64 \[3\] and int32 \[3\] differ in dtype$/,
  );
  refused(
    (g, x) => E.where(g, x(f32, [3]), x(f32, [3]), 0),
    /^Where in encoder\.layer\.0: the condition must be bool, got float32 \[3\]$/,
  );
  refused(
    (g, x) => E.where(g, x('bool', [3]), x(f32, [3]), x('float64', [3])),
    /^Where in encoder\.layer\.0: float32 \[3\] and float64 \[3\] differ in dtype$/,
  );
  refused(
    (g, x) => matmul(g, x(f32, [2, 3]), x('float64', [3, 4])),
    /^MatMul in encoder\.layer\.0: float32 \[2, 3\] and float64 \[3, 4\] differ in dtype$/,
  );
  refused(
    (g, x) => S.concat(g, [x(f32, [2, 3]), x('float64', [2, 3])], 0),
    /^Concat in encoder\.layer\.0: float32 \[2, 3\] and float64 \[2, 3\] differ in dtype$/,
  );
  refused(
    (g, x) => layerNorm(g, x(f32, [2, 6]), x('float64', [6]), x(f32, [6]), 1e-5),
    /^LayerNormalization in encoder\.layer\.0\.layer_norm: float32 \[2, 6\] and float64 \[6\] differ in dtype$/,
  );
  refused(
    (g, x) => g.op('Pad', [x(f32, [4]), g.ints([1, 0]), x('float64', [])], { shape: [5] }),
    /^Pad in encoder\.layer\.0: float32 \[4\] and float64 \[\] differ in dtype$/,
  );
  refused(
    (g, x) => S.range(g, x('int32', []), 5),
    /^Range in encoder\.layer\.0: int64 \[\] and int32 \[\] differ in dtype$/,
  );
  refused(
    (g, x) => S.gather(g, x(f32, [5, 3]), x(f32, [2])),
    /^Gather in encoder\.layer\.0: input 1 must be int32 or int64, got float32 \[2\] \(inputs float32 \[5, 3\] and float32 \[2\]\)$/,
  );
  refused(
    (g, x) => S.reshape(g, x(f32, [6]), x(f32, [2]), [2, 3]),
    /^Reshape in encoder\.layer\.0: input 1 must be int64, got float32 \[2\]/,
  );
  refused(
    (g, x) => g.op('ReduceSum', [x(f32, [2, 3]), x('int32', [1])], { shape: [2] }),
    /^ReduceSum in encoder\.layer\.0: input 1 must be int64, got int32 \[1\]/,
  );
});

test('matmul and gemm refuse mismatched inner dimensions, ranks they do not support and batches that cannot broadcast', () => {
  refused(
    (g, x) => matmul(g, x(f32, [2, 3]), x(f32, [4, 5])),
    /^MatMul in encoder\.layer\.0: inner dimensions differ: float32 \[2, 3\] · float32 \[4, 5\] \(3 vs 4\)$/,
  );
  refused(
    (g, x) => matmul(g, x(f32, ['batch', 'seq', 'hidden']), x(f32, ['inner', 3])),
    /inner dimensions differ: float32 \[batch, seq, hidden\] · float32 \[inner, 3\] \(hidden vs inner\)$/,
  );
  refused(
    (g, x) => matmul(g, x(f32, [3]), x(f32, [3, 4])),
    /^MatMul in encoder\.layer\.0: needs operands of rank ≥ 2, got float32 \[3\] and float32 \[3, 4\]$/,
  );
  refused(
    (g, x) => matmul(g, x(f32, [2, 3, 4]), x(f32, [5, 4, 2])),
    /^MatMul in encoder\.layer\.0: batch dimensions of float32 \[2, 3, 4\] and float32 \[5, 4, 2\] do not broadcast \(2 vs 5\)$/,
  );
  refused(
    (g, x) => gemm(g, x(f32, [2, 3]), x(f32, [4, 3])),
    /^Gemm in encoder\.layer\.0: inner dimensions differ: float32 \[2, 3\] · float32 \[4, 3\] \(3 vs 4\)$/,
  );
  refused(
    (g, x) => gemm(g, x(f32, [3, 2]), x(f32, [3, 4]), { transA: true, transB: true }),
    /^Gemm in encoder\.layer\.0: inner dimensions differ: float32 \[3, 2\]ᵀ · float32 \[3, 4\]ᵀ \(3 vs 4\)$/,
  );
  refused(
    (g, x) => gemm(g, x(f32, [2, 3]), x(f32, [3, 5]), { c: x(f32, [4]) }),
    /^Gemm in encoder\.layer\.0: the bias float32 \[4\] does not broadcast to the product \[2, 5\] of float32 \[2, 3\] and float32 \[3, 5\]$/,
  );
  refused((g, x) => gemm(g, x(f32, [2, 3, 1]), x(f32, [3, 5])), /^Gemm in encoder\.layer\.0: needs 2-D operands/);
});

test('concat refuses differing ranks and differing dims off its axis', () => {
  refused(
    (g, x) => S.concat(g, [x(f32, [2, 3]), x(f32, [2, 3, 1])], 1),
    /^Concat in encoder\.layer\.0: ranks differ: float32 \[2, 3\] and float32 \[2, 3, 1\]$/,
  );
  refused(
    (g, x) => S.concat(g, [x(f32, [2, 3]), x(f32, [2, 1]), x(f32, [4, 2])], 1),
    /^Concat in encoder\.layer\.0: float32 \[2, 3\] and float32 \[4, 2\] differ on axis 0 \(2 vs 4\), concatenating on axis 1$/,
  );
  refused(
    (g, x) => S.concat(g, [x(f32, ['batch', 3]), x(f32, ['seq', 2])], -1),
    /differ on axis 0 \(batch vs seq\), concatenating on axis 1$/,
  );
});

test('layer norm, scatter and expand check their other inputs against the data', () => {
  refused(
    (g, x) => layerNorm(g, x(f32, ['batch', 6]), x(f32, [5]), x(f32, [6]), 1e-5),
    /^LayerNormalization in encoder\.layer\.0\.layer_norm: float32 \[5\] does not broadcast to the normalized dims \[6\] of float32 \[batch, 6\]$/,
  );
  refused(
    (g, x) => g.op('ScatterND', [x(f32, [5, 3]), x('int64', [2, 1]), x(f32, [2, 4])]),
    /^ScatterND in encoder\.layer\.0: updates float32 \[2, 4\] do not match data float32 \[5, 3\] at indices int64 \[2, 1\] \(expected \[2, 3\]\)$/,
  );
  refused(
    (g, x) => S.expand(g, x(f32, [3, 2]), g.ints([2, 3, 4]), [2, 3, 4]),
    /^Expand in encoder\.layer\.0: float32 \[3, 2\] does not broadcast to \[2, 3, 4\]$/,
  );
});

test('the builder is the one source of an inferred shape; other ops declare theirs; the top level is named', () => {
  const g = new Graph();
  const a = g.input('a', f32, [2]);
  assert.throws(() => g.op('Add', [a, a], { shape: [2] }), {
    message: /^Add in the top-level scope: its shape and dtype are inferred, declare neither$/,
  });
  assert.throws(() => g.op('Erf', [a]), { message: /^Erf in the top-level scope: declare its shape$/ });
  assert.throws(() => E.add(g, a, g.input('b', 'float64', [2])), {
    message: /^Add in the top-level scope: float32 \[2\] and float64 \[2\] differ in dtype$/,
  });
});

test('shapes that can agree at run time build, and onnxruntime runs them to the numpy results', async () => {
  const g = new Graph();
  const a = g.input('a', 'float64', ['batch', 3]);
  const row = g.input('row', 'float64', [1, 3]);
  const fixed = g.input('fixed', 'float64', [2, 3]); // a size against a symbol: batch is 2 at run time
  const flat = g.input('flat', 'float64', ['n']);
  const unknown = S.reshape(g, flat, [-1, 3]); // ['?…', 3]: passes against anything
  const w = g.input('w', 'float64', [3, 'k']);
  const sum = E.add(g, E.add(g, E.add(g, a, row), fixed), unknown);
  assert.deepEqual(sum.shape, ['batch', 3]);
  const product = matmul(g, sum, w);
  assert.deepEqual(product.shape, ['batch', 'k']);
  const joined = S.concat(g, [a, unknown, fixed], 1);
  assert.deepEqual(joined.shape, ['batch', 9]);
  const exponent = g.input('e', 'int64', []); // Pow's exponent may be an integer
  const squared = g.op('Pow', [a, exponent]);
  const f64 = (shape: number[], values: number[]): Feed => ({
    dtype: 'float64',
    shape,
    data: Float64Array.from(values),
  });
  const r = await (
    await session(g, { sum, product, joined, squared })
  )({
    a: f64([2, 3], [1, 2, 3, 4, 5, 6]),
    row: f64([1, 3], [10, 20, 30]),
    fixed: f64([2, 3], [100, 100, 100, 200, 200, 200]),
    flat: f64([6], [0.5, 0.5, 0.5, 0.25, 0.25, 0.25]),
    w: f64([3, 1], [1, 1, 1]),
    e: ints([], [2]),
  });
  assert.deepEqual([...r.sum], [111.5, 122.5, 133.5, 214.25, 225.25, 236.25]);
  assert.deepEqual([...r.product], [367.5, 675.75]);
  assert.deepEqual([...r.joined], [1, 2, 3, 0.5, 0.5, 0.5, 100, 100, 100, 4, 5, 6, 0.25, 0.25, 0.25, 200, 200, 200]);
  assert.deepEqual([...r.squared], [1, 4, 9, 16, 25, 36]);
});

test("an op whose gradient is not its own (none, or its composite's) refuses gradient rules", () => {
  const rule = (dy: Tensor) => dy;
  refused(
    (g, x) => g.op('Equal', [x(f32, [2]), x(f32, [2])], { grads: [rule, rule] }),
    /^Equal in encoder\.layer\.0: it carries no gradient rule of its own \(none\)/,
  );
  refused(
    (g, x) => g.op('Erf', [x(f32, [2])], { shape: [2], grads: [rule] }),
    /^Erf in encoder\.layer\.0: .*\(composite\)/,
  );
  const g = new Graph();
  const a = g.input('a', f32, [2]);
  assert.deepEqual(g.op('Add', [a, a], { grads: [rule, rule] }).shape, [2]);
});
