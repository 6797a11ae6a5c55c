// Model folders end to end, on checkpoints written by real torch.save (fixtures/make-fixtures.py): a tiny
// BERT (legacy LayerNorm gamma/beta, pooler, MLM head), a float16 RoBERTa token classifier and a DistilBERT.
// All have H=8, I=16, 2 layers, 20 words, 10 positions; each tensor holds (arange + running offset) · 0.001.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  unlinkSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModelFolder, saveModelFolder } from '../../main/models/model-folder.ts';
import { openSafetensors, writeSafetensors } from '../../main/tensors/safetensors.ts';
import { tensor, type Tensor } from '../../main/tensors/tensor.ts';
import { hfName } from '../../shared/models/weight-names.ts';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'model-folder-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const TINY = { vocab_size: 20, max_position_embeddings: 10, initializer_range: 0.02 };
const CONFIGS: Record<string, object> = {
  bert: {
    ...TINY,
    model_type: 'bert',
    hidden_size: 8,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 16,
    type_vocab_size: 2,
    pad_token_id: 0,
  },
  roberta: {
    ...TINY,
    model_type: 'roberta',
    hidden_size: 8,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 16,
    type_vocab_size: 1,
    pad_token_id: 1,
    layer_norm_eps: 1e-5,
    id2label: { 0: 'O', 1: 'B-Chemical', 2: 'I-Chemical' },
  },
  distilbert: {
    ...TINY,
    model_type: 'distilbert',
    dim: 8,
    n_layers: 2,
    n_heads: 2,
    hidden_dim: 16,
    sinusoidal_pos_embds: false,
  },
};
// 20 entries, as vocab_size says
const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'the',
  'gene',
  'protein',
  'il',
  '-',
  '2',
  '##s',
  'p',
  '##53',
  'dna',
  'of',
  'a',
  'cell',
  '##ular',
  '.',
];
const BPE_VOCAB = Object.fromEntries(['<s>', '<pad>', '</s>', '<unk>', '<mask>', 'Ġ', 'a'].map((t, i) => [t, i]));

let serial = 0;
function folder(kind: keyof typeof CONFIGS, weights: string | null, extra: Record<string, string> = {}): string {
  const dir = join(root, `${kind}-${serial++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIGS[kind]));
  if (kind === 'roberta') {
    writeFileSync(join(dir, 'vocab.json'), JSON.stringify(BPE_VOCAB));
    writeFileSync(join(dir, 'merges.txt'), '#version: 0.2\n');
  } else {
    writeFileSync(join(dir, 'vocab.txt'), VOCAB.join('\n') + '\n');
  }
  if (weights) copyFileSync(fixture(weights), join(dir, 'pytorch_model.bin'));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  return dir;
}

const first = (t: Tensor | undefined, n = 3) => Array.from((t!.data as Float32Array).subarray(0, n));
const close = (a: number[], b: number[], tol: number) =>
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol, `${x} vs ${b[i]}`));

test('BERT: legacy gamma/beta become weight/bias, pooler and MLM head are reported, the classifier is to be initialised', async () => {
  const m = await loadModelFolder(folder('bert', 'tiny-bert-pretrained.bin'), { labels: ['O', 'B-Gene', 'I-Gene'] });
  assert.equal(m.config.modelType, 'bert');
  assert.deepEqual(m.config.labels, ['O', 'B-Gene', 'I-Gene']);
  assert.equal(m.weights.size, 5 + 2 * 16);
  // word embeddings start the running offset at 0; LayerNorm.gamma follows 20·8 + 10·8 + 2·8 = 256 values
  close(first(m.weights.get('embeddings.word_embeddings.weight')), [0, 0.001, 0.002], 1e-9);
  close(first(m.weights.get('embeddings.LayerNorm.weight')), [0.256, 0.257, 0.258], 1e-6);
  assert.deepEqual(m.weights.get('encoder.layer.1.intermediate.dense.weight')!.shape, [16, 8]);
  assert.deepEqual(m.report.missing, ['classifier.weight', 'classifier.bias']);
  assert.deepEqual(m.report.unexpected, ['bert.pooler.dense.weight', 'bert.pooler.dense.bias', 'cls.predictions.bias']);
  assert.ok(
    m.report.notes.some((n) =>
      n.startsWith(
        "The folder's weights have no classifier head; a new one will be initialised (normal std=0.02, bias 0)",
      ),
    ),
  );
  assert.ok(m.report.notes.some((n) => n.includes('pooler')));
  assert.deepEqual(m.report.weightsFiles, ['pytorch_model.bin']);
  assert.deepEqual(m.tokenizer.wordIds('IL-2s'), [8, 9, 10, 11]);
});

test('a config.json without model_type (older exports, e.g. SciBERT) is read as the family its weights are named for', async () => {
  const { model_type: _, ...untyped } = CONFIGS.bert as Record<string, unknown>;
  const m = await loadModelFolder(
    folder('bert', 'tiny-bert-pretrained.bin', { 'config.json': JSON.stringify(untyped) }),
  );
  assert.equal(m.config.modelType, 'bert');
  assert.match(m.report.notes.join('\n'), /the weights' names say bert, so it is read as bert/);
});

test('DistilBERT: its layer names map onto the canonical ones; no token types', async () => {
  const m = await loadModelFolder(folder('distilbert', 'tiny-distilbert-pretrained.bin'));
  assert.equal(m.config.typeVocabSize, 0);
  assert.equal(m.weights.has('embeddings.token_type_embeddings.weight'), false);
  // layer 0's q_lin.weight follows word (160), position (80) and LayerNorm (16) values: offset 256
  close(first(m.weights.get('encoder.layer.0.attention.self.query.weight')), [0.256, 0.257, 0.258], 1e-6);
  assert.deepEqual(m.weights.get('encoder.layer.1.output.dense.weight')!.shape, [8, 16]);
  assert.ok(m.weights.has('encoder.layer.1.attention.output.LayerNorm.bias'));
  assert.deepEqual(m.report.unexpected, ['vocab_projector.bias']);
  assert.deepEqual(m.report.missing, []);
  assert.equal(m.config.labels, null);
});

test('RoBERTa float16: converted to float32; its classifier is kept for its own labels, replaced for others', async () => {
  const dir = folder('roberta', 'tiny-roberta-ner-fp16.bin');
  const own = await loadModelFolder(dir);
  assert.equal(own.config.positionOffset, 2);
  const w = own.weights.get('classifier.weight')!;
  assert.equal(w.dtype, 'float32');
  assert.deepEqual(w.shape, [3, 8]);
  // The classifier follows the encoder: 160 + 80 + 8 + 16 + 2·(4·72 + 16 + 144 + 136 + 16) = 1464 values
  close(first(w), [1.464, 1.465, 1.466], 1e-3); // float16 keeps ~3 significant digits
  assert.deepEqual(own.report.missing, []);
  const same = await loadModelFolder(dir, { labels: ['O', 'B-Chemical', 'I-Chemical'] });
  assert.ok(same.weights.has('classifier.weight'));
  const other = await loadModelFolder(dir, { labels: ['O', 'B-Disease', 'I-Disease'] });
  assert.deepEqual(other.report.missing, ['classifier.weight', 'classifier.bias']);
  assert.match(other.report.notes.join('\n'), /predicts other labels \(O, B-Chemical, I-Chemical\)/);
  const fewer = await loadModelFolder(dir, { labels: ['O', 'B'] });
  assert.match(fewer.report.notes.join('\n'), /predicts 3 labels but this task has 2/);
});

test('save then load: identical tensors and config; Hugging Face names and metadata in model.safetensors', async () => {
  const source = folder('bert', 'tiny-bert-pretrained.bin');
  const labels = ['O', 'B-Gene', 'I-Gene'];
  const m = await loadModelFolder(source, { labels });
  const weights = new Map(m.weights);
  weights.set(
    'classifier.weight',
    tensor(
      'float32',
      [3, 8],
      Float32Array.from({ length: 24 }, (_, i) => i / 7),
    ),
  );
  weights.set('classifier.bias', tensor('float32', [3], new Float32Array([0.5, -0.5, 0])));
  const out = join(root, 'saved-bert');
  await saveModelFolder(out, { config: m.config, weights }, { tokenizerFrom: source });

  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.deepEqual(config.architectures, ['BertForTokenClassification']);
  assert.deepEqual(config.id2label, { 0: 'O', 1: 'B-Gene', 2: 'I-Gene' });
  assert.deepEqual(config.label2id, { O: 0, 'B-Gene': 1, 'I-Gene': 2 });
  const reader = await openSafetensors(join(out, 'model.safetensors'));
  assert.equal(reader.metadata.format, 'pt');
  assert.ok(reader.entries.has('bert.encoder.layer.0.attention.self.query.weight'));
  assert.ok(reader.entries.has('bert.embeddings.LayerNorm.weight'));
  assert.ok(reader.entries.has('classifier.weight'));
  await reader.close();

  const back = await loadModelFolder(out, { labels });
  assert.deepEqual(back.config, m.config);
  assert.deepEqual(back.weights, weights);
  assert.deepEqual(back.report.missing, []);
  assert.deepEqual(back.report.unexpected, []);
  assert.deepEqual(back.report.weightsFiles, ['model.safetensors']);
  assert.deepEqual(back.tokenizer.wordIds('p53'), m.tokenizer.wordIds('p53'));
});

test('saving keeps the config.json fields we do not model; ours (labels, sizes, architecture, dtype) are written anew', async () => {
  const theirs = {
    _name_or_path: 'lab/biomed-roberta',
    transformers_version: '4.41.0',
    tokenizer_class: 'RobertaTokenizer',
    bos_token_id: 0,
    eos_token_id: 2,
    lab_notes: { curated: true, by: ['ana'] },
  };
  const source = folder('roberta', 'tiny-roberta-ner-fp16.bin', {
    'config.json': JSON.stringify({
      ...CONFIGS.roberta,
      ...theirs,
      architectures: ['RobertaForMaskedLM'],
      num_labels: 3,
      _num_labels: 3,
      torch_dtype: 'float16',
    }),
  });
  const labels = ['O', 'B-Disease', 'I-Disease', 'B-Chemical', 'I-Chemical'];
  const m = await loadModelFolder(source, { labels });
  const weights = new Map(m.weights);
  weights.set('classifier.weight', tensor('float32', [5, 8], new Float32Array(40).fill(0.5)));
  weights.set('classifier.bias', tensor('float32', [5], new Float32Array(5)));
  const out = join(root, 'saved-roberta-extra');
  await saveModelFolder(out, { config: m.config, weights }, { tokenizerFrom: source });

  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  for (const [key, value] of Object.entries(theirs)) assert.deepEqual(config[key], value, key);
  assert.deepEqual(config.architectures, ['RobertaForTokenClassification']);
  assert.equal(config.torch_dtype, 'float32');
  assert.deepEqual(config.id2label, Object.fromEntries(labels.map((l, i) => [i, l])));
  assert.equal(config.num_labels, undefined, 'a stale label count is not carried over');
  assert.equal(config._num_labels, undefined);
  assert.equal(config.hidden_size, 8);
  const back = await loadModelFolder(out, { labels });
  assert.deepEqual(back.config, m.config);
});

test('DistilBERT saves under its own names and loads back the same', async () => {
  const source = folder('distilbert', 'tiny-distilbert-pretrained.bin');
  const m = await loadModelFolder(source, { labels: ['O', 'B-X'] });
  const weights = new Map(m.weights);
  weights.set('classifier.weight', tensor('float32', [2, 8], new Float32Array(16).fill(0.25)));
  weights.set('classifier.bias', tensor('float32', [2], new Float32Array(2)));
  const out = join(root, 'saved-distil');
  await saveModelFolder(out, { config: m.config, weights }, { tokenizerFrom: source });
  const reader = await openSafetensors(join(out, 'model.safetensors'));
  assert.ok(reader.entries.has('distilbert.transformer.layer.1.ffn.lin1.weight'));
  await reader.close();
  const back = await loadModelFolder(out, { labels: ['O', 'B-X'] });
  assert.deepEqual(back.weights, weights);
  assert.deepEqual(back.config, m.config);
});

test('sharded safetensors: read through model.safetensors.index.json', async () => {
  const m = await loadModelFolder(folder('bert', 'tiny-bert-pretrained.bin'));
  const dir = folder('bert', null);
  const names = [...m.weights.keys()];
  const shards = [names.slice(0, 10), names.slice(10)];
  const weightMap: Record<string, string> = {};
  for (const [i, part] of shards.entries()) {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    await writeSafetensors(join(dir, file), new Map(part.map((n) => [hfName(n, 'bert'), m.weights.get(n)!])), {
      format: 'pt',
    });
    for (const n of part) weightMap[hfName(n, 'bert')] = file;
  }
  writeFileSync(
    join(dir, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }),
  );
  const sharded = await loadModelFolder(dir);
  assert.deepEqual(sharded.weights, m.weights);
  assert.deepEqual(sharded.report.weightsFiles, [
    'model.safetensors.index.json',
    'model-00001-of-00002.safetensors',
    'model-00002-of-00002.safetensors',
  ]);

  unlinkSync(join(dir, 'model-00002-of-00002.safetensors'));
  await assert.rejects(
    loadModelFolder(dir),
    /model\.safetensors\.index\.json: points at shard model-00002-of-00002\.safetensors, which is missing/,
  );
});

test('config.json and the tokenizer are checked before the weights are read: a broken folder fails naming the file', async () => {
  // Weights that cannot be read: reaching them would fail with another message.
  const unreadable = { 'model.safetensors': 'not a checkpoint' };
  const cases: [Record<string, string>, string, RegExp][] = [
    [
      { 'config.json': JSON.stringify({ ...CONFIGS.bert, model_type: 'gpt2' }) },
      'config.json',
      /model_type "gpt2" is not supported/,
    ],
    [
      { 'config.json': JSON.stringify({ ...CONFIGS.bert, num_attention_heads: 3 }) },
      'config.json',
      /hidden size 8 is not divisible by 3 attention heads/,
    ],
    [
      { 'config.json': JSON.stringify({ ...CONFIGS.bert, intermediate_size: 0 }) },
      'config.json',
      /"intermediate_size" must be an integer of at least 1/,
    ],
    [
      { 'vocab.txt': [...VOCAB, 'extra'].join('\n') },
      '',
      /the tokenizer has 21 entries but config\.json's vocab_size is 20/,
    ],
  ];
  for (const [files, file, problem] of cases) {
    const dir = folder('bert', null, { ...files, ...unreadable });
    await assert.rejects(loadModelFolder(dir), (e: Error) => {
      assert.ok(e.message.startsWith(`${file ? join(dir, file) : dir}: `), e.message);
      assert.match(e.message, problem);
      return true;
    });
  }
});

test('broken folders name the missing or odd file', async () => {
  const noConfig = folder('bert', 'tiny-bert-pretrained.bin');
  unlinkSync(join(noConfig, 'config.json'));
  await assert.rejects(loadModelFolder(noConfig), new RegExp(`${noConfig}: no config\\.json`));

  // No model_type, and weights saved without the family prefix (as BertModel.save_pretrained once did).
  const plain = await loadModelFolder(folder('bert', 'tiny-bert-pretrained.bin'));
  const { model_type: _, ...untyped } = CONFIGS.bert as Record<string, unknown>;
  const noType = folder('bert', null, { 'config.json': JSON.stringify(untyped) });
  await writeSafetensors(join(noType, 'model.safetensors'), plain.weights, { format: 'pt' });
  await assert.rejects(
    loadModelFolder(noType),
    /config\.json: has no "model_type", and the weights' names do not tell the model family/,
  );

  const badJson = folder('bert', 'tiny-bert-pretrained.bin', { 'config.json': '{"model_type": "bert",' });
  await assert.rejects(loadModelFolder(badJson), /config\.json: not valid JSON/);

  const truncated = folder('bert', 'tiny-bert-pretrained.bin');
  truncateSync(join(truncated, 'pytorch_model.bin'), statSync(join(truncated, 'pytorch_model.bin')).size - 500);
  await assert.rejects(
    loadModelFolder(truncated),
    new RegExp(`${truncated}/pytorch_model\\.bin: .*(damaged|truncated)`),
  );

  const noWeights = folder('bert', null);
  await assert.rejects(
    loadModelFolder(noWeights),
    /no weights file: expected model\.safetensors, model\.safetensors\.index\.json, pytorch_model\.bin/,
  );

  const lfs = folder('bert', null, {
    'model.safetensors': 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 440473133\n',
  });
  await assert.rejects(loadModelFolder(lfs), /model\.safetensors: is a Git LFS pointer/);

  const noVocab = folder('bert', 'tiny-bert-pretrained.bin');
  unlinkSync(join(noVocab, 'vocab.txt'));
  await assert.rejects(
    loadModelFolder(noVocab),
    /no tokenizer files: expected tokenizer\.json, vocab\.txt, or vocab\.json with merges\.txt/,
  );

  const noMerges = folder('roberta', 'tiny-roberta-ner-fp16.bin');
  unlinkSync(join(noMerges, 'merges.txt'));
  await assert.rejects(loadModelFolder(noMerges), /needs merges\.txt next to vocab\.json/);

  const bigVocab = folder('bert', 'tiny-bert-pretrained.bin', { 'vocab.txt': [...VOCAB, 'extra'].join('\n') });
  await assert.rejects(loadModelFolder(bigVocab), /tokenizer has 21 entries but config\.json's vocab_size is 20/);

  const wrongSize = folder('bert', 'tiny-bert-pretrained.bin', {
    'config.json': JSON.stringify({ ...CONFIGS.bert, intermediate_size: 32 }),
  });
  await assert.rejects(
    loadModelFolder(wrongSize),
    /pytorch_model\.bin: tensor "bert\.encoder\.layer\.0\.intermediate\.dense\.weight" has shape \[16, 8\] but config\.json implies \[32, 8\]/,
  );

  const wrongFamily = folder('distilbert', 'tiny-bert-pretrained.bin');
  await assert.rejects(
    loadModelFolder(wrongFamily),
    /holds bert weights \(names start with "bert\."\) but config\.json says model_type "distilbert"/,
  );

  // A checkpoint that lacks part of the encoder: the BERT weights under a 3-layer config.
  const fewerLayers = folder('bert', 'tiny-bert-pretrained.bin', {
    'config.json': JSON.stringify({ ...CONFIGS.bert, num_hidden_layers: 3 }),
  });
  await assert.rejects(
    loadModelFolder(fewerLayers),
    /lacks 16 of the 53 encoder weights config\.json implies, e\.g\. "bert\.encoder\.layer\.2\.attention\.self\.query\.weight"/,
  );

  await assert.rejects(loadModelFolder(join(root, 'nowhere')), /nowhere: no such folder/);
});
