import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entities } from '../../shared/metrics/entities.ts';

const spans = (labels: string[], mode: 'lenient' | 'strict') =>
  entities(labels, mode).map((e) => `${e.type}[${e.start},${e.end})`);

test('a B- then I- of the same type is one entity in both modes', () => {
  for (const mode of ['lenient', 'strict'] as const) {
    assert.deepEqual(spans(['B-PER', 'I-PER', 'O', 'B-LOC'], mode), ['PER[0,2)', 'LOC[3,4)']);
  }
});

test('an I- after O starts an entity when lenient, makes none when strict', () => {
  assert.deepEqual(spans(['O', 'I-X', 'I-X', 'O'], 'lenient'), ['X[1,3)']);
  assert.deepEqual(spans(['O', 'I-X', 'I-X', 'O'], 'strict'), []);
  assert.deepEqual(spans(['I-X'], 'lenient'), ['X[0,1)']);
  assert.deepEqual(spans(['I-X'], 'strict'), []);
});

test('a type change inside a span (B-A I-B) splits it when lenient and cuts it when strict', () => {
  assert.deepEqual(spans(['B-A', 'I-B'], 'lenient'), ['A[0,1)', 'B[1,2)']);
  assert.deepEqual(spans(['B-A', 'I-B'], 'strict'), ['A[0,1)']);
  assert.deepEqual(spans(['B-A', 'I-A', 'I-B', 'I-B', 'O'], 'lenient'), ['A[0,2)', 'B[2,4)']);
  assert.deepEqual(spans(['B-A', 'I-A', 'I-B', 'I-B', 'O'], 'strict'), ['A[0,2)']);
});

test('entities at the end of a sentence are closed', () => {
  for (const mode of ['lenient', 'strict'] as const) {
    assert.deepEqual(spans(['O', 'B-X', 'I-X'], mode), ['X[1,3)']);
    assert.deepEqual(spans(['O', 'O', 'B-X'], mode), ['X[2,3)']);
  }
});

test('adjacent entities (B-X B-X, B-X B-Y) stay apart', () => {
  for (const mode of ['lenient', 'strict'] as const) {
    assert.deepEqual(spans(['B-X', 'B-X', 'I-X'], mode), ['X[0,1)', 'X[1,3)']);
    assert.deepEqual(spans(['B-X', 'B-Y'], mode), ['X[0,1)', 'Y[1,2)']);
  }
});

test('untyped labels have the type _ (as seqeval) and all-O has no entity', () => {
  assert.deepEqual(spans(['B', 'I', 'O', 'I'], 'lenient'), ['_[0,2)', '_[3,4)']);
  assert.deepEqual(spans(['B', 'I', 'O', 'I'], 'strict'), ['_[0,2)']);
  assert.deepEqual(spans(['O', 'O'], 'lenient'), []);
  assert.deepEqual(spans([], 'strict'), []);
});

test('lenient mode reads E- and S- as seqeval does; strict mode refuses them', () => {
  assert.deepEqual(spans(['B-X', 'E-X', 'S-Y', 'O'], 'lenient'), ['X[0,2)', 'Y[2,3)']);
  // After E-X, an I-X starts a new chunk (start_of_chunk: prev E, tag I).
  assert.deepEqual(spans(['B-X', 'E-X', 'I-X'], 'lenient'), ['X[0,2)', 'X[2,3)']);
  assert.throws(() => entities(['S-X'], 'strict'), /IOB2 labels only/);
  assert.throws(() => entities(['Q-X'], 'lenient'), /not a label/);
});
