// Raw text → words, as the shipped corpora are tokenized: a word is a run of letters, digits and combining marks,
// and every other visible character (punctuation, symbols) is a word of its own, so "ataxia-telangiectasia" is
// `ataxia - telangiectasia`, "(A-T)" is `( A - T )` and "p<0.05" is `p < 0 . 05`. Each word keeps its offsets
// into the text in UTF-16 code units (what JavaScript strings index), so text.slice(start, end) is the word.
// The inverse, detokenize, writes words back as running text and is what CoNLL input is shown and offset with.

export interface Word {
  readonly text: string;
  /** Offset of the first code unit in the text. */
  readonly start: number;
  /** Offset just past the last code unit. */
  readonly end: number;
}

const WORD = /[\p{L}\p{N}\p{M}]+|[^\s\p{L}\p{N}\p{M}]/gu;

/** The words of text[from, to), with offsets into the whole text. */
export function splitWords(text: string, from = 0, to = text.length): Word[] {
  const words: Word[] = [];
  const slice = text.slice(from, to);
  for (const m of slice.matchAll(WORD))
    words.push({ text: m[0], start: from + m.index, end: from + m.index + m[0].length });
  return words;
}

// Running text from words: no space before closing punctuation, none after opening brackets, none around
// hyphens and slashes (the rule the tokenization-agreement measure is stated in), and numbers and dotted
// abbreviations written whole ("0.05", "e.g.", "Parkinson's").
const NO_SPACE_BEFORE = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', '%', '-', '/', "'"]);
const NO_SPACE_AFTER = new Set(['(', '[', '{', '-', '/']);

const LETTER = /^\p{L}$/u;

/**
 * Whether words[i] is a mark written without a space after it: a full stop or comma inside a number ("0.05",
 * "PM2.5", "1,000", "P =.02"), a full stop inside a dotted abbreviation ("e.g."), an apostrophe before "s".
 */
function joinsAcross(words: readonly string[], i: number): boolean {
  const [before, mark, after, next] = [words[i - 1], words[i], words[i + 1], words[i + 2]];
  if (before === undefined || after === undefined) return false;
  if ((mark === '.' || mark === ',') && /\p{N}$/u.test(before) && /^\p{N}/u.test(after)) return true;
  if (mark === '.' && /^0\p{N}*$/u.test(after) && !/\p{L}$/u.test(before)) return true;
  if (mark === "'" && after === 's') return true;
  return mark === '.' && LETTER.test(before) && LETTER.test(after) && next === '.';
}

/** Words joined into text with the offsets each word lands at. */
export function detokenize(words: readonly string[]): { text: string; words: Word[] } {
  let text = '';
  const out: Word[] = [];
  words.forEach((w, i) => {
    const glued = i > 0 && (NO_SPACE_BEFORE.has(w) || NO_SPACE_AFTER.has(words[i - 1]) || joinsAcross(words, i - 1));
    if (i > 0 && !glued) text += ' ';
    out.push({ text: w, start: text.length, end: text.length + w.length });
    text += w;
  });
  return { text, words: out };
}
