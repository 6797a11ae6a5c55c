import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sentence } from '../../shared/corpus/types.ts';
import { analyseErrors, categorise } from '../../shared/method/errors.ts';

// A gene corpus (type Gene, bare labels) and a three-type student's predictions, one sentence per situation.
const sentences: Sentence[] = [
  { tokens: ['HFE', 'protein', 'and', 'ORF3', 'or', 'occ'], labels: ['B', 'I', 'O', 'B', 'O', 'B'], line: 1 },
  { tokens: ['estrogen', 'receptor', 'alpha', 'binds'], labels: ['B', 'I', 'O', 'O'], line: 8 },
  { tokens: ['PDZ', 'domain', 'lupus', 'nephritis'], labels: ['O', 'O', 'O', 'O'], line: 13 },
  { tokens: ['type', 'VII', 'collagen'], labels: ['B', 'I', 'I'], line: 18 },
];
const predictions = [
  // gene 0–2 exact (CORRECT); gold gene 3–4 predicted chemical (WLRS); gold gene 5–6 untouched (CFN)
  ['B-Gene', 'I-Gene', 'O', 'B-Chemical', 'O', 'O'],
  // gold gene 0–2: chemical 0–1 (WLOS) and gene 1–3 (RLOS), so not a CFN
  ['B-Chemical', 'B-Gene', 'I-Gene', 'O'],
  // no gold: gene 0–1 (CFP), disease 2–4 (NEW)
  ['B-Gene', 'O', 'B-Disease', 'I-Disease'],
  // gold gene 0–3: gene 1–2 inside it (RLOS)
  ['O', 'B-Gene', 'O'],
];

test('each category on hand-made sentences', () => {
  const r = analyseErrors(sentences, 'Gene', predictions);
  assert.deepEqual(r.counts, { CORRECT: 1, NEW: 1, CFP: 1, CFN: 1, WLRS: 1, WLOS: 1, RLOS: 2 });
  assert.equal(r.type, 'Gene');
  assert.equal(r.mode, 'lenient');
  assert.deepEqual(r.examples, [
    { category: 'CORRECT', sentence: 0, predicted: { type: 'Gene', start: 0, end: 2 }, gold: [{ type: 'Gene', start: 0, end: 2 }] },
    { category: 'WLRS', sentence: 0, predicted: { type: 'Chemical', start: 3, end: 4 }, gold: [{ type: 'Gene', start: 3, end: 4 }] },
    { category: 'CFN', sentence: 0, predicted: null, gold: [{ type: 'Gene', start: 5, end: 6 }] },
    { category: 'WLOS', sentence: 1, predicted: { type: 'Chemical', start: 0, end: 1 }, gold: [{ type: 'Gene', start: 0, end: 2 }] },
    { category: 'RLOS', sentence: 1, predicted: { type: 'Gene', start: 1, end: 3 }, gold: [{ type: 'Gene', start: 0, end: 2 }] },
    { category: 'CFP', sentence: 2, predicted: { type: 'Gene', start: 0, end: 1 }, gold: [] },
    { category: 'NEW', sentence: 2, predicted: { type: 'Disease', start: 2, end: 4 }, gold: [] },
    { category: 'RLOS', sentence: 3, predicted: { type: 'Gene', start: 1, end: 2 }, gold: [{ type: 'Gene', start: 0, end: 3 }] },
  ]);
});

test('predicted categories add up to the predicted entities; CFN counts gold entities', () => {
  const { counts } = analyseErrors(sentences, 'Gene', predictions);
  const predicted = counts.CORRECT + counts.NEW + counts.CFP + counts.WLRS + counts.WLOS + counts.RLOS;
  assert.equal(predicted, 7);
});

test('examples are capped per category; counts stay complete', () => {
  const r = analyseErrors(sentences, 'Gene', predictions, { examplesPerCategory: 1 });
  assert.equal(r.counts.RLOS, 2);
  assert.deepEqual(
    r.examples.filter((e) => e.category === 'RLOS').map((e) => e.sentence),
    [1],
  );
});

test('categorise: span first, then overlap, then type', () => {
  const gold = [{ type: 'Gene', start: 2, end: 5 }];
  assert.equal(categorise({ type: 'Gene', start: 2, end: 5 }, gold, 'Gene'), 'CORRECT');
  assert.equal(categorise({ type: 'Disease', start: 2, end: 5 }, gold, 'Gene'), 'WLRS');
  assert.equal(categorise({ type: 'Gene', start: 4, end: 7 }, gold, 'Gene'), 'RLOS');
  assert.equal(categorise({ type: 'Disease', start: 0, end: 3 }, gold, 'Gene'), 'WLOS');
  // [0, 2) and [2, 5) share no token: no overlap.
  assert.equal(categorise({ type: 'Gene', start: 0, end: 2 }, gold, 'Gene'), 'CFP');
  assert.equal(categorise({ type: 'Disease', start: 5, end: 6 }, gold, 'Gene'), 'NEW');
});

test('strict mode chunks a stray I- as nothing', () => {
  const s: Sentence[] = [{ tokens: ['a', 'b'], labels: ['B', 'O'], line: 1 }];
  assert.equal(analyseErrors(s, 'Gene', [['I-Gene', 'O']]).counts.CORRECT, 1);
  const strict = analyseErrors(s, 'Gene', [['I-Gene', 'O']], { mode: 'strict' });
  assert.deepEqual([strict.counts.CORRECT, strict.counts.CFN], [0, 1]);
});

test('bad input is refused with a clear message', () => {
  assert.throws(() => analyseErrors(sentences, 'Gene', predictions.slice(1)), /4 sentences, but 3 predicted/);
  assert.throws(() => analyseErrors(sentences, 'Gene', [['O'], ...predictions.slice(1)]), /sentence 1 \(line 1\): 6 tokens, but 1/);
  assert.throws(() => analyseErrors(sentences, 'Gene', [['B', 'I', 'O', 'O', 'O', 'O'], ...predictions.slice(1)]), /bare B\/I/);
  const other: Sentence[] = [{ tokens: ['x'], labels: ['B-Disease'], line: 4 }];
  assert.throws(() => analyseErrors(other, 'Gene', [['O']]), /line 4\), token 1: 'B-Disease' is not of type Gene/);
});
