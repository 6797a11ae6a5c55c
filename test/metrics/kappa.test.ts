import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cohenKappa } from '../../shared/metrics/kappa.ts';

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

test('hand-computed: p_o 0.5, p_e 0.375, kappa 0.2', () => {
  const k = cohenKappa(['O', 'O', 'B-X', 'I-X'], ['O', 'B-X', 'B-X', 'O']);
  close(k.observed, 0.5);
  close(k.expected, 0.375);
  close(k.kappa, 0.2);
  assert.equal(k.tokens, 4);
});

test('identical sequences give kappa 1', () => {
  const k = cohenKappa(['O', 'B-X', 'I-X', 'O'], ['O', 'B-X', 'I-X', 'O']);
  assert.deepEqual(k, { kappa: 1, observed: 1, expected: 0.375, tokens: 4 });
});

test('degenerate case: both all one label (p_e = 1) is defined as kappa 1', () => {
  assert.deepEqual(cohenKappa(['O', 'O', 'O'], ['O', 'O', 'O']), { kappa: 1, observed: 1, expected: 1, tokens: 3 });
});

test('agreement no better than chance is 0, worse is negative', () => {
  assert.deepEqual(cohenKappa(['O', 'O'], ['B-X', 'B-X']), { kappa: 0, observed: 0, expected: 0, tokens: 2 });
  close(cohenKappa(['O', 'B-X'], ['B-X', 'O']).kappa, -1);
});

test('mismatched or empty sequences are refused', () => {
  assert.throws(() => cohenKappa(['O'], ['O', 'O']), /1 labels with 2/);
  assert.throws(() => cohenKappa([], []), /zero tokens/);
});
