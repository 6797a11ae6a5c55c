// Builds a tokenizer from the "slow" Hugging Face files: vocab.txt (BERT family) or vocab.json + merges.txt
// (RoBERTa family), read with the options of tokenizer_config.json and special_tokens_map.json.
import { byteLevelBpeTokenizer, parseMergesTxt, parseVocabJson } from './byte-level-bpe.ts';
import {
  BERT_SPECIALS,
  ROBERTA_SPECIALS,
  type SpecialTokenNames,
  type SubwordTokenizer,
  type TokenizerConfig,
} from './tokenizer.ts';
import { parseVocabTxt, wordPieceTokenizer } from './wordpiece.ts';

/** A special token is written as "[CLS]" or, by newer versions, as an AddedToken {"content": "[CLS]", ...}. */
function tokenName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}

function specialsFrom(config: TokenizerConfig, defaults: SpecialTokenNames): SpecialTokenNames {
  return {
    cls: tokenName(config.cls_token) ?? defaults.cls,
    sep: tokenName(config.sep_token) ?? defaults.sep,
    pad: tokenName(config.pad_token) ?? defaults.pad,
    unk: tokenName(config.unk_token) ?? defaults.unk,
    mask: tokenName(config.mask_token) ?? defaults.mask,
  };
}

/** HF's BertTokenizer defaults: lowercase unless do_lower_case is false; strip_accents null follows it. */
export function bertTokenizerFromVocabTxt(
  vocabText: string,
  config: TokenizerConfig,
  source: string,
): SubwordTokenizer {
  const strip = config.strip_accents;
  return wordPieceTokenizer(parseVocabTxt(vocabText, source), {
    basic: {
      cleanText: true,
      tokenizeChineseChars: config.tokenize_chinese_chars !== false,
      lowercase: config.do_lower_case !== false,
      stripAccents: typeof strip === 'boolean' ? strip : null,
    },
    specials: specialsFrom(config, BERT_SPECIALS),
    continuingSubwordPrefix: '##',
    maxInputCharsPerWord: 100,
    source,
  });
}

export function robertaTokenizerFromFiles(
  vocabJsonText: string,
  mergesText: string,
  config: TokenizerConfig,
  sources: { vocab: string; merges: string },
): SubwordTokenizer {
  return byteLevelBpeTokenizer(
    parseVocabJson(vocabJsonText, sources.vocab),
    parseMergesTxt(mergesText, sources.merges),
    {
      specials: specialsFrom(config, ROBERTA_SPECIALS),
      source: sources.vocab,
    },
  );
}
