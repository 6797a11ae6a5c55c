// The IR, its serialization and the autodiff API: pruning, names, symbolic dims, gradients w.r.t. inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import { Graph } from '../../main/engine/graph/graph.ts';
import { grad } from '../../main/engine/graph/autodiff.ts';
import { toOnnx } from '../../main/engine/graph/onnx.ts';
import { add, exp, mul } from '../../main/engine/ops/elementwise.ts';
import { reduceSum } from '../../main/engine/ops/reduce.ts';
import { matmul } from '../../main/engine/ops/matmul.ts';
import { initParams } from '../../main/engine/nn/params.ts';
import { attributionGraph, embeddingGraph, tokenClassifierLayout } from '../../main/engine/nn/token-classification.ts';
import { parseEncoderConfig } from '../../shared/models/config.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { rng, session } from './check.ts';
import ort from 'onnxruntime-node';

const decode = (bytes: Uint8Array) => onnxProto.onnx.ModelProto.decode(bytes);

test('serialization keeps only what the outputs need, names outputs without copies, and keeps symbolic dims', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['batch', 4]);
  const unused = g.input('unused', 'float32', [3]);
  const w = g.input('w', 'float32', [4, 2]);
  const y = g.scope('layer.0', () => matmul(g, x, w));
  exp(g, unused); // a dead branch
  const model = toOnnx(g, { y, x_again: x });
  assert.deepEqual(
    model.inputs.map((i) => i.name),
    ['x', 'w'],
    'the unused input is pruned',
  );
  const proto = decode(model.bytes);
  assert.deepEqual(
    proto.graph!.node!.map((n) => `${n.opType}:${n.name}`),
    ['MatMul:layer.0.matmul', 'Identity:output.x_again'],
  );
  assert.deepEqual(proto.graph!.node![0].output, ['y'], 'the producing node writes the output directly');
  assert.deepEqual(
    proto.graph!.input![0].type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue)),
    ['batch', 4],
  );
  assert.equal(Number(proto.opsetImport[0].version), 18);
  assert.throws(() => toOnnx(g, { w: y }), /already a value/);
});

test('optional outputs are exported up to the last one a graph output needs', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['batch', 4]);
  const [gamma, beta] = [g.input('gamma', 'float32', [4]), g.input('beta', 'float32', [4])];
  const stats: [number | string, number] = ['batch', 1];
  const [y, , rstd] = g.opWithOutputs('LayerNormalization', [x, gamma, beta], {}, [stats, stats]);
  const outputsOf = (model: { bytes: Uint8Array }) => decode(model.bytes).graph!.node![0].output;
  assert.deepEqual(outputsOf(toOnnx(g, { y })), ['y']);
  assert.deepEqual(outputsOf(toOnnx(g, { y, rstd })), ['y', 'layernormalization.1', 'rstd']);
});

test('node names stay unique even when a label looks like a generated name', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [2]);
  const names = [add(g, x, x), add(g, x, x), g.op('Add', [x, x], { label: 'add_1' })].map((t) => t.name);
  assert.equal(new Set(names).size, 3, names.join(' '));
});

test('gradient nodes are named after the forward node they differentiate', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [2, 3]);
  const w = g.input('w', 'float32', [3, 3]);
  const loss = g.scope('encoder', () => reduceSum(g, matmul(g, x, w), [0, 1]));
  const [dw] = grad(g, loss, [w]);
  const names = decode(toOnnx(g, { dw }).bytes).graph!.node!.map((n) => n.name!);
  assert.ok(
    names.some((n) => n.startsWith('grad/encoder.matmul.')),
    names.join(' '),
  );
});

test('a tensor the loss does not depend on gets a zero gradient of its shape', async () => {
  const g = new Graph();
  const a = g.input('a', 'float64', [2]);
  const b = g.input('b', 'float64', [3]);
  const loss = reduceSum(g, mul(g, a, a), [0]);
  const [da, db] = grad(g, loss, [a, b]);
  const r = await (
    await session(g, { da, db })
  )({
    a: { dtype: 'float64', shape: [2], data: Float64Array.from([1, -2]) },
    b: { dtype: 'float64', shape: [3], data: new Float64Array(3) },
  });
  assert.deepEqual([...r.da], [2, -4]);
  assert.deepEqual([...r.db], [0, 0, 0]);
});

test('seeded gradients: d Σ(dy·y) / dx for a non-scalar output', async () => {
  const g = new Graph();
  const x = g.input('x', 'float64', [3]);
  const y = add(g, mul(g, x, x), x);
  const [dx] = grad(g, [{ y, dy: g.input('dy', 'float64', [3]) }], [x]);
  const r = await (
    await session(g, { dx })
  )({
    x: { dtype: 'float64', shape: [3], data: Float64Array.from([1, 2, 3]) },
    dy: { dtype: 'float64', shape: [3], data: Float64Array.from([1, 0, 2]) },
  });
  assert.deepEqual([...r.dx], [3, 0, 14]);
});

test('attribution graph: d Σ(target·probs) / d inputs_embeds matches finite differences (float64)', async () => {
  const cfg = parseEncoderConfig({
    model_type: 'bert',
    vocab_size: 9,
    hidden_size: 8,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 12,
    max_position_embeddings: 6,
    type_vocab_size: 2,
    layer_norm_eps: 1e-12,
    num_labels: 3,
    initializer_range: 0.5,
  });
  const layout = tokenClassifierLayout(cfg, ADAMW_DEFAULTS);
  const model = attributionGraph(cfg, layout, 'float64');
  assert.deepEqual(
    model.inputs.map((i) => i.name),
    ['params', 'inputs_embeds', 'token_type_ids', 'attention_mask', 'target'],
    'no dropout seed: attribution runs in eval mode',
  );
  const s = await ort.InferenceSession.create(model.bytes);
  const r = rng(11);
  const [B, S] = [1, 4];
  const params = new ort.Tensor('float64', Float64Array.from(initParams(layout, 2)), [layout.size]);
  // The embeddings come from the embedding graph, as Integrated Gradients' baseline-to-input path starts there.
  const emb = await ort.InferenceSession.create(embeddingGraph(layout, 'float64').bytes);
  const embeds = (
    await emb.run({ params, input_ids: new ort.Tensor('int64', BigInt64Array.from([1n, 5n, 8n, 2n]), [B, S]) })
  ).inputs_embeds.data as Float64Array;
  const target = new Float64Array(B * S * 3);
  target[2 * 3 + 1] = 1; // p(label 1) at token 2
  const feeds = (e: Float64Array): Record<string, ort.Tensor> => ({
    params,
    inputs_embeds: new ort.Tensor('float64', e, [B, S, cfg.hiddenSize]),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(B * S), [B, S]),
    attention_mask: new ort.Tensor('float64', Float64Array.from([1, 1, 1, 0]), [B, S]),
    target: new ort.Tensor('float64', target, [B, S, 3]),
  });
  const out = await s.run(feeds(embeds));
  const gradient = out.grad_inputs_embeds.data as Float64Array;
  const p = async (e: Float64Array) => ((await s.run(feeds(e))).probs.data as Float64Array)[2 * 3 + 1];
  for (let k = 0; k < 8; k++) {
    const j = Math.floor(r() * 3 * cfg.hiddenSize); // tokens 0..2 (token 3 is padding: its gradient is 0)
    const h = 1e-6;
    const up = Float64Array.from(embeds);
    const down = Float64Array.from(embeds);
    up[j] += h;
    down[j] -= h;
    const numeric = ((await p(up)) - (await p(down))) / (2 * h);
    assert.ok(
      Math.abs(gradient[j] - numeric) <= 1e-9 + 1e-6 * Math.abs(numeric),
      `[${j}] autodiff ${gradient[j]} vs ${numeric}`,
    );
  }
  assert.ok(
    gradient.slice(3 * cfg.hiddenSize).every((v) => Math.abs(v) < 1e-12),
    'padding gets no attribution',
  );
});
