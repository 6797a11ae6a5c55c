// The runtime driving the engine's own training graphs (graph builder + autodiff + AdamW) on a tiny BERT token
// classifier: the same losses on CPU (AdamW in place) and WebGPU (the fused step graph) and from the fused graph on
// the CPU, an evaluation program over the trained parameters, and resume.
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initParams } from '../../../main/engine/nn/params.ts';
import {
  BATCH,
  numLabels,
  tokenClassificationTask,
  tokenClassifierLayout,
  tokenCounts,
} from '../../../main/engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS, lookupGradient } from '../../../main/engine/optim/adamw.ts';
import {
  IO,
  evalGraph,
  gradientGraph,
  gradOutput,
  paramInput,
  rowGradOutputs,
  trainStepGraph,
} from '../../../main/engine/optim/train-graphs.ts';
import { restoreCheckpoint, saveCheckpoint } from '../../../main/engine/runtime/checkpoint.ts';
import { listProviders, type ProviderName } from '../../../main/engine/runtime/providers.ts';
import { createWorkspace, type ProgramSpec, type Workspace } from '../../../main/engine/runtime/workspace.ts';
import { evalProgram, trainProgram } from '../../../main/engine/runtime/train-program.ts';
import { type Tensor, tensor, zeros } from '../../../main/tensors/tensor.ts';
import { toOrtTensor } from '../../../main/engine/runtime/ort-tensor.ts';
import { skipUnless } from '../../needs.ts';
import { TINY_TRAIN_CONFIG } from '../check.ts';

const cfg = TINY_TRAIN_CONFIG;
const [B, S] = [4, 10];
const layout = tokenClassifierLayout(cfg, ADAMW_DEFAULTS);
const task = tokenClassificationTask(cfg, layout);
const step = trainStepGraph(task, ADAMW_DEFAULTS);
/** The fused step graph, which the CPU no longer runs by default. */
const fused = {
  model: step.model.bytes,
  updates: Object.fromEntries(step.state.map((s) => [s.input, s.output])),
  read: [IO.loss, IO.gradNorm],
};
const train = (provider: ProviderName) => trainProgram(task, ADAMW_DEFAULTS, provider, [IO.loss, IO.gradNorm]);
const webgpu = (await listProviders()).find((p) => p.name === 'webgpu')!;
const dir = mkdtempSync(join(tmpdir(), 'runtime-train-graphs-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const initial = () =>
  new Map<string, Tensor>([
    [IO.params, tensor('float32', [layout.size], initParams(layout, 1))],
    [IO.m, zeros('float32', [layout.size])],
    [IO.v, zeros('float32', [layout.size])],
  ]);

/** Batch for step t (1-based): label 2 for ids ≥ 12, else 0. */
function batch(t: number): Record<string, Tensor> {
  const ids = new BigInt64Array(B * S);
  const labels = new BigInt64Array(B * S);
  for (let k = 0; k < B * S; k++) {
    ids[k] = BigInt(2 + ((k * 7 + t * 3) % 22));
    labels[k] = ids[k] >= 12n ? 2n : 0n;
  }
  const ones = new Float32Array(B * S).fill(1);
  return {
    [BATCH.inputIds]: tensor('int64', [B, S], ids),
    [BATCH.tokenTypeIds]: zeros('int64', [B, S]),
    [BATCH.attentionMask]: tensor('float32', [B, S], ones),
    [BATCH.labels]: tensor('int64', [B, S], labels),
    [BATCH.labelMask]: tensor('float32', [B, S], ones.slice()),
    ...tokenCounts(labels, ones),
  };
}
const stepFeeds = (t: number): Record<string, Tensor> => ({
  ...batch(t),
  [IO.lr]: tensor('float32', [], Float32Array.of(1e-3)),
  [IO.step]: tensor('float32', [], Float32Array.of(t)),
  [IO.dropoutSeed]: tensor('int64', [], BigInt64Array.of(BigInt(100 + t))),
});

async function losses(provider: ProviderName, steps: number, spec: ProgramSpec = train(provider)): Promise<number[]> {
  const ws = await createWorkspace(provider, initial());
  try {
    const program = await ws.load(spec);
    const out: number[] = [];
    for (let t = 1; t <= steps; t++) out.push((await program.run(stepFeeds(t))).loss.data[0] as number);
    return out;
  } finally {
    await ws.dispose();
  }
}

test(
  'tiny BERT training steps give the same losses on CPU and WebGPU',
  { skip: skipUnless(webgpu.available, `no WebGPU adapter: ${webgpu.reason}`) },
  async () => {
    const cpu = await losses('cpu', 4);
    const gpu = await losses('webgpu', 4);
    for (let i = 0; i < cpu.length; i++) {
      assert.ok(Math.abs(cpu[i] - gpu[i]) <= 1e-5 * Math.abs(cpu[i]), `step ${i + 1}: cpu ${cpu[i]} webgpu ${gpu[i]}`);
    }
  },
);

test("on the CPU, AdamW applied in place gives the fused step graph's losses", async () => {
  assert.ok(train('cpu').adamw, 'the CPU program applies AdamW in place');
  const inPlace = await losses('cpu', 6);
  const graph = await losses('cpu', 6, fused);
  assert.equal(inPlace[0], graph[0], 'the first loss comes before any update');
  for (let i = 1; i < inPlace.length; i++) {
    assert.ok(
      Math.abs(inPlace[i] - graph[i]) <= 1e-5 * Math.abs(graph[i]),
      `step ${i + 1}: in place ${inPlace[i]} graph ${graph[i]}`,
    );
  }
});

test('an evaluation program scores with the parameters training left, and a resumed run matches a straight one', async () => {
  const straight = await losses('cpu', 6);
  const ws = await createWorkspace('cpu', initial());
  try {
    const program = await ws.load(train('cpu'));
    const evaluate = await ws.load(evalProgram(task, 'cpu', [IO.loss, BATCH.probs]));
    assert.ok(evaluate.stateInputs.length > 1, 'on the CPU the evaluation takes each parameter as a view');
    const flat = await ws.load({ model: evalGraph(task).bytes, read: [IO.loss, BATCH.probs] });
    const before = (await evaluate.run(batch(99))).loss.data[0] as number;
    for (let t = 1; t <= 3; t++) await program.run(stepFeeds(t));
    const after = await evaluate.run(batch(99));
    assert.deepEqual(after, await flat.run(batch(99)), "views give what the flat graph's Slices give, to the bit");
    assert.ok((after.loss.data[0] as number) < before, `eval loss ${before} → ${after.loss.data[0]}`);
    assert.deepEqual(after.probs.shape, [B, S, numLabels(cfg)]);

    const path = join(dir, 'bert.safetensors');
    await saveCheckpoint(path, ws, { step: 3 });
    for (let t = 4; t <= 6; t++) await program.run(stepFeeds(100 + t)); // wander off, then come back
    const { step: resumeAt } = await restoreCheckpoint(path, ws);
    const resumed: number[] = [];
    for (let t = resumeAt + 1; t <= 6; t++) resumed.push((await program.run(stepFeeds(t))).loss.data[0] as number);
    assert.deepEqual(resumed, straight.slice(3));
  } finally {
    await ws.dispose();
  }
});

test("the embedding tables' row gradients sum to the whole tables' gradients (ScatterElements'), to the bit", async () => {
  assert.deepEqual(task.lookupTables, [
    'embeddings.word_embeddings.weight',
    'embeddings.position_embeddings.weight',
    'embeddings.token_type_embeddings.weight',
  ]);
  const params = initParams(layout, 1);
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(stepFeeds(1)))
    if (name !== IO.lr && name !== IO.step) feeds[name] = toOrtTensor(t);
  for (const e of layout.entries)
    feeds[paramInput(e.name)] = new ort.Tensor('float32', params.subarray(e.offset, e.offset + e.size), [...e.shape]);
  const run = async (model: Uint8Array) => {
    const session = await ort.InferenceSession.create(model);
    try {
      return await session.run(feeds);
    } finally {
      await session.release();
    }
  };
  const rows = await run(gradientGraph(task).bytes);
  const whole = await run(gradientGraph({ ...task, lookupTables: [] }).bytes);
  assert.ok(
    (batch(1)[BATCH.inputIds].data as BigInt64Array).some((id, i, ids) => ids.indexOf(id) !== i),
    'ids repeat',
  );
  for (const e of layout.entries) {
    const expected = whole[gradOutput(e.name)].data as Float32Array;
    if (!task.lookupTables!.includes(e.name)) {
      assert.deepEqual(rows[gradOutput(e.name)].data, expected, e.name);
      continue;
    }
    const names = rowGradOutputs(e.name);
    const table = new Float32Array(e.size);
    const width = e.size / e.shape[0];
    const segments = lookupGradient(
      rows[names.rows].data as Float32Array,
      rows[names.indices].data as BigInt64Array,
      e.shape[0],
      width,
      0,
    );
    for (const s of segments) table.set(s.data, s.offset);
    assert.deepEqual(table, expected, e.name);
    assert.ok(!(gradOutput(e.name) in rows), `${e.name} has no whole-table output`);
  }
  assert.throws(
    () => gradientGraph({ ...task, lookupTables: ['classifier.weight'] }),
    /classifier.weight is not read by one row lookup alone/,
  );
});

test("a batch run in two micro-batches gives the whole batch's update (CPU, AdamW in place)", async () => {
  const noDropout = tokenClassificationTask(
    { ...cfg, hiddenDropout: 0, attentionDropout: 0, classifierDropout: 0 },
    layout,
  );
  const program = trainProgram(noDropout, ADAMW_DEFAULTS, 'cpu', [IO.loss, IO.gradNorm]);
  // Rows 0 and 1 have unlabelled tokens, so the halves count different numbers of tokens: each is fed the whole
  // batch's counts.
  const { [IO.dropoutSeed]: _, ...whole } = stepFeeds(1); // no dropout, no seed
  const labels = (whole[BATCH.labels].data as BigInt64Array).map((l, k) => (k < 2 * S && k % 3 === 0 ? -100n : l));
  whole[BATCH.labels] = tensor('int64', [B, S], labels);
  Object.assign(whole, tokenCounts(labels, whole[BATCH.labelMask].data as Float32Array));
  const half = (h: number) =>
    Object.fromEntries(
      Object.entries(whole).map(([k, t]) => [
        k,
        t.shape.length === 0
          ? t
          : tensor(t.dtype, [B / 2, S], t.data.slice((h * B * S) / 2, ((h + 1) * B * S) / 2) as Float32Array),
      ]),
    );
  const update = async (run: (p: Awaited<ReturnType<Workspace['load']>>) => Promise<Record<string, Tensor>[]>) => {
    const ws = await createWorkspace('cpu', initial());
    try {
      const outs = await run(await ws.load(program));
      return { outs, state: await ws.readState() };
    } finally {
      await ws.dispose();
    }
  };
  const a = await update(async (p) => [await p.run(whole)]);
  const b = await update((p) => p.runMicroBatches([half(0), half(1)]));
  const loss = (outs: Record<string, Tensor>[]) => outs.reduce((n, o) => n + Number(o[IO.loss].data[0]), 0);
  assert.ok(Math.abs(loss(a.outs) - loss(b.outs)) <= 1e-6 * loss(a.outs), "the halves' losses sum to the whole's");
  assert.equal(b.outs[0][IO.gradNorm], undefined, 'the gradient norm comes with the last micro-batch');
  const norm = (outs: Record<string, Tensor>[]) => Number(outs.at(-1)![IO.gradNorm].data[0]);
  assert.ok(
    Math.abs(norm(a.outs) - norm(b.outs)) <= 1e-5 * norm(a.outs),
    `gradient norm ${norm(a.outs)} vs ${norm(b.outs)}`,
  );
  for (const name of [IO.params, IO.m, IO.v]) {
    const [x, y] = [a.state.get(name)!.data as Float32Array, b.state.get(name)!.data as Float32Array];
    const scale = Math.max(...x.map(Math.abs));
    x.forEach((v, i) =>
      assert.ok(Math.abs(v - y[i]) <= 1e-5 * scale, `${name}[${i}]: whole ${v} vs micro-batches ${y[i]}`),
    );
  }

  const ws = await createWorkspace('cpu', initial());
  try {
    const p = await ws.load(program);
    await assert.rejects(p.runMicroBatches([]), /at least one micro-batch/);
    const later = { ...half(1), [IO.lr]: tensor('float32', [], Float32Array.of(5e-4)) };
    await assert.rejects(p.runMicroBatches([half(0), later]), /take the same lr/);
    const evaluate = await ws.load(evalProgram(task, 'cpu', [IO.loss]));
    await assert.rejects(evaluate.runMicroBatches([batch(1)]), /only a training program that applies AdamW in place/);
  } finally {
    await ws.dispose();
  }
});

test('state written into a workspace (a checkpoint restored) is stepped in full: no row is taken to rest on old news', async () => {
  // Steps on a batch of one token id touch one row of the word embeddings: every other row gets no gradient.
  const oneRow = (t: number) => ({
    ...stepFeeds(t),
    [BATCH.inputIds]: tensor('int64', [B, S], new BigInt64Array(B * S).fill(2n)),
  });
  const path = join(dir, 'rows.safetensors');
  const a = await createWorkspace('cpu', initial());
  let straight;
  try {
    const p = await a.load(train('cpu'));
    for (let t = 1; t <= 2; t++) await p.run(stepFeeds(t));
    await saveCheckpoint(path, a, { step: 2 });
    for (let t = 3; t <= 4; t++) await p.run(oneRow(t));
    straight = await a.readState();
  } finally {
    await a.dispose();
  }
  // A fresh workspace first steps on one row, so that it knows the moments of every other row to be zero; the
  // checkpoint then brings moments for most rows, which the next steps must decay although no token reads them.
  const b = await createWorkspace('cpu', initial());
  try {
    const p = await b.load(train('cpu'));
    await p.run(oneRow(1));
    const { step } = await restoreCheckpoint(path, b);
    for (let t = step + 1; t <= 4; t++) await p.run(oneRow(t));
    assert.deepEqual(await b.readState(), straight);
  } finally {
    await b.dispose();
  }
});
