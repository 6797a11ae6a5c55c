// Deployment export: an inference-only ONNX file of a token classifier that any ONNX runtime loads.
//   inputs  input_ids int64 [batch, seq], attention_mask int64 [batch, seq], token_type_ids int64 (only models with
//           more than one token type: BERT, ELECTRA; not RoBERTa or DistilBERT), as Hugging Face / optimum exports
//           name them; output logits float32 [batch, seq, labels].
// The weights are initializers (Hugging Face names), not inputs. Transposes of weights are folded here (so each
// MatMul reads its weight directly), then onnxruntime's 'basic' optimisations (constant folding, redundant-node
// elimination) are applied and written out: the file keeps standard ONNX ops only. 'extended' writes ORT's fused
// com.microsoft ops instead (faster on onnxruntime, unreadable elsewhere). Optional int8: see quantize.ts;
// int8 files keep standard ops too (DynamicQuantizeLinear, MatMulInteger), as no com.microsoft op is written.
// The file imports the default opset and only the other domains its nodes use.
import { lstatSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { specialKind } from '../files/regular-file.ts';
import { tempFolder } from '../files/temp-folder.ts';
import { writeFileAtomic } from './model-folder.ts';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import type { EncoderConfig } from '../../shared/models/config.ts';
import { hfName } from '../../shared/models/weight-names.ts';
import type { Tensor } from '../tensors/tensor.ts';
import { quantizeGatherTables, quantizeMatMulWeights } from './quantize.ts';
import { inferenceModel } from './inference-model.ts';

const { onnx } = onnxProto;

export interface ExportOptions {
  /** 'int8': dynamic quantisation of the encoder's MatMul weights (the classifier stays float). Default: float32. */
  readonly quantize?: 'int8';
  /** int8 scales per output column (default) or per tensor. */
  readonly perChannel?: boolean;
  /** With int8: the word-embedding table too (int8 rows, one scale per row), which dominates small models' size. */
  readonly int8Embeddings?: boolean;
  /** onnxruntime optimisations written into the file; 'basic' (default) keeps it portable. */
  readonly optimization?: 'none' | 'basic' | 'extended';
}

export interface ExportResult {
  readonly path: string;
  readonly bytes: number;
  readonly inputs: string[];
  /** The version of the default (ai.onnx) opset. */
  readonly opset: number;
  /** The weights stored as int8 (empty for a float export). */
  readonly quantized: string[];
  readonly nodeCount: number;
}

/** onnxruntime's optimised file imports every opset domain it knows; keep the default one and those nodes use. */
function usedOpsetsOnly(proto: Onnx.IModelProto): void {
  const used = new Set((proto.graph?.node ?? []).map((n) => n.domain ?? ''));
  proto.opsetImport = (proto.opsetImport ?? []).filter((o) => isDefaultDomain(o.domain) || used.has(o.domain!));
}

const isDefaultDomain = (domain: string | null | undefined) => !domain || domain === 'ai.onnx';

/**
 * Refuses a target that writing would wreck: the file is written beside it and renamed over it, which would turn a
 * device (/dev/full), a FIFO or a symbolic link into a regular file. A link is refused rather than followed, so
 * the file lands where the user named it. A missing file in an existing folder, or a regular file, is fine.
 */
export function checkExportTarget(path: string): void {
  const stats = lstatSync(path, { throwIfNoEntry: false });
  if (stats === undefined) {
    if (!statSync(dirname(path), { throwIfNoEntry: false })?.isDirectory())
      throw new Error(`${path}: the folder ${dirname(path)} does not exist`);
    return;
  }
  if (stats.isSymbolicLink()) {
    throw new Error(
      `${path} is a symbolic link (to ${readlinkSync(path)}): refused, so that neither the link nor its target is replaced; name the file itself`,
    );
  }
  if (stats.isDirectory()) throw new Error(`${path} is a folder; name the .onnx file to write`);
  const special = specialKind(stats);
  if (special)
    throw new Error(`${path} is ${special}, not a regular file: name a new .onnx file (or a regular file to replace)`);
}

/** Writes the deployment ONNX file at `path` (see checkExportTarget for what it refuses). */
export async function exportOnnx(
  path: string,
  model: { config: EncoderConfig; weights: ReadonlyMap<string, Tensor> },
  o: ExportOptions = {},
): Promise<ExportResult> {
  checkExportTarget(path);
  let bytes = inferenceModel(model.config, model.weights);
  let quantized: string[] = [];
  if (o.quantize === 'int8') {
    // Every MatMul weight but the classifier's (the only rank-2 initializers MatMul reads are linear weights).
    ({ bytes, quantized } = quantizeMatMulWeights(bytes, {
      include: (name) => !name.startsWith('classifier.'),
      perChannel: o.perChannel,
    }));
    if (o.int8Embeddings) {
      const words = hfName('embeddings.word_embeddings.weight', model.config.modelType);
      const tables = quantizeGatherTables(bytes, (name) => name === words);
      bytes = tables.bytes;
      quantized = [...quantized, ...tables.quantized];
    }
  }
  const level = o.optimization ?? 'basic';
  if (level !== 'none') {
    // onnxruntime writes the optimised graph to a file of its own.
    const temp = tempFolder('taughtnet-export-');
    try {
      const session = await ort.InferenceSession.create(bytes, {
        graphOptimizationLevel: level,
        optimizedModelFilePath: join(temp, 'model.onnx'),
        executionProviders: ['cpu'],
      });
      await session.release();
      bytes = readFileSync(join(temp, 'model.onnx'));
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  }
  const proto = onnx.ModelProto.decode(bytes);
  usedOpsetsOnly(proto);
  bytes = onnx.ModelProto.encode(proto).finish();
  checkExportTarget(path); // again: the export took a while, and the path may have changed meanwhile
  writeFileAtomic(path, bytes);
  const graph = proto.graph!;
  return {
    path,
    bytes: bytes.byteLength,
    inputs: (graph.input ?? []).map((i) => i.name ?? ''),
    opset: Number(proto.opsetImport!.find((o) => isDefaultDomain(o.domain))!.version),
    quantized,
    nodeCount: graph.node?.length ?? 0,
  };
}
