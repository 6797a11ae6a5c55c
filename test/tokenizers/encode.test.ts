// Sentences → windows → padded batches → per-word predictions, on the shipped uncased vocabulary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bertTokenizerFromVocabTxt } from '../../shared/tokenizers/tokenizer-config.ts';
import { encodeSentence, encodeSentences, padBatch, stitchWords } from '../../shared/tokenizers/encode.ts';
import { IGNORE_LABEL } from '../../shared/models/ignore-label.ts';

const dir = fileURLToPath(new URL('../../resources/models/bert-uncased-vocab/', import.meta.url));
const vocabText = readFileSync(dir + 'vocab.txt', 'utf8');
const lines = vocabText.split('\n');
const id = (piece: string) => lines.indexOf(piece);
const tokenizer = bertTokenizerFromVocabTxt(vocabText, {}, 'vocab.txt');

test('labels sit on first subwords; other subwords and specials are ignored; an empty word gets [UNK]', () => {
  // beta-catenin → beta - cat ##eni ##n (5 pieces); "\u200b" cleans to nothing → [UNK]
  const [w] = encodeSentence(tokenizer, { words: ['beta-catenin', '\u200b', 'p53'], labels: [1, 0, 2] });
  assert.deepEqual(w.inputIds, [
    101,
    id('beta'),
    id('-'),
    id('cat'),
    id('##eni'),
    id('##n'),
    100,
    id('p'),
    id('##53'),
    102,
  ]);
  assert.deepEqual(w.wordIds, [null, 0, 0, 0, 0, 0, 1, 2, 2, null]);
  assert.deepEqual(w.labelPositions, [1, 6, 7]);
  assert.deepEqual(w.labels, [
    IGNORE_LABEL,
    1,
    IGNORE_LABEL,
    IGNORE_LABEL,
    IGNORE_LABEL,
    IGNORE_LABEL,
    0,
    2,
    IGNORE_LABEL,
    IGNORE_LABEL,
  ]);
  assert.deepEqual(w.tokenTypeIds, new Array(10).fill(0));
});

test('a long sentence is split into windows; every word is predicted in exactly one, with context', () => {
  // 60 words of two pieces each ("p53" → p ##53) = 120 subwords; maxLength 20 → 18 per window,
  // stride 4 → cores of at most 10 subwords = 5 words; 12 windows.
  const words = Array.from({ length: 60 }, () => 'p53');
  const labels = words.map((_, i) => i % 3);
  const windows = encodeSentence(tokenizer, { words, labels }, { maxLength: 20, stride: 4 });
  assert.equal(windows.length, 12);
  const owners = new Array(60).fill(0);
  for (const w of windows) {
    assert.ok(w.inputIds.length <= 20);
    assert.equal(w.inputIds[0], 101);
    assert.equal(w.inputIds.at(-1), 102);
    w.labelWords.forEach((word, i) => {
      owners[word]++;
      assert.equal(w.wordIds[w.labelPositions[i]], word);
      assert.equal(w.labels![w.labelPositions[i]], labels[word]);
      const before = w.wordIds.slice(1, w.labelPositions[i]).length;
      const after = w.wordIds.slice(w.labelPositions[i] + 2, -1).length;
      if (word >= 2) assert.ok(before >= 4, `word ${word} has ${before} subwords of left context`);
      if (word <= 57) assert.ok(after >= 4, `word ${word} has ${after} subwords of right context`);
    });
    // context words carry no labels: only the owned positions are labelled
    assert.equal(w.labels!.filter((l) => l !== IGNORE_LABEL).length, w.labelWords.length);
  }
  assert.deepEqual(owners, new Array(60).fill(1));
  // Stitching per-subword predictions (here: the gold labels back) restores one value per word.
  const [stitched] = stitchWords(windows, [60], (k, p) => windows[k].labels![p]);
  assert.deepEqual(stitched, labels);
});

test('stitching fails loudly when a window is missing', () => {
  const windows = encodeSentence(tokenizer, { words: Array(30).fill('p53') }, { maxLength: 20, stride: 4 });
  assert.throws(() => stitchWords(windows.slice(1), [30], () => 0), /sentence 0: word 0 has no prediction/);
});

test('bad options and mismatched labels are refused', () => {
  assert.throws(
    () => encodeSentence(tokenizer, { words: ['a'] }, { maxLength: 10, stride: 4 }),
    /stride 4 leaves no room/,
  );
  assert.throws(() => encodeSentence(tokenizer, { words: ['a', 'b'], labels: [0] }), /2 words but 1 labels/);
});

test('padBatch pads ids with the pad id, masks padding, labels padding as ignored', () => {
  const windows = encodeSentences(tokenizer, [
    { words: ['dna'], labels: [1] },
    { words: ['p53', 'dna'], labels: [2, 0] },
  ]);
  const batch = padBatch(windows, tokenizer.special.pad);
  assert.equal(batch.size, 2);
  assert.equal(batch.length, 5);
  assert.deepEqual([...batch.inputIds], [101, id('dna'), 102, 0, 0, 101, id('p'), id('##53'), id('dna'), 102]);
  assert.deepEqual([...batch.attentionMask], [1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
  assert.deepEqual([...batch.labels!], [-100, 1, -100, -100, -100, -100, 2, -100, 0, -100]);
  assert.equal(padBatch(windows, 0, 8).length, 8);
  assert.throws(() => padBatch(windows, 0, 4), /more than the batch length 4/);
  const stitched = stitchWords(windows, [1, 2], (k, p) => batch.inputIds[k * batch.length + p]);
  assert.deepEqual(stitched, [[id('dna')], [id('p'), id('dna')]]);
});

test('BC2GM test: every word of every sentence comes back from its windows, long sentences included', () => {
  const sentences: { words: string[]; labels: number[] }[] = [];
  let words: string[] = [];
  let labels: number[] = [];
  const tags = ['O', 'B-GENE', 'I-GENE'];
  for (const line of readFileSync(
    fileURLToPath(new URL('../../resources/datasets/BC2GM/test.tsv', import.meta.url)),
    'utf8',
  ).split('\n')) {
    const [word, tag] = line.split('\t');
    if (word) {
      words.push(word);
      labels.push(Math.max(0, tags.indexOf(tag?.trim())));
    } else if (words.length) {
      sentences.push({ words, labels });
      [words, labels] = [[], []];
    }
  }
  const options = { maxLength: 64, stride: 16 };
  const windows = encodeSentences(tokenizer, sentences, options);
  assert.ok(windows.length > sentences.length, 'some BC2GM sentences exceed 64 subwords');
  assert.ok(windows.every((w) => w.inputIds.length <= 64));
  const stitched = stitchWords(
    windows,
    sentences.map((s) => s.words.length),
    (k, p) => windows[k].labels![p],
  );
  assert.deepEqual(
    stitched,
    sentences.map((s) => s.labels),
  );
});
