// Model sizes a user picks from. Each preset has the architecture of a well-known checkpoint; it either
// points at a local pretrained folder of that family, or starts from scratch with the shipped uncased
// WordPiece vocabulary (then every preset has 30,522 word embeddings).
import type { EncoderConfig, ModelType } from './config.ts';
import { parameterCount, sizeInMB } from './weight-names.ts';

export type PresetId = 'large' | 'base' | 'distil' | 'tiny' | 'micro';

export interface SizePreset {
  readonly id: PresetId;
  readonly name: string;
  /** The checkpoint whose architecture it copies. */
  readonly architectureOf: string;
  readonly modelType: ModelType;
  readonly numLayers: number;
  readonly hiddenSize: number;
  readonly numHeads: number;
  readonly intermediateSize: number;
  readonly maxPositionEmbeddings: number;
  /** Vocabulary of the pretrained checkpoint (a from-scratch model uses the shipped vocabulary instead). */
  readonly pretrainedVocabSize: number;
}

export const SIZE_PRESETS: readonly SizePreset[] = [
  {
    id: 'large',
    name: 'Large',
    architectureOf: 'RoBERTa-large',
    modelType: 'roberta',
    numLayers: 24,
    hiddenSize: 1024,
    numHeads: 16,
    intermediateSize: 4096,
    maxPositionEmbeddings: 514,
    pretrainedVocabSize: 50265,
  },
  {
    id: 'base',
    name: 'Base',
    architectureOf: 'RoBERTa-base',
    modelType: 'roberta',
    numLayers: 12,
    hiddenSize: 768,
    numHeads: 12,
    intermediateSize: 3072,
    maxPositionEmbeddings: 514,
    pretrainedVocabSize: 50265,
  },
  {
    id: 'distil',
    name: 'Distil',
    architectureOf: 'DistilBERT-base',
    modelType: 'distilbert',
    numLayers: 6,
    hiddenSize: 768,
    numHeads: 12,
    intermediateSize: 3072,
    maxPositionEmbeddings: 512,
    pretrainedVocabSize: 30522,
  },
  {
    id: 'tiny',
    name: 'Tiny',
    architectureOf: 'TinyBERT-4L-312D',
    modelType: 'bert',
    numLayers: 4,
    hiddenSize: 312,
    numHeads: 12,
    intermediateSize: 1200,
    maxPositionEmbeddings: 512,
    pretrainedVocabSize: 30522,
  },
  {
    // The smallest of Turc et al.'s compact BERTs ("Well-Read Students", 2019): a student a CPU trains in minutes.
    id: 'micro',
    name: 'Micro',
    architectureOf: 'BERT 2L-128H (google/bert_uncased_L-2_H-128_A-2)',
    modelType: 'bert',
    numLayers: 2,
    hiddenSize: 128,
    numHeads: 2,
    intermediateSize: 512,
    maxPositionEmbeddings: 512,
    pretrainedVocabSize: 30522,
  },
];

export function sizePreset(id: PresetId): SizePreset {
  const preset = SIZE_PRESETS.find((p) => p.id === id);
  if (!preset) throw new Error(`unknown size preset "${id}" (expected ${SIZE_PRESETS.map((p) => p.id).join(', ')})`);
  return preset;
}

/**
 * The config of a from-scratch model of this size, with the family's defaults (RoBERTa: one token type,
 * LayerNorm eps 1e-5, positions after the padding id; DistilBERT: no token types).
 */
export function presetConfig(
  preset: SizePreset,
  vocab: { size: number; padTokenId: number },
  labels: readonly string[] | null = null,
): EncoderConfig {
  const roberta = preset.modelType === 'roberta';
  return {
    modelType: preset.modelType,
    vocabSize: vocab.size,
    embeddingSize: preset.hiddenSize,
    hiddenSize: preset.hiddenSize,
    numLayers: preset.numLayers,
    numHeads: preset.numHeads,
    intermediateSize: preset.intermediateSize,
    hiddenAct: 'gelu',
    layerNormEps: roberta ? 1e-5 : 1e-12,
    typeVocabSize: preset.modelType === 'distilbert' ? 0 : roberta ? 1 : 2,
    maxPositionEmbeddings: preset.maxPositionEmbeddings,
    sinusoidalPositions: false,
    padTokenId: vocab.padTokenId,
    positionOffset: roberta ? vocab.padTokenId + 1 : 0,
    hiddenDropout: 0.1,
    attentionDropout: 0.1,
    classifierDropout: null,
    initializerRange: 0.02,
    labels,
  };
}

/** The shipped vocabulary (resources/models/bert-uncased-vocab): 30,522 entries, [PAD] = 0. */
export const SHIPPED_VOCAB = { size: 30522, padTokenId: 0 } as const;

export interface PresetSize {
  readonly parameters: number;
  readonly megabytes: number;
}

/** Parameters (pooler excluded, classifier for numLabels included) and float32 size of a from-scratch preset. */
export function presetSize(preset: SizePreset, numLabels: number, vocab = SHIPPED_VOCAB): PresetSize {
  const parameters = parameterCount(presetConfig(preset, vocab), numLabels);
  return { parameters, megabytes: sizeInMB(parameters) };
}
