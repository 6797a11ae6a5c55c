// Every op's gradient rule against float64 central finite differences, run in real ORT CPU sessions.
// Paths checked in float64: ORT's CPU provider has no double Erf or LayerNormalization, so erf runs as its series
// form and layer norm as its decomposed form; both share their gradient rule with the float32 forms, which are
// compared against float64 at the end of this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Tensor } from '../../main/engine/graph/graph.ts';
import { grad } from '../../main/engine/graph/autodiff.ts';
import * as E from '../../main/engine/ops/elementwise.ts';
import * as S from '../../main/engine/ops/shape.ts';
import { reduceMean, reduceSum } from '../../main/engine/ops/reduce.ts';
import { gemm, matmul } from '../../main/engine/ops/matmul.ts';
import { dropout, layerNorm, logSoftmax, softmax, softmaxDropout } from '../../main/engine/ops/nn.ts';
import { crossEntropy, distillationLoss, klDivergence, softCrossEntropy } from '../../main/engine/ops/loss.ts';
import { gradCheck, ints, randn, rng, session, type Feed } from './check.ts';

const r = rng(1);
const f64 = (shape: number[], scale = 1): Feed => randn(r, shape, scale);
const positive = (shape: number[]): Feed => {
  const f = f64(shape);
  f.data = (f.data as Float64Array).map((v) => 0.5 + Math.abs(v));
  return f;
};
const x = (g: Graph, name: string, shape: number[]) => g.input(name, 'float64', shape);

function check(name: string, build: Parameters<typeof gradCheck>[0], feeds: Record<string, Feed>, opts = {}): void {
  test(`gradient of ${name} matches finite differences`, async () => {
    const { checked } = await gradCheck(build, feeds, opts);
    assert.ok(checked > 0);
  });
}

const ab = (shapeA: number[], shapeB: number[]) => ({ a: f64(shapeA), b: f64(shapeB) });
const binary = (op: (g: Graph, a: Tensor, b: Tensor) => Tensor, sa: number[], sb: number[]) => (g: Graph) => {
  const a = x(g, 'a', sa);
  const b = x(g, 'b', sb);
  return { y: op(g, a, b), wrt: [a, b] };
};
check('add with broadcasting', binary(E.add, [2, 3, 4], [3, 1]), ab([2, 3, 4], [3, 1]));
check('sub with broadcasting', binary(E.sub, [4], [2, 3, 4]), ab([4], [2, 3, 4]));
check('mul with broadcasting', binary(E.mul, [2, 1, 4], [3, 1]), ab([2, 1, 4], [3, 1]));
check('div with broadcasting', binary(E.div, [2, 3], [3]), { a: f64([2, 3]), b: positive([3]) });
check('matmul batched', binary(matmul, [2, 3, 4], [2, 4, 5]), ab([2, 3, 4], [2, 4, 5]));
check('matmul with a shared 2-D weight', binary(matmul, [2, 3, 4], [4, 5]), ab([2, 3, 4], [4, 5]));
check('matmul with broadcast batch', binary(matmul, [2, 1, 3, 4], [3, 4, 2]), ab([2, 1, 3, 4], [3, 4, 2]));
for (const [transA, transB] of [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
]) {
  check(
    `gemm transA=${transA} transB=${transB} with bias`,
    (g) => {
      const a = x(g, 'a', transA ? [4, 3] : [3, 4]);
      const b = x(g, 'b', transB ? [5, 4] : [4, 5]);
      const c = x(g, 'c', [5]);
      return { y: gemm(g, a, b, { transA, transB, c }), wrt: [a, b, c] };
    },
    { a: f64(transA ? [4, 3] : [3, 4]), b: f64(transB ? [5, 4] : [4, 5]), c: f64([5]) },
  );
}

const unary = (
  name: string,
  op: (g: Graph, a: Tensor) => Tensor,
  shape: number[],
  feed: Feed = f64(shape),
  opts = {},
) =>
  check(
    name,
    (g) => {
      const a = x(g, 'a', shape);
      return { y: op(g, a), wrt: [a] };
    },
    { a: feed },
    opts,
  );
unary('neg', E.neg, [3, 4]);
unary('exp', E.exp, [3, 4]);
unary('log', E.log, [3, 4], positive([3, 4]));
unary('sqrt', E.sqrt, [3, 4], positive([3, 4]));
unary('tanh', E.tanh, [3, 4]);
unary('pow', (g, a) => E.pow(g, a, 3), [3, 4]);
unary('erf (float64 series form)', E.erf, [3, 5], f64([3, 5], 1.5));
unary('gelu (float64 series erf)', E.gelu, [3, 5], f64([3, 5], 2));
unary('softmax', (g, a) => softmax(g, a), [2, 3, 5]);
unary('softmax over a middle axis', (g, a) => softmax(g, a, 1), [2, 3, 5]);
unary('logSoftmax', (g, a) => logSoftmax(g, a), [2, 3, 5]);
unary('reshape', (g, a) => S.reshape(g, a, [0, -1]), [2, 3, 4]);
unary('transpose', (g, a) => S.transpose(g, a, [2, 0, 1]), [2, 3, 4]);
unary('unsqueeze', (g, a) => S.unsqueeze(g, a, [1, -1]), [2, 3]);
unary('squeeze', (g, a) => S.squeeze(g, a, [1]), [2, 1, 3]);
unary('slice', (g, a) => S.slice(g, a, [1, 0], [3, -1], [1, 2]), [2, 4, 5]);
unary('expand', (g, a) => S.expand(g, a, g.ints([2, 3, 4]), [2, 3, 4]), [3, 1]);
unary('reduceSum', (g, a) => reduceSum(g, a, [0, 2]), [2, 3, 4]);
unary('reduceSum keepdims', (g, a) => reduceSum(g, a, [-1], true), [2, 3, 4]);
unary('reduceMean', (g, a) => reduceMean(g, a, [1]), [2, 3, 4]);
unary(
  'cast float64→float32→float64 (float32 tolerance)',
  (g, a) => S.cast(g, S.cast(g, a, 'float32'), 'float64'),
  [3, 4],
  f64([3, 4]),
  { h: 1e-3, atol: 1e-5, rtol: 1e-4 },
);

check(
  'concat',
  (g) => {
    const a = x(g, 'a', [2, 3]);
    const b = x(g, 'b', [2, 2]);
    return { y: S.concat(g, [a, b, a], 1), wrt: [a, b] };
  },
  ab([2, 3], [2, 2]),
);

check(
  'where',
  (g) => {
    const c = g.input('c', 'bool', [2, 3]);
    const a = x(g, 'a', [2, 3]);
    const b = x(g, 'b', [3]);
    return { y: E.where(g, c, a, b), wrt: [a, b] };
  },
  { ...ab([2, 3], [3]), c: { dtype: 'bool', shape: [2, 3], data: Uint8Array.from([1, 0, 1, 0, 0, 1]) } },
);

check(
  'gather (embedding lookup with repeated ids)',
  (g) => {
    const table = x(g, 'table', [5, 3]);
    const ids = g.input('ids', 'int64', [2, 3]);
    return { y: S.gather(g, table, ids), wrt: [table] };
  },
  { table: f64([5, 3]), ids: ints([2, 3], [0, 4, 4, 1, 0, 2]) },
);

check(
  'layerNorm (float64 decomposed form)',
  (g) => {
    const a = x(g, 'a', [2, 3, 6]);
    const gamma = x(g, 'gamma', [6]);
    const beta = x(g, 'beta', [6]);
    return { y: layerNorm(g, a, gamma, beta, 1e-5), wrt: [a, gamma, beta] };
  },
  { a: f64([2, 3, 6]), gamma: f64([6]), beta: f64([6]) },
);

check(
  'dropout (mask is fixed by the seed)',
  (g) => {
    const a = x(g, 'a', [4, 8]);
    return { y: dropout(g, a, 0.3, { seed: g.input('seed', 'int64', []), nextSite: 0 }), wrt: [a] };
  },
  { a: f64([4, 8]), seed: ints([], [42]) },
);

check(
  'softmaxDropout (one rule for both)',
  (g) => {
    const a = x(g, 'a', [2, 3, 8]);
    return { y: softmaxDropout(g, a, 0.3, { seed: g.input('seed', 'int64', []), nextSite: 0 }), wrt: [a] };
  },
  { a: f64([2, 3, 8]), seed: ints([], [42]) },
);

const logits = [2, 4, 5];
const labels = ints([2, 4], [0, 4, -100, 2, 1, 1, 3, 0]);
const mask = (): Feed => ({ dtype: 'float64', shape: [2, 4], data: Float64Array.from([1, 1, 0, 1, 1, 0, 1, 1]) });
const probs = (): Feed => {
  const p = f64(logits);
  const d = p.data as Float64Array;
  for (let i = 0; i < d.length; i += 5) {
    const e = [...d.subarray(i, i + 5)].map(Math.exp);
    const s = e.reduce((a, b) => a + b);
    e.forEach((v, k) => (d[i + k] = v / s));
  }
  return p;
};
const crossEntropyOf = (g: Graph) => {
  const z = x(g, 'z', logits);
  return { y: crossEntropy(g, z, g.input('labels', 'int64', [2, 4]), x(g, 'mask', [2, 4])), wrt: [z] };
};
const distillationOf = (g: Graph) => {
  const z = x(g, 'z', logits);
  const loss = distillationLoss(g, {
    logits: z,
    teacherProbs: x(g, 'p', logits),
    labels: g.input('labels', 'int64', [2, 4]),
    softMask: x(g, 'soft', [2, 4]),
    hardMask: x(g, 'hard', [2, 4]),
    weights: { kd: 0.7, gt: 0.3 },
  });
  return { y: loss, wrt: [z] };
};
check('masked cross-entropy (ignored label −100)', crossEntropyOf, { z: f64(logits), labels, mask: mask() });
check(
  'masked soft cross-entropy',
  (g) => {
    const z = x(g, 'z', logits);
    return { y: softCrossEntropy(g, z, x(g, 'p', logits), x(g, 'mask', [2, 4])), wrt: [z] };
  },
  { z: f64(logits), p: probs(), mask: mask() },
);
check(
  'masked KL divergence',
  (g) => {
    const z = x(g, 'z', logits);
    return { y: klDivergence(g, z, x(g, 'p', logits), x(g, 'mask', [2, 4])), wrt: [z] };
  },
  { z: f64(logits), p: probs(), mask: mask() },
);
check('TaughtNet distillation loss kd·softCE + gt·CE', distillationOf, {
  z: f64(logits),
  p: probs(),
  labels,
  soft: mask(),
  hard: { ...mask(), data: Float64Array.from([1, 0, 0, 1, 1, 1, 0, 1]) },
});
// −100 where the masks are 1 (a [CLS] token, a word's later subword): such tokens count nowhere.
const ignoredInMask = (): Feed => ({
  dtype: 'float64',
  shape: [2, 4],
  data: Float64Array.from([1, 1, 1, 1, 1, 1, 1, 0]),
});
const labelsIgnoredInMask = ints([2, 4], [-100, 4, -100, 2, 1, -100, 3, -100]);
check('masked cross-entropy, −100 where the mask is 1', crossEntropyOf, {
  z: f64(logits),
  labels: labelsIgnoredInMask,
  mask: ignoredInMask(),
});
check('distillation loss, −100 where both masks are 1', distillationOf, {
  z: f64(logits),
  p: probs(),
  labels: labelsIgnoredInMask,
  soft: ignoredInMask(),
  hard: ignoredInMask(),
});

test('float32 forms (ONNX Erf, GELU, LayerNormalization) match the float64 forms to ~1e-5', async () => {
  const build = (g: Graph, dtype: 'float32' | 'float64') => {
    const a = g.input('a', dtype, [3, 8]);
    const gamma = g.input('gamma', dtype, [8]);
    const beta = g.input('beta', dtype, [8]);
    const y = layerNorm(g, E.gelu(g, a), gamma, beta, 1e-5);
    const loss = reduceSum(g, E.mul(g, y, g.input('w', dtype, [3, 8])), [0, 1]);
    const [da, dgamma] = grad(g, loss, [a, gamma]);
    return { loss, da, dgamma };
  };
  const feeds64 = { a: f64([3, 8], 1.5), gamma: f64([8]), beta: f64([8]), w: f64([3, 8]) };
  const feeds32 = Object.fromEntries(
    Object.entries(feeds64).map(([k, v]) => [
      k,
      { ...v, dtype: 'float32' as const, data: Float32Array.from(v.data as Float64Array) },
    ]),
  );
  const results = [];
  for (const [dtype, feeds] of [
    ['float64', feeds64],
    ['float32', feeds32],
  ] as const) {
    const g = new Graph();
    const out = build(g, dtype);
    results.push(await (await session(g, out))(feeds));
  }
  const [r64, r32] = results;
  for (const k of ['loss', 'da', 'dgamma']) {
    const scale = Math.max(...r64[k].map(Math.abs));
    r64[k].forEach((v, i) =>
      assert.ok(Math.abs(v - r32[k][i]) <= 2e-5 * scale, `${k}[${i}]: float32 ${r32[k][i]} vs float64 ${v}`),
    );
  }
});

test('dropout masks at p = 0.5 are pairwise independent across sites and consecutive seeds, and along strides', async () => {
  const g = new Graph();
  const a = g.input('a', 'float32', [64, 1024]);
  const ctx = { seed: g.input('seed', 'int64', []), nextSite: 0 };
  const sites = Object.fromEntries([0, 1, 2, 3].map((k) => [`site${k}`, dropout(g, a, 0.5, ctx)]));
  const run = await session(g, sites);
  const n = 64 * 1024;
  const ones: Feed = { dtype: 'float32', shape: [64, 1024], data: new Float32Array(n).fill(1) };
  const masks: Uint8Array[] = [];
  for (const seed of [7, 8, 9])
    for (const m of Object.values(await run({ a: ones, seed: ints([], [seed]) })))
      masks.push(Uint8Array.from(m, (v) => (v === 0 ? 1 : 0)));
  // z-score of a count against Binomial(trials, p): independent masks give |z| ≲ 3, correlated ones far more.
  const z = (count: number, trials: number, p: number) => (count / trials - p) / Math.sqrt((p * (1 - p)) / trials);
  const zs: number[] = [];
  for (const m of masks) {
    zs.push(
      z(
        m.reduce((s, v) => s + v, 0),
        n,
        0.5,
      ),
    );
    for (const stride of [1, 2, 312, 1024]) {
      let both = 0;
      for (let i = 0; i + stride < n; i++) both += m[i] & m[i + stride];
      zs.push(z(both, n - stride, 0.25));
    }
  }
  for (let i = 0; i < masks.length; i++) {
    for (let j = i + 1; j < masks.length; j++) {
      let both = 0;
      for (let k = 0; k < n; k++) both += masks[i][k] & masks[j][k];
      zs.push(z(both, n, 0.25));
    }
  }
  const worst = Math.max(...zs.map(Math.abs));
  const rms = Math.sqrt(zs.reduce((s, v) => s + v * v, 0) / zs.length);
  assert.ok(worst < 4.5 && rms < 1.3, `${zs.length} z-scores: max |z| ${worst.toFixed(2)}, rms ${rms.toFixed(2)}`);
});

test('dropout keeps about 1−p of the elements, scales them by 1/(1−p), and depends only on the seed', async () => {
  const g = new Graph();
  const a = g.input('a', 'float32', ['rows', 1000]);
  const ctx = { seed: g.input('seed', 'int64', []), nextSite: 0 };
  const run = await session(g, { first: dropout(g, a, 0.1, ctx), second: dropout(g, a, 0.1, ctx) });
  const ones: Feed = { dtype: 'float32', shape: [20, 1000], data: new Float32Array(20000).fill(1) };
  const r1 = await run({ a: ones, seed: ints([], [7]) });
  const r2 = await run({ a: ones, seed: ints([], [7]) });
  const r3 = await run({ a: ones, seed: ints([], [8]) });
  const kept = r1.first.filter((v) => v !== 0);
  assert.ok(Math.abs(kept.length / 20000 - 0.9) < 0.01, `kept fraction ${kept.length / 20000}`);
  assert.ok(kept.every((v) => Math.abs(v - 1 / 0.9) < 1e-6));
  assert.deepEqual(r1.first, r2.first, 'same seed, same mask');
  const differs = (p: Float64Array, q: Float64Array) => p.filter((v, i) => (v === 0) !== (q[i] === 0)).length;
  // Independent masks disagree on 2·p·(1−p) = 18% of the elements.
  const independent = (p: Float64Array, q: Float64Array) => Math.abs(differs(p, q) / 20000 - 0.18) < 0.015;
  assert.ok(independent(r1.first, r3.first), 'another seed gives an independent mask');
  assert.ok(independent(r1.first, r1.second), 'two dropout sites get independent masks');
  // Neighbouring elements are not correlated: P(both dropped) ≈ p².
  let both = 0;
  for (let i = 0; i + 1 < 20000; i++) if (r1.first[i] === 0 && r1.first[i + 1] === 0) both++;
  assert.ok(Math.abs(both / 19999 - 0.01) < 0.004, `P(both dropped) ${both / 19999}`);
  // The masks are exactly the documented hash: with sq(i, k, r) = r rounds of x ← x·x + y from x = y = i·0x9e3779b9 + k
  // (mod 2³²), key = sq(seed, (s₀+1)·0x632be5ab, 3) for the shape's first site s₀ = 0 and h = sq(i, key, 4), element i
  // of the shape's j-th site is dropped iff h·0x915f77f5^j < p·2³².
  const add = (a: number, b: number) => (a + b) >>> 0;
  const times = (a: number, b: number) => Math.imul(a, b) >>> 0;
  const sq = (i: number, k: number, rounds: number) => {
    const y = add(times(i, 0x9e3779b9), k);
    let v = y;
    for (let n = 0; n < rounds; n++) v = add(times(v, v), y);
    return v;
  };
  const key = sq(7, times(1, 0x632be5ab), 3);
  const threshold = Math.floor(0.1 * 2 ** 32);
  r1.first.forEach((v, i) => assert.equal(v === 0, sq(i, key, 4) < threshold, `first site, element ${i}`));
  r1.second.forEach((v, i) =>
    assert.equal(v === 0, times(sq(i, key, 4), 0x915f77f5) < threshold, `second site, element ${i}`),
  );
});
