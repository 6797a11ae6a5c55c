// Deployment export on the fixture models: weights as initializers, token_type_ids only where the model has more
// than one token type, standard ONNX ops only and only the opsets they use, logits equal to the engine's; the int8
// model close to them (max |diff| and argmax agreement printed), its weights 4× smaller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { exportOnnx } from '../../main/models/export.ts';
import { loadModelFolder } from '../../main/models/model-folder.ts';
import { FIXTURE_LABELS } from './fixtures/fixture-sentences.ts';
import { engineLogits, exportFeeds, fixtureBatch } from './engine-logits.ts';

const root = mkdtempSync(join(tmpdir(), 'export-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

/** The file's opset imports as [domain, version]. */
const opsets = (path: string) =>
  onnxProto.onnx.ModelProto.decode(readFileSync(path)).opsetImport!.map((o) => [o.domain ?? '', Number(o.version)]);

// RoBERTa has one token type (type_vocab_size 1): every id would be 0, so its file takes no token_type_ids.
const INPUTS: Record<string, string[]> = {
  'tiny-bert-ner': ['input_ids', 'attention_mask', 'token_type_ids'],
  'tiny-roberta-ner': ['input_ids', 'attention_mask'],
};

for (const name of ['tiny-bert-ner', 'tiny-roberta-ner']) {
  test(`${name}: float export equals the engine; int8 export is close, its weights smaller`, async () => {
    const m = await loadModelFolder(fileURLToPath(new URL(`fixtures/${name}`, import.meta.url)), {
      labels: FIXTURE_LABELS,
    });
    const c = m.config;
    const b = fixtureBatch(m);
    const feeds = exportFeeds(b, INPUTS[name]);
    const expected = await engineLogits(m, b);

    const run = async (path: string) => {
      const s = await ort.InferenceSession.create(readFileSync(path), { graphOptimizationLevel: 'disabled' });
      const out = (await s.run(feeds)).logits.data as Float32Array;
      await s.release();
      return out;
    };
    const float = await exportOnnx(join(root, `${name}.onnx`), m);
    const int8 = await exportOnnx(join(root, `${name}-int8.onnx`), m, { quantize: 'int8' });
    for (const e of [float, int8]) {
      const graph = onnxProto.onnx.ModelProto.decode(readFileSync(e.path)).graph!;
      assert.deepEqual(e.inputs, INPUTS[name], 'weights are initializers, not inputs');
      const domains = new Set(graph.node!.map((n) => n.domain ?? ''));
      assert.deepEqual(
        [...domains].filter((d) => d !== '' && d !== 'ai.onnx'),
        [],
        'standard ONNX ops only',
      );
      assert.deepEqual(opsets(e.path), [['', 18]], 'the default opset only');
      assert.equal(e.opset, 18);
      assert.equal(e.bytes, statSync(e.path).size);
    }
    const got = await run(float.path);
    const scale = Math.max(...expected.map(Math.abs));
    const floatDiff = Math.max(...Array.from(expected, (v, i) => Math.abs(v - got[i])));
    assert.ok(floatDiff <= 1e-5 * scale, `float export: max |diff| ${floatDiff}`);

    // int8: every encoder linear (6 per layer) quantised, the classifier not.
    assert.equal(int8.quantized.length, 6 * c.numLayers);
    assert.ok(int8.quantized.every((n) => !n.startsWith('classifier')));
    const q = await run(int8.path);
    const labels = c.labels!.length;
    let agree = 0;
    let counted = 0;
    let quantDiff = 0;
    for (let k = 0; k < b.size * b.length; k++) {
      if (b.attentionMask[k] === 0) continue;
      const row = (a: Float32Array) => Array.from(a.subarray(k * labels, (k + 1) * labels));
      const argmax = (r: number[]) => r.indexOf(Math.max(...r));
      counted++;
      if (argmax(row(expected)) === argmax(row(q))) agree++;
      row(expected).forEach((v, j) => (quantDiff = Math.max(quantDiff, Math.abs(v - row(q)[j]))));
    }
    console.log(
      `${name}: float max |diff| ${floatDiff.toExponential(2)}; int8 max |diff| ${quantDiff.toFixed(4)} (max |logit| ${scale.toFixed(3)}), argmax agreement ${agree}/${counted}; sizes float ${float.bytes} B, int8 ${int8.bytes} B`,
    );
    assert.ok(quantDiff < 0.1 * scale, `int8 max |diff| ${quantDiff}`);
    // Tiny models are mostly node names; what int8 saves shows in the weights: 1 byte instead of 4 per value.
    const weightBytes = (path: string) =>
      onnxProto.onnx.ModelProto.decode(readFileSync(path)).graph!.initializer!.reduce(
        (n, t) => n + (t.rawData?.length ?? 0),
        0,
      );
    const encoderLinears = c.numLayers * (4 * c.hiddenSize * c.hiddenSize + 2 * c.hiddenSize * c.intermediateSize);
    assert.ok(
      weightBytes(float.path) - weightBytes(int8.path) >= 2.5 * encoderLinears,
      `initializers: float ${weightBytes(float.path)} B, int8 ${weightBytes(int8.path)} B`,
    );

    // int8 word embeddings as well: the table shrinks 4×, the logits stay close.
    const small = await exportOnnx(join(root, `${name}-int8-embeddings.onnx`), m, {
      quantize: 'int8',
      int8Embeddings: true,
    });
    assert.deepEqual(small.quantized.slice(-1), [`${c.modelType}.embeddings.word_embeddings.weight`]);
    const table = c.vocabSize * c.hiddenSize;
    assert.ok(
      weightBytes(int8.path) - weightBytes(small.path) >= 2.5 * table,
      `initializers: int8 ${weightBytes(int8.path)} B, with int8 embeddings ${weightBytes(small.path)} B`,
    );
    const e = await run(small.path);
    const embedDiff = Math.max(...Array.from(expected, (v, i) => Math.abs(v - e[i])));
    console.log(`${name}: int8 with int8 embeddings: max |diff| ${embedDiff.toFixed(4)}, ${small.bytes} B`);
    assert.ok(embedDiff < 0.1 * scale, `int8 with embeddings: max |diff| ${embedDiff}`);
    assert.deepEqual(opsets(small.path), [['', 18]]);
  });
}

test("onnxruntime's fused ops ('extended'): their com.microsoft opset is kept beside the default one, no other", async () => {
  const m = await loadModelFolder(fileURLToPath(new URL('fixtures/tiny-roberta-ner', import.meta.url)), {
    labels: FIXTURE_LABELS,
  });
  const e = await exportOnnx(join(root, 'extended.onnx'), m, { optimization: 'extended' });
  const used = new Set(onnxProto.onnx.ModelProto.decode(readFileSync(e.path)).graph!.node!.map((n) => n.domain ?? ''));
  assert.ok(used.has('com.microsoft'), 'the fused graph uses com.microsoft ops');
  assert.deepEqual(opsets(e.path), [
    ['', 18],
    ['com.microsoft', 1],
  ]);
});
