// WordPiece on the shipped uncased BERT vocabulary. Expected pieces were derived by hand: BERT's basic
// tokenizer first (lowercase, strip accents, split off every punctuation character), then greedy
// longest-match-first against vocab.txt; the comments name the longer candidates that vocab.txt lacks.
// Ids come from vocab.txt's line numbers (read here directly, not through the code under test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bertBasicTokens, UNCASED_BERT } from '../../shared/tokenizers/bert-basic.ts';
import { tokenizerFromJson } from '../../shared/tokenizers/tokenizer-json.ts';
import { bertTokenizerFromVocabTxt } from '../../shared/tokenizers/tokenizer-config.ts';
import { WORD_CACHE_SIZE } from '../../shared/tokenizers/tokenizer.ts';
import { wordPieces, parseVocabTxt } from '../../shared/tokenizers/wordpiece.ts';

const dir = fileURLToPath(new URL('../../resources/models/bert-uncased-vocab/', import.meta.url));
const vocabText = readFileSync(dir + 'vocab.txt', 'utf8');
const lines = vocabText.split('\n');
const id = (piece: string): number => {
  const line = lines.indexOf(piece);
  assert.ok(line >= 0, `test setup: "${piece}" should be in vocab.txt`);
  return line;
};
const config = JSON.parse(readFileSync(dir + 'tokenizer_config.json', 'utf8'));
const fromVocab = bertTokenizerFromVocabTxt(vocabText, config, 'vocab.txt');
const fromJson = tokenizerFromJson(readFileSync(dir + 'tokenizer.json', 'utf8'), 'tokenizer.json');

const EXPECTED: [string, string[]][] = [
  ['IL-2', ['il', '-', '2']],
  ['beta-catenin', ['beta', '-', 'cat', '##eni', '##n']], // no "catenin", "caten", "##enin"
  ['α-synuclein', ['α', '-', 'syn', '##uc', '##lein']], // α (U+03B1) is its own entry; no "synuclein", "##uclein"
  ['TNF-α', ['tn', '##f', '-', 'α']], // no "tnf"
  ['5-fluorouracil', ['5', '-', 'flu', '##oro', '##ura', '##ci', '##l']], // no "fluor", "##orou", "##urac", "##cil"
  ['1,25-dihydroxyvitamin', ['1', ',', '25', '-', 'di', '##hy', '##dro', '##xy', '##vita', '##min']],
  ['N-acetylcysteine', ['n', '-', 'ace', '##ty', '##lc', '##yst', '##ein', '##e']],
  ['(+)-catechin', ['(', '+', ')', '-', 'cat', '##ech', '##in']],
  ['Sjögren', ['s', '##jo', '##gren']], // ö → NFD o + U+0308, the mark dropped; no "sj", "##jog"
  ['p53', ['p', '##53']],
  ['5$', ['5', '$']], // "$" (Sc, not Unicode P*) is punctuation for BERT as ASCII non-alphanumeric
];

test('vocab.txt and tokenizer.json give the hand-derived ids for biomedical words', () => {
  for (const [word, pieces] of EXPECTED) {
    const expected = pieces.map(id);
    assert.deepEqual(fromVocab.wordIds(word), expected, `vocab.txt: ${word}`);
    assert.deepEqual(fromJson.wordIds(word), expected, `tokenizer.json: ${word}`);
  }
});

test('special tokens and vocabulary size match vocab.txt', () => {
  for (const t of [fromVocab, fromJson]) {
    assert.deepEqual(t.special, { cls: 101, sep: 102, pad: 0, unk: 100, mask: 103 });
    assert.equal(t.vocabSize, 30522);
    assert.equal(t.token(id('##gren')), '##gren');
  }
});

test('both sources agree on every distinct word of the shipped corpora', () => {
  const words = new Set<string>();
  for (const corpus of ['NCBI-disease', 'BC5CDR-chem', 'BC2GM']) {
    for (const split of ['train', 'devel', 'test']) {
      const text = readFileSync(
        fileURLToPath(new URL(`../../resources/datasets/${corpus}/${split}.tsv`, import.meta.url)),
        'utf8',
      );
      for (const line of text.split('\n')) if (line) words.add(line.split('\t')[0]);
    }
  }
  assert.ok(words.size > 10_000);
  for (const w of words) assert.deepEqual(fromVocab.wordIds(w), fromJson.wordIds(w), w);
});

test('accent stripping follows the config: null follows lowercase, false keeps ö (absent from this vocab)', () => {
  const keepAccents = bertTokenizerFromVocabTxt(vocabText, { ...config, strip_accents: false }, 'vocab.txt');
  assert.deepEqual(keepAccents.wordIds('Sjögren'), [id('[UNK]')]); // "sjögren": no piece covers "ö"
  const cased = bertTokenizerFromVocabTxt(vocabText, { do_lower_case: false }, 'vocab.txt');
  assert.deepEqual(bertBasicTokens('Sjögren', { ...UNCASED_BERT, lowercase: false }), ['Sjögren']); // null → no strip
  assert.deepEqual(cased.wordIds('Sjögren'), [id('[UNK]')]); // uppercase "S" is not in an uncased vocab
  assert.deepEqual(cased.wordIds('dna'), [id('dna')]);
  const casedStripped = bertTokenizerFromVocabTxt(
    vocabText,
    { do_lower_case: false, strip_accents: true },
    'vocab.txt',
  );
  assert.deepEqual(bertBasicTokens('Sjögren', { ...UNCASED_BERT, lowercase: false, stripAccents: true }), ['Sjogren']);
  assert.deepEqual(casedStripped.wordIds('sjögren'), [id('s'), id('##jo'), id('##gren')]);
});

test('basic tokenizer: control characters vanish, CJK characters stand alone, whitespace splits', () => {
  assert.deepEqual(bertBasicTokens('\u0000\u200b\ufffd', UNCASED_BERT), []); // NUL, ZWSP (Cf), U+FFFD
  assert.deepEqual(fromVocab.wordIds('\u200b'), []);
  assert.deepEqual(bertBasicTokens('a中国b', UNCASED_BERT), ['a', '中', '国', 'b']);
  assert.deepEqual(fromJson.wordIds('中国'), [id('中'), id('国')]);
  assert.deepEqual(bertBasicTokens('a\u00a0b\tc', UNCASED_BERT), ['a', 'b', 'c']); // NBSP is Zs
  assert.deepEqual(bertBasicTokens('x^`~y', UNCASED_BERT), ['x', '^', '`', '~', 'y']);
});

test('WordPiece: over 100 characters, or a character no piece covers, makes the whole word [UNK]', () => {
  const vocab = parseVocabTxt(vocabText, 'vocab.txt');
  assert.deepEqual(wordPieces('a'.repeat(101), vocab, '[UNK]'), ['[UNK]']);
  // 100 characters are still cut: "aaa" (no "aaaa"), then 48 × "##aa" (no "##aaa"), then "##a".
  assert.deepEqual(wordPieces('a'.repeat(100), vocab, '[UNK]'), ['aaa', ...new Array(48).fill('##aa'), '##a']);
  assert.deepEqual(fromVocab.wordIds('x☃'), [id('[UNK]')]); // "x" matches but no "##☃"; ☃ (So) is not punctuation
  assert.deepEqual(fromVocab.wordIds('x\u0378'), [id('x')]); // unassigned U+0378 is category Cn: cleaned away
});

test("tokenizer_config.json's explicit do_lower_case wins over tokenizer.json's normalizer, as in BertTokenizerFast", () => {
  const text = readFileSync(dir + 'tokenizer.json', 'utf8');
  assert.deepEqual(tokenizerFromJson(text, 'tokenizer.json', { do_lower_case: false }).wordIds('DNA'), [id('[UNK]')]); // no "D" in an uncased vocab
  assert.deepEqual(tokenizerFromJson(text, 'tokenizer.json', {}).wordIds('DNA'), [id('dna')]);
});

test('the word cache keeps a bounded number of words: labelling a literature meets new ones without end', () => {
  const tokenizer = bertTokenizerFromVocabTxt(vocabText, config, 'vocab.txt');
  const first = tokenizer.wordIds('telangiectasia');
  assert.equal(tokenizer.wordIds('telangiectasia'), first, 'a word seen again comes from the cache');
  for (let i = 0; i < WORD_CACHE_SIZE; i++) tokenizer.wordIds(`gene${i}`);
  const again = tokenizer.wordIds('telangiectasia');
  assert.notEqual(again, first, `after ${WORD_CACHE_SIZE} other words the cache has let it go`);
  assert.deepEqual(again, first);
});
