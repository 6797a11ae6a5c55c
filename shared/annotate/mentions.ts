// From per-word labels and probabilities to mentions with offsets into the document's text.
// Mentions are read from the labels as the evaluation reads them (seqeval's lenient mode: a stray I-X starts a
// mention), and a mention's score is the model's mean probability of its words' labels.
import { entities } from '../metrics/entities.ts';
import type { Word } from '../text/words.ts';

export interface Mention {
  /** Offsets in UTF-16 code units of the document's text: text.slice(start, end) === this.text. */
  readonly start: number;
  readonly end: number;
  readonly type: string;
  readonly text: string;
  readonly score: number;
}

/** One sentence as the model labelled it. */
export interface LabelledSentence {
  readonly words: readonly Word[];
  readonly labels: readonly string[];
  /** Per word, the probability of its label. */
  readonly scores: readonly number[];
}

export function sentenceMentions(text: string, s: LabelledSentence): Mention[] {
  return entities(s.labels, 'lenient').map((e) => {
    const start = s.words[e.start].start;
    const end = s.words[e.end - 1].end;
    let sum = 0;
    for (let w = e.start; w < e.end; w++) sum += s.scores[w];
    return { start, end, type: e.type, text: text.slice(start, end), score: sum / (e.end - e.start) };
  });
}
