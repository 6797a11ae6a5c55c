import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConll } from '../../shared/corpus/conll.ts';
import { findMisalignment } from '../../shared/corpus/align.ts';

const read = (file: string, text: string) => ({ file, sentences: parseConll(text, { file }).sentences });

test('the same tokens with other labels are aligned', () => {
  assert.equal(findMisalignment(read('a', 'x\tO\ny\tO\n\nz\tO\n'), read('b', 'x\tB-X\ny\tO\n\n\nz\tO\n')), null);
});

test('names the first token that differs, by line in both files', () => {
  const m = findMisalignment(read('a.tsv', 'x\tO\n\ny\tO\nz\tO\n'), read('b.tsv', 'x\tO\n\n\ny\tO\nw\tO\n'));
  assert.equal(m, "a.tsv:4 and b.tsv:5: tokens differ ('z' vs 'w')");
});

test('names where a sentence ends in one file and goes on in the other', () => {
  const m = findMisalignment(read('a.tsv', 'x\tO\ny\tO\n'), read('b.tsv', 'x\tO\n\ny\tO\n'));
  assert.equal(m, "a.tsv:2 and b.tsv:2: sentence 1 ends in b.tsv (1 tokens) but goes on in a.tsv with 'y' (2 tokens)");
});

test('names where one file runs out of sentences', () => {
  const m = findMisalignment(read('a.tsv', 'x\tO\n\ny\tO\n'), read('b.tsv', 'x\tO\n'));
  assert.equal(m, 'a.tsv:3 and b.tsv:2: b.tsv ends after 1 sentences, a.tsv has 2');
});
