// Splitting one annotated file into train/dev/test: a seeded shuffle, so the same seed gives the same split
// on every machine.
import { seededShuffle } from '../random.ts';

export interface SplitOptions {
  /** Relative sizes of train, dev and test; need not sum to 1. Default [80, 10, 10]. */
  ratios?: readonly [number, number, number];
  seed?: number;
}

export const DEFAULT_SPLIT = { ratios: [80, 10, 10] as const, seed: 42 };

/** Shuffles with the seed, then cuts train, dev, test by the ratios (dev and test rounded, train takes the rest). */
export function splitSentences<T>(
  items: readonly T[],
  options: SplitOptions = {},
): { train: T[]; dev: T[]; test: T[] } {
  const [rTrain, rDev, rTest] = options.ratios ?? DEFAULT_SPLIT.ratios;
  const seed = options.seed ?? DEFAULT_SPLIT.seed;
  const total = rTrain + rDev + rTest;
  if (![rTrain, rDev, rTest].every((r) => Number.isFinite(r) && r >= 0) || total <= 0) {
    throw new Error(`split ratios must be non-negative numbers with a positive sum, got ${rTrain}/${rDev}/${rTest}`);
  }
  const shuffled = seededShuffle(items, seed);
  const nDev = Math.round((items.length * rDev) / total);
  const nTest = Math.min(items.length - nDev, Math.round((items.length * rTest) / total));
  const nTrain = items.length - nDev - nTest;
  return {
    train: shuffled.slice(0, nTrain),
    dev: shuffled.slice(nTrain, nTrain + nDev),
    test: shuffled.slice(nTrain + nDev),
  };
}
