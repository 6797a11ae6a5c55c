// Error analysis of a model on a single-entity corpus, as the paper counts it (§IV-E.4, Table VI; examples as in
// Table VII).
//
// The gold annotates one type T; the model may predict any types. Entities are seqeval's lenient chunks of each
// labelling (shared/metrics/entities.ts); two entities overlap when they share a token. Every GOLD mention g gets
// exactly one category, from the predicted entities P that overlap it:
//   CFN      P is empty: nothing found there
//   CORRECT  one p in P has g's exact span and type T
//   WLRS     P tiles g exactly (every token of g covered, no p reaching outside g) and some p has another type,
//            e.g. gene "estrogen receptor" predicted as chemical "estrogen" then gene "receptor"
//   RLOS     P tiles g with type T only (the span cut in pieces), or P does not tile g and some p has type T
//   WLOS     P does not tile g and every p has another type
// and every PREDICTED entity that overlaps no gold mention gets one:
//   CFP      of type T: a complete false positive
//   NEW      of another type: a mention of a type this corpus does not annotate
//
// So CORRECT + CFN + WLRS + WLOS + RLOS = the gold mentions (the same for every model scored on a split), and
// CFP + NEW = the predictions that touch no gold mention. A prediction spanning two gold mentions counts in each.
import type { Sentence } from '../corpus/types.ts';
import { UNTYPED } from '../corpus/labels.ts';
import { entities, type Entity } from '../metrics/entities.ts';
import { ERROR_CATEGORIES, type ErrorCategory } from '../store-types.ts';
import { typeLabels } from './type-view.ts';

/** Each category's name and meaning in words, for the people reading an analysis. */
export const ERROR_CATEGORY_INFO: Record<ErrorCategory, { name: string; explanation: string }> = {
  CORRECT: { name: 'Correct', explanation: 'An annotated mention found with its exact span and the corpus’s type.' },
  NEW: {
    name: 'New',
    explanation:
      'A predicted mention of another type that overlaps nothing annotated: a type this corpus does not annotate (not an error).',
  },
  CFP: {
    name: 'Complete false positive',
    explanation: 'A predicted mention of the corpus’s type that overlaps nothing annotated.',
  },
  CFN: { name: 'Complete false negative', explanation: 'An annotated mention that no prediction overlaps.' },
  WLRS: {
    name: 'Wrong label, right span',
    explanation:
      'An annotated mention whose exact span the predictions cover, in one piece or several, with another type in it (e.g. “estrogen receptor” predicted as a chemical then a gene).',
  },
  WLOS: {
    name: 'Wrong label, overlapping span',
    explanation: 'An annotated mention overlapped only by predictions of other types, on a different span.',
  },
  RLOS: {
    name: 'Right label, overlapping span',
    explanation:
      'An annotated mention found with the corpus’s type but a different span: cut short, run over or split in pieces.',
  },
};

/** One sentence showing a category, with everything Table VII highlights in it. */
export interface ErrorExample {
  category: ErrorCategory;
  /** Index of the sentence in the corpus split, and the line it starts on. */
  sentence: number;
  line: number;
  tokens: string[];
  /** The mention the category is about: a gold mention, or for CFP and NEW a predicted one. */
  mention: Entity;
  /** All gold mentions and all predicted entities of the sentence. */
  gold: Entity[];
  predicted: Entity[];
}

export interface ErrorAnalysisResult {
  /** The corpus's type T. */
  type: string;
  /** Gold mentions of the split: CORRECT + CFN + WLRS + WLOS + RLOS. */
  goldMentions: number;
  counts: Record<ErrorCategory, number>;
  /** Up to `examplesPerCategory` examples of each category, in sentence order. */
  examples: ErrorExample[];
}

export interface ErrorAnalysisOptions {
  /** Examples kept per category for display (default 25; counts are always complete). */
  examplesPerCategory?: number;
}

const overlaps = (a: Entity, b: Entity) => a.start < b.end && b.start < a.end;
const sameSpan = (a: Entity, b: Entity) => a.start === b.start && a.end === b.end;

/** Do the entities (which never overlap each other) cover every token of `g` and none outside it? */
function tiles(pieces: readonly Entity[], g: Entity): boolean {
  if (pieces.some((p) => p.start < g.start || p.end > g.end)) return false;
  return pieces.reduce((covered, p) => covered + (p.end - p.start), 0) === g.end - g.start;
}

/** The category of gold mention `g` (of type `type`), given the predicted entities that overlap it. */
export function categoriseGold(g: Entity, overlapping: readonly Entity[], type: string): ErrorCategory {
  if (overlapping.length === 0) return 'CFN';
  if (overlapping.some((p) => sameSpan(p, g) && p.type === type)) return 'CORRECT';
  const anotherType = overlapping.some((p) => p.type !== type);
  if (tiles(overlapping, g)) return anotherType ? 'WLRS' : 'RLOS';
  return overlapping.some((p) => p.type === type) ? 'RLOS' : 'WLOS';
}

/**
 * Analyses predicted labels (any types) on a corpus split whose gold labels are of one type (bare B/I or typed
 * `type`). Predictions hold one label per token of each sentence.
 */
export function analyseErrors(
  sentences: readonly Sentence[],
  type: string,
  predictions: readonly (readonly string[])[],
  { examplesPerCategory = 25 }: ErrorAnalysisOptions = {},
): ErrorAnalysisResult {
  if (predictions.length !== sentences.length) {
    throw new Error(`${sentences.length} sentences, but ${predictions.length} predicted`);
  }
  const counts = Object.fromEntries(ERROR_CATEGORIES.map((c) => [c, 0])) as Record<ErrorCategory, number>;
  const examples: ErrorExample[] = [];
  let goldMentions = 0;
  sentences.forEach((sentence, s) => {
    const where = `sentence ${s + 1} (line ${sentence.line})`;
    if (predictions[s].length !== sentence.tokens.length) {
      throw new Error(`${where}: ${sentence.tokens.length} tokens, but ${predictions[s].length} predicted labels`);
    }
    const gold = entities(typeLabels(sentence.labels, type, `gold ${where}`), 'lenient');
    const predicted = entities(predictions[s], 'lenient');
    if (predicted.some((p) => p.type === UNTYPED)) {
      throw new Error(
        `predictions for ${where} hold bare B/I labels: give a single-type model's labels their type first (typeLabels)`,
      );
    }
    const note = (category: ErrorCategory, mention: Entity) => {
      if (++counts[category] <= examplesPerCategory) {
        examples.push({
          category,
          sentence: s,
          line: sentence.line,
          tokens: sentence.tokens,
          mention,
          gold,
          predicted,
        });
      }
    };
    goldMentions += gold.length;
    for (const g of gold)
      note(
        categoriseGold(
          g,
          predicted.filter((p) => overlaps(p, g)),
          type,
        ),
        g,
      );
    for (const p of predicted) if (!gold.some((g) => overlaps(g, p))) note(p.type === type ? 'CFP' : 'NEW', p);
  });
  return { type, goldMentions, counts, examples };
}
