// The two tiny graphs the runtime writes itself (a provider probe and the state read-back identity), encoded with
// onnx-proto. Training graphs come from the engine's graph builder; this is not a general builder.
import onnxProto from 'onnx-proto'; // CommonJS: its namespace object is the default export under Node's ESM
import type { onnx as Onnx } from 'onnx-proto';
import type { DType } from '../../tensors/tensor.ts';

const { onnx } = onnxProto;

const ELEM_TYPE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  bfloat16: 16,
};

/** A graph input/output declaration; a string dimension is symbolic (e.g. 'batch'). */
export function valueInfo(name: string, dtype: DType, shape: readonly (number | string)[]): Onnx.IValueInfoProto {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: ELEM_TYPE[dtype], shape: { dim } } } };
}

/** A ModelProto (IR 8, default opset 17) around the graph, as bytes for InferenceSession.create. */
export function encodeModel(graph: Onnx.IGraphProto): Uint8Array {
  const model = { irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'taughtnet-runtime', graph };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** The graph's output names in declaration order (the order onnxruntime reports them). */
export function onnxOutputNames(model: Uint8Array): string[] {
  const graph = onnx.ModelProto.decode(model).graph;
  if (!graph) throw new Error('the ONNX model has no graph');
  return (graph.output ?? []).map((o) => o.name ?? '');
}
