// TaughtNet's dataset aggregation (paper §III.B.1, eq. 4): the single-entity corpora D_1 … D_n become one corpus
// D_S whose sentences are X_1 + X_2 + … + X_n and whose B/I labels carry each corpus's entity type, with the
// label set Y_multi = [B-e1, I-e1, …, B-en, I-en, O] (eq. 2). The order is the order the user gave the corpora in,
// never a directory listing, so the label indices (and the models trained on them) are reproducible.
import type { MergedCorpus, TypedCorpus } from './types.ts';
import { makeLabel, parseLabel, UNTYPED } from './labels.ts';

/**
 * Merges single-entity corpora (IOB2 labels, untyped B/I or typed with the corpus's own type). A corpus whose
 * labels name another type is refused: it is not a single-entity corpus of the type it was given.
 * Merge each split separately (train with train, dev with dev).
 */
export function mergeCorpora(corpora: readonly TypedCorpus[]): MergedCorpus {
  if (corpora.length === 0) throw new Error('nothing to merge: no corpora given');
  const merged: MergedCorpus = { sentences: [], provenance: [], sources: [], labels: [] };
  corpora.forEach((corpus, index) => {
    if (!corpus.type || corpus.type === UNTYPED || /\s/.test(corpus.type)) {
      throw new Error(`corpus ${corpus.name}: '${corpus.type}' is not a usable entity type`);
    }
    const start = merged.sentences.length;
    for (const s of corpus.sentences) {
      const labels = s.labels.map((label, i) => {
        const p = parseLabel(label);
        if (!p || (p.prefix !== 'O' && p.prefix !== 'B' && p.prefix !== 'I')) {
          throw new Error(`corpus ${corpus.name}, line ${s.line + i}: '${label}' is not an IOB2 label`);
        }
        if (p.type !== UNTYPED && p.type !== corpus.type) {
          throw new Error(
            `corpus ${corpus.name}, line ${s.line + i}: label '${label}' is of type ${p.type}, but the corpus was given as type ${corpus.type}`,
          );
        }
        return makeLabel(p.prefix, corpus.type);
      });
      merged.sentences.push({ tokens: s.tokens, labels, line: s.line });
      merged.provenance.push(index);
    }
    merged.sources.push({ name: corpus.name, type: corpus.type, start, end: merged.sentences.length });
    if (!merged.labels.includes(`B-${corpus.type}`)) merged.labels.push(`B-${corpus.type}`, `I-${corpus.type}`);
  });
  merged.labels.push('O');
  return merged;
}
