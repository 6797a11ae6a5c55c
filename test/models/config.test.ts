// config.json normalisation and parameter counts. Known counts are computed here from first principles:
//   embeddings  = (V + P + T)·H + 2H                     (word, position, token-type tables, LayerNorm)
//   one layer   = 4(H² + H) + 2H + (H·I + I) + (I·H + H) + 2H = 4H² + 2HI + 9H + I
//   pooler      = H² + H (not counted: token classifiers have none), classifier = L·H + L
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  parseEncoderConfig,
  toHfConfig,
  checkEncoderConfig,
  maxSequenceLength,
  type EncoderConfig,
} from '../../shared/models/config.ts';
import { parameterCount, sizeInMB, encoderShapes } from '../../shared/models/weight-names.ts';
import { SIZE_PRESETS, presetConfig, presetSize, sizePreset } from '../../shared/models/presets.ts';

const bertBase = parseEncoderConfig({
  model_type: 'bert',
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  max_position_embeddings: 512,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
});

test('bert-base-uncased without pooler has 108,891,648 parameters', () => {
  // embeddings (30522 + 512 + 2)·768 + 1536 = 23,837,184; layer 4·768² + 2·768·3072 + 9·768 + 3072 = 7,087,872
  // 23,837,184 + 12 · 7,087,872 = 108,891,648; plus the pooler (590,592) it is the published 109,482,240.
  assert.equal(parameterCount(bertBase), 108_891_648);
  assert.equal(parameterCount(bertBase) + 768 * 768 + 768, 109_482_240);
  // a 9-label classifier adds 9·768 + 9
  assert.equal(parameterCount(bertBase, 9), 108_891_648 + 6921);
});

test('DistilBERT names are mapped; its count is the published 66,362,880', () => {
  const distil = parseEncoderConfig({
    model_type: 'distilbert',
    vocab_size: 30522,
    dim: 768,
    n_layers: 6,
    n_heads: 12,
    hidden_dim: 3072,
    activation: 'gelu',
    max_position_embeddings: 512,
    sinusoidal_pos_embds: false,
    dropout: 0.1,
    attention_dropout: 0.1,
    pad_token_id: 0,
  });
  assert.equal(distil.hiddenSize, 768);
  assert.equal(distil.numLayers, 6);
  assert.equal(distil.intermediateSize, 3072);
  assert.equal(distil.typeVocabSize, 0);
  assert.equal(distil.layerNormEps, 1e-12);
  assert.equal(encoderShapes(distil).has('embeddings.token_type_embeddings.weight'), false);
  // (30522 + 512)·768 + 1536 = 23,835,648 embeddings + 6 · 7,087,872 = 66,362,880
  assert.equal(parameterCount(distil), 66_362_880);
});

test('RoBERTa: positions start after the padding id; roberta-base and -large match published counts', () => {
  const base = parseEncoderConfig({
    model_type: 'roberta',
    vocab_size: 50265,
    hidden_size: 768,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    intermediate_size: 3072,
    max_position_embeddings: 514,
    type_vocab_size: 1,
    pad_token_id: 1,
    layer_norm_eps: 1e-5,
    id2label: { '0': 'O', '1': 'B-Chemical', '2': 'I-Chemical' },
  });
  assert.equal(base.positionOffset, 2);
  assert.equal(maxSequenceLength(base), 512);
  assert.deepEqual(base.labels, ['O', 'B-Chemical', 'I-Chemical']);
  // (50265 + 514 + 1)·768 + 1536 = 39,000,576 + 85,054,464 = 124,055,040; + pooler 590,592 = 124,645,632 (published)
  assert.equal(parameterCount(base) + 590_592, 124_645_632);
  const large = parseEncoderConfig({
    ...toHfConfig(base, 'RobertaForTokenClassification'),
    hidden_size: 1024,
    num_hidden_layers: 24,
    num_attention_heads: 16,
    intermediate_size: 4096,
  });
  // (50265 + 514 + 1)·1024 + 2048 = 52,000,768; layer 4·1024² + 2·1024·4096 + 9·1024 + 4096 = 12,596,224
  // 52,000,768 + 24 · 12,596,224 = 354,310,144; + pooler 1,049,600 = 355,359,744 (published)
  assert.equal(parameterCount(large) + 1_049_600, 355_359_744);
});

test('the shipped bert-tiny config parses', () => {
  const json = JSON.parse(
    readFileSync(
      fileURLToPath(new URL('../../resources/models/bert-uncased-vocab/config.json', import.meta.url)),
      'utf8',
    ),
  );
  const c = parseEncoderConfig(json);
  assert.equal(c.hiddenSize, 128);
  assert.equal(c.numLayers, 2);
  assert.equal(c.labels, null);
  checkEncoderConfig(c);
});

test('toHfConfig round-trips every family', () => {
  const configs: EncoderConfig[] = [
    bertBase,
    ...SIZE_PRESETS.map((p) => presetConfig(p, { size: 30522, padTokenId: 0 }, ['O', 'B-X', 'I-X'])),
  ];
  for (const c of configs) assert.deepEqual(parseEncoderConfig(toHfConfig(c, 'X')), c, c.modelType);
});

test("transformers' other names for the same activations are read as those", () => {
  const act = (hidden_act: string) => parseEncoderConfig({ model_type: 'bert', hidden_act }).hiddenAct;
  assert.deepEqual(['swish', 'gelu_python', 'gelu_pytorch_tanh', 'gelu_fast'].map(act), [
    'silu',
    'gelu',
    'gelu_new',
    'gelu_new',
  ]);
});

test('odd configs are refused with the field named', () => {
  assert.throws(
    () => parseEncoderConfig({ hidden_size: 768 }, 'f/config.json'),
    /f\/config\.json: has no "model_type"/,
  );
  assert.throws(() => parseEncoderConfig({ model_type: 'gpt2' }), /model_type "gpt2" is not supported/);
  assert.throws(() => parseEncoderConfig({ model_type: 'bert', hidden_size: -1 }), /"hidden_size" must be an integer/);
  assert.throws(() => parseEncoderConfig({ model_type: 'bert', hidden_act: 'swish2' }), /"hidden_act" is "swish2"/);
  assert.throws(
    () => parseEncoderConfig({ model_type: 'bert', id2label: { '0': 'O', '2': 'B' } }),
    /"id2label" must map the ids 0\.\.1/,
  );
  assert.throws(
    () => checkEncoderConfig(parseEncoderConfig({ model_type: 'bert', hidden_size: 100, num_attention_heads: 12 })),
    /not divisible/,
  );
});

test('presets: from-scratch counts with the shipped 30,522-entry vocabulary', () => {
  // Tiny (TinyBERT-4L-312D): (30522 + 512 + 2)·312 + 624 = 9,683,856; layer 4·312² + 2·312·1200 + 9·312 + 1200 = 1,142,184
  // 9,683,856 + 4 · 1,142,184 = 14,252,592; with the pooler (97,656) it is TinyBERT's published 14.35M.
  assert.equal(presetSize(sizePreset('tiny'), 0).parameters, 14_252_592);
  assert.equal(presetSize(sizePreset('tiny'), 0).parameters + 312 * 312 + 312, 14_350_248);
  // Micro (2L-128H): (30522 + 512 + 2)·128 + 256 = 3,972,864; layer 4·128² + 2·128·512 + 9·128 + 512 = 198,272;
  // 3,972,864 + 2 · 198,272 = 4,369,408; with the pooler (16,512) it is the published 4.39M of bert_uncased_L-2_H-128_A-2.
  assert.equal(presetSize(sizePreset('micro'), 0).parameters, 4_369_408);
  assert.equal(presetSize(sizePreset('distil'), 0).parameters, 66_362_880);
  // Base: (30522 + 514 + 1)·768 + 1536 = 23,837,952 + 85,054,464 = 108,892,416
  assert.equal(presetSize(sizePreset('base'), 0).parameters, 108_892_416);
  // Large: (30522 + 514 + 1)·1024 + 2048 = 31,783,936 + 302,309,376 = 334,093,312; + 3 labels: 3·1024 + 3
  assert.equal(presetSize(sizePreset('large'), 3).parameters, 334_093_312 + 3075);
  assert.equal(presetSize(sizePreset('tiny'), 0).megabytes, 57.010368);
  assert.equal(sizeInMB(250_000), 1);
  assert.equal(presetConfig(sizePreset('large'), { size: 30522, padTokenId: 0 }).positionOffset, 1);
});

test('ELECTRA: narrower embeddings are projected up to the hidden size', () => {
  const small = parseEncoderConfig({
    model_type: 'electra',
    vocab_size: 30522,
    embedding_size: 128,
    hidden_size: 256,
    num_hidden_layers: 12,
    num_attention_heads: 4,
    intermediate_size: 1024,
    max_position_embeddings: 512,
    type_vocab_size: 2,
  });
  assert.deepEqual(encoderShapes(small).get('embeddings_project.weight'), [256, 128]);
  // embeddings (30522 + 512 + 2)·128 + 256 = 3,972,864; projection 256·128 + 256 = 33,024;
  // layer 4·256² + 2·256·1024 + 9·256 + 1024 = 789,760; 3,972,864 + 33,024 + 12 · 789,760 = 13,483,008
  assert.equal(parameterCount(small), 13_483_008);
  assert.deepEqual(parseEncoderConfig(toHfConfig(small, 'ElectraForTokenClassification')), small);
});
