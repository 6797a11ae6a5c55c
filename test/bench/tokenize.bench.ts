// `npm run bench -- tokenize`: loads the shipped vocabulary (vocab.txt and tokenizer.json) and encodes
// BC2GM train (words split on the TSV's blank lines) into 128-subword windows, timing each step.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { encodeSentences, padBatch } from '../../shared/tokenizers/encode.ts';
import { loadTokenizer } from '../../main/models/tokenizer-files.ts';

const sentences: { words: string[] }[] = [];
let words: string[] = [];
for (const line of readFileSync('resources/datasets/BC2GM/train.tsv', 'utf8').split('\n')) {
  const word = line.split('\t')[0];
  if (word) words.push(word);
  else if (words.length) {
    sentences.push({ words });
    words = [];
  }
}
if (words.length) sentences.push({ words });

for (const folder of ['resources/models/bert-uncased-vocab']) {
  let t = performance.now();
  const { tokenizer } = loadTokenizer(folder);
  console.log(`load ${folder}: ${(performance.now() - t).toFixed(0)} ms`);
  t = performance.now();
  const windows = encodeSentences(tokenizer, sentences);
  const encodeMs = performance.now() - t;
  const split = windows.length - sentences.length;
  console.log(
    `encode ${sentences.length} sentences (${windows.length} windows, ${split} extra from long sentences): ${encodeMs.toFixed(0)} ms`,
  );
  t = performance.now();
  for (let i = 0; i < windows.length; i += 32) padBatch(windows.slice(i, i + 32), tokenizer.special.pad);
  console.log(`pad into batches of 32: ${(performance.now() - t).toFixed(0)} ms`);
}
