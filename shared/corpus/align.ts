// Two labellings of the same text (gold and predictions, two annotators) must hold the same tokens in the same
// sentences. This finds the first place where they part, by line in both files.
import type { Sentence } from './types.ts';

export interface LabelledFile {
  file: string;
  sentences: readonly Sentence[];
}

/** The line just past a sentence: the blank line after it, or the end of the file. */
const after = (s: Sentence) => s.line + s.tokens.length;

/** Null when a and b hold the same tokens in the same sentences; else a message naming FILE:LINE in both. */
export function findMisalignment(a: LabelledFile, b: LabelledFile): string | null {
  const n = Math.min(a.sentences.length, b.sentences.length);
  for (let s = 0; s < n; s++) {
    const sa = a.sentences[s];
    const sb = b.sentences[s];
    const m = Math.min(sa.tokens.length, sb.tokens.length);
    for (let t = 0; t < m; t++) {
      if (sa.tokens[t] !== sb.tokens[t]) {
        return `${a.file}:${sa.line + t} and ${b.file}:${sb.line + t}: tokens differ ('${sa.tokens[t]}' vs '${sb.tokens[t]}')`;
      }
    }
    if (sa.tokens.length !== sb.tokens.length) {
      const [longer, shorter] = sa.tokens.length > sb.tokens.length ? [a, b] : [b, a];
      const [sl, ss] = longer === a ? [sa, sb] : [sb, sa];
      return (
        `${a.file}:${sa.line + m} and ${b.file}:${sb.line + m}: sentence ${s + 1} ends in ${shorter.file} ` +
        `(${ss.tokens.length} tokens) but goes on in ${longer.file} with '${sl.tokens[m]}' (${sl.tokens.length} tokens)`
      );
    }
  }
  if (a.sentences.length !== b.sentences.length) {
    const [longer, shorter] = a.sentences.length > b.sentences.length ? [a, b] : [b, a];
    const lastA = n > 0 ? after(a.sentences[n - 1]) : 1;
    const lastB = n > 0 ? after(b.sentences[n - 1]) : 1;
    const extra = longer.sentences[n];
    return (
      `${a.file}:${longer === a ? extra.line : lastA} and ${b.file}:${longer === b ? extra.line : lastB}: ` +
      `${shorter.file} ends after ${shorter.sentences.length} sentences, ${longer.file} has ${longer.sentences.length}`
    );
  }
  return null;
}
