// A BERT-family encoder (BERT, RoBERTa, DistilBERT, ELECTRA) composed of small modules as in HF modeling_bert —
// embeddings, self-attention, attention output, intermediate, output, layer, encoder — driven by EncoderConfig.
// The families differ only in data the config carries: token types or none (DistilBERT), positions counted
// past the padding id (RoBERTa), an embedding projection (ELECTRA), the activation and LayerNorm epsilon.
// Parameters are looked up by their canonical names (shared/models/weight-names.ts).
import type { Graph, Tensor } from '../graph/graph.ts';
import { add, mul, sub } from '../ops/elementwise.ts';
import { matmul } from '../ops/matmul.ts';
import { dropout, layerNorm, softmaxDropout, type DropoutContext } from '../ops/nn.ts';
import { cast, gather, range, reshape, shapeOf, transpose, unsqueeze } from '../ops/shape.ts';
import { usesTokenTypes, type EncoderConfig } from '../../../shared/models/config.ts';
import { encoderShapes } from '../../../shared/models/weight-names.ts';
import { activation } from './activations.ts';
import type { Init, ParamSpec } from './params.ts';

export type Params = Record<string, Tensor>;

export const WORD_EMBEDDINGS = 'embeddings.word_embeddings.weight';
const POSITION_EMBEDDINGS = 'embeddings.position_embeddings.weight';
const TOKEN_TYPE_EMBEDDINGS = 'embeddings.token_type_embeddings.weight';

/** The tables the embeddings read by row lookups alone (Gather), token types when the inputs carry their ids. */
export function embeddingTables(c: EncoderConfig): string[] {
  return [WORD_EMBEDDINGS, POSITION_EMBEDDINGS, ...(c.typeVocabSize > 0 ? [TOKEN_TYPE_EMBEDDINGS] : [])];
}

/** Every encoder parameter with Hugging Face's initialisation (_init_weights), in checkpoint order. */
export function encoderParamSpecs(c: EncoderConfig): ParamSpec[] {
  const normal = { normal: c.initializerRange };
  const initOf = (name: string): Init => {
    if (/LayerNorm\.weight$/.test(name)) return { constant: 1 };
    if (name.endsWith('.bias')) return { constant: 0 };
    if (name === WORD_EMBEDDINGS) return { ...normal, zeroRow: c.padTokenId };
    if (name === POSITION_EMBEDDINGS) {
      if (c.sinusoidalPositions) return { sinusoidal: true };
      // RoBERTa's position table has padding_idx too (the padding id is also the padding tokens' position).
      if (c.positionOffset > 0) return { ...normal, zeroRow: c.padTokenId };
    }
    return normal;
  };
  return [...encoderShapes(c)].map(([name, shape]) => ({ name, shape, init: initOf(name) }));
}

export interface EncoderInputs {
  /** Word embeddings [batch, seq, embedding size], from wordEmbeddings (or fed directly, for attributions). */
  inputsEmbeds: Tensor;
  /** float [batch, seq]: 1 for tokens, 0 for padding. */
  attentionMask: Tensor;
  /** int64 [batch, seq]; absent when the family has no token types, and optional when it has one (RoBERTa). */
  tokenTypeIds?: Tensor;
  /** int64 [batch, seq]: RoBERTa counts positions over the ids that are not padding (as HF does). */
  inputIds?: Tensor;
}

/** y = x·Wᵀ + b with W stored [out, in] as in PyTorch. */
export function linear(g: Graph, p: Params, name: string, x: Tensor): Tensor {
  return g.scope(name, () => add(g, matmul(g, x, transpose(g, p[`${name}.weight`], [1, 0])), p[`${name}.bias`]));
}

/** Word embeddings of input ids [batch, seq] → [batch, seq, embedding size]: the input attributions differentiate. */
export function wordEmbeddings(g: Graph, p: Params, inputIds: Tensor): Tensor {
  return g.scope('embeddings.word_embeddings', () => gather(g, p[WORD_EMBEDDINGS], inputIds));
}

/**
 * What every module of one encoder works with, as Hugging Face's modules keep config and weights on `self`: the
 * graph, the config, the parameters by canonical name, and dropout's randomness (absent when nothing is dropped).
 */
interface EncoderScope {
  g: Graph;
  config: EncoderConfig;
  params: Params;
  dropout?: DropoutContext;
}

const dense = (s: EncoderScope, name: string, x: Tensor): Tensor => linear(s.g, s.params, name, x);
const drop = (s: EncoderScope, x: Tensor, p: number): Tensor => dropout(s.g, x, p, s.dropout);
const norm = ({ g, config, params }: EncoderScope, name: string, x: Tensor): Tensor =>
  g.scope(name, () => layerNorm(g, x, params[`${name}.weight`], params[`${name}.bias`], config.layerNormEps));

/**
 * Position ids. Absolute: 0..seq-1. RoBERTa (positionOffset > 0, HF create_position_ids_from_input_ids):
 * cumsum(m)·m + padding_idx with m = (input_ids ≠ pad), so tokens count from padding_idx + 1 and padding sits at
 * padding_idx. Without input ids (attributions start from embeddings) m is the attention mask, equal to it on
 * batches padded by padBatch.
 */
function positionIds({ g, config: c }: EncoderScope, x: EncoderInputs): Tensor {
  const mask = x.attentionMask;
  if (c.positionOffset === 0) {
    const seq = g.op('Gather', [shapeOf(g, mask), g.scalar(1, 'int64')], { attrs: { axis: { i: 0 } } });
    return range(g, seq, mask.shape[1]);
  }
  return g.scope('position_ids', () => {
    const notPad = x.inputIds
      ? cast(
          g,
          g.op('Not', [g.op('Equal', [x.inputIds, g.scalar(c.padTokenId, 'int64')])], { shape: mask.shape }),
          'int64',
        )
      : cast(g, mask, 'int64');
    const counted = g.op('CumSum', [notPad, g.scalar(1, 'int64')]);
    return g.op('Add', [g.op('Mul', [counted, notPad]), g.scalar(c.positionOffset - 1, 'int64')]);
  });
}

function embeddings(s: EncoderScope, x: EncoderInputs): Tensor {
  const { g, config: c, params: p } = s;
  return g.scope('embeddings', () => {
    let sum = add(g, x.inputsEmbeds, gather(g, p[POSITION_EMBEDDINGS], positionIds(s, x)));
    if (c.typeVocabSize > 0) {
      const types = p[TOKEN_TYPE_EMBEDDINGS];
      if (!x.tokenTypeIds && usesTokenTypes(c))
        throw new Error(`a ${c.modelType} encoder with token types needs token_type_ids`);
      // Without ids the family has a single type (see usesTokenTypes): its row [1, E] broadcasts over every token.
      sum = add(g, sum, x.tokenTypeIds ? gather(g, types, x.tokenTypeIds) : types);
    }
    const out = drop(s, norm(s, 'embeddings.LayerNorm', sum), c.hiddenDropout);
    // ELECTRA's narrower embeddings are projected up to the hidden size.
    return c.embeddingSize === c.hiddenSize ? out : dense(s, 'embeddings_project', out);
  });
}

/** Additive mask [batch, 1, 1, seq]: 0 on tokens, −10000 on padding (exp underflows to 0 either way). */
function extendedAttentionMask(g: Graph, attentionMask: Tensor): Tensor {
  return g.scope('extended_attention_mask', () => unsqueeze(g, mul(g, sub(g, 1, attentionMask), -10000), [1, 2]));
}

/** Multi-head scaled dot-product attention of layer `l` → context [batch, seq, hidden]. */
function selfAttention(s: EncoderScope, l: string, h: Tensor, mask: Tensor): Tensor {
  const { g, config: c } = s;
  const dh = c.hiddenSize / c.numHeads;
  const split = (t: Tensor, perm: number[]): Tensor => transpose(g, reshape(g, t, [0, 0, c.numHeads, dh]), perm);
  const [query, key, value] = ['query', 'key', 'value'].map((m) => dense(s, `${l}.attention.self.${m}`, h));
  return g.scope(`${l}.attention.self`, () => {
    // Scaling q by 1/√dh (rather than the scores) touches b·s·hidden elements instead of b·heads·s².
    const q = split(mul(g, query, 1 / Math.sqrt(dh)), [0, 2, 1, 3]); // [b, heads, s, dh]
    const kT = split(key, [0, 2, 3, 1]); // [b, heads, dh, s]
    const v = split(value, [0, 2, 1, 3]);
    const probs = softmaxDropout(g, add(g, matmul(g, q, kT), mask), c.attentionDropout, s.dropout);
    return reshape(g, transpose(g, matmul(g, probs, v), [0, 2, 1, 3]), [0, 0, c.hiddenSize]);
  });
}

/** dense → dropout → LayerNorm(· + input): BertSelfOutput (attention.output) and BertOutput (output) alike. */
const residualOutput = (s: EncoderScope, name: string, x: Tensor, input: Tensor): Tensor =>
  norm(s, `${name}.LayerNorm`, add(s.g, drop(s, dense(s, `${name}.dense`, x), s.config.hiddenDropout), input));

const intermediate = (s: EncoderScope, l: string, h: Tensor): Tensor =>
  activation(s.g, s.config.hiddenAct, dense(s, `${l}.intermediate.dense`, h));

/** Layer n: attention, its output, the intermediate and the output, each with the layer's own weights. */
function layer(s: EncoderScope, n: number, h: Tensor, mask: Tensor): Tensor {
  const l = `encoder.layer.${n}`;
  const attended = residualOutput(s, `${l}.attention.output`, selfAttention(s, l, h, mask), h);
  return residualOutput(s, `${l}.output`, intermediate(s, l, attended), attended);
}

/** The last hidden states [batch, seq, hidden]. */
export function encoder(
  g: Graph,
  config: EncoderConfig,
  params: Params,
  x: EncoderInputs,
  dropout?: DropoutContext,
): Tensor {
  const s: EncoderScope = { g, config, params, dropout };
  const mask = extendedAttentionMask(g, x.attentionMask);
  let h = embeddings(s, x);
  for (let n = 0; n < config.numLayers; n++) h = layer(s, n, h, mask);
  return h;
}
