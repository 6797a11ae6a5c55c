import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prf } from '../../shared/metrics/prf.ts';

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

test("seqeval's documented example: micro 0.5, MISC 0, PER 1", () => {
  const gold = [
    ['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'],
    ['B-PER', 'I-PER', 'O'],
  ];
  const pred = [
    ['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'],
    ['B-PER', 'I-PER', 'O'],
  ];
  const r = prf(gold, pred, 'lenient');
  assert.deepEqual(r.micro, { precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
  assert.deepEqual(r.per_type, {
    MISC: { precision: 0, recall: 0, f1: 0, support: 1 },
    PER: { precision: 1, recall: 1, f1: 1, support: 1 },
  });
});

test('hand-computed mix: micro P 2/4, R 2/3, F1 4/7; per type, types only predicted included', () => {
  const gold = [
    ['B-A', 'I-A', 'O', 'B-B'],
    ['O', 'B-A'],
  ];
  const pred = [
    ['B-A', 'I-A', 'O', 'B-A'],
    ['B-A', 'B-A'],
  ];
  const r = prf(gold, pred, 'strict');
  close(r.micro.precision, 0.5);
  close(r.micro.recall, 2 / 3);
  close(r.micro.f1, 4 / 7);
  assert.equal(r.micro.support, 3);
  close(r.per_type.A.precision, 0.5);
  close(r.per_type.A.recall, 1);
  close(r.per_type.A.f1, 2 / 3);
  assert.deepEqual(r.per_type.B, { precision: 0, recall: 0, f1: 0, support: 1 });
  const onlyPredicted = prf([['O']], [['B-C']], 'strict');
  assert.deepEqual(onlyPredicted.per_type, { C: { precision: 0, recall: 0, f1: 0, support: 0 } });
});

test('empty predictions and all-O gold give 0, never NaN', () => {
  const none = prf([['B-X', 'I-X', 'O', 'B-Y']], [['O', 'O', 'O', 'O']], 'lenient');
  assert.deepEqual(none.micro, { precision: 0, recall: 0, f1: 0, support: 2 });
  const allO = prf([['O', 'O']], [['B-X', 'O']], 'lenient');
  assert.deepEqual(allO.micro, { precision: 0, recall: 0, f1: 0, support: 0 });
  const nothing = prf([['O']], [['O']], 'strict');
  assert.deepEqual(nothing, { mode: 'strict', micro: { precision: 0, recall: 0, f1: 0, support: 0 }, per_type: {} });
});

test('identical sequences score 1', () => {
  const labels = [
    ['B-X', 'I-X', 'O', 'B-Y'],
    ['I-X', 'O'],
  ];
  assert.deepEqual(prf(labels, labels, 'lenient').micro, { precision: 1, recall: 1, f1: 1, support: 3 });
  // Strict mode sees no entity in the stray I-X, in gold as in predictions.
  assert.deepEqual(prf(labels, labels, 'strict').micro, { precision: 1, recall: 1, f1: 1, support: 2 });
});

test('a stray I- predicted where gold has B-: a hit when lenient, a miss when strict', () => {
  const gold = [['B-X', 'I-X', 'O']];
  const pred = [['I-X', 'I-X', 'O']];
  assert.equal(prf(gold, pred, 'lenient').micro.f1, 1);
  assert.deepEqual(prf(gold, pred, 'strict').micro, { precision: 0, recall: 0, f1: 0, support: 1 });
});

test('entities never run across a sentence boundary', () => {
  // Joined without the O between sentences, B-X | I-X would be one entity; seqeval counts two.
  const gold = [
    ['O', 'B-X'],
    ['I-X', 'O'],
  ];
  assert.equal(prf(gold, gold, 'lenient').micro.support, 2);
  assert.equal(
    prf(
      gold,
      [
        ['O', 'B-X'],
        ['B-X', 'O'],
      ],
      'lenient',
    ).micro.f1,
    1,
  );
});

test('sentence and token counts must match', () => {
  assert.throws(() => prf([['O']], [], 'lenient'), /1 sentences, predictions 0/);
  assert.throws(() => prf([['O']], [['O', 'O']], 'lenient'), /sentence 1: gold has 1 tokens, predictions 2/);
});
