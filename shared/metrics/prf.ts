// Entity-level precision, recall and F1, micro-averaged and per type, as seqeval's classification_report.
// An entity counts as found only when type, start and end all match. A ratio with nothing to divide by is 0
// (precision with no predicted entity, recall with no gold entity), never NaN.
import { entities, type EntityMode } from './entities.ts';

export interface Scores {
  precision: number;
  recall: number;
  f1: number;
  /** Gold entities. */
  support: number;
}

export interface PrfReport {
  mode: EntityMode;
  micro: Scores;
  /** Every type seen in gold or predictions, sorted by name (as seqeval's report). */
  per_type: Record<string, Scores>;
}

/** P, R and F1 from counts of correct, predicted and gold entities. */
export function scores(correct: number, predicted: number, gold: number): Scores {
  const precision = predicted > 0 ? correct / predicted : 0;
  const recall = gold > 0 ? correct / gold : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, support: gold };
}

interface Counts {
  correct: number;
  predicted: number;
  gold: number;
}

/** Scores predicted labels against gold labels, sentence by sentence; both must have the same shape. */
export function prf(
  gold: readonly (readonly string[])[],
  pred: readonly (readonly string[])[],
  mode: EntityMode,
): PrfReport {
  if (gold.length !== pred.length) throw new Error(`gold has ${gold.length} sentences, predictions ${pred.length}`);
  const byType = new Map<string, Counts>();
  const countsOf = (type: string) => {
    let c = byType.get(type);
    if (!c) byType.set(type, (c = { correct: 0, predicted: 0, gold: 0 }));
    return c;
  };
  gold.forEach((goldLabels, s) => {
    if (goldLabels.length !== pred[s].length) {
      throw new Error(`sentence ${s + 1}: gold has ${goldLabels.length} tokens, predictions ${pred[s].length}`);
    }
    const goldKeys = new Set<string>();
    for (const e of entities(goldLabels, mode)) {
      countsOf(e.type).gold++;
      goldKeys.add(`${e.type}\t${e.start}\t${e.end}`);
    }
    for (const e of entities(pred[s], mode)) {
      const c = countsOf(e.type);
      c.predicted++;
      if (goldKeys.has(`${e.type}\t${e.start}\t${e.end}`)) c.correct++;
    }
  });

  const total: Counts = { correct: 0, predicted: 0, gold: 0 };
  const per_type: Record<string, Scores> = {};
  for (const type of [...byType.keys()].sort()) {
    const c = byType.get(type)!;
    per_type[type] = scores(c.correct, c.predicted, c.gold);
    total.correct += c.correct;
    total.predicted += c.predicted;
    total.gold += c.gold;
  }
  return { mode, micro: scores(total.correct, total.predicted, total.gold), per_type };
}
