// The labelling core on the shipped test splits with the tiny BERT fixture: offsets of every mention, every word
// labelled, the same labels as the run's evaluation (and as training's eval graph, on nearly every word), and int8
// beside float32.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import { BATCH, tokenClassificationTask, tokenClassifierLayout } from '../../main/engine/nn/token-classification.ts';
import { initParams } from '../../main/engine/nn/params.ts';
import { evalGraph, IO } from '../../main/engine/optim/train-graphs.ts';
import { tensor } from '../../main/tensors/tensor.ts';
import { adamwConfig } from '../../main/pipeline/fine-tune.ts';
import { argmaxLabels, EVAL_GRAPH, predictWords } from '../../main/pipeline/predict.ts';
import { predictLabels } from '../../main/pipeline/run-models.ts';
import { loadLabellingModel, openLabeller } from '../../main/pipeline/annotate/labeller.ts';
import { conllDocument, type Document } from '../../shared/annotate/documents.ts';
import { parseConll } from '../../shared/corpus/conll.ts';
import { parseRunConfig, teachersInCorpusOrder } from '../../shared/method/run-config.ts';
import { encodeSentences, windowsOf } from '../../shared/tokenizers/encode.ts';
import { splitWords, detokenize } from '../../shared/text/words.ts';
import { TINY_BERT } from '../pipeline/fixtures.ts';

const CORPORA = ['NCBI-disease', 'BC5CDR-chem', 'BC2GM'];
const testSplit = (name: string) =>
  parseConll(readFileSync(`resources/datasets/${name}/test.tsv`, 'utf8'), { file: name }).sentences;
const model = await loadLabellingModel(TINY_BERT);

test('every mention on the shipped test splits, as raw text, slices out of its document; no word is left out', async () => {
  const client = startRuntime();
  try {
    const labeller = await openLabeller(client, model, { provider: 'cpu' });
    let mentions = 0;
    for (const name of CORPORA) {
      const sentences = testSplit(name);
      const docs: Document[] = [];
      for (let i = 0; i < sentences.length; i += 10) {
        const text = sentences
          .slice(i, i + 10)
          .map((s) => detokenize(s.tokens).text)
          .join(' ');
        docs.push({ id: `${name}:${i}`, text, source: `${name}:${i}` });
      }
      for (const l of await labeller.label(docs)) {
        assert.equal(
          l.sentences.reduce((n, s) => n + s.words.length, 0),
          splitWords(l.doc.text).length,
          l.doc.id,
        );
        for (const m of l.mentions) {
          assert.equal(l.doc.text.slice(m.start, m.end), m.text);
          assert.ok(m.score > 0 && m.score <= 1);
        }
        mentions += l.mentions.length;
      }
    }
    assert.ok(mentions > 1000, `${mentions} mentions checked`);
  } finally {
    await client.terminate();
  }
});

test("CoNLL input gets exactly the labels the run's evaluation predicts (predictLabels, as the evaluate phase calls it)", async () => {
  const client = startRuntime();
  try {
    const run = parseRunConfig({
      corpora: [{ path: 'NCBI-disease', type: 'Disease' }],
      teachers: [{ type: 'Disease', model: { folder: TINY_BERT }, maxLength: 64 }],
      student: { model: { folder: TINY_BERT } },
    });
    const [settings] = teachersInCorpusOrder(run);
    const { config, tokenizer } = model;
    const start = {
      config,
      initial: initParams(tokenClassifierLayout(config, adamwConfig(settings)), 0, model.weights),
      tokenizer,
      tokenizerFrom: TINY_BERT,
    };
    for (const name of ['NCBI-disease', 'BC5CDR-chem']) {
      const sentences = testSplit(name);
      const expected = (await predictLabels(client, 'cpu', start, sentences, settings)).values;
      // predictLabels opens its own workspace on the host, so the labeller is opened after it.
      const docs = sentences.map((s, i) => conllDocument(s.tokens, `${name}:${i}`, `${name}:${s.line}`));
      const labelled = await (await openLabeller(client, model, { provider: 'cpu', maxLength: 64 })).label(docs);
      assert.deepEqual(
        labelled.map((l) => l.sentences.flatMap((s) => s.words.map((w) => w.text))),
        sentences.map((s) => s.tokens),
      );
      const got = labelled.map((l) => l.sentences.flatMap((s) => s.labels));
      assert.deepEqual(got, expected, name);
      assert.ok(
        expected.flat().some((l) => l !== 'O'),
        'the fixture predicts entities',
      );

      // Training's eval graph (the dev split after each epoch) on the same parameters: another graph, fused
      // differently by onnxruntime, so a word whose two best labels are within rounding may differ.
      const layout = tokenClassifierLayout(config, adamwConfig(settings));
      await client.request({
        kind: 'open',
        provider: 'cpu',
        state: { [IO.params]: tensor('float32', [layout.size], start.initial) },
      });
      await client.request({
        kind: 'load',
        program: 'eval',
        spec: {
          model: evalGraph(tokenClassificationTask(config, layout), { withLoss: false }).bytes,
          read: [BATCH.probs],
        },
      });
      const windows = encodeSentences(
        tokenizer,
        sentences.map((s) => ({ words: s.tokens })),
        windowsOf(64),
      );
      const evalLabels = argmaxLabels(
        await predictWords(
          client,
          config,
          windows,
          sentences.map((s) => s.tokens.length),
          { program: 'eval', padId: tokenizer.special.pad, batchSize: 32, graph: EVAL_GRAPH },
        ),
        config.labels!,
      ).flat();
      const same = expected.flat().filter((l, i) => l === evalLabels[i]).length / evalLabels.length;
      assert.ok(same > 0.999, `${name}: the eval graph agrees on ${(100 * same).toFixed(3)} % of words`);
    }
  } finally {
    await client.terminate();
  }
});

test('int8 labels almost as float32 does, with probabilities as scores', async () => {
  const client = startRuntime();
  try {
    const sentences = testSplit('NCBI-disease').slice(0, 300);
    const docs = sentences.map((s, i) => conllDocument(s.tokens, String(i), String(i)));
    const float = await (await openLabeller(client, model, { provider: 'cpu' })).label(docs);
    await client.request({ kind: 'close' });
    const int8 = await (await openLabeller(client, model, { provider: 'cpu', precision: 'int8' })).label(docs);
    const a = float.flatMap((l) => l.sentences.flatMap((s) => s.labels));
    const b = int8.flatMap((l) => l.sentences.flatMap((s) => s.labels));
    const same = a.filter((x, i) => x === b[i]).length / a.length;
    assert.ok(same > 0.9, `int8 agrees with float32 on ${(100 * same).toFixed(1)} % of words`);
    assert.ok(
      same < 1 ||
        int8.some((l, d) => l.sentences.some((s, k) => s.scores.some((p, w) => p !== float[d].sentences[k].scores[w]))),
      'int8 is really another graph',
    );
    for (const l of int8) for (const s of l.sentences) for (const p of s.scores) assert.ok(p > 0 && p <= 1);
  } finally {
    await client.terminate();
  }
});
