// Reads a Hugging Face tokenizers file (tokenizer.json) of the two kinds our encoders use:
// WordPiece with BertNormalizer + BertPreTokenizer (BERT family), and BPE with the ByteLevel pre-tokenizer
// (RoBERTa family). Anything else is refused by name rather than tokenized subtly wrong.
import type { BertBasicOptions } from './bert-basic.ts';
import { byteLevelBpeTokenizer } from './byte-level-bpe.ts';
import {
  BERT_SPECIALS,
  ROBERTA_SPECIALS,
  type SpecialTokenNames,
  type SubwordTokenizer,
  type TokenizerConfig,
} from './tokenizer.ts';
import { wordPieceTokenizer } from './wordpiece.ts';
import { parseJson } from '../json.ts';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeOf(v: unknown): string | null {
  return isObject(v) && typeof v.type === 'string' ? v.type : null;
}

function vocabMap(raw: unknown, addedTokens: unknown, source: string): Map<string, number> {
  if (!isObject(raw)) throw new Error(`${source}: model.vocab is not a {token: id} object`);
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(raw)) {
    if (!Number.isSafeInteger(id) || (id as number) < 0)
      throw new Error(`${source}: model.vocab gives "${token}" the id ${JSON.stringify(id)}`);
    vocab.set(token, id as number);
  }
  for (const added of Array.isArray(addedTokens) ? addedTokens : []) {
    if (isObject(added) && typeof added.content === 'string' && Number.isSafeInteger(added.id))
      vocab.set(added.content, added.id as number);
  }
  return vocab;
}

/** CLS and SEP as the post-processor places them around a single sequence. */
function specialsOf(json: Json, defaults: SpecialTokenNames, unk: unknown): SpecialTokenNames {
  let { cls, sep } = defaults;
  const post = json.post_processor;
  const kind = typeOf(post);
  if (isObject(post) && (kind === 'BertProcessing' || kind === 'RobertaProcessing')) {
    if (Array.isArray(post.cls) && typeof post.cls[0] === 'string') cls = post.cls[0];
    if (Array.isArray(post.sep) && typeof post.sep[0] === 'string') sep = post.sep[0];
  } else if (isObject(post) && kind === 'TemplateProcessing' && Array.isArray(post.single)) {
    const specials = post.single.flatMap((p) =>
      isObject(p) && isObject(p.SpecialToken) && typeof p.SpecialToken.id === 'string' ? [p.SpecialToken.id] : [],
    );
    if (specials.length >= 2) [cls, sep] = [specials[0], specials.at(-1)!];
  }
  const padding = json.padding;
  const pad = isObject(padding) && typeof padding.pad_token === 'string' ? padding.pad_token : defaults.pad;
  return { cls, sep, pad, unk: typeof unk === 'string' ? unk : defaults.unk, mask: defaults.mask };
}

/**
 * BertNormalizer's options. Like HF's BertTokenizerFast, settings that tokenizer_config.json states
 * explicitly (do_lower_case, strip_accents, tokenize_chinese_chars) win over the ones in tokenizer.json.
 */
function bertNormalizerOptions(normalizer: unknown, config: TokenizerConfig, source: string): BertBasicOptions {
  if (normalizer === null || normalizer === undefined) {
    return { cleanText: false, tokenizeChineseChars: false, lowercase: false, stripAccents: false };
  }
  if (!isObject(normalizer) || normalizer.type !== 'BertNormalizer') {
    throw new Error(`${source}: normalizer "${typeOf(normalizer)}" is not supported (only BertNormalizer)`);
  }
  const stated = (key: string, fallback: unknown) => (key in config ? config[key] : fallback);
  const strip = stated('strip_accents', normalizer.strip_accents);
  return {
    cleanText: normalizer.clean_text !== false,
    tokenizeChineseChars: stated('tokenize_chinese_chars', normalizer.handle_chinese_chars) !== false,
    lowercase: stated('do_lower_case', normalizer.lowercase) !== false,
    stripAccents: typeof strip === 'boolean' ? strip : null,
  };
}

function mergesOf(raw: unknown, source: string): [string, string][] {
  if (!Array.isArray(raw)) throw new Error(`${source}: model.merges is not a list`);
  // Older files write "a b", newer ones ["a", "b"].
  return raw.map((m, i) => {
    const pair = typeof m === 'string' ? m.split(' ') : m;
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((s) => typeof s === 'string')) {
      throw new Error(`${source}: model.merges[${i}] is not a pair of symbols`);
    }
    return pair as [string, string];
  });
}

/** `config`: tokenizer_config.json (over special_tokens_map.json), {} when absent. */
export function tokenizerFromJson(text: string, source: string, config: TokenizerConfig = {}): SubwordTokenizer {
  const json = parseJson(text, source);
  if (!isObject(json) || !isObject(json.model)) throw new Error(`${source}: has no "model" object`);
  const model = json.model;
  const preTokenizer = typeOf(json.pre_tokenizer);
  const modelType =
    model.type ?? (model.merges ? 'BPE' : model.continuing_subword_prefix !== undefined ? 'WordPiece' : null);

  if (modelType === 'WordPiece') {
    if (preTokenizer !== 'BertPreTokenizer')
      throw new Error(
        `${source}: a WordPiece model with pre-tokenizer "${preTokenizer}" is not supported (only BertPreTokenizer)`,
      );
    return wordPieceTokenizer(vocabMap(model.vocab, json.added_tokens, source), {
      basic: bertNormalizerOptions(json.normalizer, config, source),
      specials: specialsOf(json, BERT_SPECIALS, model.unk_token),
      continuingSubwordPrefix:
        typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '##',
      maxInputCharsPerWord: Number.isSafeInteger(model.max_input_chars_per_word)
        ? (model.max_input_chars_per_word as number)
        : 100,
      source,
    });
  }
  if (modelType === 'BPE') {
    if (preTokenizer !== 'ByteLevel')
      throw new Error(`${source}: a BPE model with pre-tokenizer "${preTokenizer}" is not supported (only ByteLevel)`);
    if (model.continuing_subword_prefix || model.end_of_word_suffix) {
      throw new Error(`${source}: BPE with a subword prefix or word suffix is not byte-level BPE and is not supported`);
    }
    if (json.normalizer !== null && json.normalizer !== undefined) {
      throw new Error(
        `${source}: a byte-level BPE model with normalizer "${typeOf(json.normalizer)}" is not supported`,
      );
    }
    return byteLevelBpeTokenizer(vocabMap(model.vocab, json.added_tokens, source), mergesOf(model.merges, source), {
      specials: specialsOf(json, ROBERTA_SPECIALS, model.unk_token),
      source,
    });
  }
  throw new Error(
    `${source}: tokenizer model "${String(modelType)}" is not supported (only WordPiece and byte-level BPE)`,
  );
}
