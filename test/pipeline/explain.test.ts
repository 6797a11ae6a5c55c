// Integrated Gradients of a real model (the tiny BERT fixture) through a real engine host: completeness at 300
// Gauss–Legendre steps and how the gap shrinks with the steps, agreement with an independent float64 computation
// (gradients by central finite differences), batching, labels and baselines, and a sentence that needs windows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../main/engine/graph/graph.ts';
import { softmax } from '../../main/engine/ops/nn.ts';
import { initParams, paramViews } from '../../main/engine/nn/params.ts';
import {
  tokenClassificationTask,
  tokenClassifierLayout,
  tokenClassifierLogits,
} from '../../main/engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { evalGraph, IO } from '../../main/engine/optim/train-graphs.ts';
import { startRuntime, type RuntimeClient } from '../../main/engine/runtime/client.ts';
import { loadModelFolder, type ModelFolder } from '../../main/models/model-folder.ts';
import { explainPrediction, type ExplainOptions } from '../../main/pipeline/explain.ts';
import { EVAL_GRAPH, predictWords } from '../../main/pipeline/predict.ts';
import { tensor } from '../../main/tensors/tensor.ts';
import { igSteps, integratedGradients, sumOverHidden } from '../../shared/method/integrated-gradients.ts';
import { encodeSentences } from '../../shared/tokenizers/encode.ts';
import { session, type Feeds } from '../engine/check.ts';
import { FIXTURE_SENTENCES } from '../models/fixtures/fixture-sentences.ts';
import { TINY_BERT } from './fixtures.ts';

const SENTENCE = FIXTURE_SENTENCES[0].words; // Germline mutations in BRCA1 cause hereditary breast cancer .
const CANCER = 7;

let client: RuntimeClient;
let model: ModelFolder;
before(async () => {
  client = startRuntime();
  model = await loadModelFolder(TINY_BERT);
});
after(() => client.terminate());

const explain = (o: Partial<ExplainOptions>) =>
  explainPrediction(client, { modelFolder: TINY_BERT, words: SENTENCE, wordIndex: CANCER, provider: 'cpu', ...o });

test('completeness: at 300 Gauss–Legendre steps the attributions sum to f(x) − f(x′) within 1e-3; fewer steps leave a larger gap', async () => {
  const started = performance.now();
  const e = await explain({ steps: 300 });
  console.log(
    `300 Gauss–Legendre steps: ${(performance.now() - started).toFixed(0)} ms; f(x) ${e.fInput.toFixed(6)}, f(x′) ${e.fBaseline.toFixed(6)}, ` +
      `Σ attributions ${e.completeness.sum.toFixed(8)}, relative gap ${e.completeness.relativeError.toExponential(2)}`,
  );
  assert.equal(e.rule, 'gauss-legendre');
  assert.equal(e.steps, 300);
  assert.ok(
    Math.abs(e.completeness.expected) > 0.01,
    `f(x) − f(x′) = ${e.completeness.expected} is too small to test against`,
  );
  assert.ok(e.completeness.relativeError < 1e-3, `relative gap ${e.completeness.relativeError}`);
  // The parts add up: words + special tokens = subwords = Σ attributions; with the [PAD] baseline [CLS] and [SEP]
  // equal their baseline, so they get nothing.
  const words = e.wordAttributions.reduce<number>((s, a) => s + (a ?? 0), 0);
  assert.ok(Math.abs(words + e.specialAttribution - e.completeness.sum) < 1e-12);
  assert.equal(e.specialAttribution, 0);
  // [CLS] and [SEP] belong to no word; every subword between them does.
  assert.deepEqual(
    e.subwords.map((s) => s.word === null),
    e.subwords.map((_, i) => i === 0 || i === e.subwords.length - 1),
  );

  const gap = async (rule: ExplainOptions['rule'], steps: number) =>
    (await explain({ rule, steps })).completeness.relativeError;
  const gl: Record<number, number> = {};
  const tr: Record<number, number> = {};
  for (const n of [1, 2, 4, 8, 50]) gl[n] = await gap('gauss-legendre', n);
  gl[300] = e.completeness.relativeError;
  for (const n of [8, 50, 300]) tr[n] = await gap('trapezoid', n);
  const row = (r: Record<number, number>) =>
    Object.entries(r)
      .map(([n, g]) => `${n}: ${g.toExponential(2)}`)
      .join(', ');
  console.log(`relative completeness gap by steps, Gauss–Legendre ${row(gl)}; trapezoid ${row(tr)}`);
  // Gauss–Legendre converges fast (exact for polynomials of degree 2m − 1): the gap falls until float32 rounding.
  assert.ok(gl[1] > gl[2] && gl[2] > gl[4] && gl[1] > 100 * gl[300], row(gl));
  // The trapezoid rule errs by O(1/m²).
  assert.ok(tr[8] > tr[50] && tr[50] > tr[300] && tr[8] > 1e-4, row(tr));
  assert.ok(tr[8] > 10 * gl[8], `trapezoid ${tr[8]} vs Gauss–Legendre ${gl[8]} at 8 steps`);
});

test('the attributions agree with IG computed in float64 with finite-difference gradients along the same path', async () => {
  const words = ['hereditary', 'breast', 'cancer'];
  const started = performance.now();
  const e = await explainPrediction(client, { modelFolder: TINY_BERT, words, wordIndex: 2, provider: 'cpu' });
  const seconds = (performance.now() - started) / 1000;

  // The model in float64, from the folder's weights: probabilities of inputs_embeds.
  const { config } = model;
  const layout = tokenClassifierLayout(config, ADAMW_DEFAULTS);
  const g = new Graph();
  const logits = tokenClassifierLogits(g, config, paramViews(g, layout, g.input(IO.params, 'float64', [layout.size])), {
    inputsEmbeds: g.input('inputs_embeds', 'float64', ['batch', 'seq', config.embeddingSize]),
    tokenTypeIds: g.input('token_type_ids', 'int64', ['batch', 'seq']),
    attentionMask: g.input('attention_mask', 'float64', ['batch', 'seq']),
  });
  const probs = await session(g, { probs: softmax(g, logits) });
  const params = Float64Array.from(initParams(layout, 0, model.weights));

  // x and x′ straight from the embedding table: the window's ids, and [PAD] but for [CLS] and [SEP].
  const ids = e.subwords.map((s) => s.id);
  const { cls, sep, pad } = model.tokenizer.special;
  assert.equal(ids[0], cls);
  assert.equal(ids.at(-1), sep);
  const table = model.weights.get('embeddings.word_embeddings.weight')!.data as Float32Array;
  const E = config.embeddingSize;
  const S = ids.length;
  const embed = (row: number[]) =>
    Float64Array.from({ length: S * E }, (_, i) => table[row[Math.floor(i / E)] * E + (i % E)]);
  const x = embed(ids);
  const x0 = embed(ids.map((id, s) => (s === 0 || s === S - 1 ? id : pad)));
  const position = e.subwords.findIndex((s) => s.word === 2);
  const labelId = e.labels.indexOf(e.label);

  /** f at each of `points` [rows × S × E] (float64). */
  const f = async (points: Float64Array): Promise<Float64Array> => {
    const rows = points.length / (S * E);
    const feeds: Feeds = {
      params: { dtype: 'float64', shape: [layout.size], data: params },
      inputs_embeds: { dtype: 'float64', shape: [rows, S, E], data: points },
      token_type_ids: { dtype: 'int64', shape: [rows, S], data: new BigInt64Array(rows * S) },
      attention_mask: { dtype: 'float64', shape: [rows, S], data: new Float64Array(rows * S).fill(1) },
    };
    const p = (await probs(feeds)).probs;
    return Float64Array.from({ length: rows }, (_, r) => p[(r * S + position) * e.labels.length + labelId]);
  };

  // ∂f/∂x_j at each path point by central differences: 2·S·E shifted copies of the point in one batch.
  const h = 1e-6;
  const steps = igSteps('gauss-legendre', e.steps);
  const gradients: Float64Array[] = [];
  for (const a of steps.alphas) {
    const point = x0.map((v, i) => v + a * (x[i] - v));
    const shifted = new Float64Array(2 * S * E * S * E);
    for (let j = 0; j < S * E; j++) {
      shifted.set(point, 2 * j * S * E);
      shifted.set(point, (2 * j + 1) * S * E);
      shifted[2 * j * S * E + j] += h;
      shifted[(2 * j + 1) * S * E + j] -= h;
    }
    const values = await f(shifted);
    gradients.push(Float64Array.from({ length: S * E }, (_, j) => (values[2 * j] - values[2 * j + 1]) / (2 * h)));
  }
  const reference = sumOverHidden(integratedGradients(x, x0, gradients, steps), E);
  const [fx, fx0] = await f(Float64Array.from([...x, ...x0]));

  const scale = Math.max(...reference.map(Math.abs));
  const worst = Math.max(...e.subwords.map((s, i) => Math.abs(s.attribution - reference[i]))) / scale;
  const refGap = Math.abs(reference.reduce((a, b) => a + b, 0) - (fx - fx0)) / Math.abs(fx - fx0);
  console.log(
    `"${words.join(' ')}", word 2 (${e.label}), ${S} subwords, ${e.steps} steps: engine ${seconds.toFixed(2)} s; ` +
      `max |float32 engine − float64 finite differences| / max|attribution| = ${worst.toExponential(2)}; ` +
      `f(x) ${e.fInput} vs ${fx} (float64), f(x′) ${e.fBaseline} vs ${fx0}; float64 completeness gap ${refGap.toExponential(2)}`,
  );
  assert.ok(scale > 1e-4, `attributions too small to compare (${scale})`);
  assert.ok(worst < 1e-5, `relative disagreement ${worst}`);
  assert.ok(Math.abs(e.fInput - fx) < 1e-6 && Math.abs(e.fBaseline - fx0) < 1e-6);
  assert.ok(refGap < 1e-6, `float64 reference completeness ${refGap}`);
});

test('batching the path points does not change the attributions; another label and the zero baseline can be asked for', async () => {
  const whole = await explain({});
  const batched = await explain({ pathBatch: 7 });
  assert.equal(whole.steps, 50);
  whole.subwords.forEach((s, i) =>
    assert.ok(Math.abs(s.attribution - batched.subwords[i].attribution) <= 1e-7, `subword ${i}`),
  );

  const other = whole.labels.find((l) => l !== whole.predicted.label)!;
  const asked = await explain({ label: other });
  assert.equal(asked.label, other);
  assert.deepEqual(asked.predicted, whole.predicted, 'the prediction does not depend on the label explained');
  assert.ok(asked.completeness.relativeError < 1e-3);

  const zeros = await explain({ baseline: 'zeros' });
  assert.equal(zeros.baseline, 'zeros');
  assert.notEqual(zeros.specialAttribution, 0, 'against the zero vector, [CLS] and [SEP] contribute too');
  assert.ok(zeros.completeness.relativeError < 1e-3);

  await assert.rejects(explain({ wordIndex: 9 }), /word 9 is out of range: the sentence has 9 words \(0 to 8\)/);
  await assert.rejects(
    explain({ label: 'B-Gene' }),
    /"B-Gene" is not a label of this model; its labels are O, B-Disease, I-Disease/,
  );
});

test('a sentence longer than a window: the word is explained in the window that predicts it, with the prediction the app makes', async () => {
  const words = FIXTURE_SENTENCES.flatMap((s) => s.words); // 21 words: more than one window of 16 subwords
  const wordIndex = 19; // "develop", in the last window
  const e = await explainPrediction(client, {
    modelFolder: TINY_BERT,
    words,
    wordIndex,
    provider: 'cpu',
    maxLength: 16,
  });
  assert.ok(e.window.of > 1, `${e.window.of} window(s)`);
  assert.ok(
    e.window.from > 0 && e.window.from <= wordIndex && wordIndex < e.window.to && e.window.to <= words.length,
    JSON.stringify(e.window),
  );
  e.wordAttributions.forEach((a, w) => assert.equal(a === null, w < e.window.from || w >= e.window.to, `word ${w}`));
  assert.ok(e.subwords.length <= 16);
  assert.ok(e.completeness.relativeError < 1e-3);

  // The same windows through the prediction path of the app (evalGraph + predictWords).
  const layout = tokenClassifierLayout(model.config, ADAMW_DEFAULTS);
  await client.request({
    kind: 'open',
    provider: 'cpu',
    state: { [IO.params]: tensor('float32', [layout.size], initParams(layout, 0, model.weights)) },
  });
  await client.request({
    kind: 'load',
    program: 'predict',
    spec: {
      model: evalGraph(tokenClassificationTask(model.config, layout), { withLoss: false }).bytes,
      read: ['probs'],
    },
  });
  const windows = encodeSentences(model.tokenizer, [{ words }], { maxLength: 16, stride: 3 });
  const [predicted] = await predictWords(client, model.config, windows, [words.length], {
    program: 'predict',
    padId: model.tokenizer.special.pad,
    batchSize: 8,
    graph: EVAL_GRAPH,
  });
  const row = [...predicted[wordIndex]];
  assert.equal(e.predicted.label, e.labels[row.indexOf(Math.max(...row))]);
  assert.ok(Math.abs(row[e.labels.indexOf(e.predicted.label)] - e.predicted.probability) < 1e-6);
});
