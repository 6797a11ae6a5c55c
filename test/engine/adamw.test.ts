// The in-graph AdamW step and the in-place one (flat buffers, decay groups, clipping, schedule) against a plain
// TypeScript reference with torch.optim.AdamW + clip_grad_norm_ semantics, over several steps.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { applyGraph, IO, next } from '../../main/engine/optim/train-graphs.ts';
import {
  ADAMW_DEFAULTS,
  adamwInPlace,
  decays,
  lookupGradient,
  type AdamWConfig,
} from '../../main/engine/optim/adamw.ts';
import { linearWarmupDecay } from '../../main/engine/optim/schedule.ts';
import { initParams, layoutParams, type ParamSpec } from '../../main/engine/nn/params.ts';
import { randn, rng } from './check.ts';

const specs: ParamSpec[] = [
  { name: 'dense.weight', shape: [4, 3], init: { normal: 1 } },
  { name: 'dense.bias', shape: [4], init: { normal: 1 } },
  { name: 'LayerNorm.weight', shape: [3], init: { normal: 1 } },
  { name: 'out.weight', shape: [2, 4], init: { normal: 1 } },
];
const opt: AdamWConfig = { ...ADAMW_DEFAULTS, weightDecay: 0.1, maxGradNorm: 3 };

/** torch.optim.AdamW after torch.nn.utils.clip_grad_norm_, per named parameter. */
function referenceStep(
  p: Map<string, number[]>,
  grads: Map<string, number[]>,
  m: Map<string, number[]>,
  v: Map<string, number[]>,
  lr: number,
  t: number,
): number {
  const norm = Math.sqrt([...grads.values()].flat().reduce((s, x) => s + x * x, 0));
  const coef = Math.min(1, opt.maxGradNorm! / (norm + 1e-6));
  for (const [name, w] of p) {
    const decay = !/\.bias$|LayerNorm\.weight$/.test(name);
    const g = grads.get(name)!.map((x) => x * coef);
    const [mm, vv] = [m.get(name)!, v.get(name)!];
    for (let i = 0; i < w.length; i++) {
      if (decay) w[i] *= 1 - lr * opt.weightDecay;
      mm[i] = opt.beta1 * mm[i] + (1 - opt.beta1) * g[i];
      vv[i] = opt.beta2 * vv[i] + (1 - opt.beta2) * g[i] * g[i];
      const denom = Math.sqrt(vv[i]) / Math.sqrt(1 - opt.beta2 ** t) + opt.eps;
      w[i] -= (lr / (1 - opt.beta1 ** t)) * (mm[i] / denom);
    }
  }
  return norm;
}

for (const dtype of ['float64', 'float32'] as const) {
  test(`AdamW step graph (${dtype}) matches the TypeScript reference over 6 steps with clipping and decay groups`, async () => {
    const layout = layoutParams(specs, decays(opt));
    assert.deepEqual(
      layout.entries.map((e) => e.decay),
      [true, true, false, false],
      'decayed group first',
    );
    const { model, state } = applyGraph(layout, opt, dtype);
    assert.deepEqual(state, [
      { input: 'params', output: 'params.next' },
      { input: 'adam.m', output: 'adam.m.next' },
      { input: 'adam.v', output: 'adam.v.next' },
      { input: 'grad_accum', output: 'grad_accum.next' },
    ]);
    const s = await ort.InferenceSession.create(model.bytes);
    const F = dtype === 'float64' ? Float64Array : Float32Array;
    const flat = initParams(layout, 1);
    const named = (buf: ArrayLike<number>) =>
      new Map(layout.entries.map((e) => [e.name, Array.from(buf).slice(e.offset, e.offset + e.size)]));
    const ref = { p: named(flat), m: named(new Float64Array(layout.size)), v: named(new Float64Array(layout.size)) };
    let feeds: Record<string, ort.Tensor> = {
      [IO.params]: new ort.Tensor(dtype, F.from(flat), [layout.size]),
      [IO.m]: new ort.Tensor(dtype, new F(layout.size), [layout.size]),
      [IO.v]: new ort.Tensor(dtype, new F(layout.size), [layout.size]),
    };
    const r = rng(4);
    const schedule = { peakLr: 0.05, warmupSteps: 2, totalSteps: 6 };
    let clipped = 0;
    for (let t = 1; t <= 6; t++) {
      const accum = randn(r, [layout.size], t % 2 ? 3 : 0.2, dtype).data as Float64Array; // alternate large / small
      const scale = 0.5;
      const lr = linearWarmupDecay(schedule, t - 1); // t − 1 updates done before this one (so 0 at t = 1, as in HF)
      const out = await s.run({
        ...feeds,
        [IO.gradAccum]: new ort.Tensor(dtype, accum, [layout.size]),
        [IO.gradScale]: new ort.Tensor(dtype, F.from([scale]), []),
        [IO.lr]: new ort.Tensor(dtype, F.from([lr]), []),
        [IO.step]: new ort.Tensor(dtype, F.from([t]), []),
      });
      const norm = referenceStep(ref.p, named(Array.from(accum, (x) => x * scale)), ref.m, ref.v, lr, t);
      if (norm > opt.maxGradNorm!) clipped++;
      const tol = dtype === 'float64' ? 1e-12 : 2e-6;
      assert.ok(Math.abs(Number(out[IO.gradNorm].data[0]) - norm) <= tol * norm, 'grad norm');
      for (const e of layout.entries) {
        const got = Array.from(out[next(IO.params)].data as Float64Array).slice(e.offset, e.offset + e.size);
        got.forEach((x, i) =>
          assert.ok(
            Math.abs(x - ref.p.get(e.name)![i]) <= tol * Math.max(1, Math.abs(x)),
            `step ${t} ${e.name}[${i}]: graph ${x} vs reference ${ref.p.get(e.name)![i]}`,
          ),
        );
      }
      feeds = Object.fromEntries(state.map(({ input, output }) => [input, out[output]]));
    }
    assert.ok(clipped > 0 && clipped < 6, `clipping applied in ${clipped} of 6 steps`);
  });
}

test('AdamW in place (float32 buffers) matches the TypeScript reference over 6 steps with clipping and decay groups', () => {
  const layout = layoutParams(specs, decays(opt));
  const flat = initParams(layout, 1);
  const named = (buf: ArrayLike<number>) =>
    new Map(layout.entries.map((e) => [e.name, Array.from(buf).slice(e.offset, e.offset + e.size)]));
  const ref = { p: named(flat), m: named(new Float64Array(layout.size)), v: named(new Float64Array(layout.size)) };
  const buffers = {
    params: Float32Array.from(flat),
    m: new Float32Array(layout.size),
    v: new Float32Array(layout.size),
  };
  const r = rng(4);
  const schedule = { peakLr: 0.05, warmupSteps: 2, totalSteps: 6 };
  let clipped = 0;
  for (let t = 1; t <= 6; t++) {
    const grad = randn(r, [layout.size], t % 2 ? 3 : 0.2, 'float32').data as Float32Array;
    const lr = linearWarmupDecay(schedule, t - 1);
    const norm = referenceStep(ref.p, named(grad), ref.m, ref.v, lr, t);
    if (norm > opt.maxGradNorm!) clipped++;
    const segments = layout.entries.map((e) => ({
      offset: e.offset,
      data: grad.subarray(e.offset, e.offset + e.size),
    }));
    const got = adamwInPlace(buffers, segments, lr, t, layout.decaySize, opt);
    assert.ok(Math.abs(got - norm) <= 1e-12 * norm, 'grad norm');
    for (const e of layout.entries) {
      ref.p.get(e.name)!.forEach((x, i) => {
        const y = buffers.params[e.offset + i];
        assert.ok(
          Math.abs(x - y) <= 2e-6 * Math.max(1, Math.abs(x)),
          `step ${t} ${e.name}[${i}]: in place ${y} vs reference ${x}`,
        );
      });
    }
  }
  assert.ok(clipped > 0 && clipped < 6, `clipping applied in ${clipped} of 6 steps`);
});

test('AdamW in place from a gradient given in part equals the step from the whole gradient with its zeros, to the bit', () => {
  // 10 parameters, decayed [0, 6): the segments leave out [0, 2), [3, 8) (across the decay boundary) and [9, 10).
  const size = 10;
  const decaySize = 6;
  const r = rng(9);
  const start = randn(r, [size], 0.5, 'float32').data as Float32Array;
  const segments = [
    { offset: 2, data: Float32Array.of(0.3) },
    { offset: 8, data: Float32Array.of(-2) },
  ];
  const whole = new Float32Array(size);
  for (const s of segments) whole.set(s.data, s.offset);
  const given = { params: start.slice(), m: new Float32Array(size), v: new Float32Array(size) };
  const dense = { params: start.slice(), m: new Float32Array(size), v: new Float32Array(size) };
  for (let t = 1; t <= 3; t++) {
    const a = adamwInPlace(given, segments, 0.1, t, decaySize, opt);
    const b = adamwInPlace(dense, [{ offset: 0, data: whole }], 0.1, t, decaySize, opt);
    assert.equal(a, b, 'the same gradient norm');
  }
  assert.deepEqual(given, dense);
  assert.ok(
    [0, 1, 3, 4, 5].every((i) => given.params[i] !== start[i]),
    'decayed parameters without a gradient still decay',
  );
  assert.throws(
    () => adamwInPlace(given, [...segments, { offset: 1, data: Float32Array.of(1, 1) }], 0.1, 4, decaySize, opt),
    /\[2, 3\) overlaps the one before it or ends past the 10 parameters/,
  );
});

test('resting spans (zero moments, no gradient) step as the full loop does, to the bit, without reading m and v', () => {
  // 12 parameters, decayed [0, 8); [4, 6) and [9, 12) have zero moments and no gradient; [0, 2) has zero moments
  // too but is left to the full loop.
  const r = rng(11);
  const start = randn(r, [12], 0.5, 'float32').data as Float32Array;
  const m = randn(r, [12], 0.01, 'float32').data as Float32Array;
  const v = (randn(r, [12], 0.01, 'float32').data as Float32Array).map(Math.abs);
  for (const i of [0, 1, 4, 5, 9, 10, 11]) m[i] = v[i] = 0;
  const grad = [{ offset: 2, data: Float32Array.of(0.5, -0.25) }];
  const full = { params: start.slice(), m: m.slice(), v: v.slice() };
  const resting = { params: start.slice(), m: m.slice(), v: v.slice() };
  adamwInPlace(full, grad, 0.1, 3, 8, opt);
  adamwInPlace(resting, grad, 0.1, 3, 8, opt, [
    { from: 9, to: 12 },
    { from: 4, to: 6 },
  ]);
  assert.deepEqual(resting, full);
  assert.notEqual(resting.params[4], start[4], 'a decayed resting parameter decays');
  assert.equal(resting.params[10], start[10], 'an undecayed one stays');
  assert.throws(
    () => adamwInPlace(resting, grad, 0.1, 4, 8, opt, [{ from: 3, to: 5 }]),
    /\[3, 5\) overlaps the one before it/,
  );
});

test('AdamW in place over several WebAssembly chunks equals a float32 loop in the same order, to the bit', () => {
  // 50,386 parameters (three chunks of 16,384 and a part), decayed [0, 20,001); a gradient over [5, 40,000) and
  // [40,013, 40,325), [45,000, 50,000) resting, the rest stepping without a gradient from moments that are not zero.
  const size = 3 * 16384 + 1234;
  const decaySize = 20001;
  const r = rng(21);
  const start = randn(r, [size], 0.5, 'float32').data as Float32Array;
  const m0 = randn(r, [size], 0.01, 'float32').data as Float32Array;
  const v0 = (randn(r, [size], 0.01, 'float32').data as Float32Array).map(Math.abs);
  for (let i = 45000; i < 50000; i++) m0[i] = v0[i] = 0;
  const whole = randn(r, [size], 0.1, 'float32').data as Float32Array;
  const given = [
    [5, 40000],
    [40013, 40325],
  ];
  const got = { params: start.slice(), m: m0.slice(), v: v0.slice() };
  const [lr, t] = [0.01, 7];
  const segments = given.map(([from, to]) => ({ offset: from, data: whole.subarray(from, to) }));
  const norm = adamwInPlace(got, segments, lr, t, decaySize, opt, [{ from: 45000, to: 50000 }]);

  const f = Math.fround;
  const g = new Float32Array(size);
  for (const [from, to] of given) g.set(whole.subarray(from, to), from);
  const sumSq = g.reduce((s, x) => s + x * x, 0);
  assert.ok(Math.abs(norm - Math.sqrt(sumSq)) <= 1e-12 * norm, 'grad norm');
  const clip = Math.min(opt.maxGradNorm! / (Math.sqrt(sumSq) + 1e-6), 1);
  const sqrtBc2 = Math.sqrt(1 - opt.beta2 ** t);
  const [b1, b2, g1, g2] = [f(opt.beta1), f(opt.beta2), f(clip * (1 - opt.beta1)), f(clip * clip * (1 - opt.beta2))];
  const [stepSize, eps] = [f((lr * sqrtBc2) / (1 - opt.beta1 ** t)), f(opt.eps * sqrtBc2)];
  const want = { params: start.slice(), m: m0.slice(), v: v0.slice() };
  for (let i = 0; i < size; i++) {
    const decay = i < decaySize ? f(1 - lr * opt.weightDecay) : 1;
    if (i >= 45000 && i < 50000) {
      want.params[i] = f(want.params[i] * decay);
      continue;
    }
    const mi = f(f(b1 * want.m[i]) + f(g[i] * g1));
    const vi = f(f(b2 * want.v[i]) + f(f(g[i] * g[i]) * g2));
    want.m[i] = mi;
    want.v[i] = vi;
    want.params[i] = f(f(want.params[i] * decay) - f(f(mi / f(f(Math.sqrt(vi)) + eps)) * stepSize));
  }
  assert.deepEqual(got, want);
});

test("a lookup table's gradient from its rows: one segment per row read, its gradients summed in lookup order", () => {
  // A table of 6 rows of width 2 at offset 100, rows 4, 1, 4, 2, −1 (the last, 5) and 4 read. Row 4 sums to 1e8 in
  // float32 in lookup order ((1e8 + 4) + 4), to 1e8 + 8 in the reverse order.
  const rows = Float32Array.of(1e8, 2, 0.1, 0.2, 4, 3, 5, 6, 7, 8, 4, 1);
  const got = lookupGradient(rows.slice(), BigInt64Array.of(4n, 1n, 4n, 2n, -1n, 4n), 6, 2, 100);
  assert.deepEqual(
    got.map((s) => ({ offset: s.offset, data: [...s.data] })),
    [
      { offset: 102, data: [Math.fround(0.1), Math.fround(0.2)] },
      { offset: 104, data: [5, 6] },
      { offset: 108, data: [1e8, 6] },
      { offset: 110, data: [7, 8] },
    ],
  );
  assert.throws(
    () => lookupGradient(rows.slice(), BigInt64Array.of(0n, 1n, 6n, 2n, 3n, 0n), 6, 2, 0),
    /index 6 is outside a table of 6 rows/,
  );
});

test('linear warmup then linear decay, as HF get_linear_schedule_with_warmup', () => {
  const s = { peakLr: 1, warmupSteps: 4, totalSteps: 12 };
  assert.deepEqual(
    [0, 2, 4, 8, 12, 20].map((k) => linearWarmupDecay(s, k)),
    [0, 0.5, 1, 0.5, 0, 0],
  );
});

test("AdamW's WebAssembly loops (adamw-wasm.ts) are what adamw.wat compiles to today", async () => {
  const { adamwWasmSource } = await import('../../main/engine/optim/build-adamw-wasm.ts');
  const made = readFileSync(new URL('../../main/engine/optim/adamw-wasm.ts', import.meta.url), 'utf8');
  assert.ok(made === (await adamwWasmSource()), 'adamw-wasm.ts is out of date: run `npm run build:wasm`');
});
