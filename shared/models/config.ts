// One typed, normalised encoder configuration for every model family we read, built from a Hugging Face
// config.json. DistilBERT's own field names (dim, n_layers, …) are mapped onto BERT's; fields a family
// lacks get the value that family's code hard-wires (e.g. DistilBERT: no token types, LayerNorm eps 1e-12).

export type ModelType = 'bert' | 'roberta' | 'distilbert' | 'electra';
export const MODEL_TYPES: readonly ModelType[] = ['bert', 'roberta', 'distilbert', 'electra'];

export type HiddenAct = 'gelu' | 'gelu_new' | 'relu' | 'silu' | 'tanh';
const HIDDEN_ACTS: readonly HiddenAct[] = ['gelu', 'gelu_new', 'relu', 'silu', 'tanh'];
/** Other names transformers' ACT2FN gives the same functions. */
const ACT_ALIASES: Readonly<Record<string, HiddenAct>> = {
  swish: 'silu',
  gelu_python: 'gelu',
  gelu_pytorch_tanh: 'gelu_new',
  gelu_fast: 'gelu_new',
};

export interface EncoderConfig {
  readonly modelType: ModelType;
  readonly vocabSize: number;
  /** Width of the embeddings; differs from hiddenSize only for ELECTRA (then a projection follows). */
  readonly embeddingSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly intermediateSize: number;
  readonly hiddenAct: HiddenAct;
  readonly layerNormEps: number;
  /** 0 when the family has no token-type embeddings (DistilBERT). */
  readonly typeVocabSize: number;
  readonly maxPositionEmbeddings: number;
  /** DistilBERT's fixed sinusoidal position table (still stored as a weight). */
  readonly sinusoidalPositions: boolean;
  readonly padTokenId: number;
  /** Position ids start at padTokenId + 1 for RoBERTa (its padding_idx), at 0 otherwise. */
  readonly positionOffset: number;
  readonly hiddenDropout: number;
  readonly attentionDropout: number;
  /** null: the hidden dropout is used, as HF does. */
  readonly classifierDropout: number | null;
  readonly initializerRange: number;
  /** Label names by id (id2label), or null when config.json names none. */
  readonly labels: readonly string[] | null;
  /**
   * The config.json fields this config does not model (tokenizer_class, _name_or_path, bos_token_id, …) as they
   * were read, so that saving writes them back; absent when there are none.
   */
  readonly extra?: Readonly<Record<string, unknown>>;
}

type Json = Record<string, unknown>;

function reader(json: Json, source: string) {
  const where = (key: string) => `${source}: "${key}"`;
  const get = (keys: readonly string[]) => keys.find((k) => json[k] !== undefined && json[k] !== null);
  return {
    int(keys: readonly string[], fallback?: number, min = 1): number {
      const key = get(keys);
      if (key === undefined) {
        if (fallback === undefined) throw new Error(`${source}: missing "${keys[0]}"`);
        return fallback;
      }
      const v = json[key];
      if (!Number.isSafeInteger(v) || (v as number) < min)
        throw new Error(`${where(key)} must be an integer of at least ${min}, got ${JSON.stringify(v)}`);
      return v as number;
    },
    prob(keys: readonly string[], fallback: number): number {
      const key = get(keys);
      if (key === undefined) return fallback;
      const v = json[key];
      if (typeof v !== 'number' || !(v >= 0 && v < 1))
        throw new Error(`${where(key)} must be a number in [0, 1), got ${JSON.stringify(v)}`);
      return v;
    },
    positive(keys: readonly string[], fallback: number): number {
      const key = get(keys);
      if (key === undefined) return fallback;
      const v = json[key];
      if (typeof v !== 'number' || !(v > 0))
        throw new Error(`${where(key)} must be a positive number, got ${JSON.stringify(v)}`);
      return v;
    },
    act(keys: readonly string[], fallback: HiddenAct): HiddenAct {
      const key = get(keys);
      if (key === undefined) return fallback;
      const v = json[key];
      if (typeof v === 'string' && ACT_ALIASES[v]) return ACT_ALIASES[v];
      if (!HIDDEN_ACTS.includes(v as HiddenAct))
        throw new Error(
          `${where(key)} is ${JSON.stringify(v)}; supported: ${[...HIDDEN_ACTS, ...Object.keys(ACT_ALIASES)].join(', ')}`,
        );
      return v as HiddenAct;
    },
  };
}

/** id2label {"0": "O", "1": "B-Disease"} → ["O", "B-Disease"]; ids must run 0..n-1. */
function labelsOf(json: Json, source: string): string[] | null {
  const raw = json.id2label;
  if (raw === undefined || raw === null) {
    return Number.isSafeInteger(json.num_labels)
      ? Array.from({ length: json.num_labels as number }, (_, i) => `LABEL_${i}`)
      : null;
  }
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new Error(`${source}: "id2label" must be an object {id: label}`);
  const entries = Object.entries(raw as Json);
  const labels = new Array<string>(entries.length);
  for (const [key, name] of entries) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= entries.length || typeof name !== 'string') {
      throw new Error(
        `${source}: "id2label" must map the ids 0..${entries.length - 1} to names, got ${JSON.stringify(key)}: ${JSON.stringify(name)}`,
      );
    }
    labels[i] = name;
  }
  return labels;
}

/**
 * The config.json keys parseEncoderConfig reads (every family's, aliases included), saving writes, or that the labels
 * make stale (_num_labels, as older transformers wrote it); the rest is `extra`.
 */
const MODELLED_KEYS = new Set([
  'architectures',
  'model_type',
  'position_embedding_type',
  'id2label',
  'label2id',
  'num_labels',
  '_num_labels',
  'torch_dtype',
  'vocab_size',
  'embedding_size',
  'hidden_size',
  'dim',
  'num_hidden_layers',
  'n_layers',
  'num_attention_heads',
  'n_heads',
  'intermediate_size',
  'hidden_dim',
  'hidden_act',
  'activation',
  'layer_norm_eps',
  'type_vocab_size',
  'max_position_embeddings',
  'sinusoidal_pos_embds',
  'pad_token_id',
  'hidden_dropout_prob',
  'dropout',
  'attention_probs_dropout_prob',
  'attention_dropout',
  'classifier_dropout',
  'initializer_range',
]);

/** Normalises a parsed config.json; `source` names the file in errors. */
export function parseEncoderConfig(json: unknown, source = 'config.json'): EncoderConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${source}: not a JSON object`);
  const c = json as Json;
  const modelType = c.model_type;
  if (modelType === undefined)
    throw new Error(`${source}: has no "model_type" (expected one of ${MODEL_TYPES.join(', ')})`);
  if (!MODEL_TYPES.includes(modelType as ModelType)) {
    throw new Error(
      `${source}: model_type "${String(modelType)}" is not supported (expected one of ${MODEL_TYPES.join(', ')})`,
    );
  }
  if (
    c.position_embedding_type !== undefined &&
    c.position_embedding_type !== null &&
    c.position_embedding_type !== 'absolute'
  ) {
    throw new Error(
      `${source}: position_embedding_type "${String(c.position_embedding_type)}" is not supported (only "absolute")`,
    );
  }
  const r = reader(c, source);
  const labels = labelsOf(c, source);
  const unmodelled = Object.entries(c).filter(([key]) => !MODELLED_KEYS.has(key));
  const extra = unmodelled.length > 0 ? { extra: Object.fromEntries(unmodelled) } : {};
  if (modelType === 'distilbert') {
    const dim = r.int(['dim', 'hidden_size'], 768);
    const dropout = r.prob(['dropout'], 0.1);
    return {
      modelType,
      vocabSize: r.int(['vocab_size'], 30522),
      embeddingSize: dim,
      hiddenSize: dim,
      numLayers: r.int(['n_layers', 'num_hidden_layers'], 6),
      numHeads: r.int(['n_heads', 'num_attention_heads'], 12),
      intermediateSize: r.int(['hidden_dim', 'intermediate_size'], 3072),
      hiddenAct: r.act(['activation', 'hidden_act'], 'gelu'),
      layerNormEps: 1e-12,
      typeVocabSize: 0,
      maxPositionEmbeddings: r.int(['max_position_embeddings'], 512),
      sinusoidalPositions: c.sinusoidal_pos_embds === true,
      padTokenId: r.int(['pad_token_id'], 0, 0),
      positionOffset: 0,
      hiddenDropout: dropout,
      attentionDropout: r.prob(['attention_dropout'], 0.1),
      // DistilBertForTokenClassification uses the plain dropout (= hiddenDropout) before its classifier.
      classifierDropout: null,
      initializerRange: r.positive(['initializer_range'], 0.02),
      labels,
      ...extra,
    };
  }
  const hiddenSize = r.int(['hidden_size'], modelType === 'electra' ? 256 : 768);
  const padTokenId = r.int(['pad_token_id'], modelType === 'roberta' ? 1 : 0, 0);
  const classifierDropout = c.classifier_dropout;
  if (
    classifierDropout !== undefined &&
    classifierDropout !== null &&
    !(typeof classifierDropout === 'number' && classifierDropout >= 0 && classifierDropout < 1)
  ) {
    throw new Error(
      `${source}: "classifier_dropout" must be null or a number in [0, 1), got ${JSON.stringify(classifierDropout)}`,
    );
  }
  return {
    modelType: modelType as ModelType,
    vocabSize: r.int(['vocab_size'], modelType === 'roberta' ? 50265 : 30522),
    embeddingSize: modelType === 'electra' ? r.int(['embedding_size'], 128) : hiddenSize,
    hiddenSize,
    numLayers: r.int(['num_hidden_layers'], 12),
    numHeads: r.int(['num_attention_heads'], modelType === 'electra' ? 4 : 12),
    intermediateSize: r.int(['intermediate_size'], modelType === 'electra' ? 1024 : 3072),
    hiddenAct: r.act(['hidden_act'], 'gelu'),
    layerNormEps: r.positive(['layer_norm_eps'], 1e-12),
    typeVocabSize: r.int(['type_vocab_size'], 2, 0),
    maxPositionEmbeddings: r.int(['max_position_embeddings'], 512),
    sinusoidalPositions: false,
    padTokenId,
    positionOffset: modelType === 'roberta' ? padTokenId + 1 : 0,
    hiddenDropout: r.prob(['hidden_dropout_prob'], 0.1),
    attentionDropout: r.prob(['attention_probs_dropout_prob'], 0.1),
    classifierDropout: (classifierDropout as number | null | undefined) ?? null,
    initializerRange: r.positive(['initializer_range'], 0.02),
    labels,
    ...extra,
  };
}

/** Checks what the graph needs: heads divide the hidden size, RoBERTa's offset fits the position table. */
export function checkEncoderConfig(config: EncoderConfig, source = 'config.json'): void {
  if (config.hiddenSize % config.numHeads !== 0) {
    throw new Error(
      `${source}: hidden size ${config.hiddenSize} is not divisible by ${config.numHeads} attention heads`,
    );
  }
  if (config.positionOffset >= config.maxPositionEmbeddings) {
    throw new Error(
      `${source}: max_position_embeddings ${config.maxPositionEmbeddings} leaves no positions after the padding offset ${config.positionOffset}`,
    );
  }
  if (config.padTokenId >= config.vocabSize)
    throw new Error(`${source}: pad_token_id ${config.padTokenId} is outside the vocabulary (${config.vocabSize})`);
}

/**
 * Whether the model reads token_type_ids. With a single token type (RoBERTa's type_vocab_size 1) every id is 0, so
 * the input carries nothing: its one embedding row is added to every token instead.
 */
export const usesTokenTypes = (config: EncoderConfig): boolean => config.typeVocabSize > 1;

/** Model inputs can be at most this many subwords long (RoBERTa's 514 positions hold 512 tokens). */
export function maxSequenceLength(config: EncoderConfig): number {
  return config.maxPositionEmbeddings - config.positionOffset;
}

/** The short description the store keeps of a model's shape, e.g. "bert 12L 768H". */
export const architectureLabel = (config: EncoderConfig): string =>
  `${config.modelType} ${config.numLayers}L ${config.hiddenSize}H`;

/** The config.json Hugging Face would write for this config, `labels` giving id2label/label2id, `extra` the rest. */
export function toHfConfig(config: EncoderConfig, architecture: string): Record<string, unknown> {
  const labelFields =
    config.labels === null
      ? {}
      : {
          id2label: Object.fromEntries(config.labels.map((l, i) => [String(i), l])),
          label2id: Object.fromEntries(config.labels.map((l, i) => [l, i])),
        };
  if (config.modelType === 'distilbert') {
    return {
      ...config.extra,
      architectures: [architecture],
      model_type: 'distilbert',
      vocab_size: config.vocabSize,
      dim: config.hiddenSize,
      n_layers: config.numLayers,
      n_heads: config.numHeads,
      hidden_dim: config.intermediateSize,
      activation: config.hiddenAct,
      max_position_embeddings: config.maxPositionEmbeddings,
      sinusoidal_pos_embds: config.sinusoidalPositions,
      pad_token_id: config.padTokenId,
      dropout: config.hiddenDropout,
      attention_dropout: config.attentionDropout,
      initializer_range: config.initializerRange,
      ...labelFields,
    };
  }
  return {
    ...config.extra,
    architectures: [architecture],
    model_type: config.modelType,
    vocab_size: config.vocabSize,
    ...(config.modelType === 'electra' ? { embedding_size: config.embeddingSize } : {}),
    hidden_size: config.hiddenSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    intermediate_size: config.intermediateSize,
    hidden_act: config.hiddenAct,
    layer_norm_eps: config.layerNormEps,
    type_vocab_size: config.typeVocabSize,
    max_position_embeddings: config.maxPositionEmbeddings,
    pad_token_id: config.padTokenId,
    hidden_dropout_prob: config.hiddenDropout,
    attention_probs_dropout_prob: config.attentionDropout,
    classifier_dropout: config.classifierDropout,
    initializer_range: config.initializerRange,
    position_embedding_type: 'absolute',
    ...labelFields,
  };
}
