// Error analysis of a model on a single-entity corpus (paper §IV-E.4, Table VI; samples as in Table VII).
//
// The gold annotates one type T. Every PREDICTED entity gets exactly one category, tried in this order:
//   CORRECT  a gold entity has the same span and the same type
//   WLRS     wrong label, right span: a gold entity has the same span, the prediction another type
//   RLOS     right label, overlapping span: type T, overlaps a gold entity, no gold entity has its span
//   WLOS     wrong label, overlapping span: another type, overlaps a gold entity, no gold entity has its span
//   CFP      complete false positive: type T, overlaps no gold entity
//   NEW      another type, overlaps no gold entity: a mention of a type this corpus does not annotate
// and every GOLD entity that no prediction (of any type) overlaps is a CFN (complete false negative).
//
// So CORRECT + WLRS + RLOS + WLOS + CFP + NEW = predicted entities, and CFN counts gold entities. A gold entity
// overlapped by several predictions is not counted itself; each of those predictions is (e.g. gold gene
// "estrogen receptor", predicted chemical "estrogen" and gene "receptor": one WLOS and one RLOS, no CFN).
// A gold entity overlapped but never matched exactly shows up only through the predictions overlapping it.
// Spans overlap when they share at least one token.
import type { Sentence } from '../corpus/types.ts';
import { UNTYPED } from '../corpus/labels.ts';
import { entities, type Entity, type EntityMode } from '../metrics/entities.ts';
import { ERROR_CATEGORIES, type ErrorCategory } from '../store-types.ts';
import { typeLabels } from './type-view.ts';

/** Each category's name and meaning in words, for the people reading an analysis. */
export const ERROR_CATEGORY_INFO: Record<ErrorCategory, { name: string; explanation: string }> = {
  CORRECT: { name: 'Correct', explanation: 'Found with the right span and the right type.' },
  NEW: {
    name: 'New',
    explanation: 'A mention of another type, overlapping nothing annotated: a type this corpus does not annotate (not an error).',
  },
  CFP: { name: 'Complete false positive', explanation: 'Of the corpus’s type, but overlapping no annotated mention.' },
  CFN: { name: 'Complete false negative', explanation: 'An annotated mention that no prediction overlaps.' },
  WLRS: { name: 'Wrong label, right span', explanation: 'The exact span of an annotated mention, with another type.' },
  WLOS: { name: 'Wrong label, overlapping span', explanation: 'Another type, overlapping an annotated mention without matching its span.' },
  RLOS: { name: 'Right label, overlapping span', explanation: 'The right type, overlapping an annotated mention without matching its span.' },
};

export interface ErrorExample {
  category: ErrorCategory;
  /** Index of the sentence in the corpus split. */
  sentence: number;
  /** The predicted entity; null for a CFN. */
  predicted: Entity | null;
  /** The gold entities it overlaps (the exact one for CORRECT and WLRS; none for CFP and NEW; the missed one for CFN). */
  gold: Entity[];
}

export interface ErrorAnalysisResult {
  /** The corpus's type T. */
  type: string;
  mode: EntityMode;
  counts: Record<ErrorCategory, number>;
  /** Up to `examplesPerCategory` examples of each category, in corpus order. */
  examples: ErrorExample[];
}

export interface ErrorAnalysisOptions {
  /** Entity chunking of gold and predictions (default 'lenient', seqeval's default). */
  mode?: EntityMode;
  /** Examples kept per category for display (default 25; counts are always complete). */
  examplesPerCategory?: number;
}

const overlaps = (a: Entity, b: Entity) => a.start < b.end && b.start < a.end;
const sameSpan = (a: Entity, b: Entity) => a.start === b.start && a.end === b.end;

/** The category of one predicted entity, given the gold entities of its sentence (all of type `type`). */
export function categorise(predicted: Entity, gold: readonly Entity[], type: string): ErrorCategory {
  const exact = gold.find((g) => sameSpan(g, predicted));
  if (exact) return exact.type === predicted.type ? 'CORRECT' : 'WLRS';
  const rightType = predicted.type === type;
  if (gold.some((g) => overlaps(g, predicted))) return rightType ? 'RLOS' : 'WLOS';
  return rightType ? 'CFP' : 'NEW';
}

/**
 * Analyses predicted labels (any types) on a corpus split whose gold labels are of one type (bare B/I or typed
 * `type`). Predictions hold one label per token of each sentence.
 */
export function analyseErrors(
  sentences: readonly Sentence[],
  type: string,
  predictions: readonly (readonly string[])[],
  { mode = 'lenient', examplesPerCategory = 25 }: ErrorAnalysisOptions = {},
): ErrorAnalysisResult {
  if (predictions.length !== sentences.length) {
    throw new Error(`${sentences.length} sentences, but ${predictions.length} predicted`);
  }
  const counts = Object.fromEntries(ERROR_CATEGORIES.map((c) => [c, 0])) as Record<ErrorCategory, number>;
  const examples: ErrorExample[] = [];
  const note = (example: ErrorExample) => {
    if (++counts[example.category] <= examplesPerCategory) examples.push(example);
  };
  sentences.forEach((sentence, s) => {
    if (predictions[s].length !== sentence.tokens.length) {
      throw new Error(`sentence ${s + 1} (line ${sentence.line}): ${sentence.tokens.length} tokens, but ${predictions[s].length} predicted labels`);
    }
    const gold = entities(typeLabels(sentence.labels, type, `gold sentence ${s + 1} (line ${sentence.line})`), mode);
    const predicted = entities(predictions[s], mode);
    if (predicted.some((p) => p.type === UNTYPED)) {
      throw new Error(`predictions for sentence ${s + 1} hold bare B/I labels: give a single-type model's labels their type first (typeLabels)`);
    }
    for (const p of predicted) {
      const category = categorise(p, gold, type);
      const touched = category === 'CORRECT' || category === 'WLRS' ? gold.filter((g) => sameSpan(g, p)) : gold.filter((g) => overlaps(g, p));
      note({ category, sentence: s, predicted: p, gold: touched });
    }
    for (const g of gold) {
      if (!predicted.some((p) => overlaps(g, p))) note({ category: 'CFN', sentence: s, predicted: null, gold: [g] });
    }
  });
  return { type, mode, counts, examples };
}
