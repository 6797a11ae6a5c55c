// End-to-end gradient check of a tiny BERT-shaped token classifier (embeddings + LayerNorm, 2 layers of masked
// self-attention and GELU FFN with residual LayerNorms, dropout, classification head, masked cross-entropy):
// autodiff against float64 central differences on random coordinates of every parameter and of the input
// embeddings (fed as word_embeddings(input_ids) + an offset input, so d/d offset = d/d input embeddings).
// Float64 runs erf as its series form and LayerNorm decomposed (ORT CPU lacks both in double).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type DType, type Tensor } from '../../main/engine/graph/graph.ts';
import { grad } from '../../main/engine/graph/autodiff.ts';
import { concat, reshape } from '../../main/engine/ops/shape.ts';
import { crossEntropy } from '../../main/engine/ops/loss.ts';
import { add } from '../../main/engine/ops/elementwise.ts';
import { wordEmbeddings } from '../../main/engine/nn/encoder.ts';
import { tokenClassifierLogits, tokenClassifierParamSpecs } from '../../main/engine/nn/token-classification.ts';
import { initParams, layoutParams, paramViews } from '../../main/engine/nn/params.ts';
import { parseEncoderConfig } from '../../shared/models/config.ts';
import { ints, randn, rng, session, type Feeds } from './check.ts';

const cfg = parseEncoderConfig({
  model_type: 'bert',
  vocab_size: 11,
  hidden_size: 8,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 16,
  max_position_embeddings: 8,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  num_labels: 3,
  initializer_range: 0.5,
});
const layout = layoutParams(tokenClassifierParamSpecs(cfg), (n) => !n.endsWith('bias'));
const [B, S] = [2, 5];
const INPUT_IDS = [1, 4, 4, 7, 2, 9, 3, 1, 10, 0];

function build(dtype: DType) {
  const g = new Graph();
  const flat = g.input('params', dtype, [layout.size]);
  const views = paramViews(g, layout, flat);
  const embeds = g.input('inputs_embeds', dtype, ['batch', 'seq', cfg.hiddenSize]);
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const logits = tokenClassifierLogits(
    g,
    cfg,
    views,
    {
      inputsEmbeds: add(g, wordEmbeddings(g, views, ids), embeds),
      tokenTypeIds: g.input('token_type_ids', 'int64', ['batch', 'seq']),
      attentionMask: g.input('attention_mask', dtype, ['batch', 'seq']),
    },
    { seed: g.input('seed', 'int64', []), nextSite: 0 },
  );
  const loss = crossEntropy(
    g,
    logits,
    g.input('labels', 'int64', ['batch', 'seq']),
    g.input('label_mask', dtype, ['batch', 'seq']),
  );
  const grads = grad(g, loss, [...layout.entries.map((e) => views[e.name]), embeds]);
  const dEmbeds = grads.pop() as Tensor;
  const dFlat = concat(
    g,
    grads.map((d) => reshape(g, d, [-1])),
    0,
  );
  return session(g, { loss, grad_params: dFlat, grad_embeds: dEmbeds });
}

function feeds(dtype: 'float32' | 'float64'): Feeds {
  const r = rng(3);
  const params = initParams(layout, 5);
  // LayerNorm weights and biases away from 1 and 0 so that their gradients are not special cases.
  for (const e of layout.entries)
    if (e.name.includes('LayerNorm') || e.name.endsWith('bias'))
      for (let i = 0; i < e.size; i++) params[e.offset + i] += 0.3 * (r() - 0.5);
  const f = (data: ArrayLike<number>) => (dtype === 'float64' ? Float64Array.from(data) : Float32Array.from(data));
  return {
    params: { dtype, shape: [layout.size], data: f(params) },
    inputs_embeds: { ...randn(r, [B, S, cfg.hiddenSize], 1, dtype) },
    input_ids: ints([B, S], INPUT_IDS),
    token_type_ids: ints([B, S], [0, 0, 1, 1, 1, 0, 0, 0, 1, 0]),
    attention_mask: { dtype, shape: [B, S], data: f([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]) },
    labels: ints([B, S], [0, 2, 1, -100, 1, 2, 0, 1, 0, 0]),
    label_mask: { dtype, shape: [B, S], data: f([1, 1, 1, 0, 1, 1, 1, 1, 0, 0]) },
    seed: ints([], [1234]),
  };
}

test('tiny BERT: autodiff gradients of every parameter and of the input embeddings match finite differences (float64)', async () => {
  const run = await build('float64');
  const base = feeds('float64');
  const analytic = await run(base);
  const r = rng(9);
  const h = 1e-6;
  let nonzero = 0;
  const checkAt = async (input: 'params' | 'inputs_embeds', j: number, a: number, what: string) => {
    const at = async (d: number) => {
      const data = Float64Array.from(base[input].data as Float64Array);
      data[j] += d;
      return (await run({ ...base, [input]: { ...base[input], data } }, ['loss'])).loss[0];
    };
    const numeric = ((await at(h)) - (await at(-h))) / (2 * h);
    assert.ok(
      Math.abs(a - numeric) <= 1e-8 + 1e-6 * Math.abs(numeric),
      `${what}: autodiff ${a} vs finite difference ${numeric}`,
    );
    if (Math.abs(numeric) > 1e-6) nonzero++;
  };
  for (const e of layout.entries) {
    for (let k = 0; k < 2; k++) {
      // Embedding tables: pick rows that the batch uses, so that the check is not of a zero.
      const row = e.name.includes('word')
        ? INPUT_IDS[Math.floor(r() * INPUT_IDS.length)]
        : e.name.includes('position')
          ? Math.floor(r() * S)
          : 0;
      const j =
        e.name.includes('embeddings.') && !e.name.includes('LayerNorm')
          ? e.offset + row * cfg.hiddenSize + Math.floor(r() * cfg.hiddenSize)
          : e.offset + Math.floor(r() * e.size);
      await checkAt('params', j, analytic.grad_params[j], `${e.name}[${j - e.offset}]`);
    }
  }
  for (let k = 0; k < 8; k++) {
    const j = Math.floor(r() * B * S * cfg.hiddenSize);
    await checkAt('inputs_embeds', j, analytic.grad_embeds[j], `inputs_embeds[${j}]`);
  }
  assert.ok(nonzero > layout.entries.length, `only ${nonzero} non-zero gradients checked`);
});

test('tiny BERT: float32 gradients match float64 to ~1e-5 relative', async () => {
  const [r64, r32] = [
    await (await build('float64'))(feeds('float64')),
    await (await build('float32'))(feeds('float32')),
  ];
  assert.ok(Math.abs(r64.loss[0] - r32.loss[0]) <= 1e-5 * Math.abs(r64.loss[0]));
  for (const k of ['grad_params', 'grad_embeds']) {
    const scale = Math.max(...r64[k].map(Math.abs));
    let worst = 0;
    r64[k].forEach((v, i) => (worst = Math.max(worst, Math.abs(v - r32[k][i]) / scale)));
    console.log(`${k}: max |float32 − float64| / max|g| = ${worst.toExponential(1)}`);
    assert.ok(worst < 2e-5, `${k}: max |float32 − float64| / max|g| = ${worst}`);
  }
});
