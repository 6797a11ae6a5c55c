import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeCorpora } from '../../shared/corpus/merge.ts';
import type { Sentence } from '../../shared/corpus/types.ts';

const sentence = (labels: string[], line = 1): Sentence => ({ tokens: labels.map((_, i) => `t${i}`), labels, line });

test('concatenates in the given order, types the labels, keeps provenance and builds Y_multi', () => {
  const merged = mergeCorpora([
    { name: 'genes', type: 'GENE', sentences: [sentence(['B', 'I', 'O'])] },
    { name: 'diseases', type: 'Disease', sentences: [sentence(['O', 'B-Disease']), sentence(['B', 'O'], 4)] },
  ]);
  assert.deepEqual(
    merged.sentences.map((s) => s.labels),
    [
      ['B-GENE', 'I-GENE', 'O'],
      ['O', 'B-Disease'],
      ['B-Disease', 'O'],
    ],
  );
  assert.deepEqual(merged.provenance, [0, 1, 1]);
  assert.deepEqual(merged.sources, [
    { name: 'genes', type: 'GENE', start: 0, end: 1 },
    { name: 'diseases', type: 'Disease', start: 1, end: 3 },
  ]);
  assert.deepEqual(merged.labels, ['B-GENE', 'I-GENE', 'B-Disease', 'I-Disease', 'O']);
  assert.equal(merged.sentences[2].line, 4);
});

test('the label order follows the corpus order, not the alphabet', () => {
  const corpora = [
    { name: 'c', type: 'Chemical', sentences: [sentence(['O'])] },
    { name: 'a', type: 'Anatomy', sentences: [sentence(['O'])] },
  ];
  assert.deepEqual(mergeCorpora(corpora).labels, ['B-Chemical', 'I-Chemical', 'B-Anatomy', 'I-Anatomy', 'O']);
  assert.deepEqual(mergeCorpora(corpora.slice().reverse()).labels, [
    'B-Anatomy',
    'I-Anatomy',
    'B-Chemical',
    'I-Chemical',
    'O',
  ]);
  // Two corpora of one type list it once.
  assert.deepEqual(mergeCorpora([corpora[0], corpora[0]]).labels, ['B-Chemical', 'I-Chemical', 'O']);
});

test('refuses labels of another type, non-IOB2 labels, bad types and nothing to merge', () => {
  assert.throws(
    () => mergeCorpora([{ name: 'ncbi', type: 'Disease', sentences: [sentence(['O', 'B-GENE'], 10)] }]),
    /corpus ncbi, line 11: label 'B-GENE' is of type GENE, but the corpus was given as type Disease/,
  );
  assert.throws(() => mergeCorpora([{ name: 'x', type: 'X', sentences: [sentence(['S-X'])] }]), /not an IOB2 label/);
  assert.throws(() => mergeCorpora([{ name: 'x', type: '', sentences: [] }]), /not a usable entity type/);
  assert.throws(() => mergeCorpora([]), /no corpora/);
});
