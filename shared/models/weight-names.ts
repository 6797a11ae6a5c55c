// One canonical naming for encoder weights, whatever family they come from. It is BERT's Hugging Face
// naming without the model prefix. The table below is the whole mapping:
//
//   canonical name (N = layer)                    BERT / RoBERTa / ELECTRA (after "bert." …)    DistilBERT (after "distilbert.")
//   embeddings.word_embeddings.weight   [V, E]      same                                          same
//   embeddings.position_embeddings.weight [P, E]    same                                          same
//   embeddings.token_type_embeddings.weight [T, E]  same                                          — (no token types)
//   embeddings.LayerNorm.{weight,bias}  [E]         same (legacy: gamma, beta)                    same
//   embeddings_project.{weight,bias}    [H, E], [H] ELECTRA only, when E ≠ H                      —
//   encoder.layer.N.attention.self.query.{weight,bias}   same                                   transformer.layer.N.attention.q_lin
//   encoder.layer.N.attention.self.key.{weight,bias}     same                                   transformer.layer.N.attention.k_lin
//   encoder.layer.N.attention.self.value.{weight,bias}   same                                   transformer.layer.N.attention.v_lin
//   encoder.layer.N.attention.output.dense.{weight,bias} same                                   transformer.layer.N.attention.out_lin
//   encoder.layer.N.attention.output.LayerNorm.{weight,bias} same                               transformer.layer.N.sa_layer_norm
//   encoder.layer.N.intermediate.dense.{weight,bias} [I, H], [I]  same                          transformer.layer.N.ffn.lin1
//   encoder.layer.N.output.dense.{weight,bias}       [H, I], [H]  same                          transformer.layer.N.ffn.lin2
//   encoder.layer.N.output.LayerNorm.{weight,bias}   same                                       transformer.layer.N.output_layer_norm
//   classifier.{weight,bias}            [L, H], [L] no prefix (…ForTokenClassification)          same
//
// Linear weights are stored [out, in], as PyTorch's nn.Linear does. The pooler, pre-training heads
// (cls.*, lm_head.*, vocab_*) and buffers (position_ids) are not part of a token classifier.
import type { EncoderConfig, ModelType } from './config.ts';

/** DistilBERT's per-layer modules, canonical ↔ DistilBERT (under encoder.layer.N. ↔ transformer.layer.N.). */
const DISTIL_MODULES: readonly [string, string][] = [
  ['attention.self.query', 'attention.q_lin'],
  ['attention.self.key', 'attention.k_lin'],
  ['attention.self.value', 'attention.v_lin'],
  ['attention.output.dense', 'attention.out_lin'],
  ['attention.output.LayerNorm', 'sa_layer_norm'],
  ['intermediate.dense', 'ffn.lin1'],
  ['output.dense', 'ffn.lin2'],
  ['output.LayerNorm', 'output_layer_norm'],
];

function renameLayerModule(name: string, from: string, to: string, direction: 0 | 1): string {
  const match = new RegExp(`^${from.replace('.', '\\.')}\\.(\\d+)\\.(.+)\\.(weight|bias)$`).exec(name);
  if (!match) return name;
  const module = DISTIL_MODULES.find((pair) => pair[direction] === match[2]);
  return module ? `${to}.${match[1]}.${module[1 - direction]}.${match[3]}` : name;
}

/** Hugging Face's name of a parameter in a family's checkpoint → the canonical name (not checked against a config). */
export function canonicalName(hfName: string, modelType: ModelType): string {
  let name = hfName.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
  if (name.startsWith(`${modelType}.`)) name = name.slice(modelType.length + 1);
  if (modelType === 'distilbert') {
    name = renameLayerModule(name, 'transformer.layer', 'encoder.layer', 1);
  }
  return name;
}

/** The canonical name → Hugging Face's name in a …ForTokenClassification checkpoint of that family. */
export function hfName(canonical: string, modelType: ModelType): string {
  if (canonical.startsWith('classifier.')) return canonical;
  let name = canonical;
  if (modelType === 'distilbert') {
    name = renameLayerModule(name, 'encoder.layer', 'transformer.layer', 0);
  }
  return `${modelType}.${name}`;
}

/** Every encoder parameter the config implies, canonical name → shape, in checkpoint order. */
export function encoderShapes(config: EncoderConfig): Map<string, number[]> {
  const {
    vocabSize: V,
    embeddingSize: E,
    hiddenSize: H,
    intermediateSize: I,
    maxPositionEmbeddings: P,
    typeVocabSize: T,
  } = config;
  const shapes = new Map<string, number[]>();
  shapes.set('embeddings.word_embeddings.weight', [V, E]);
  shapes.set('embeddings.position_embeddings.weight', [P, E]);
  if (T > 0) shapes.set('embeddings.token_type_embeddings.weight', [T, E]);
  shapes.set('embeddings.LayerNorm.weight', [E]);
  shapes.set('embeddings.LayerNorm.bias', [E]);
  if (E !== H) {
    shapes.set('embeddings_project.weight', [H, E]);
    shapes.set('embeddings_project.bias', [H]);
  }
  for (let n = 0; n < config.numLayers; n++) {
    const p = `encoder.layer.${n}.`;
    for (const m of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense']) {
      shapes.set(`${p}${m}.weight`, [H, H]);
      shapes.set(`${p}${m}.bias`, [H]);
    }
    shapes.set(`${p}attention.output.LayerNorm.weight`, [H]);
    shapes.set(`${p}attention.output.LayerNorm.bias`, [H]);
    shapes.set(`${p}intermediate.dense.weight`, [I, H]);
    shapes.set(`${p}intermediate.dense.bias`, [I]);
    shapes.set(`${p}output.dense.weight`, [H, I]);
    shapes.set(`${p}output.dense.bias`, [H]);
    shapes.set(`${p}output.LayerNorm.weight`, [H]);
    shapes.set(`${p}output.LayerNorm.bias`, [H]);
  }
  return shapes;
}

export function classifierShapes(config: EncoderConfig, numLabels: number): Map<string, number[]> {
  return new Map([
    ['classifier.weight', [numLabels, config.hiddenSize]],
    ['classifier.bias', [numLabels]],
  ]);
}

/** Parameters of the encoder (embeddings and LayerNorms included, pooler excluded) plus a classifier for `numLabels`. */
export function parameterCount(config: EncoderConfig, numLabels = 0): number {
  let total = 0;
  for (const shape of encoderShapes(config).values()) total += shape.reduce((a, b) => a * b, 1);
  return total + (numLabels > 0 ? numLabels * config.hiddenSize + numLabels : 0);
}

/** Size of the parameters in megabytes (10^6 bytes) at float32. */
export function sizeInMB(parameters: number): number {
  return (parameters * 4) / 1e6;
}
