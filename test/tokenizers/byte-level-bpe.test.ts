// Byte-level BPE on a hand-written vocab.json + merges.txt: merges by rank, GPT-2's byte table, the
// leading "Ġ" every pre-split word gets, and tokenizer.json giving the same ids as the two slow files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToUnicode } from '../../shared/tokenizers/byte-level-bpe.ts';
import { encodeSentence } from '../../shared/tokenizers/encode.ts';
import { loadTokenizer } from '../../main/models/tokenizer-files.ts';

const TOKENS = [
  '<s>',
  '<pad>',
  '</s>',
  '<unk>',
  '<mask>',
  'Ġ',
  'l',
  'o',
  'w',
  'e',
  'r',
  '-',
  'a',
  'b',
  'Ġl',
  'ow',
  'Ġlow',
  'er',
  'Ġlower',
  'we',
  'Ġa',
  'Ã',
  '©',
  'Ä',
  'ģ',
];
const VOCAB = Object.fromEntries(TOKENS.map((t, i) => [t, i]));
// Rank = line order. "w e" ranks after "o w", so "owe" must become ow + e, never o + we.
const MERGES = ['Ġ l', 'o w', 'Ġl ow', 'e r', 'l o', 'Ġlow er', 'w e', 'Ġ a'];

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpe-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const slowDir = folder({ 'vocab.json': JSON.stringify(VOCAB), 'merges.txt': `#version: 0.2\n${MERGES.join('\n')}\n` });
const fastDir = folder({
  'tokenizer.json': JSON.stringify({
    version: '1.0',
    added_tokens: [{ id: 4, content: '<mask>', special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'RobertaProcessing',
      sep: ['</s>', 2],
      cls: ['<s>', 0],
      trim_offsets: true,
      add_prefix_space: false,
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      vocab: VOCAB,
      merges: MERGES.map((m) => m.split(' ')),
    },
  }),
});
test.after(() => [slowDir, fastDir].forEach((d) => rmSync(d, { recursive: true, force: true })));

const id = (t: string) => VOCAB[t] as number;

test("GPT-2's byte table: printable bytes map to themselves, the rest from U+0100 on", () => {
  const table = bytesToUnicode();
  assert.equal(table.length, 256);
  assert.equal(new Set(table).size, 256);
  assert.equal(table[0x21], '!');
  assert.equal(table[0xc3], 'Ã');
  assert.equal(table[0x00], '\u0100');
  assert.equal(table[0x20], 'Ġ'); // the 33rd unprintable byte: U+0100 + 32
  assert.equal(table[0x81], 'ģ'); // after 0x00–0x20, 0x7F, 0x80: U+0100 + 35
  assert.equal(table[0xad], '\u0143'); // soft hyphen, the last unprintable: U+0100 + 67
});

for (const [kind, dir] of [
  ['vocab.json + merges.txt', slowDir],
  ['tokenizer.json', fastDir],
] as const) {
  test(`${kind}: merges apply by rank, every word gets the prefix space`, () => {
    const { tokenizer } = loadTokenizer(dir);
    assert.deepEqual(tokenizer.special, { cls: 0, sep: 2, pad: 1, unk: 3, mask: 4 });
    // Ġ l o w e r → Ġl o w e r (rank 0) → Ġl ow e r (1) → Ġlow e r (2) → Ġlow er (3) → Ġlower (5)
    assert.deepEqual(tokenizer.wordIds('lower'), [id('Ġlower')]);
    // Ġ o w e: "o w" (1) beats "w e" (6); then no merge joins Ġ+ow or ow+e
    assert.deepEqual(tokenizer.wordIds('owe'), [id('Ġ'), id('ow'), id('e')]);
    // GPT-2's pattern splits " a-b" into " a", "-", "b"
    assert.deepEqual(tokenizer.wordIds('a-b'), [id('Ġa'), id('-'), id('b')]);
    // é = C3 A9 → "Ã©"; ā = C4 81 → "Äģ"
    assert.deepEqual(tokenizer.wordIds('é'), [id('Ġ'), id('Ã'), id('©')]);
    assert.deepEqual(tokenizer.wordIds('ā'), [id('Ġ'), id('Ä'), id('ģ')]);
    // The first word of a sentence gets its "Ġ" too (is_split_into_words + add_prefix_space)
    const [window] = encodeSentence(tokenizer, { words: ['lower', 'owe'] });
    assert.deepEqual(window.inputIds, [0, id('Ġlower'), id('Ġ'), id('ow'), id('e'), 2]);
    assert.deepEqual(window.labelPositions, [1, 2]);
  });
}

test('merges.txt: a line that is not a pair names the file and line', () => {
  const bad = folder({ 'vocab.json': JSON.stringify(VOCAB), 'merges.txt': '#version: 0.2\nĠ l\nowe\n' });
  try {
    assert.throws(() => loadTokenizer(bad), /merges\.txt:3: expected two symbols/);
  } finally {
    rmSync(bad, { recursive: true, force: true });
  }
});
