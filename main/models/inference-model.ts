// The inference graph of a token classifier as ONNX bytes, the weights as initializers under their Hugging Face
// names and weight transposes folded: what export.ts optimises and writes, and what annotate runs for int8. Pure
// graph building (no onnxruntime), so the processes that only label or serve the window never load it.
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { Graph } from '../engine/graph/graph.ts';
import { toOnnx } from '../engine/graph/onnx.ts';
import { cast } from '../engine/ops/shape.ts';
import { wordEmbeddings, type Params } from '../engine/nn/encoder.ts';
import { BATCH, tokenClassifierLogits, tokenClassifierParamSpecs } from '../engine/nn/token-classification.ts';
import { usesTokenTypes, type EncoderConfig } from '../../shared/models/config.ts';
import { hfName } from '../../shared/models/weight-names.ts';
import type { Tensor } from '../tensors/tensor.ts';

const { onnx } = onnxProto;

/** The inference graph with the weights as initializers (canonical weights → Hugging Face initializer names). */
export function inferenceModel(config: EncoderConfig, weights: ReadonlyMap<string, Tensor>): Uint8Array {
  const g = new Graph();
  const params: Params = {};
  for (const spec of tokenClassifierParamSpecs(config)) {
    const t = weights.get(spec.name);
    if (!t) throw new Error(`export: the weights lack "${spec.name}"`);
    if (t.dtype !== 'float32' || t.shape.join() !== spec.shape.join()) {
      throw new Error(
        `export: "${spec.name}" is ${t.dtype} [${t.shape.join(', ')}], expected float32 [${spec.shape.join(', ')}]`,
      );
    }
    const name = hfName(spec.name, config.modelType);
    g.initializers.set(name, { dtype: 'float32', shape: t.shape, data: t.data as Float32Array });
    params[spec.name] = { name, dtype: 'float32', shape: t.shape };
  }
  const ids = (name: string) => g.input(name, 'int64', ['batch', 'seq']);
  const inputIds = ids(BATCH.inputIds);
  const attentionMask = cast(g, ids(BATCH.attentionMask), 'float32');
  const logits = tokenClassifierLogits(g, config, params, {
    inputIds,
    inputsEmbeds: wordEmbeddings(g, params, inputIds),
    attentionMask,
    ...(usesTokenTypes(config) ? { tokenTypeIds: ids(BATCH.tokenTypeIds) } : {}),
  });
  return foldWeightTransposes(toOnnx(g, { logits }, 'token_classifier').bytes);
}

/** Transpose nodes of 2-D float initializers become transposed initializers named after the node's output. */
function foldWeightTransposes(bytes: Uint8Array): Uint8Array {
  const proto = onnx.ModelProto.decode(bytes);
  const graph = proto.graph!;
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const folded: Onnx.ITensorProto[] = [];
  graph.node = (graph.node ?? []).filter((n) => {
    const source = inits.get(n.input?.[0] ?? '');
    const perm = n.attribute?.find((a) => a.name === 'perm')?.ints?.map(Number);
    if (
      n.opType !== 'Transpose' ||
      !source ||
      source.dataType !== onnx.TensorProto.DataType.FLOAT ||
      source.dims?.length !== 2 ||
      perm?.join() !== '1,0'
    )
      return true;
    const [rows, cols] = source.dims.map(Number);
    const from = new Float32Array(new Uint8Array(source.rawData!).buffer);
    const to = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) to[c * rows + r] = from[r * cols + c];
    folded.push({
      name: n.output![0],
      dataType: source.dataType,
      dims: [cols, rows],
      rawData: new Uint8Array(to.buffer),
    });
    return false;
  });
  const read = new Set(graph.node.flatMap((n) => n.input ?? []));
  graph.initializer = [...(graph.initializer ?? []).filter((t) => read.has(t.name ?? '')), ...folded];
  return onnx.ModelProto.encode(proto).finish();
}
