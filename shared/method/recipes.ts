// Training recipes to propose per model source: what a pretrained model folder and a from-scratch size preset
// should be fine-tuned with (learning rate, batch size, warmup; the rest as the run config's defaults).
import type { PresetId } from '../models/presets.ts';

export interface Recipe {
  readonly lr: number;
  readonly batchSize: number;
  /** Share of all steps spent warming the learning rate up linearly from 0. */
  readonly warmupRatio: number;
}

/** The paper's (§IV-D) for a pretrained folder: Adam lr 5e-5, batch 8; no warmup, as HF's Trainer by default. */
export const PRETRAINED_RECIPE: Recipe = { lr: 5e-5, batchSize: 8, warmupRatio: 0 };

/**
 * For size presets trained from scratch: the larger the model, the smaller the step it takes without diverging.
 *
 * Micro (2 layers, hidden 128), from a narrower model of its depth: `npm run bench -- recipe 1000 8 64 …` (2026-12-06,
 * 2 × AMD EPYC, shared): a Merged student, BERT 2 layers hidden 64 from scratch (2.1M parameters), the first 1000 training
 * sentences of NCBI-disease and BC5CDR-chem, 8 epochs, seed 1, batches drawn afresh each epoch. Dev F1 (lenient,
 * per-corpus average) by epoch:
 *   lr 5e-5 batch 8, no warmup (the pretrained recipe)   0.0 0.0 0.0 0.0 3.6 12.2 14.3 16.7  (4 epochs all-O)
 *   lr 2e-3 batch 16, no warmup (the benches')           20.1 31.8 40.0 38.6 43.9 45.5 44.7 45.0
 *   lr 2e-3 batch 16, warmup 0.1                         29.5 37.2 43.8 42.1 47.2 49.2 47.7 48.0  (this recipe)
 *   lr 1e-3 batch 16, warmup 0.1                          0.0 37.6 40.9 41.7 46.4 45.4 45.0 45.6
 *   lr 5e-3 batch 16, warmup 0.1                          0.0 20.8 30.8 36.9 36.6 41.7 35.8 36.0
 *   lr 1e-3 batch 16, no warmup                          32.6 37.4 40.3 41.7 46.3 45.2 45.4 45.8
 *   lr 2e-3 batch 8, warmup 0.1                          26.1 33.8 41.4 42.6 43.6 44.5 44.4 44.7  (twice the steps)
 * and over 4 epochs with seeds 2 and 3, lr 2e-3 batch 16: no warmup 0.0 37.4 38.2 39.4 | 22.3 39.8 40.9 41.8;
 * warmup 0.1 0.0 42.2 43.5 42.4 | 0.0 36.6 40.7 42.4. An epoch here is 126 steps: at lr 2e-3 the student leaves
 * all-O within 252 steps with or without warmup (so on the full corpora, 600+ steps an epoch, within the first
 * epoch), at lr 5e-5 only after some 1000 (batch 8). Warmup 0.1 gave the better best F1 with every seed.
 * Batch 8 (lr 2e-3, warmup 0.1; seeds 2 and 3: 30.5 37.1 41.8 44.0 | 34.7 40.9 43.7 43.1) doubles the steps of an
 * epoch, so a corpus this small loses no epoch at all-O, at 1.6 times the time per epoch: worth it for
 * corpora of under some 2000 sentences in all.
 *
 * Tiny (4 layers, hidden 312), `npm run bench -- recipe 1000 2 tiny …` (2026-12-07, 2 × AMD EPYC, shared): at lr 2e-3
 * batch 16 warmup 0.1 it never left all-O (0.0 0.0), and in a run on the full NCBI-disease training split it sat at
 * dev F1 0 for 4 epochs with its training loss rising; at lr 1e-3 it reached 33.5 and 44.2.
 * Distil, Base and Large from scratch are not measured here (an epoch of Base on this CPU takes hours): they get
 * 1e-4, BERT's own pre-training rate, as the larger models diverge at rates the small ones take.
 */
export const FROM_SCRATCH_RECIPES: Readonly<Record<PresetId, Recipe>> = {
  micro: { lr: 2e-3, batchSize: 16, warmupRatio: 0.1 },
  tiny: { lr: 1e-3, batchSize: 16, warmupRatio: 0.1 },
  distil: { lr: 1e-4, batchSize: 16, warmupRatio: 0.1 },
  base: { lr: 1e-4, batchSize: 16, warmupRatio: 0.1 },
  large: { lr: 1e-4, batchSize: 16, warmupRatio: 0.1 },
};

/** One recipe for presets trained from scratch together (they share one in the wizard): the gentlest they need;
 *  Tiny's when there are none. */
export function fromScratchRecipe(presets: readonly PresetId[]): Recipe {
  const recipes = (presets.length > 0 ? presets : (['tiny'] as const)).map((p) => FROM_SCRATCH_RECIPES[p]);
  return recipes.reduce((gentlest, r) => (r.lr < gentlest.lr ? r : gentlest));
}
