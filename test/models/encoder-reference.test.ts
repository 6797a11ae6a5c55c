// The engine's token classifier (graph builder → ONNX → ORT CPU) against the independent float64 reference
// (reference-forward.ts), for a tiny config of each family and each activation: float64 graph to ~1e-10, float32
// graph to ~1e-5 relative. Inputs hold padding (RoBERTa's padding id included), so masks and positions matter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { parseEncoderConfig, type EncoderConfig } from '../../shared/models/config.ts';
import { initParams, paramsToWeights } from '../../main/engine/nn/params.ts';
import { logitsGraph, tokenClassifierLayout } from '../../main/engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { referenceLogits, type ReferenceInputs } from './reference-forward.ts';

const TINY = { vocab_size: 13, max_position_embeddings: 12, num_labels: 3, initializer_range: 0.4 };
const LAYERS = { hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 12 };
const FAMILIES: Record<string, EncoderConfig> = {
  'bert (gelu)': parseEncoderConfig({ ...TINY, ...LAYERS, model_type: 'bert', hidden_act: 'gelu', type_vocab_size: 2 }),
  'bert (tanh)': parseEncoderConfig({
    ...TINY,
    ...LAYERS,
    model_type: 'bert',
    hidden_act: 'tanh',
    type_vocab_size: 3,
    layer_norm_eps: 1e-3,
  }),
  'roberta (gelu_new)': parseEncoderConfig({
    ...TINY,
    ...LAYERS,
    model_type: 'roberta',
    hidden_act: 'gelu_new',
    type_vocab_size: 1,
    pad_token_id: 1,
    layer_norm_eps: 1e-5,
  }),
  'distilbert (relu)': parseEncoderConfig({
    ...TINY,
    model_type: 'distilbert',
    dim: 8,
    n_layers: 2,
    n_heads: 2,
    hidden_dim: 12,
    activation: 'relu',
  }),
  'electra (silu, projected embeddings)': parseEncoderConfig({
    ...TINY,
    ...LAYERS,
    model_type: 'electra',
    embedding_size: 6,
    hidden_act: 'silu',
    type_vocab_size: 2,
  }),
};

/** Two rows, the second padded with the padding id. */
function inputs(c: EncoderConfig): ReferenceInputs {
  const pad = c.padTokenId;
  const other = (id: number) => (id === pad ? id + 1 : id);
  return {
    inputIds: [[2, 7, 5, 11, 3, 9].map(other), [2, 12, 4, 3, pad, pad].map(other).map((id, t) => (t >= 4 ? pad : id))],
    attentionMask: [
      [1, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 0, 0],
    ],
    tokenTypeIds: [
      [0, 0, 0, 1, 1, 1],
      [0, 1, 1, 1, 0, 0],
    ].map((r) => r.map((t) => Math.min(t, Math.max(c.typeVocabSize - 1, 0)))),
  };
}

async function engineLogits(
  c: EncoderConfig,
  flat: Float32Array,
  x: ReferenceInputs,
  dtype: 'float32' | 'float64',
): Promise<Float64Array> {
  const layout = tokenClassifierLayout(c, ADAMW_DEFAULTS);
  const model = logitsGraph(c, layout, dtype);
  const session = await ort.InferenceSession.create(model.bytes);
  const [B, S] = [x.inputIds.length, x.inputIds[0].length];
  const float = (v: number[]) => (dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v));
  const feeds: Record<string, ort.Tensor> = {
    params: new ort.Tensor(dtype, float(Array.from(flat)), [layout.size]),
    input_ids: new ort.Tensor('int64', BigInt64Array.from(x.inputIds.flat().map(BigInt)), [B, S]),
    attention_mask: new ort.Tensor(dtype, float(x.attentionMask.flat()), [B, S]),
  };
  if (c.typeVocabSize > 0)
    feeds.token_type_ids = new ort.Tensor('int64', BigInt64Array.from(x.tokenTypeIds!.flat().map(BigInt)), [B, S]);
  assert.deepEqual(model.inputs.map((i) => i.name).sort(), Object.keys(feeds).sort());
  const out = await session.run(feeds);
  await session.release();
  return Float64Array.from(out.logits.data as Float32Array);
}

for (const [family, c] of Object.entries(FAMILIES)) {
  test(`${family}: engine logits match the float64 reference (float64 ~1e-10, float32 ~1e-5)`, async () => {
    const layout = tokenClassifierLayout(c, ADAMW_DEFAULTS);
    const flat = initParams(layout, 7);
    // LayerNorm parameters and biases away from 1 and 0, so that they matter.
    let k = 0;
    for (const e of layout.entries)
      if (e.name.includes('LayerNorm') || e.name.endsWith('.bias'))
        for (let i = 0; i < e.size; i++) flat[e.offset + i] += 0.2 * Math.sin(++k);
    const x = inputs(c);
    const reference = referenceLogits(c, paramsToWeights(layout, flat), x).flat(2);
    const scale = Math.max(...reference.map(Math.abs));
    assert.ok(scale > 0.1, `logits too small to compare (${scale})`);
    for (const dtype of ['float64', 'float32'] as const) {
      const got = await engineLogits(c, flat, x, dtype);
      const worst = Math.max(...reference.map((r, i) => Math.abs(r - got[i])));
      console.log(
        `${family} ${dtype}: max |engine − reference| = ${worst.toExponential(2)} (max |logit| ${scale.toFixed(2)})`,
      );
      assert.ok(worst <= (dtype === 'float64' ? 1e-10 : 1e-5 * scale), `${dtype}: max error ${worst}`);
    }
  });
}

test('RoBERTa positions start past the padding id: shifting padding changes nothing for the real tokens', async () => {
  // The same sentence, left- and right-aligned in a batch padded differently, must give the same logits.
  const c = FAMILIES['roberta (gelu_new)'];
  const layout = tokenClassifierLayout(c, ADAMW_DEFAULTS);
  const flat = initParams(layout, 3);
  const words = [0, 5, 8, 6, 2];
  const short: ReferenceInputs = {
    inputIds: [words],
    attentionMask: [[1, 1, 1, 1, 1]],
    tokenTypeIds: [[0, 0, 0, 0, 0]],
  };
  const padded: ReferenceInputs = {
    inputIds: [[...words, 1, 1]],
    attentionMask: [[1, 1, 1, 1, 1, 0, 0]],
    tokenTypeIds: [[0, 0, 0, 0, 0, 0, 0]],
  };
  const a = await engineLogits(c, flat, short, 'float64');
  const b = await engineLogits(c, flat, padded, 'float64');
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-12, `logit ${i}: ${v} vs ${b[i]}`));
});
