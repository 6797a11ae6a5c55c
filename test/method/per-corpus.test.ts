import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TypedCorpus } from '../../shared/corpus/types.ts';
import { meanF1, scoreOnCorpus } from '../../shared/method/per-corpus.ts';

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

// A disease corpus (bare B/I labels, as the shipped files) and a student that also predicts chemicals.
const ncbi: TypedCorpus = {
  name: 'NCBI-disease',
  type: 'Disease',
  sentences: [
    { tokens: ['a', 'b', 'c', 'd', 'e'], labels: ['B', 'I', 'O', 'B', 'O'], line: 1 },
    { tokens: ['f', 'g', 'h'], labels: ['O', 'B', 'O'], line: 7 },
    { tokens: ['i', 'j'], labels: ['B', 'I'], line: 11 },
  ],
};
const student = [
  ['B-Disease', 'I-Disease', 'O', 'B-Chemical', 'O'], // disease 0–2 right; the gold disease at 3 labelled chemical
  ['B-Chemical', 'B-Disease', 'I-Disease'], // disease 1–3 against gold 1–2: wrong span
  ['B-Chemical', 'I-Disease'], // after mapping: O I-Disease — lenient reads an entity 1–2, strict none
];

test('other types become O, then seqeval P/R/F1 on the corpus type (hand-counted)', () => {
  const s = scoreOnCorpus(ncbi, student);
  assert.equal(s.corpus, 'NCBI-disease');
  assert.equal(s.type, 'Disease');
  // Lenient: gold 4 entities; predicted disease 0–2, 1–3, 1–2 (3); correct 0–2 (1). P 1/3, R 1/4, F1 2/7.
  close(s.lenient.precision, 1 / 3);
  close(s.lenient.recall, 1 / 4);
  close(s.lenient.f1, 2 / 7);
  assert.equal(s.lenient.support, 4);
  // Strict: the stray I-Disease makes no entity. P 1/2, R 1/4, F1 1/3.
  close(s.strict.precision, 1 / 2);
  close(s.strict.recall, 1 / 4);
  close(s.strict.f1, 1 / 3);
  // Chemicals at s0 3–4, s1 0–1, s2 0–1 were set aside.
  assert.equal(s.otherTypeEntities, 3);
});

test('a model predicting only the corpus type is scored as is', () => {
  const gold = ncbi.sentences.map((s) => s.labels.map((l) => (l === 'O' ? 'O' : `${l}-Disease`)));
  const s = scoreOnCorpus(ncbi, gold);
  assert.deepEqual([s.lenient.f1, s.strict.f1, s.otherTypeEntities], [1, 1, 0]);
});

test('the mean F1 over corpora weighs every corpus equally', () => {
  const a = scoreOnCorpus(ncbi, student);
  const b = scoreOnCorpus(
    ncbi,
    ncbi.sentences.map((s) => s.labels.map((l) => (l === 'O' ? 'O' : `${l}-Disease`))),
  );
  close(meanF1([a, b]), (2 / 7 + 1) / 2);
  close(meanF1([a, b], 'strict'), (1 / 3 + 1) / 2);
  assert.throws(() => meanF1([]), /no corpus scores/);
});

test('mismatched or wrongly typed input is refused', () => {
  assert.throws(() => scoreOnCorpus(ncbi, student.slice(0, 2)), /3 sentences, but 2 predicted/);
  assert.throws(() => scoreOnCorpus(ncbi, [student[0], student[1], ['O']]), /sentence 3: gold has 2 tokens/);
  const mixed: TypedCorpus = { ...ncbi, sentences: [{ tokens: ['x'], labels: ['B-Chemical'], line: 3 }] };
  assert.throws(() => scoreOnCorpus(mixed, [['O']]), /line 3: label 'B-Chemical' is of type Chemical/);
});
