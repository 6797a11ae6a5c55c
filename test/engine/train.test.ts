// Training graphs end to end on a tiny BERT token classifier in real ORT CPU sessions: it learns a toy
// token-labelling task, and gradient accumulation over two micro-batches equals one step on the whole batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { initParams } from '../../main/engine/nn/params.ts';
import {
  tokenClassifierLayout,
  tokenClassificationTask,
  tokenCounts,
  BATCH,
} from '../../main/engine/nn/token-classification.ts';
import { toOrtTensor } from '../../main/engine/runtime/ort-tensor.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { linearWarmupDecay } from '../../main/engine/optim/schedule.ts';
import {
  accumulateGraph,
  applyGraph,
  evalGraph,
  IO,
  next,
  trainStepGraph,
} from '../../main/engine/optim/train-graphs.ts';
import { rng, TINY_TRAIN_CONFIG } from './check.ts';

const cfg = TINY_TRAIN_CONFIG;
const [B, S] = [8, 10];
const STEPS = 100;

/** Toy task: label 2 for ids ≥ 12; otherwise 1 if the sentence holds the marker token 1 anywhere, else 0 (needs attention). */
function batch(r: () => number, rows = B): Record<string, ort.Tensor> {
  const ids = new BigInt64Array(rows * S);
  const labels = new BigInt64Array(rows * S);
  const attention = new Float32Array(rows * S);
  for (let b = 0; b < rows; b++) {
    const len = S - Math.floor(r() * 3);
    const marked = r() < 0.5;
    for (let s = 0; s < S; s++) {
      const k = b * S + s;
      ids[k] = BigInt(
        s >= len ? 0 : marked && s === Math.floor(len / 2) ? 1 : 2 + Math.floor(r() * (cfg.vocabSize - 2)),
      );
      attention[k] = s < len ? 1 : 0;
    }
    for (let s = 0; s < S; s++) {
      const k = b * S + s;
      labels[k] = s >= len ? -100n : ids[k] >= 12n ? 2n : marked ? 1n : 0n;
    }
  }
  return {
    [BATCH.inputIds]: new ort.Tensor('int64', ids, [rows, S]),
    [BATCH.tokenTypeIds]: new ort.Tensor('int64', new BigInt64Array(rows * S), [rows, S]),
    [BATCH.attentionMask]: new ort.Tensor('float32', attention, [rows, S]),
    [BATCH.labels]: new ort.Tensor('int64', labels, [rows, S]),
    [BATCH.labelMask]: new ort.Tensor('float32', attention.slice(), [rows, S]),
    ...counts(labels, attention),
  };
}

/** The count feeds of a batch with these labels and label mask (tokenCounts) as ORT tensors. */
const counts = (labels: BigInt64Array, mask: Float32Array): Record<string, ort.Tensor> =>
  Object.fromEntries(Object.entries(tokenCounts(labels, mask)).map(([k, t]) => [k, toOrtTensor(t, k)]));

const scalar = (x: number) => new ort.Tensor('float32', Float32Array.from([x]), []);
const zeros = (n: number) => new ort.Tensor('float32', new Float32Array(n), [n]);

test('tiny BERT learns a toy token-labelling task in 100 steps (fused forward+backward+AdamW graph)', async () => {
  const opt = ADAMW_DEFAULTS;
  const layout = tokenClassifierLayout(cfg, opt);
  const task = tokenClassificationTask(cfg, layout);
  const step = trainStepGraph(task, opt);
  assert.deepEqual(
    step.model.inputs.map((i) => i.name).sort(),
    [
      IO.params,
      IO.dropoutSeed,
      BATCH.inputIds,
      BATCH.tokenTypeIds,
      BATCH.attentionMask,
      BATCH.labels,
      BATCH.labelMask,
      BATCH.labelCount,
      IO.m,
      IO.v,
      IO.lr,
      IO.step,
    ].sort(),
  );
  const session = await ort.InferenceSession.create(step.model.bytes);
  let state: Record<string, ort.Tensor> = {
    [IO.params]: new ort.Tensor('float32', initParams(layout, 1), [layout.size]),
    [IO.m]: zeros(layout.size),
    [IO.v]: zeros(layout.size),
  };
  const r = rng(2);
  const schedule = { peakLr: 5e-3, warmupSteps: 5, totalSteps: STEPS };
  const losses: number[] = [];
  for (let t = 1; t <= STEPS; t++) {
    const out = await session.run({
      ...state,
      ...batch(r),
      [IO.lr]: scalar(linearWarmupDecay(schedule, t - 1)),
      [IO.step]: scalar(t),
      [IO.dropoutSeed]: new ort.Tensor('int64', BigInt64Array.from([BigInt(1000 + t)]), []),
    });
    losses.push(Number(out[IO.loss].data[0]));
    state = Object.fromEntries(step.state.map(({ input, output }) => [input, out[output]]));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b) / xs.length;
  const [first, last] = [mean(losses.slice(0, 5)), mean(losses.slice(-5))];
  console.log(`loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
  assert.ok(last < 0.2 * first, `loss ${first.toFixed(3)} → ${last.toFixed(3)}`);

  // The eval graph (no dropout) gives probabilities that sum to 1 and mostly pick the right label.
  const evalSession = await ort.InferenceSession.create(evalGraph(task).bytes);
  const held = batch(rng(99));
  const out = await evalSession.run({ [IO.params]: state[IO.params], ...held });
  const probs = out[BATCH.probs].data as Float32Array;
  assert.deepEqual(out[BATCH.probs].dims, [B, S, 3]);
  let right = 0;
  let counted = 0;
  const labels = held[BATCH.labels].data as BigInt64Array;
  for (let k = 0; k < B * S; k++) {
    const p = probs.subarray(k * 3, k * 3 + 3);
    assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-5);
    if (labels[k] < 0n) continue;
    counted++;
    if (BigInt(p.indexOf(Math.max(...p))) === labels[k]) right++;
  }
  console.log(`held-out token accuracy ${right}/${counted}`);
  assert.ok(right / counted > 0.9, `held-out token accuracy ${right}/${counted}`);
});

test('accumulating two micro-batches then applying equals one fused step on the whole batch', async () => {
  const noDropout = { ...cfg, hiddenDropout: 0, attentionDropout: 0, classifierDropout: 0 };
  const opt = ADAMW_DEFAULTS;
  const layout = tokenClassifierLayout(noDropout, opt);
  const task = tokenClassificationTask(noDropout, layout);
  const [fused, accumulate, apply] = await Promise.all(
    [trainStepGraph(task, opt).model, accumulateGraph(task).model, applyGraph(layout, opt).model].map((m) =>
      ort.InferenceSession.create(m.bytes),
    ),
  );
  // Rows with padding and −100 labels, so the halves count different numbers of tokens: each is fed the whole
  // batch's counts, and their gradients sum to the whole batch's.
  const whole = batch(rng(5), 4);
  const tokens = (f: Record<string, ort.Tensor>) =>
    (f[BATCH.labels].data as BigInt64Array).filter((l, i) => l >= 0n && f[BATCH.labelMask].data[i] === 1).length;
  const half = (h: number) =>
    Object.fromEntries(
      Object.entries(whole).map(([k, t]) => [
        k,
        t.dims.length === 0
          ? t
          : new ort.Tensor(t.type as 'float32', (t.data as Float32Array).slice(h * 2 * S, (h + 1) * 2 * S), [2, S]),
      ]),
    );
  assert.notEqual(tokens(half(0)), tokens(half(1)), 'the halves count different numbers of tokens');
  const params = new ort.Tensor('float32', initParams(layout, 3), [layout.size]);
  const opState = {
    [IO.m]: zeros(layout.size),
    [IO.v]: zeros(layout.size),
    [IO.lr]: scalar(1e-3),
    [IO.step]: scalar(1),
  };
  const a = await fused.run({ [IO.params]: params, ...opState, ...whole });
  let accum: ort.Tensor = zeros(layout.size);
  let loss = 0;
  for (const h of [0, 1]) {
    const out = await accumulate.run({ [IO.params]: params, [IO.gradAccum]: accum, ...half(h) });
    accum = out[next(IO.gradAccum)];
    loss += Number(out[IO.loss].data[0]);
  }
  const b = await apply.run({ [IO.params]: params, [IO.gradAccum]: accum, [IO.gradScale]: scalar(1), ...opState });
  assert.ok(Math.abs(loss - Number(a[IO.loss].data[0])) <= 1e-6 * loss, "the halves' losses sum to the whole's");
  for (const k of [next(IO.params), next(IO.m), next(IO.v), IO.gradNorm]) {
    const [x, y] = [a[k].data as Float32Array, b[k].data as Float32Array];
    const scale = Math.max(...x.map(Math.abs));
    x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) <= 1e-5 * scale, `${k}[${i}]: fused ${v} vs accumulated ${y[i]}`));
  }
  assert.ok(
    (b[next(IO.gradAccum)].data as Float32Array).every((x) => x === 0),
    'apply resets the accumulator',
  );
});

test('distillation step graph: TaughtNet loss inputs, one step runs; the predict graph needs no labels', async () => {
  const layout = tokenClassifierLayout(cfg, ADAMW_DEFAULTS);
  const task = tokenClassificationTask(cfg, layout, { distillation: { kd: 0.5, gt: 0.5 } });
  const step = trainStepGraph(task, ADAMW_DEFAULTS);
  assert.ok([BATCH.teacherProbs, BATCH.teacherMask].every((n) => step.model.inputs.some((i) => i.name === n)));
  const session = await ort.InferenceSession.create(step.model.bytes);
  const b = batch(rng(8), 2);
  const probs = new Float32Array(2 * S * 3).fill(1 / 3);
  const out = await session.run({
    ...b,
    [BATCH.teacherProbs]: new ort.Tensor('float32', probs, [2, S, 3]),
    [BATCH.teacherMask]: b[BATCH.attentionMask],
    [BATCH.teacherCount]: b[BATCH.labelCount],
    [IO.params]: new ort.Tensor('float32', initParams(layout, 1), [layout.size]),
    [IO.m]: zeros(layout.size),
    [IO.v]: zeros(layout.size),
    [IO.lr]: scalar(1e-3),
    [IO.step]: scalar(1),
    [IO.dropoutSeed]: new ort.Tensor('int64', BigInt64Array.from([1n]), []),
  });
  // Near-uniform student, uniform teacher: both terms are ≈ ln 3.
  assert.ok(Math.abs(Number(out[IO.loss].data[0]) - Math.log(3)) < 0.05, `loss ${out[IO.loss].data[0]}`);
  const predict = evalGraph(task, { withLoss: false });
  assert.deepEqual(
    predict.inputs.map((i) => i.name),
    [IO.params, BATCH.inputIds, BATCH.tokenTypeIds, BATCH.attentionMask],
  );
  assert.deepEqual(
    predict.outputs.map((o) => o.name),
    [BATCH.probs],
  );
});
