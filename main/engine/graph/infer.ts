// Static shape and dtype inference for the nodes that combine several inputs, run by Graph.op before a node is
// emitted, so that a mismatch fails at build time naming the op and its scope instead of inside onnxruntime (or, where
// a dim is 1 at run time, as a silently wrong broadcast). Dims are compared wherever they are known: sizes by value,
// symbols ('batch') by name; an unknown dim ('?…', e.g. a reshape's -1) or a symbol against a size passes.
import type { Attr, DType, Dim, Shape, Tensor } from './graph.ts';
import type { OnnxOp } from './onnx-ops.ts';

interface Inferred {
  shape: Shape;
  dtype: DType;
}

/** Inputs ONNX requires to be integer tensors (shapes, axes, pads, indices), by position. */
const INDEX_INPUTS: Partial<Record<OnnxOp, { at: readonly number[]; int32?: true }>> = {
  Reshape: { at: [1] },
  Expand: { at: [1] },
  Squeeze: { at: [1] },
  Unsqueeze: { at: [1] },
  ReduceSum: { at: [1] },
  ReduceMean: { at: [1] },
  ReduceMax: { at: [1] },
  Pad: { at: [1, 3] },
  ScatterND: { at: [1] },
  ScatterElements: { at: [1] },
  Slice: { at: [1, 2, 3, 4], int32: true },
  Gather: { at: [1], int32: true },
  CumSum: { at: [1], int32: true },
};

const show = (t: { dtype: DType; shape: Shape }): string => `${t.dtype} [${t.shape.join(', ')}]`;
/** 'float32 [2, 3], int64 [2] and float32 [3]'. */
const list = (ts: readonly Tensor[]): string =>
  `${ts.slice(0, -1).map(show).join(', ')} and ${show(ts[ts.length - 1])}`;
const isUnknown = (d: Dim): boolean => typeof d === 'string' && d.startsWith('?');

/** Two dims that must be equal, as one (the more telling of them), or undefined where they cannot be equal. */
function same(a: Dim, b: Dim): Dim | undefined {
  if (a === b || isUnknown(b)) return a;
  if (isUnknown(a)) return b;
  if (typeof a === 'number' && typeof b === 'number') return undefined;
  if (typeof a === 'string' && typeof b === 'string') return undefined; // two different symbols
  return typeof a === 'string' ? a : b; // a symbol against a size: assume they agree at run time
}

/** numpy broadcasting of two shapes; `clash` reports the first pair of dims that cannot broadcast. */
function broadcast(a: Shape, b: Shape, clash: (da: Dim, db: Dim) => never): Dim[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = a[i - rank + a.length] ?? 1;
    const db = b[i - rank + b.length] ?? 1;
    return da === 1 ? db : db === 1 ? da : (same(da, db) ?? clash(da, db));
  });
}

/** Whether `small` broadcasts to `big` leaving it as it is (a bias to its product, a scale to normalized dims). */
const fits = (small: Shape, big: Shape): boolean =>
  small.length <= big.length &&
  small.every((d, i) => d === 1 || same(d, big[i + big.length - small.length]) !== undefined);

/**
 * Checks the inputs of one node and, for the ops whose output follows from their inputs' shapes, returns its shape
 * and dtype (undefined for the others, whose caller declares the shape: `declared`). `where` names the scope.
 */
export function inferNode(
  op: OnnxOp,
  inputs: readonly Tensor[],
  attrs: Readonly<Record<string, Attr>>,
  declared: Shape | undefined,
  where: string,
): Inferred | undefined {
  const fail = (problem: string): never => {
    throw new Error(`${op} in ${where}: ${problem}`);
  };
  const sameDtype = (ts: readonly Tensor[]): void => {
    for (const t of ts) if (t.dtype !== ts[0].dtype) fail(`${show(ts[0])} and ${show(t)} differ in dtype`);
  };
  const broadcastAll = (ts: readonly Tensor[]): Shape =>
    ts.reduce<Shape>(
      (shape, t) => broadcast(shape, t.shape, (da, db) => fail(`${list(ts)} do not broadcast (${da} vs ${db})`)),
      [],
    );
  const axisAttr = (fallback: number, rank: number): number => {
    const a = attrs.axis && 'i' in attrs.axis ? attrs.axis.i : fallback;
    return a < 0 ? a + rank : a;
  };

  const index = INDEX_INPUTS[op];
  index?.at.forEach((k) => {
    const t = inputs[k];
    if (t && t.dtype !== 'int64' && !(index.int32 && t.dtype === 'int32')) {
      fail(`input ${k} must be ${index.int32 ? 'int32 or int64' : 'int64'}, got ${show(t)} (inputs ${list(inputs)})`);
    }
  });

  switch (op) {
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'Max':
    case 'Min':
      sameDtype(inputs);
      return { shape: broadcastAll(inputs), dtype: inputs[0].dtype };
    case 'Equal':
    case 'Less':
    case 'Greater':
      sameDtype(inputs);
      return { shape: broadcastAll(inputs), dtype: 'bool' };
    case 'Pow': // ONNX lets the exponent be of another numeric type
      return { shape: broadcastAll(inputs), dtype: inputs[0].dtype };
    case 'Where':
      if (inputs[0].dtype !== 'bool') fail(`the condition must be bool, got ${show(inputs[0])}`);
      sameDtype(inputs.slice(1));
      return { shape: broadcastAll(inputs), dtype: inputs[1].dtype };
    case 'MatMul': {
      const [a, b] = inputs;
      if (a.shape.length < 2 || b.shape.length < 2) fail(`needs operands of rank ≥ 2, got ${show(a)} and ${show(b)}`);
      sameDtype(inputs);
      const [m, k] = a.shape.slice(-2);
      const [k2, n] = b.shape.slice(-2);
      if (same(k, k2) === undefined) fail(`inner dimensions differ: ${show(a)} · ${show(b)} (${k} vs ${k2})`);
      const batch = broadcast(a.shape.slice(0, -2), b.shape.slice(0, -2), (da, db) =>
        fail(`batch dimensions of ${show(a)} and ${show(b)} do not broadcast (${da} vs ${db})`),
      );
      return { shape: [...batch, m, n], dtype: a.dtype };
    }
    case 'Gemm': {
      const [a, b, c] = inputs;
      if (a.shape.length !== 2 || b.shape.length !== 2) fail(`needs 2-D operands, got ${show(a)} and ${show(b)}`);
      sameDtype(inputs);
      const transA = attrs.transA && 'i' in attrs.transA && attrs.transA.i === 1;
      const transB = attrs.transB && 'i' in attrs.transB && attrs.transB.i === 1;
      const [m, k] = transA ? [a.shape[1], a.shape[0]] : a.shape;
      const [k2, n] = transB ? [b.shape[1], b.shape[0]] : b.shape;
      if (same(k, k2) === undefined)
        fail(
          `inner dimensions differ: ${show(a)}${transA ? 'ᵀ' : ''} · ${show(b)}${transB ? 'ᵀ' : ''} (${k} vs ${k2})`,
        );
      if (c && !fits(c.shape, [m, n]))
        fail(`the bias ${show(c)} does not broadcast to the product [${m}, ${n}] of ${show(a)} and ${show(b)}`);
      return { shape: [m, n], dtype: a.dtype };
    }
    case 'Concat': {
      const [first] = inputs;
      const axis = axisAttr(0, first.shape.length);
      sameDtype(inputs);
      const dims = [...first.shape];
      for (const t of inputs) {
        if (t.shape.length !== first.shape.length) fail(`ranks differ: ${show(first)} and ${show(t)}`);
        t.shape.forEach((d, i) => {
          if (i !== axis)
            dims[i] =
              same(dims[i], d) ??
              fail(
                `${show(first)} and ${show(t)} differ on axis ${i} (${dims[i]} vs ${d}), concatenating on axis ${axis}`,
              );
        });
      }
      const sizes = inputs.map((t) => t.shape[axis]);
      dims[axis] = sizes.every((d) => typeof d === 'number')
        ? (sizes as number[]).reduce((p, q) => p + q, 0)
        : '?concat';
      return { shape: dims, dtype: first.dtype };
    }
    case 'Gather': {
      const [data, indices] = inputs;
      const axis = axisAttr(0, data.shape.length);
      if (axis >= data.shape.length) fail(`axis ${axis} is beyond the data ${show(data)}`);
      return {
        shape: [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)],
        dtype: data.dtype,
      };
    }
    case 'ScatterND': {
      const [data, indices, updates] = inputs;
      sameDtype([data, updates]);
      const k = indices.shape[indices.shape.length - 1];
      const expected = typeof k === 'number' ? [...indices.shape.slice(0, -1), ...data.shape.slice(k)] : undefined;
      if (
        expected &&
        (expected.length !== updates.shape.length || expected.some((d, i) => same(d, updates.shape[i]) === undefined))
      ) {
        fail(
          `updates ${show(updates)} do not match data ${show(data)} at indices ${show(indices)} (expected [${expected.join(', ')}])`,
        );
      }
      return { shape: data.shape, dtype: data.dtype };
    }
    case 'ScatterElements': {
      const [data, indices, updates] = inputs;
      sameDtype([data, updates]);
      if (
        indices.shape.length !== updates.shape.length ||
        indices.shape.some((d, i) => same(d, updates.shape[i]) === undefined)
      ) {
        fail(`updates ${show(updates)} must have the shape of the indices ${show(indices)}`);
      }
      return { shape: data.shape, dtype: data.dtype };
    }
    case 'LayerNormalization': {
      const [x, ...affine] = inputs;
      sameDtype(inputs);
      const normalized = x.shape.slice(axisAttr(-1, x.shape.length));
      for (const t of affine)
        if (!fits(t.shape, normalized))
          fail(`${show(t)} does not broadcast to the normalized dims [${normalized.join(', ')}] of ${show(x)}`);
      return { shape: x.shape, dtype: x.dtype };
    }
    case 'CumSum':
      return { shape: inputs[0].shape, dtype: inputs[0].dtype };
    case 'Pad': // the constant value is of the data's type
      if (inputs[2]) sameDtype([inputs[0], inputs[2]]);
      return undefined;
    case 'Range':
      sameDtype(inputs);
      return undefined;
    case 'Expand': // to the declared shape, which is its output
      if (declared && !fits(inputs[0].shape, declared))
        fail(`${show(inputs[0])} does not broadcast to [${declared.join(', ')}]`);
      return undefined;
    // One input, or a shape the caller knows (a reshape's target, a reduction's axes): the caller declares it.
    case 'Neg':
    case 'Exp':
    case 'Log':
    case 'Sqrt':
    case 'Tanh':
    case 'Erf':
    case 'Not':
    case 'Softmax':
    case 'Cast':
    case 'Reshape':
    case 'Slice':
    case 'Squeeze':
    case 'Unsqueeze':
    case 'Transpose':
    case 'ReduceSum':
    case 'ReduceMean':
    case 'ReduceMax':
    case 'ReduceProd':
    case 'ReduceSumSquare':
    case 'Shape':
    case 'ConstantOfShape':
    case 'Identity':
      return undefined;
    default:
      return op satisfies never;
  }
}
