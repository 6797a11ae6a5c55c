// Byte-level BPE (GPT-2, RoBERTa): a word's UTF-8 bytes are mapped to printable characters (bytesToUnicode),
// split by GPT-2's pattern, and each chunk's symbols are merged pair by pair, lowest merge rank first.
// Words arrive already split, so each is read as preceded by a space ("Ġ"), as HF does for
// is_split_into_words=True with add_prefix_space=True — the first word included.
import {
  type SpecialTokenNames,
  type SubwordTokenizer,
  cachedWordIds,
  inverseVocab,
  resolveSpecials,
} from './tokenizer.ts';
import { parseJson } from '../json.ts';

/** GPT-2's table: printable bytes map to themselves, the other 68 to U+0100 onwards (space → "Ġ" U+0120). */
export function bytesToUnicode(): string[] {
  const table: string[] = new Array(256);
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCodePoint(printable(b) ? b : 256 + next++);
  return table;
}

const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Applies merges to one chunk's symbols: repeatedly joins every occurrence of the best-ranked adjacent pair. */
export function bpeMerge(symbols: string[], ranks: ReadonlyMap<string, number>): string[] {
  let word = symbols;
  while (word.length > 1) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i < word.length - 1; i++) {
      const rank = ranks.get(`${word[i]} ${word[i + 1]}`);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = i;
      }
    }
    if (best < 0) break;
    const [first, second] = [word[best], word[best + 1]];
    const merged: string[] = [];
    for (let i = 0; i < word.length; i++) {
      if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
        merged.push(first + second);
        i++;
      } else {
        merged.push(word[i]);
      }
    }
    word = merged;
  }
  return word;
}

export interface ByteLevelBpeOptions {
  readonly specials: SpecialTokenNames;
  readonly source: string;
}

/** merges: pairs in rank order (line order of merges.txt, or tokenizer.json's model.merges). */
export function byteLevelBpeTokenizer(
  vocab: ReadonlyMap<string, number>,
  merges: readonly (readonly [string, string])[],
  options: ByteLevelBpeOptions,
): SubwordTokenizer {
  const special = resolveSpecials(vocab, options.specials, options.source);
  const tokens = inverseVocab(vocab);
  const ranks = new Map<string, number>();
  merges.forEach(([a, b], rank) => {
    const key = `${a} ${b}`;
    if (!ranks.has(key)) ranks.set(key, rank);
  });
  const byteChar = bytesToUnicode();
  const utf8 = new TextEncoder();
  const idOf = (symbol: string): number => {
    const id = vocab.get(symbol);
    if (id !== undefined) return id;
    // A complete byte-level vocabulary holds all 256 byte symbols, so this only happens with a damaged one.
    return special.unk;
  };
  return {
    kind: 'byte-level-bpe',
    vocabSize: tokens.length,
    special,
    token: (id) => tokens[id],
    wordIds: cachedWordIds((word) => {
      if (word.length === 0) return [];
      const text = /^\s/u.test(word) ? word : ` ${word}`;
      const ids: number[] = [];
      for (const [chunk] of text.matchAll(GPT2_PATTERN)) {
        const symbols = Array.from(utf8.encode(chunk), (b) => byteChar[b]);
        for (const piece of bpeMerge(symbols, ranks)) ids.push(idOf(piece));
      }
      return ids;
    }),
  };
}

/** vocab.json: {token: id}. */
export function parseVocabJson(text: string, source: string): Map<string, number> {
  const json = parseJson(text, source);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error(`${source}: not a {token: id} object`);
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(json)) {
    if (!Number.isSafeInteger(id) || (id as number) < 0)
      throw new Error(`${source}: token ${JSON.stringify(token)} has id ${JSON.stringify(id)}`);
    vocab.set(token, id as number);
  }
  return vocab;
}

/** merges.txt: an optional "#version" line, then one "a b" pair per line in rank order. */
export function parseMergesTxt(text: string, source: string): [string, string][] {
  const merges: [string, string][] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || (index === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2)
      throw new Error(`${source}:${index + 1}: expected two symbols separated by one space, got "${line}"`);
    merges.push(parts as [string, string]);
  });
  return merges;
}
