// Per-corpus evaluation of the multi-type student, as in the paper (Tables IV, V): the student labels each
// corpus's test split, and is scored against that corpus's gold.
//
// Rule: the gold annotates only the corpus's type T, so the student's labels of any other type are mapped to O
// before scoring. A chemical the student finds in NCBI-disease is neither right nor wrong there — NCBI does not
// annotate chemicals — so it must not count as a false positive of the disease corpus (the error analysis counts
// it as NEW instead). The authors' code does the same (student_to_teacher_map in train_student.py).
// Consequence: an entity of T that the student labels with another type counts as a miss (false negative).
import type { TypedCorpus } from '../corpus/types.ts';
import { mergeCorpora } from '../corpus/merge.ts';
import { entities, type EntityMode } from '../metrics/entities.ts';
import { prf, type Scores } from '../metrics/prf.ts';
import { keepTypes } from './type-view.ts';

export interface CorpusScores {
  corpus: string;
  type: string;
  lenient: Scores;
  strict: Scores;
  /** Entities of other types the student predicted here (lenient chunking), mapped to O before scoring. */
  otherTypeEntities: number;
}

/**
 * Scores predicted labels (any types of Y_multi, one label per token) on one single-entity corpus split. The
 * corpus's labels may be bare B/I or typed with its own type.
 */
export function scoreOnCorpus(corpus: TypedCorpus, predictions: readonly (readonly string[])[]): CorpusScores {
  const gold = mergeCorpora([corpus]).sentences.map((s) => s.labels);
  if (predictions.length !== gold.length) {
    throw new Error(`corpus ${corpus.name}: ${gold.length} sentences, but ${predictions.length} predicted`);
  }
  let otherTypeEntities = 0;
  const kept = predictions.map((labels, s) => {
    otherTypeEntities += entities(labels, 'lenient').filter((e) => e.type !== corpus.type).length;
    return keepTypes(labels, [corpus.type], `corpus ${corpus.name}, predictions for sentence ${s + 1}`);
  });
  const score = (mode: EntityMode) => prf(gold, kept, mode).micro;
  return {
    corpus: corpus.name,
    type: corpus.type,
    lenient: score('lenient'),
    strict: score('strict'),
    otherTypeEntities,
  };
}

/**
 * The mean F1 over corpora: what selects the student's checkpoint (on the dev splits). Every corpus counts
 * equally; the authors' code averaged two of its three corpora (NCBI and BC2GM, on the test splits).
 */
export function meanF1(scores: readonly CorpusScores[], mode: EntityMode = 'lenient'): number {
  if (scores.length === 0) throw new Error('no corpus scores to average');
  return scores.reduce((sum, s) => sum + s[mode].f1, 0) / scores.length;
}
