// Training batches on a real two-corpus merge (the first 2000 training sentences of NCBI-disease and BC5CDR-chem,
// the shipped vocabulary): drawn afresh each epoch, they mix the corpora about as a random sampler would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConll } from '../../shared/corpus/conll.ts';
import { encodeSentences } from '../../shared/tokenizers/encode.ts';
import { loadTokenizer } from '../../main/models/tokenizer-files.ts';
import { epochBatches } from '../../main/pipeline/fine-tune.ts';
import { lengthBuckets } from '../../main/pipeline/predict.ts';

const SENTENCES = 2000;
const BATCH = 16;
const { tokenizer } = loadTokenizer('resources/models/bert-uncased-vocab');
const corpora = ['NCBI-disease', 'BC5CDR-chem'].map((name) =>
  parseConll(readFileSync(`resources/datasets/${name}/train.tsv`, 'utf8'), { file: name }).sentences.slice(
    0,
    SENTENCES,
  ),
);
const encoded = corpora.map((sentences) =>
  encodeSentences(
    tokenizer,
    sentences.map((s) => ({ words: s.tokens })),
  ),
);
const windows = encoded.flat();
const corpusOf = encoded.flatMap((w, c) => w.map(() => c));
const n = windows.length;
const nFirst = encoded[0].length;

/** The share of batches that hold one corpus only. */
const singleCorpusShare = (batches: number[][]) =>
  batches.filter((b) => new Set(b.map((k) => corpusOf[k])).size === 1).length / batches.length;

/** Mean and variance, over full batches, of how many windows of the first corpus a batch holds. */
function firstCorpusCounts(batches: number[][]) {
  const counts = batches.filter((b) => b.length === BATCH).map((b) => b.filter((k) => corpusOf[k] === 0).length);
  const mean = counts.reduce((a, c) => a + c, 0) / counts.length;
  return { mean, variance: counts.reduce((a, c) => a + (c - mean) ** 2, 0) / counts.length };
}

// A random sampler draws each batch of BATCH windows uniformly without replacement: the number from the first corpus is
// hypergeometric, and a batch is single-corpus with probability C(n1, B)/C(n, B) + C(n2, B)/C(n, B).
function randomSampler() {
  let [first, second] = [1, 1];
  for (let i = 0; i < BATCH; i++) {
    first *= (nFirst - i) / (n - i);
    second *= (n - nFirst - i) / (n - i);
  }
  const p = nFirst / n;
  return { singleCorpus: first + second, mean: BATCH * p, variance: (BATCH * p * (1 - p) * (n - BATCH)) / (n - 1) };
}

test('batches mix the corpora about as a random sampler would (its expectation computed here)', () => {
  const random = randomSampler();
  // Five epochs' batches, for steadier figures.
  const batches = [0, 1, 2, 3, 4].flatMap((epoch) => epochBatches(windows, BATCH, 1, epoch));
  const share = singleCorpusShare(batches);
  const counts = firstCorpusCounts(batches);
  // Batches built once by length, as before: most of them held a single corpus. Length grouping leaves some more spread
  // than random batches have (lengths differ between the corpora), far less than before.
  const once = singleCorpusShare(lengthBuckets(windows, BATCH));
  console.log(
    `${n} windows (${nFirst} NCBI-disease), batches of ${BATCH}, 5 epochs: single-corpus ${(100 * share).toFixed(2)} % ` +
      `(random sampler ${(100 * random.singleCorpus).toFixed(3)} %, built once by length ${(100 * once).toFixed(1)} %); ` +
      `NCBI windows per batch mean ${counts.mean.toFixed(2)} variance ${counts.variance.toFixed(2)} ` +
      `(random sampler ${random.mean.toFixed(2)}, ${random.variance.toFixed(2)}; built once ${firstCorpusCounts(lengthBuckets(windows, BATCH)).variance.toFixed(2)})`,
  );
  assert.ok(once > 0.5, `built once by length: ${once}`);
  assert.ok(share <= random.singleCorpus + 0.01, `single-corpus share ${share}`);
  assert.ok(Math.abs(counts.mean - random.mean) < 0.1);
  assert.ok(
    counts.variance > 0.75 * random.variance && counts.variance < 1.5 * random.variance,
    `variance ${counts.variance}`,
  );
});

test('each epoch: every window once, ceil(n / B) batches, little padding; epochs differ, the same epoch repeats', () => {
  const [first, again, second] = [
    epochBatches(windows, BATCH, 1, 0),
    epochBatches(windows, BATCH, 1, 0),
    epochBatches(windows, BATCH, 1, 1),
  ];
  for (const batches of [first, second]) {
    assert.equal(batches.length, Math.ceil(n / BATCH));
    assert.deepEqual(
      batches.flat().sort((a, b) => a - b),
      [...windows.keys()],
    );
    const real = batches.flat().reduce((s, k) => s + windows[k].inputIds.length, 0);
    const padded = batches.reduce((s, b) => s + b.length * Math.max(...b.map((k) => windows[k].inputIds.length)), 0);
    assert.ok(real / padded > 0.9, `real tokens ${real} of ${padded} padded`);
  }
  // Resuming at an epoch rebuilds its batches exactly.
  assert.deepEqual(again, first);
  const key = (b: number[]) => [...b].sort((x, y) => x - y).join(',');
  const firstKeys = new Set(first.map(key));
  assert.ok(second.filter((b) => firstKeys.has(key(b))).length < first.length / 100, 'epoch 2 repeats epoch 1');
  assert.notDeepEqual(epochBatches(windows, BATCH, 2, 0), first);
});
