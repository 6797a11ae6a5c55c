// The engine's flat parameter layout speaks the canonical names of shared/models/weight-names.ts: its size is
// parameterCount for every preset and family, a loaded folder's weights fill it, and HF's initialisation is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEncoderConfig } from '../../shared/models/config.ts';
import { SIZE_PRESETS, presetConfig, presetSize, SHIPPED_VOCAB } from '../../shared/models/presets.ts';
import { classifierShapes, encoderShapes, parameterCount } from '../../shared/models/weight-names.ts';
import { initParams, paramsToWeights } from '../../main/engine/nn/params.ts';
import { tokenClassifierLayout } from '../../main/engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { tensor } from '../../main/tensors/tensor.ts';

const LABELS = ['O', 'B-Disease', 'I-Disease'];

test('layout size equals parameterCount for every preset, and for each family (ELECTRA included)', () => {
  for (const preset of SIZE_PRESETS) {
    for (const vocab of [
      SHIPPED_VOCAB,
      { size: preset.pretrainedVocabSize, padTokenId: preset.modelType === 'roberta' ? 1 : 0 },
    ]) {
      const c = presetConfig(preset, vocab, LABELS);
      const layout = tokenClassifierLayout(c, ADAMW_DEFAULTS);
      assert.equal(layout.size, parameterCount(c, LABELS.length), `${preset.id} with a ${vocab.size}-entry vocabulary`);
      if (vocab === SHIPPED_VOCAB) assert.equal(layout.size, presetSize(preset, LABELS.length).parameters);
      assert.deepEqual(
        layout.entries.map((e) => e.name).sort(),
        [...encoderShapes(c).keys(), ...classifierShapes(c, LABELS.length).keys()].sort(),
      );
    }
  }
  const electra = parseEncoderConfig({
    model_type: 'electra',
    vocab_size: 100,
    embedding_size: 16,
    hidden_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 64,
    num_labels: 5,
  });
  assert.equal(tokenClassifierLayout(electra, ADAMW_DEFAULTS).size, parameterCount(electra, 5));
});

test("initialisation as HF's _init_weights: normal(0, range) weights, zero biases, unit LayerNorms, zero padding rows", () => {
  const c = parseEncoderConfig({
    model_type: 'roberta',
    vocab_size: 50,
    hidden_size: 16,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 32,
    max_position_embeddings: 20,
    type_vocab_size: 1,
    pad_token_id: 1,
    initializer_range: 0.05,
    num_labels: 3,
  });
  const layout = tokenClassifierLayout(c, ADAMW_DEFAULTS);
  const w = paramsToWeights(layout, initParams(layout, 11));
  const values = (n: string) => Array.from(w.get(n)!.data as Float32Array);
  const std = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length);
  const query = values('encoder.layer.0.attention.self.query.weight');
  assert.ok(Math.abs(std(query) - 0.05) < 0.005, `std ${std(query)}`);
  assert.ok(values('classifier.weight').some((x) => x !== 0));
  assert.ok(values('classifier.bias').every((x) => x === 0));
  assert.ok(values('encoder.layer.0.output.LayerNorm.weight').every((x) => x === 1));
  // RoBERTa's padding id 1: its word row and its position row (padding's position) are zero.
  assert.ok(
    values('embeddings.word_embeddings.weight')
      .slice(16, 32)
      .every((x) => x === 0),
  );
  assert.ok(
    values('embeddings.position_embeddings.weight')
      .slice(16, 32)
      .every((x) => x === 0),
  );
  assert.ok(
    values('embeddings.position_embeddings.weight')
      .slice(32, 48)
      .some((x) => x !== 0),
  );

  const distil = parseEncoderConfig({
    model_type: 'distilbert',
    vocab_size: 10,
    dim: 8,
    n_layers: 1,
    n_heads: 2,
    hidden_dim: 8,
    max_position_embeddings: 6,
    sinusoidal_pos_embds: true,
    num_labels: 2,
  });
  const dl = tokenClassifierLayout(distil, ADAMW_DEFAULTS);
  const positions = Array.from(
    paramsToWeights(dl, initParams(dl, 1)).get('embeddings.position_embeddings.weight')!.data as Float32Array,
  );
  // create_sinusoidal_embeddings: position 3, columns 2 and 3 hold sin and cos of 3 / 10000^(2/8).
  assert.ok(Math.abs(positions[3 * 8 + 2] - Math.sin(3 / 10000 ** 0.25)) < 1e-7);
  assert.ok(Math.abs(positions[3 * 8 + 3] - Math.cos(3 / 10000 ** 0.25)) < 1e-7);
});

test("a loaded folder's weights drop into the buffer by canonical name; only what is missing is initialised", () => {
  const c = parseEncoderConfig({
    model_type: 'bert',
    vocab_size: 12,
    hidden_size: 8,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 8,
    max_position_embeddings: 8,
    num_labels: 2,
  });
  const layout = tokenClassifierLayout(c, ADAMW_DEFAULTS);
  const loaded = paramsToWeights(layout, initParams(layout, 1));
  loaded.delete('classifier.weight');
  loaded.delete('classifier.bias');
  const flat = initParams(layout, 99, loaded);
  const back = paramsToWeights(layout, flat);
  for (const [name, t] of loaded) assert.deepEqual(back.get(name), t, name);
  assert.ok((back.get('classifier.weight')!.data as Float32Array).some((x) => x !== 0));
  assert.throws(
    () => initParams(layout, 1, new Map([['classifier.bias', tensor('float32', [3], new Float32Array(3))]])),
    /"classifier\.bias" has shape \[3\], the model needs \[2\]/,
  );
});
