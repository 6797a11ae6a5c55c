// WordPiece (BERT): each basic token is cut greedily, longest vocabulary match first, continuation pieces
// carrying the "##" prefix; a token with no full cover, or longer than 100 characters, becomes [UNK].
import { type BertBasicOptions, bertBasicTokens } from './bert-basic.ts';
import {
  type SpecialTokenNames,
  type SubwordTokenizer,
  cachedWordIds,
  inverseVocab,
  resolveSpecials,
} from './tokenizer.ts';

export interface WordPieceOptions {
  readonly basic: BertBasicOptions;
  readonly specials: SpecialTokenNames;
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
  /** Names the vocabulary's file in errors. */
  readonly source: string;
}

/** Greedy longest-match-first pieces of one basic token (HF's WordpieceTokenizer.tokenize for one token). */
export function wordPieces(
  token: string,
  vocab: ReadonlyMap<string, number>,
  unk: string,
  prefix = '##',
  maxInputCharsPerWord = 100,
): string[] {
  const chars = Array.from(token); // code points, as Python's list(str)
  if (chars.length > maxInputCharsPerWord) return [unk];
  const pieces: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = chars.length;
    let found: string | null = null;
    while (start < end) {
      const candidate = (start > 0 ? prefix : '') + chars.slice(start, end).join('');
      if (vocab.has(candidate)) {
        found = candidate;
        break;
      }
      end--;
    }
    if (found === null) return [unk];
    pieces.push(found);
    start = end;
  }
  return pieces;
}

export function wordPieceTokenizer(vocab: ReadonlyMap<string, number>, options: WordPieceOptions): SubwordTokenizer {
  const special = resolveSpecials(vocab, options.specials, options.source);
  const tokens = inverseVocab(vocab);
  const unk = options.specials.unk;
  return {
    kind: 'wordpiece',
    vocabSize: tokens.length,
    special,
    token: (id) => tokens[id],
    wordIds: cachedWordIds((word) =>
      bertBasicTokens(word, options.basic).flatMap((basic) =>
        wordPieces(basic, vocab, unk, options.continuingSubwordPrefix, options.maxInputCharsPerWord).map((piece) =>
          vocab.get(piece)!,
        ),
      ),
    ),
  };
}

/** vocab.txt: one token per line, the id is the line number (as HF's load_vocab). */
export function parseVocabTxt(text: string, source: string): Map<string, number> {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) throw new Error(`${source}: the vocabulary is empty`);
  const vocab = new Map<string, number>();
  // A repeated token keeps its last line, as HF's dict assignment does; a Windows "\r" is dropped.
  lines.forEach((line, id) => vocab.set(line.endsWith('\r') ? line.slice(0, -1) : line, id));
  return vocab;
}
