// Counts that describe a corpus split: sentences, tokens, mentions per type and the sentence-length distribution.
import type { CorpusStats, LengthStats, Sentence } from './types.ts';
import { entities } from '../metrics/entities.ts';

const MAX_BINS = 20;

/** The smallest width of the form 1, 2 or 5 × 10^k that covers 1..max in at most MAX_BINS bins. */
function binWidth(max: number): number {
  for (let scale = 1; ; scale *= 10) {
    for (const w of [1, 2, 5]) if (Math.ceil(max / (w * scale)) <= MAX_BINS) return w * scale;
  }
}

export function lengthStats(lengths: readonly number[]): LengthStats {
  if (lengths.length === 0) return { min: 0, median: 0, p95: 0, max: 0, mean: 0, histogram: [] };
  const sorted = Float64Array.from(lengths).sort();
  const n = sorted.length;
  const max = sorted[n - 1];
  const width = binWidth(max);
  const histogram = Array.from({ length: Math.max(1, Math.ceil(max / width)) }, (_, b) => ({
    from: b * width + 1,
    to: (b + 1) * width,
    count: 0,
  }));
  for (const len of sorted) histogram[Math.max(0, Math.ceil(len / width) - 1)].count++;
  return {
    min: sorted[0],
    median: n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    p95: sorted[Math.ceil(0.95 * n) - 1],
    max,
    mean: sorted.reduce((s, x) => s + x, 0) / n,
    histogram,
  };
}

/** Statistics of one split (IOB2 labels). */
export function corpusStats(sentences: readonly Sentence[]): CorpusStats {
  const types: Record<string, number> = {};
  let tokens = 0;
  let mentions = 0;
  for (const s of sentences) {
    tokens += s.tokens.length;
    for (const e of entities(s.labels, 'strict')) {
      mentions++;
      types[e.type] = (types[e.type] ?? 0) + 1;
    }
  }
  return {
    sentences: sentences.length,
    tokens,
    mentions,
    types,
    lengths: lengthStats(sentences.map((s) => s.tokens.length)),
  };
}
