// How well raw-text splitting recovers a corpus's own tokenization: consecutive corpus sentences are written back
// as running text (detokenize, one space between sentences; a blank line after one that ends without . ! or ?, as
// titles and headings stand on their own line in documents), split again (splitSentences), and a corpus sentence
// counts as recovered when some split sentence holds exactly its words.
import { splitSentences } from './sentences.ts';
import { detokenize } from './words.ts';

/** A sentence that ends with a full stop, ! or ?, maybe followed by closing brackets or quotes. */
const ENDS = /[.!?][\s)\]}"']*$/;

export interface RoundTrip {
  readonly sentences: number;
  /** Corpus sentences whose words came back as one split sentence, word for word. */
  readonly exact: number;
  /** Up to `keep` sentences that did not come back, as running text. */
  readonly misses: readonly string[];
}

/** Sentences go back into text `perText` at a time (an abstract's worth by default). */
export function roundTrip(corpus: readonly (readonly string[])[], perText = 10, keep = 20): RoundTrip {
  let exact = 0;
  const misses: string[] = [];
  for (let at = 0; at < corpus.length; at += perText) {
    const group = corpus.slice(at, at + perText).filter((s) => s.length > 0);
    const text = group.map((s) => detokenize(s).text + (ENDS.test(s.join(' ')) ? ' ' : '\n\n')).join('');
    const found = new Set(splitSentences(text).map((s) => s.words.map((w) => w.text).join('\u0000')));
    for (const s of group) {
      if (found.has(s.join('\u0000'))) exact++;
      else if (misses.length < keep) misses.push(detokenize(s).text);
    }
  }
  return { sentences: corpus.filter((s) => s.length > 0).length, exact, misses };
}
