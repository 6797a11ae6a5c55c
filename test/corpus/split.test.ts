import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitSentences } from '../../shared/corpus/split.ts';
import { seededShuffle } from '../../shared/random.ts';

const items = Array.from({ length: 1000 }, (_, i) => i);

test('the same seed gives the same shuffle; another seed another one', () => {
  assert.deepEqual(seededShuffle(items, 7), seededShuffle(items, 7));
  assert.notDeepEqual(seededShuffle(items, 7), seededShuffle(items, 8));
  assert.notDeepEqual(seededShuffle(items, 7), items);
  assert.deepEqual(
    [...seededShuffle(items, 7)].sort((a, b) => a - b),
    items,
  );
});

test('splits 80/10/10 by default, losing and repeating nothing', () => {
  const { train, dev, test: testSplit } = splitSentences(items);
  assert.deepEqual([train.length, dev.length, testSplit.length], [800, 100, 100]);
  assert.deepEqual(
    [...train, ...dev, ...testSplit].sort((a, b) => a - b),
    items,
  );
  assert.deepEqual(splitSentences(items), { train, dev, test: testSplit });
});

test('ratios need not sum to 1 and are validated', () => {
  const s = splitSentences(items.slice(0, 10), { ratios: [2, 1, 1], seed: 1 });
  assert.deepEqual([s.train.length, s.dev.length, s.test.length], [4, 3, 3]);
  assert.deepEqual(splitSentences([], {}), { train: [], dev: [], test: [] });
  assert.throws(() => splitSentences(items, { ratios: [0, 0, 0] }), /positive sum/);
  assert.throws(() => splitSentences(items, { ratios: [1, -1, 1] }), /non-negative/);
});
