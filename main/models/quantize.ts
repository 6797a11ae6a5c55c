// Dynamic int8 quantisation of an ONNX model's MatMul weights with STANDARD ONNX ops only, as onnxruntime's
// quantize_dynamic does it conceptually (without its com.microsoft fusions):
//   x ─DynamicQuantizeLinear→ (x_q uint8, x_scale, x_zero_point)
//   MatMulInteger(x_q, W_q int8, x_zero_point) ─Cast float→ · (x_scale · w_scale) = x·W
// W_q = round(W / w_scale) with symmetric int8 (zero point 0, omitted), per output column or per tensor.
// A MatMul is quantised when its second input is a rank-2 float32 initializer that `include` accepts.
// Embedding tables (Gather on an initializer) can be stored as int8 too: quantizeGatherTables.
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

export interface QuantizeOptions {
  /** Initializer names of the weights to quantise. */
  readonly include: (weightName: string) => boolean;
  /** One scale per output column (default) or one per tensor. */
  readonly perChannel?: boolean;
}

export interface QuantizeReport {
  readonly bytes: Uint8Array;
  /** Weights quantised, by initializer name. */
  readonly quantized: string[];
}

function floats(t: Onnx.ITensorProto): Float32Array {
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData); // aligned
    return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}

const raw = (a: Float32Array | Int8Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function quantizeMatMulWeights(model: Uint8Array, o: QuantizeOptions): QuantizeReport {
  const proto = onnx.ModelProto.decode(model);
  const graph = proto.graph;
  if (!graph) throw new Error('the ONNX model has no graph');
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const perChannel = o.perChannel ?? true;
  const nodes: Onnx.INodeProto[] = [];
  const quantizedInputs = new Map<string, [string, string, string]>(); // activation → (x_q, x_scale, x_zero_point)
  const added: Onnx.ITensorProto[] = [];
  const quantized: string[] = [];

  for (const node of graph.node ?? []) {
    const [x, w] = node.input ?? [];
    const weight = w === undefined ? undefined : initializers.get(w);
    const dims = weight?.dims?.map(Number) ?? [];
    if (node.opType !== 'MatMul' || !weight || weight.dataType !== T.FLOAT || dims.length !== 2 || !o.include(w)) {
      nodes.push(node);
      continue;
    }
    const [K, N] = dims;
    const values = floats(weight);
    // Scales: max |w| / 127 per column (or over the whole tensor); an all-zero column keeps scale 1.
    const scales = new Float32Array(perChannel ? N : 1);
    for (let k = 0; k < K; k++)
      for (let n = 0; n < N; n++) {
        const s = perChannel ? n : 0;
        scales[s] = Math.max(scales[s], Math.abs(values[k * N + n]));
      }
    for (let s = 0; s < scales.length; s++) scales[s] = scales[s] > 0 ? scales[s] / 127 : 1;
    const q = new Int8Array(K * N);
    for (let k = 0; k < K; k++)
      for (let n = 0; n < N; n++)
        q[k * N + n] = Math.max(-127, Math.min(127, Math.round(values[k * N + n] / scales[perChannel ? n : 0])));
    added.push(
      { name: `${w}_quantized`, dataType: T.INT8, dims: [K, N], rawData: raw(q) },
      { name: `${w}_scale`, dataType: T.FLOAT, dims: perChannel ? [N] : [], rawData: raw(scales) },
    );
    quantized.push(w);

    let xq = quantizedInputs.get(x);
    if (!xq) {
      xq = [`${x}_quantized`, `${x}_scale`, `${x}_zero_point`];
      nodes.push({ opType: 'DynamicQuantizeLinear', name: `${x}_quantize`, input: [x], output: [...xq] });
      quantizedInputs.set(x, xq);
    }
    const out = node.output![0];
    const name = node.name || out;
    nodes.push(
      {
        opType: 'MatMulInteger',
        name: `${name}_integer`,
        input: [xq[0], `${w}_quantized`, xq[2]],
        output: [`${out}_int32`],
      },
      {
        opType: 'Cast',
        name: `${name}_cast`,
        input: [`${out}_int32`],
        output: [`${out}_float`],
        attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT }],
      },
      { opType: 'Mul', name: `${name}_scales`, input: [xq[1], `${w}_scale`], output: [`${out}_scale`] },
      { opType: 'Mul', name: `${name}_rescale`, input: [`${out}_float`, `${out}_scale`], output: [out] },
    );
  }
  // The float weights go where nothing reads them any more.
  const read = new Set(nodes.flatMap((n) => n.input ?? []));
  graph.initializer = [...(graph.initializer ?? []).filter((t) => read.has(t.name ?? '')), ...added];
  graph.node = nodes;
  return { bytes: onnx.ModelProto.encode(proto).finish(), quantized };
}

/**
 * int8 embedding tables, one scale per row (symmetric): Gather(table, ids) becomes
 * Cast(Gather(table_q, ids)) · Unsqueeze(Gather(row_scales, ids), -1). Standard ONNX ops; the table shrinks 4×.
 */
export function quantizeGatherTables(model: Uint8Array, include: (tableName: string) => boolean): QuantizeReport {
  const proto = onnx.ModelProto.decode(model);
  const graph = proto.graph;
  if (!graph) throw new Error('the ONNX model has no graph');
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const nodes: Onnx.INodeProto[] = [];
  const added: Onnx.ITensorProto[] = [];
  const quantized: string[] = [];
  const axisOf = (n: Onnx.INodeProto) => Number(n.attribute?.find((a) => a.name === 'axis')?.i ?? 0);
  for (const node of graph.node ?? []) {
    const [table, ids] = node.input ?? [];
    const t = initializers.get(table ?? '');
    const dims = t?.dims?.map(Number) ?? [];
    if (
      node.opType !== 'Gather' ||
      !t ||
      t.dataType !== T.FLOAT ||
      dims.length !== 2 ||
      axisOf(node) !== 0 ||
      !include(table)
    ) {
      nodes.push(node);
      continue;
    }
    if (!quantized.includes(table)) {
      const [rows, cols] = dims;
      const values = floats(t);
      const scales = new Float32Array(rows);
      const q = new Int8Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        let top = 0;
        for (let c = 0; c < cols; c++) top = Math.max(top, Math.abs(values[r * cols + c]));
        scales[r] = top > 0 ? top / 127 : 1;
        for (let c = 0; c < cols; c++) q[r * cols + c] = Math.round(values[r * cols + c] / scales[r]);
      }
      added.push(
        { name: `${table}_quantized`, dataType: T.INT8, dims: [rows, cols], rawData: raw(q) },
        { name: `${table}_scale`, dataType: T.FLOAT, dims: [rows], rawData: raw(scales) },
      );
      quantized.push(table);
    }
    const out = node.output![0];
    const name = node.name || out;
    const lastAxis = `${name}_last_axis`;
    added.push({ name: lastAxis, dataType: T.INT64, dims: [1], rawData: new Uint8Array(BigInt64Array.of(-1n).buffer) });
    nodes.push(
      {
        opType: 'Gather',
        name: `${name}_rows`,
        input: [`${table}_quantized`, ids],
        output: [`${out}_int8`],
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
      },
      {
        opType: 'Cast',
        name: `${name}_cast`,
        input: [`${out}_int8`],
        output: [`${out}_float`],
        attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT }],
      },
      {
        opType: 'Gather',
        name: `${name}_row_scales`,
        input: [`${table}_scale`, ids],
        output: [`${out}_scales`],
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
      },
      { opType: 'Unsqueeze', name: `${name}_unsqueeze`, input: [`${out}_scales`, lastAxis], output: [`${out}_scale`] },
      { opType: 'Mul', name: `${name}_rescale`, input: [`${out}_float`, `${out}_scale`], output: [out] },
    );
  }
  const read = new Set(nodes.flatMap((n) => n.input ?? []));
  graph.initializer = [...(graph.initializer ?? []).filter((t) => read.has(t.name ?? '')), ...added];
  graph.node = nodes;
  return { bytes: onnx.ModelProto.encode(proto).finish(), quantized };
}
