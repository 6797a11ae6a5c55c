// Serializes a Graph to ONNX ModelProto bytes, keeping only the nodes the requested outputs depend on.
import onnxProto from 'onnx-proto';
import { ONNX_DTYPE, type Attr, type ConstTensor, type Graph, type Node, type Shape, type Tensor } from './graph.ts';

const { onnx } = onnxProto;
const OPSET = 18;
const IR_VERSION = 8;

export interface IOInfo {
  name: string;
  dtype: Tensor['dtype'];
  shape: Shape;
}

export interface OnnxModel {
  bytes: Uint8Array;
  /** The graph inputs still used after pruning, in declaration order: exactly the feeds a session needs. */
  inputs: IOInfo[];
  outputs: IOInfo[];
  nodeCount: number;
}

/**
 * `outputs` maps each graph output name to the tensor it exposes. The producing node's output is renamed (an
 * Identity copy only where a tensor is a graph input, a constant, or exposed twice): copies of the flat
 * parameter buffers would cost a pass over memory per step.
 */
export function toOnnx(g: Graph, outputs: Record<string, Tensor>, name = 'taughtnet'): OnnxModel {
  const sources = new Set([...g.inputs.map((t) => t.name), ...g.initializers.keys()]);
  const rename = new Map<string, string>();
  const copied: [string, Tensor][] = [];
  for (const [out, t] of Object.entries(outputs)) {
    if (out === t.name) continue;
    if (sources.has(out) || g.nodes.some((n) => n.outputs.includes(out)))
      throw new Error(`output name '${out}' is already a value of the graph`);
    if (sources.has(t.name) || rename.has(t.name)) copied.push([out, t]);
    else rename.set(t.name, out);
  }
  const renamed = (v: string): string => rename.get(v) ?? v;
  const all: Node[] = [
    ...g.nodes.map((n) => ({ ...n, inputs: n.inputs.map(renamed), outputs: n.outputs.map(renamed) })),
    ...copied.map(([out, t]) => ({
      op: 'Identity' as const,
      name: `output.${out}`,
      inputs: [renamed(t.name)],
      outputs: [out],
      attrs: {},
    })),
  ];

  // Dead-node elimination: walk back from the outputs.
  const producer = new Map<string, number>();
  all.forEach((n, k) => n.outputs.forEach((o) => producer.set(o, k)));
  const live = new Set<number>();
  const needed = new Set<string>();
  const stack = Object.keys(outputs);
  while (stack.length) {
    const v = stack.pop()!;
    if (needed.has(v)) continue;
    needed.add(v);
    const k = producer.get(v);
    if (k !== undefined && !live.has(k)) {
      live.add(k);
      stack.push(...all[k].inputs.filter((i) => i !== ''));
    }
  }
  const nodes = all.filter((_, k) => live.has(k));
  const inputs = g.inputs.filter((t) => needed.has(t.name));
  const outs: IOInfo[] = Object.entries(outputs).map(([out, t]) => ({ name: out, dtype: t.dtype, shape: t.shape }));

  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'taughtnet-workbench',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name,
      node: nodes.map((n) => ({
        opType: n.op,
        name: n.name,
        input: [...n.inputs],
        output: usedOutputs(n, needed),
        attribute: Object.entries(n.attrs).map(([k, a]) => attribute(k, a)),
      })),
      input: inputs.map(valueInfo),
      output: outs.map(valueInfo),
      initializer: [...g.initializers].filter(([k]) => needed.has(k)).map(([k, c]) => tensorProto(k, c)),
    },
  });
  return {
    bytes: onnx.ModelProto.encode(model).finish(),
    inputs: inputs.map(({ name, dtype, shape }) => ({ name, dtype, shape })),
    outputs: outs,
    nodeCount: nodes.length,
  };
}

/** A node's outputs up to the last one needed: optional outputs nothing reads are left off (Graph.opWithOutputs). */
function usedOutputs(n: Node, needed: ReadonlySet<string>): string[] {
  let k = n.outputs.length;
  while (k > 1 && !needed.has(n.outputs[k - 1])) k--;
  return n.outputs.slice(0, k);
}

function valueInfo(t: IOInfo): onnxProto.onnx.IValueInfoProto {
  return {
    name: t.name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[t.dtype],
        // Unknown dims ('?…') are left unnamed; symbols like 'batch' become dim_params.
        shape: {
          dim: t.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : d.startsWith('?') ? {} : { dimParam: d })),
        },
      },
    },
  };
}

function tensorProto(name: string, c: ConstTensor): onnxProto.onnx.ITensorProto {
  const bytes = new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength);
  return { name, dataType: ONNX_DTYPE[c.dtype], dims: [...c.shape], rawData: bytes };
}

function attribute(name: string, a: Attr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in a) return { name, type: T.INT, i: a.i };
  if ('f' in a) return { name, type: T.FLOAT, f: a.f };
  if ('s' in a) return { name, type: T.STRING, s: new TextEncoder().encode(a.s) };
  if ('ints' in a) return { name, type: T.INTS, ints: [...a.ints] };
  if ('floats' in a) return { name, type: T.FLOATS, floats: [...a.floats] };
  return { name, type: T.TENSOR, t: tensorProto('', a.t) };
}
