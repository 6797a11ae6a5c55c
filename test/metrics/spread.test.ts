// Mean and sample standard deviation over seeds, against their definitions and Python's statistics module
// (exact fractions: statistics.stdev), at the edges: one value, equal values, values far from zero, none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spread } from '../../shared/metrics/spread.ts';

const close = (actual: number | null, expected: number, tolerance = 1e-12) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected}`);

test('the sample standard deviation divides by n − 1 (statistics.stdev)', () => {
  const s = spread([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(s.n, 8);
  assert.equal(s.mean, 5);
  close(s.sd, 2.138089935299395); // the population deviation (÷ n) would be 2
  close(spread([3, 5]).sd, Math.SQRT2);
  const f1 = spread([0.4655, 0.4572, 0.4738]);
  close(f1.mean, 0.4655);
  close(f1.sd, 0.008300000000000002);
});

test('one value has a mean and no deviation', () => {
  assert.deepEqual(spread([0.4655]), { n: 1, mean: 0.4655, sd: null });
});

test('equal values deviate by exactly 0', () => {
  assert.deepEqual(spread([0.25, 0.25, 0.25]), { n: 3, mean: 0.25, sd: 0 });
});

test('values far from zero that differ little keep their deviation (two passes, no cancellation)', () => {
  const s = spread([1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3]);
  close(s.sd, 0.09999996423721906, 1e-9);
});

test('no values, or a value that is not a number, is refused', () => {
  assert.throws(() => spread([]), /spread of no values is undefined/);
  assert.throws(() => spread([0.5, NaN]), /spread of NaN is undefined/);
  assert.throws(() => spread([0.5, Infinity]), /spread of Infinity/);
});
