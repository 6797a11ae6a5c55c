import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatConll, formatIssue, parseConll } from '../../shared/corpus/conll.ts';

const labelsOf = (text: string, options = {}) =>
  parseConll(text, { file: 'x.tsv', ...options }).sentences.map((s) => s.labels);

test('reads tokens, labels and line numbers; skips -DOCSTART- and extra blank lines', () => {
  const r = parseConll('-DOCSTART-\tO\n\nA\tB-X\nb\tI-X\n\n\n\nc\tO\n', { file: 'x.tsv' });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.sentences, [
    { tokens: ['A', 'b'], labels: ['B-X', 'I-X'], line: 3 },
    { tokens: ['c'], labels: ['O'], line: 8 },
  ]);
  assert.equal(r.scheme, 'iob2');
});

test('tolerates CRLF, a UTF-8 BOM, trailing spaces, extra columns and space-separated columns', () => {
  const text = '\ufeffA\tNN\tB-X  \r\nb\tNN\tI-X\r\n \r\nc d O\r\ne  f   B-Y \r\n';
  const r = parseConll(text, { file: 'x.tsv' });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.sentences, [
    { tokens: ['A', 'b'], labels: ['B-X', 'I-X'], line: 1 },
    { tokens: ['c', 'e'], labels: ['O', 'B-Y'], line: 4 },
  ]);
});

test('collects every error with its line, not just the first', () => {
  const r = parseConll('a\tO\nb\n\nc\tB-X\nd\tQ-X\ne\tb-X\n', { file: 'bad.tsv' });
  assert.equal(r.errorCount, 3);
  assert.deepEqual(r.errors.map(formatIssue), [
    "bad.tsv:2: missing label column: expected TOKEN and LABEL separated by a tab, found only 'b'",
    "bad.tsv:5: bad label 'Q-X': expected O, or B-/I- (E-/S- in BIOES) followed by an entity type",
    "bad.tsv:6: bad label 'b-X': expected O, or B-/I- (E-/S- in BIOES) followed by an entity type",
  ]);
  // Sentences with an error are left out; the others are kept.
  assert.deepEqual(r.sentences, []);
});

test('caps the kept errors but counts them all', () => {
  const text = Array.from({ length: 30 }, (_, i) => `t${i}\tBAD`).join('\n');
  const r = parseConll(text, { file: 'x.tsv', maxIssues: 5 });
  assert.equal(r.errors.length, 5);
  assert.equal(r.errorCount, 30);
  assert.deepEqual(
    r.errors.map((e) => e.line),
    [1, 2, 3, 4, 5],
  );
});

test('an empty or blank-only file is an error', () => {
  for (const text of ['', '\n\n  \n', '-DOCSTART- O\n\n']) {
    const r = parseConll(text, { file: 'empty.tsv' });
    assert.equal(r.errorCount, 1);
    assert.match(formatIssue(r.errors[0]), /^empty\.tsv:1: empty file/);
  }
});

test('a stray I-X is repaired to B-X and reported by default, refused under "error", kept under "keep"', () => {
  const text = 'a\tO\nb\tI-X\nc\tB-Y\nd\tI-X\n\ne\tI-Y\n';
  const fixed = parseConll(text, { file: 'x.tsv', scheme: 'iob2' });
  assert.deepEqual(
    fixed.sentences.map((s) => s.labels),
    [['O', 'B-X', 'B-Y', 'B-X'], ['B-Y']],
  );
  assert.deepEqual(fixed.repairs.map(formatIssue), [
    'x.tsv:2: stray I-X after O: read as B-X',
    'x.tsv:4: stray I-X after B-Y: read as B-X',
    'x.tsv:6: stray I-Y at the start of a sentence: read as B-Y',
  ]);
  assert.equal(fixed.errorCount, 0);

  const refused = parseConll(text, { file: 'x.tsv', scheme: 'iob2', repair: 'error' });
  assert.deepEqual(
    refused.errors.map((e) => e.line),
    [2, 4, 6],
  );
  assert.equal(refused.repairCount, 0);
  assert.deepEqual(refused.sentences, []);

  const kept = parseConll(text, { file: 'x.tsv', scheme: 'iob2', repair: 'keep' });
  assert.deepEqual(
    kept.sentences.map((s) => s.labels),
    [['O', 'I-X', 'B-Y', 'I-X'], ['I-Y']],
  );
  assert.equal(kept.repairCount + kept.errorCount, 0);
});

test('IOB1 converts to IOB2 without repairs, and is detected', () => {
  const text = 'a\tI-X\nb\tI-X\nc\tB-X\nd\tO\ne\tI-Y\nf\tI-X\n';
  const r = parseConll(text, { file: 'x.tsv' });
  assert.equal(r.scheme, 'iob1');
  assert.deepEqual(r.sentences[0].labels, ['B-X', 'I-X', 'B-X', 'O', 'B-Y', 'B-X']);
  assert.equal(r.repairCount, 0);
});

test('BIOES and BILOU convert to IOB2 and are detected; broken sequences are reported', () => {
  assert.deepEqual(labelsOf('a\tB-X\nb\tI-X\nc\tE-X\nd\tS-Y\ne\tO\n'), [['B-X', 'I-X', 'I-X', 'B-Y', 'O']]);
  assert.deepEqual(labelsOf('a\tB-X\nb\tL-X\nc\tU-Y\n'), [['B-X', 'I-X', 'B-Y']]);
  assert.equal(parseConll('a\tU-X\n', { file: 'x' }).scheme, 'bioes');

  const broken = parseConll('a\tB-X\nb\tO\nc\tE-Y\nd\tB-Z\ne\tI-Z\n', { file: 'x.tsv', scheme: 'bioes' });
  assert.deepEqual(broken.sentences[0].labels, ['B-X', 'O', 'B-Y', 'B-Z', 'I-Z']);
  assert.deepEqual(broken.repairs.map(formatIssue), [
    'x.tsv:1: B-X is not followed by I- or E- of its type: the entity is read as ending here',
    'x.tsv:3: stray E-Y after O: read as B-Y',
    'x.tsv:5: I-Z is not followed by I- or E- of its type: the entity is read as ending here',
  ]);
});

test('labels outside the chosen scheme are errors that name the scheme', () => {
  const r = parseConll('a\tB-X\nb\tE-X\n', { file: 'x.tsv', scheme: 'iob2' });
  assert.deepEqual(r.errors.map(formatIssue), [
    "x.tsv:2: label 'E-X' is not IOB2 (E- belongs to BIOES; choose the bioes scheme)",
  ]);
});

test('untyped labels (B, I) are read as they are', () => {
  assert.deepEqual(labelsOf('a\tB\nb\tI\nc\tO\nd\tI\n'), [['B', 'I', 'O', 'B']]);
});

test('formatConll writes what parseConll reads back', () => {
  const sentences = [
    { tokens: ['A', 'b'], labels: ['B-X', 'I-X'] },
    { tokens: ['c'], labels: ['O'] },
  ];
  const text = formatConll(sentences);
  assert.equal(text, 'A\tB-X\nb\tI-X\n\nc\tO\n\n');
  assert.deepEqual(
    parseConll(text, { file: 'x' }).sentences.map(({ tokens, labels }) => ({ tokens, labels })),
    sentences,
  );
});
