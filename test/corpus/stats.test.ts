import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusStats, lengthStats } from '../../shared/corpus/stats.ts';

test('length statistics: median of an even count, nearest-rank p95, histogram', () => {
  const l = lengthStats([4, 1, 3, 10]);
  assert.deepEqual(
    { ...l, histogram: undefined },
    { min: 1, median: 3.5, p95: 10, max: 10, mean: 4.5, histogram: undefined },
  );
  assert.deepEqual(
    l.histogram.map((b) => [b.from, b.to, b.count]),
    [
      [1, 1, 1],
      [2, 2, 0],
      [3, 3, 1],
      [4, 4, 1],
      [5, 5, 0],
      [6, 6, 0],
      [7, 7, 0],
      [8, 8, 0],
      [9, 9, 0],
      [10, 10, 1],
    ],
  );
  const many = lengthStats(Array.from({ length: 100 }, (_, i) => i + 1));
  assert.equal(many.median, 50.5);
  assert.equal(many.p95, 95);
  assert.equal(many.histogram.length, 20);
  assert.deepEqual(many.histogram[0], { from: 1, to: 5, count: 5 });
  assert.deepEqual(lengthStats([]), { min: 0, median: 0, p95: 0, max: 0, mean: 0, histogram: [] });
});

test('corpus statistics count sentences, tokens and mentions per type', () => {
  const s = corpusStats([
    { tokens: ['a', 'b', 'c'], labels: ['B-X', 'I-X', 'B-Y'], line: 1 },
    { tokens: ['d'], labels: ['B-X'], line: 5 },
  ]);
  assert.deepEqual(
    { ...s, lengths: undefined },
    { sentences: 2, tokens: 4, mentions: 3, types: { X: 2, Y: 1 }, lengths: undefined },
  );
  assert.equal(s.lengths.median, 2);
});
