// The tiny BERT and RoBERTa token-classifier folders (fixtures/make-model-fixtures.ts) end to end: load, tokenize
// pre-split words with the label on the first subword, match the independent float64 reference, fine-tune a few
// steps through the runtime Workspace on CPU, save as a Hugging Face folder, reload with bitwise-equal logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModelFolder, saveModelFolder, type ModelFolder } from '../../main/models/model-folder.ts';
import { loadTokenizer } from '../../main/models/tokenizer-files.ts';
import { openSafetensors } from '../../main/tensors/safetensors.ts';
import { tensor, zeros, type Tensor } from '../../main/tensors/tensor.ts';
import { initParams, paramsToWeights } from '../../main/engine/nn/params.ts';
import {
  BATCH,
  goldFeeds,
  logitsGraph,
  tokenClassificationTask,
  tokenClassifierLayout,
} from '../../main/engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { IO, trainStepGraph } from '../../main/engine/optim/train-graphs.ts';
import { createWorkspace } from '../../main/engine/runtime/workspace.ts';
import { encodeSentences, padBatch, type PaddedBatch } from '../../shared/tokenizers/encode.ts';
import { IGNORE_LABEL } from '../../shared/models/ignore-label.ts';
import { hfName } from '../../shared/models/weight-names.ts';
import type { EncoderConfig } from '../../shared/models/config.ts';
import { FIXTURE_LABELS, FIXTURE_SENTENCES } from './fixtures/fixture-sentences.ts';
import { referenceLogits } from './reference-forward.ts';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'fixture-models-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const labelled = FIXTURE_SENTENCES.map((s) => ({
  words: s.words,
  labels: s.labels.map((l) => FIXTURE_LABELS.indexOf(l)),
}));

function encode(m: ModelFolder): PaddedBatch {
  return padBatch(encodeSentences(m.tokenizer, labelled, { maxLength: 64, stride: 8 }), m.tokenizer.special.pad);
}

function modelFeeds(c: EncoderConfig, b: PaddedBatch): Record<string, Tensor> {
  const shape = [b.size, b.length];
  return {
    [BATCH.inputIds]: tensor('int64', shape, BigInt64Array.from(b.inputIds, BigInt)),
    [BATCH.attentionMask]: tensor('float32', shape, Float32Array.from(b.attentionMask)),
    ...(c.typeVocabSize > 0
      ? { [BATCH.tokenTypeIds]: tensor('int64', shape, BigInt64Array.from(b.tokenTypeIds, BigInt)) }
      : {}),
  };
}

function trainFeeds(c: EncoderConfig, b: PaddedBatch, step: number): Record<string, Tensor> {
  const shape = [b.size, b.length];
  return {
    ...modelFeeds(c, b),
    ...goldFeeds(b.labels!, shape),
    [IO.lr]: tensor('float32', [], Float32Array.of(3e-3)),
    [IO.step]: tensor('float32', [], Float32Array.of(step)),
    [IO.dropoutSeed]: tensor('int64', [], BigInt64Array.of(BigInt(step))),
  };
}

for (const name of ['tiny-bert-ner', 'tiny-roberta-ner']) {
  test(`${name}: load, tokenize, match the reference, fine-tune on CPU, save as HF, reload bitwise equal`, async () => {
    const m = await loadModelFolder(fixture(name), { labels: FIXTURE_LABELS });
    assert.deepEqual(m.report.missing, [], 'the fixture carries its classifier head');
    assert.deepEqual(m.report.unexpected, []);

    // Tokenization: the first subword of each word carries its label, the rest and the specials -100.
    const batch = encode(m);
    assert.equal(batch.size, FIXTURE_SENTENCES.length);
    batch.windows.forEach((w, s) => {
      const sentence = labelled[s];
      w.wordIds.forEach((word, p) => {
        const first = word !== null && w.wordIds[p - 1] !== word;
        assert.equal(w.labels![p], first ? sentence.labels[word] : IGNORE_LABEL, `sentence ${s} position ${p}`);
      });
      assert.deepEqual(
        [...new Set(w.wordIds.filter((x) => x !== null))],
        sentence.words.map((_, i) => i),
      );
    });
    if (m.config.modelType === 'bert') {
      // The trimmed vocabulary splits the words exactly as the full shipped one does.
      const full = loadTokenizer(fixture('../../../resources/models/bert-uncased-vocab')).tokenizer;
      for (const word of labelled.flatMap((s) => s.words)) {
        assert.deepEqual(
          m.tokenizer.wordIds(word).map((id) => m.tokenizer.token(id)),
          full.wordIds(word).map((id) => full.token(id)),
          word,
        );
      }
      assert.deepEqual(
        m.tokenizer.wordIds('BRCA1').map((id) => m.tokenizer.token(id)),
        ['br', '##ca', '##1'],
      );
    } else {
      // Byte-level BPE: each word's pieces spell "Ġ" + the word.
      for (const word of labelled.flatMap((s) => s.words))
        assert.equal(
          m.tokenizer
            .wordIds(word)
            .map((id) => m.tokenizer.token(id))
            .join(''),
          `Ġ${word}`,
        );
    }

    // The engine's logits (float32) against the float64 reference on the folder's own weights.
    const layout = tokenClassifierLayout(m.config, ADAMW_DEFAULTS);
    const rows = (a: Int32Array) =>
      Array.from({ length: batch.size }, (_, r) => Array.from(a.subarray(r * batch.length, (r + 1) * batch.length)));
    const reference = referenceLogits(m.config, m.weights, {
      inputIds: rows(batch.inputIds),
      attentionMask: rows(batch.attentionMask),
      tokenTypeIds: rows(batch.tokenTypeIds),
    }).flat(2);
    const ws = await createWorkspace(
      'cpu',
      new Map([
        [IO.params, tensor('float32', [layout.size], initParams(layout, 0, m.weights))],
        [IO.m, zeros('float32', [layout.size])],
        [IO.v, zeros('float32', [layout.size])],
      ]),
    );
    try {
      const logits = await ws.load({ model: logitsGraph(m.config, layout).bytes, read: ['logits'] });
      const before = (await logits.run(modelFeeds(m.config, batch))).logits.data as Float32Array;
      const scale = Math.max(...reference.map(Math.abs));
      const worst = Math.max(...reference.map((r, i) => Math.abs(r - before[i])));
      assert.ok(worst <= 1e-5 * scale, `max |engine − reference| ${worst} (max |logit| ${scale})`);

      // Fine-tune: the loss drops within a few steps.
      const task = tokenClassificationTask(m.config, layout);
      const step = trainStepGraph(task, ADAMW_DEFAULTS);
      const train = await ws.load({
        model: step.model.bytes,
        updates: Object.fromEntries(step.state.map((s) => [s.input, s.output])),
        read: [IO.loss],
      });
      const losses: number[] = [];
      for (let t = 1; t <= 12; t++)
        losses.push((await train.run(trainFeeds(m.config, batch, t))).loss.data[0] as number);
      console.log(`${name}: loss ${losses[0].toFixed(4)} → ${losses.at(-1)!.toFixed(4)}`);
      assert.ok(losses.at(-1)! < 0.7 * losses[0], `loss ${losses.join(', ')}`);
      const after = (await logits.run(modelFeeds(m.config, batch))).logits.data as Float32Array;

      // Save as a Hugging Face folder, reload, same logits to the bit.
      const trained = paramsToWeights(layout, (await ws.readState([IO.params])).get(IO.params)!.data as Float32Array);
      const out = join(root, name);
      await saveModelFolder(out, { config: m.config, weights: trained }, { tokenizerFrom: fixture(name) });
      const hf = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      assert.deepEqual(hf.id2label, { 0: 'O', 1: 'B-Disease', 2: 'I-Disease' });
      assert.deepEqual(hf.label2id, { O: 0, 'B-Disease': 1, 'I-Disease': 2 });
      const reader = await openSafetensors(join(out, 'model.safetensors'));
      assert.deepEqual(
        [...reader.entries.keys()].sort(),
        layout.entries.map((e) => hfName(e.name, m.config.modelType)).sort(),
      );
      await reader.close();

      const back = await loadModelFolder(out, { labels: FIXTURE_LABELS });
      assert.deepEqual(back.config, m.config);
      const ws2 = await createWorkspace(
        'cpu',
        new Map([[IO.params, tensor('float32', [layout.size], initParams(layout, 0, back.weights))]]),
      );
      try {
        const reloaded = await ws2.load({ model: logitsGraph(back.config, layout).bytes, read: ['logits'] });
        const again = (await reloaded.run(modelFeeds(back.config, encode(back)))).logits.data as Float32Array;
        assert.deepEqual(
          Buffer.from(again.buffer, again.byteOffset, again.byteLength),
          Buffer.from(after.buffer, after.byteOffset, after.byteLength),
        );
        assert.notDeepEqual(Array.from(after), Array.from(before), 'training changed the model');
      } finally {
        await ws2.dispose();
      }
    } finally {
      await ws.dispose();
    }
  });
}

test('a folder whose head predicts other labels gets a new head, initialised as HF does (seeded)', async () => {
  const labels = ['O', 'B-Chemical', 'I-Chemical', 'B-Gene', 'I-Gene'];
  const m = await loadModelFolder(fixture('tiny-roberta-ner'), { labels });
  assert.deepEqual(m.report.missing, ['classifier.weight', 'classifier.bias']);
  const layout = tokenClassifierLayout(m.config, ADAMW_DEFAULTS);
  const a = paramsToWeights(layout, initParams(layout, 5, m.weights));
  const b = paramsToWeights(layout, initParams(layout, 5, m.weights));
  assert.deepEqual(a.get('classifier.weight'), b.get('classifier.weight'), 'the seed fixes the new head');
  assert.ok((a.get('classifier.bias')!.data as Float32Array).every((x) => x === 0));
  const w = Array.from(a.get('classifier.weight')!.data as Float32Array);
  assert.deepEqual(a.get('classifier.weight')!.shape, [5, 16]);
  const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
  assert.ok(std > 0.05 && std < 0.15, `std ${std} (initializer_range 0.1)`);
  assert.deepEqual(a.get('embeddings.word_embeddings.weight'), m.weights.get('embeddings.word_embeddings.weight'));
});
