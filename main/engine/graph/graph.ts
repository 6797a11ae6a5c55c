// The graph builder: a small IR of ONNX nodes plus a tape for reverse-mode autodiff.
//
// A Tensor is a handle on one value of the graph (name, dtype, static shape with symbolic dims such as 'batch').
// Ops (main/engine/ops/) emit ONNX nodes through `g.op`, which also records on the tape, side by side with the
// forward emission, one gradient rule per differentiable input. `grad` (autodiff.ts) replays the tape backwards.
// Every node's inputs are checked as it is emitted (infer.ts), which also infers the output of the ops that combine
// several inputs.
import { inferNode } from './infer.ts';
import { ONNX_OPS, type OnnxOp } from './onnx-ops.ts';

export type { OnnxOp } from './onnx-ops.ts';

export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'uint32' | 'bool';
/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11, uint32: 12 };
/** A dimension: a fixed size, or a symbol ('batch', 'seq') equal wherever the same symbol appears. */
export type Dim = number | string;
export type Shape = readonly Dim[];

export interface Tensor {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: Shape;
}

/** ONNX attribute values, tagged because a JS number cannot tell an int from a float. */
export type Attr =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { t: ConstTensor };
export const attr = {
  i: (i: number): Attr => ({ i }),
  f: (f: number): Attr => ({ f }),
  s: (s: string): Attr => ({ s }),
  ints: (ints: readonly number[]): Attr => ({ ints }),
  floats: (floats: readonly number[]): Attr => ({ floats }),
  t: (t: ConstTensor): Attr => ({ t }),
};

export interface ConstTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint32Array | Uint8Array;
}

export interface Node {
  readonly op: OnnxOp;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, Attr>>;
}

/** One gradient rule per input: given dL/dy (and y), return dL/dinput. null marks a non-differentiable input. */
export type GradRule = ((dy: Tensor, y: Tensor) => Tensor) | null;

export interface TapeEntry {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly grads: readonly GradRule[];
}

export interface OpSpec {
  /** Readable label for the node name (defaults to the op type in lower case). */
  label?: string;
  attrs?: Record<string, Attr>;
  /** The output's shape and dtype (by default the first input's); both left out for the ops infer.ts infers. */
  shape?: Shape;
  dtype?: DType;
  /** Gradient rules, one per input; omit for ops that never carry gradients (Shape, Equal, Range...). */
  grads?: readonly GradRule[];
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly tape: TapeEntry[] = [];
  readonly inputs: Tensor[] = [];
  readonly initializers = new Map<string, ConstTensor>();
  private readonly scopes: string[] = [];
  private readonly used = new Map<string, number>();
  private readonly constants = new Map<string, Tensor>();
  private taping = true;

  /** Runs `body` with node names prefixed by `name` (e.g. 'encoder.layer.0.attention'). */
  scope<T>(name: string, body: () => T): T {
    this.scopes.push(name);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  /** A fresh unique name under the current scope. */
  fresh(label: string): string {
    const base = [...this.scopes, label].join('.');
    let n = this.used.get(base) ?? 0;
    let name = n === 0 ? base : `${base}_${n}`;
    while (n > 0 && this.used.has(name)) name = `${base}_${++n}`; // a label may itself look like 'add_1'
    this.used.set(base, n + 1);
    this.used.set(name, Math.max(this.used.get(name) ?? 0, 1));
    return name;
  }

  input(name: string, dtype: DType, shape: Shape): Tensor {
    if (this.used.has(name)) throw new Error(`graph input '${name}' clashes with an existing name`);
    this.used.set(name, 1);
    const t: Tensor = { name, dtype, shape };
    this.inputs.push(t);
    return t;
  }

  /** A constant stored as an initializer; equal constants are shared. */
  constant(c: ConstTensor): Tensor {
    // Small constants (scalars, shapes, axes) are deduplicated by value.
    const key =
      c.data.length <= 64
        ? `${c.dtype}[${c.shape.join(',')}]${Array.from(c.data as ArrayLike<number | bigint>).join(',')}`
        : undefined;
    const known = key && this.constants.get(key);
    if (known) return known;
    const name = this.fresh(`const.${c.dtype}`);
    this.initializers.set(name, c);
    const t: Tensor = { name, dtype: c.dtype, shape: c.shape };
    if (key) this.constants.set(key, t);
    return t;
  }

  scalar(value: number, dtype: DType = 'float32'): Tensor {
    return this.constant(constTensor(dtype, [], [value]));
  }

  ints(values: readonly number[]): Tensor {
    return this.constant(constTensor('int64', [values.length], values));
  }

  /** Emits one ONNX node with one output and records its gradient rules on the tape. */
  op(type: OnnxOp, inputs: readonly Tensor[], spec: OpSpec = {}): Tensor {
    const where = this.scopes.join('.') || 'the top-level scope';
    if (spec.grads && ONNX_OPS[type] !== 'rule')
      throw new Error(`${type} in ${where}: it carries no gradient rule of its own (${ONNX_OPS[type]})`);
    const inferred = inferNode(type, inputs, spec.attrs ?? {}, spec.shape, where);
    // One source for a shape: an op that declared what the builder infers could declare it wrongly.
    if (inferred && (spec.shape || spec.dtype))
      throw new Error(`${type} in ${where}: its shape and dtype are inferred, declare neither`);
    const shape = inferred?.shape ?? spec.shape;
    if (!shape) throw new Error(`${type} in ${where}: declare its shape`);
    const name = this.fresh(spec.label ?? type.toLowerCase());
    const output: Tensor = { name, dtype: inferred?.dtype ?? spec.dtype ?? inputs[0].dtype, shape };
    this.nodes.push({ op: type, name, inputs: inputs.map((t) => t.name), outputs: [name], attrs: spec.attrs ?? {} });
    if (this.taping && spec.grads) this.tape.push({ name, inputs, output, grads: spec.grads });
    return output;
  }

  /**
   * An op with optional outputs after its first (LayerNormalization's Mean and InvStdDev): `op`, whose node also
   * gives outputs of the shapes `more` (in its dtype), returned after the first. The gradient rules are the first
   * output's; onnx.ts leaves off the outputs that no graph output needs.
   */
  opWithOutputs(type: OnnxOp, inputs: readonly Tensor[], spec: OpSpec, more: readonly Shape[]): Tensor[] {
    const first = this.op(type, inputs, spec);
    const label = spec.label ?? type.toLowerCase();
    const rest = more.map((shape, i): Tensor => ({ name: this.fresh(`${label}.${i + 1}`), dtype: first.dtype, shape }));
    const node = this.nodes[this.nodes.length - 1];
    this.nodes[this.nodes.length - 1] = { ...node, outputs: [...node.outputs, ...rest.map((t) => t.name)] };
    return [first, ...rest];
  }

  /**
   * An op whose forward pass is several nodes but whose gradient is one rule (softmax, layer norm, GELU):
   * the body's own tape entries are dropped so the gradient flows only through `grads`.
   */
  composite(label: string, inputs: readonly Tensor[], body: () => Tensor, grads: readonly GradRule[]): Tensor {
    const name = this.fresh(label);
    const wasTaping = this.taping;
    this.taping = false;
    let output: Tensor;
    try {
      output = this.scope(name.slice(name.lastIndexOf('.') + 1), body);
    } finally {
      this.taping = wasTaping;
    }
    if (this.taping) this.tape.push({ name, inputs, output, grads });
    return output;
  }

  /** Runs `body` with recording of gradient rules suspended (ops inside carry no gradient). */
  untaped<T>(body: () => T): T {
    const wasTaping = this.taping;
    this.taping = false;
    try {
      return body();
    } finally {
      this.taping = wasTaping;
    }
  }
}

export function constTensor(dtype: DType, shape: readonly number[], values: ArrayLike<number>): ConstTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (values.length !== n)
    throw new Error(`constant of shape [${shape.join(',')}] needs ${n} values, got ${values.length}`);
  const data =
    dtype === 'float32'
      ? Float32Array.from(values)
      : dtype === 'float64'
        ? Float64Array.from(values)
        : dtype === 'int64'
          ? BigInt64Array.from(Array.from(values, (v) => BigInt(v)))
          : dtype === 'int32'
            ? Int32Array.from(values)
            : dtype === 'uint32'
              ? Uint32Array.from(values)
              : Uint8Array.from(values);
  return { dtype, shape, data };
}
