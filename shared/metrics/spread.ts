// The spread of a score over seeds: its mean and sample standard deviation (n − 1 in the denominator, as numpy's
// std(ddof=1) and R's sd), so a user can tell a difference between two models from the noise of training.
// Two passes (the mean first, then the squared deviations from it), which stays exact where the values sit far
// from zero and differ little.

export interface Spread {
  /** How many values (seeds). */
  n: number;
  mean: number;
  /** Sample standard deviation; null for a single value, which says nothing about the spread. */
  sd: number | null;
}

/** Mean and sample standard deviation of `values`; throws on none, or on a value that is not a finite number. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('the spread of no values is undefined');
  const bad = values.find((x) => !Number.isFinite(x));
  if (bad !== undefined) throw new RangeError(`the spread of ${bad} is undefined`);
  const n = values.length;
  const mean = values.reduce((s, x) => s + x, 0) / n;
  if (n === 1) return { n, mean, sd: null };
  const squares = values.reduce((s, x) => s + (x - mean) ** 2, 0);
  return { n, mean, sd: Math.sqrt(squares / (n - 1)) };
}
