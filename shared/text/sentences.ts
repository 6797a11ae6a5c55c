// Raw text → sentences of words (see words.ts), for the biomedical text models are used on.
//
// A sentence ends at '.', '!' or '?' (with any closing brackets or quotes right after it) when whitespace follows
// and the next word can start a sentence (a capital, a digit, an opening bracket or quote), unless the full stop
// belongs to an abbreviation: a listed one ("Fig.", "et al.", "vs."), a dotted one ("e.g.", "i.v.", "U.S."), or an
// initial ("J. R. Smith"). A full stop inside a word ("0.05", "Fig.2") has no whitespace after it, so decimals
// never split. A blank line always ends a sentence (titles and paragraphs without a final full stop).
import { splitWords, type Word } from './words.ts';

export interface TextSentence {
  /** Offset of the first word in the text (UTF-16 code units). */
  readonly start: number;
  /** Offset just past the last word. */
  readonly end: number;
  readonly words: readonly Word[];
}

/** Words that a full stop follows without ending the sentence (compared in lower case). */
const ABBREVIATIONS = new Set([
  'al',
  'approx',
  'ca',
  'cf',
  'co',
  'corp',
  'dept',
  'dr',
  'eq',
  'eqs',
  'etc',
  'fig',
  'figs',
  'inc',
  'jr',
  'ltd',
  'mr',
  'mrs',
  'ms',
  'no',
  'nos',
  'pp',
  'prof',
  'ref',
  'refs',
  'resp',
  'sr',
  'st',
  'suppl',
  'tab',
  'viz',
  'vol',
  'vs',
]);
/** Words an initial follows: another initial's full stop, or words that introduce or list names. */
const NAME_LIST = new Set(['.', ',', 'and', '&', 'by']);
const TERMINAL = new Set(['.', '!', '?']);
const CLOSING = new Set([')', ']', '}', '"', "'", '\u2019', '\u201d']);
const OPENING = new Set(['(', '[', '{', '"', "'", '\u2018', '\u201c']);

const isUpper = (w: string) => /^\p{Lu}/u.test(w);
// A capital, a digit, an opening mark, or a lower-case word with capitals or digits in it ("mRNA", "p53", "vWf").
const canStartSentence = (w: Word) => /^[\p{Lu}\p{N}]|^\p{Ll}+[\p{Lu}\p{N}]/u.test(w.text) || OPENING.has(w.text);
const adjacent = (a: Word, b: Word) => a.end === b.start;

/** Whether the full stop at words[i] ends an abbreviation rather than a sentence. */
function isAbbreviation(words: readonly Word[], i: number): boolean {
  const before = words[i - 1];
  if (!before || !adjacent(before, words[i])) return false;
  // "etc." ends sentences as often as not: only a lower-case next word keeps it going, which the caller checks.
  if (ABBREVIATIONS.has(before.text.toLowerCase()) && before.text.toLowerCase() !== 'etc') return true;
  // Dotted: "e.g.", "i.v.", "U.S." — a letter or two right after another full stop.
  const dot = words[i - 2];
  if (dot && dot.text === '.' && adjacent(dot, before) && before.text.length <= 2 && /^\p{L}+$/u.test(before.text))
    return true;
  // An initial: one capital, a capital next, and before it another initial, a list of names or the paragraph's start
  // ("J. R. Smith", "by J. Smith"); "vitamin A. The" ends a sentence.
  const prev = words[i - 2];
  const next = words[i + 1];
  return (
    before.text.length === 1 &&
    isUpper(before.text) &&
    next !== undefined &&
    isUpper(next.text) &&
    (prev === undefined || NAME_LIST.has(prev.text))
  );
}

/** The sentences of text[from, to), with their words; offsets into the whole text. */
export function splitSentences(text: string, from = 0, to = text.length): TextSentence[] {
  const sentences: TextSentence[] = [];
  // Blank lines first: each paragraph is split on its own.
  const paragraph = /\n[ \t\r\f\v]*\n/g;
  let start = from;
  const body = text.slice(from, to);
  const cuts = [...body.matchAll(paragraph)].map((m) => [from + m.index, from + m.index + m[0].length]);
  for (const [cut, after] of [...cuts, [to, to]]) {
    splitParagraph(splitWords(text, start, cut), sentences);
    start = after;
  }
  return sentences;
}

function splitParagraph(words: readonly Word[], out: TextSentence[]): void {
  let first = 0;
  const close = (end: number) => {
    if (end > first) out.push({ start: words[first].start, end: words[end - 1].end, words: words.slice(first, end) });
    first = end;
  };
  for (let i = 0; i < words.length; i++) {
    if (!TERMINAL.has(words[i].text)) continue;
    let end = i + 1;
    while (
      end < words.length &&
      adjacent(words[end - 1], words[end]) &&
      (CLOSING.has(words[end].text) || TERMINAL.has(words[end].text))
    )
      end++;
    const next = words[end];
    if (next === undefined) break;
    if (adjacent(words[end - 1], next) || !canStartSentence(next)) continue;
    if (words[i].text === '.' && isAbbreviation(words, i)) continue;
    close(end);
    i = end - 1;
  }
  close(words.length);
}
