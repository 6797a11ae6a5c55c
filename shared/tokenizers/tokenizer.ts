// What the rest of the program sees of a tokenizer: one already-split word in, its subword ids out.
// Two kinds exist (wordpiece.ts for BERT-family vocabularies, byte-level-bpe.ts for RoBERTa/GPT-2 ones);
// encoding sentences, windows and padding (encode.ts) only use this interface.

export interface SpecialTokenIds {
  readonly cls: number;
  readonly sep: number;
  readonly pad: number;
  readonly unk: number;
  readonly mask: number | null;
}

export interface SpecialTokenNames {
  readonly cls: string;
  readonly sep: string;
  readonly pad: string;
  readonly unk: string;
  readonly mask: string | null;
}

export const BERT_SPECIALS: SpecialTokenNames = {
  cls: '[CLS]',
  sep: '[SEP]',
  pad: '[PAD]',
  unk: '[UNK]',
  mask: '[MASK]',
};
export const ROBERTA_SPECIALS: SpecialTokenNames = {
  cls: '<s>',
  sep: '</s>',
  pad: '<pad>',
  unk: '<unk>',
  mask: '<mask>',
};

/** The parsed JSON of tokenizer_config.json merged over special_tokens_map.json (either may be absent: {}). */
export type TokenizerConfig = Readonly<Record<string, unknown>>;

export interface SubwordTokenizer {
  readonly kind: 'wordpiece' | 'byte-level-bpe';
  /** One more than the largest id, i.e. the rows the embedding matrix needs. */
  readonly vocabSize: number;
  readonly special: SpecialTokenIds;
  /** The subword ids of one word; empty when normalisation leaves nothing (e.g. a lone control character). */
  wordIds(word: string): readonly number[];
  /** The vocabulary entry of an id ("##ing", "Ġthe"), for display and debugging. */
  token(id: number): string;
}

/** Looks the special tokens up in a vocabulary, naming the one that is missing. */
export function resolveSpecials(
  vocab: ReadonlyMap<string, number>,
  names: SpecialTokenNames,
  source: string,
): SpecialTokenIds {
  const id = (token: string, role: string): number => {
    const found = vocab.get(token);
    if (found === undefined) throw new Error(`${source}: the vocabulary has no ${role} token "${token}"`);
    return found;
  };
  return {
    cls: id(names.cls, 'classification (CLS)'),
    sep: id(names.sep, 'separator (SEP)'),
    pad: id(names.pad, 'padding'),
    unk: id(names.unk, 'unknown'),
    mask: names.mask !== null && vocab.has(names.mask) ? vocab.get(names.mask)! : null,
  };
}

/** An id → token table over a vocabulary map. */
export function inverseVocab(vocab: ReadonlyMap<string, number>): string[] {
  const tokens: string[] = [];
  for (const [token, id] of vocab) tokens[id] = token;
  return tokens;
}

/** How many words cachedWordIds keeps: a few MB, the words that make up nearly all of any text. */
export const WORD_CACHE_SIZE = 1 << 17;

/**
 * Memoises word → ids: corpora repeat words, and tokenizing a word is the costly part. Holds at most `size` words:
 * when full it starts again empty, since labelling a literature meets new words (names, numbers) without end.
 */
export function cachedWordIds(
  tokenize: (word: string) => number[],
  size = WORD_CACHE_SIZE,
): (word: string) => readonly number[] {
  const cache = new Map<string, readonly number[]>();
  return (word) => {
    let ids = cache.get(word);
    if (ids === undefined) {
      ids = Object.freeze(tokenize(word));
      if (cache.size >= size) cache.clear();
      cache.set(word, ids);
    }
    return ids;
  };
}
