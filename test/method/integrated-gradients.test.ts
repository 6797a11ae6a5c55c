import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  baselineEmbeddings,
  completeness,
  igSteps,
  integratedGradients,
  pathInputs,
  sumOverHidden,
  wordAttributions,
  type IgSteps,
} from '../../shared/method/integrated-gradients.ts';

const close = (actual: ArrayLike<number>, expected: readonly number[], tol = 1e-12) => {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) <= tol, `[${i}] ${actual[i]} ≠ ${e} (tol ${tol})`));
};

test('quadrature points and weights, by hand', () => {
  close(igSteps('trapezoid', 3).alphas, [0, 0.5, 1]);
  close(igSteps('trapezoid', 3).weights, [0.25, 0.5, 0.25]);
  close(igSteps('gauss-legendre', 1).alphas, [0.5]);
  close(igSteps('gauss-legendre', 1).weights, [1]);
  // n = 2: nodes ±1/√3, weights 1 on [−1, 1]; n = 3: 0, ±√(3/5), weights 8/9 and 5/9. Mapped to [0, 1].
  close(igSteps('gauss-legendre', 2).alphas, [0.5 - 0.5 / Math.sqrt(3), 0.5 + 0.5 / Math.sqrt(3)]);
  close(igSteps('gauss-legendre', 2).weights, [0.5, 0.5]);
  const r = 0.5 * Math.sqrt(3 / 5);
  close(igSteps('gauss-legendre', 3).alphas, [0.5 - r, 0.5, 0.5 + r]);
  close(igSteps('gauss-legendre', 3).weights, [5 / 18, 8 / 18, 5 / 18]);
  assert.throws(() => igSteps('trapezoid', 1), /at least 2/);
  assert.throws(() => igSteps('gauss-legendre', 0), /at least 1/);
});

test('Gauss–Legendre with m points integrates α^k exactly up to k = 2m − 1', () => {
  for (const m of [4, 50]) {
    const { alphas, weights } = igSteps('gauss-legendre', m);
    close([weights.reduce((s, w) => s + w, 0)], [1]);
    for (const k of [1, 2, 2 * m - 1]) {
      close([alphas.reduce((s, a, i) => s + weights[i] * a ** k, 0)], [1 / (k + 1)], 1e-13);
    }
  }
});

// Two "subwords" of hidden size 3.
const w = [0.5, -1, 2, 1.5, 0.25, -0.75];
const x = Float32Array.from([1, 2, -0.5, 0.25, 1, 3]);
const x0 = Float32Array.from([0.5, -1, 0, 0, 0.5, 1]);
const dot = (a: ArrayLike<number>) => w.reduce((s, wi, i) => s + wi * a[i], 0);

/** The gradients of f at every path point (in float64, so only the quadrature errs), from its closed form. */
function gradientsAlongPath(steps: IgSteps, grad: (p: number[]) => number[]): number[][] {
  return Array.from(steps.alphas, (a) => grad(Array.from(x, (xi, i) => x0[i] + a * (xi - x0[i]))));
}

test('f(x) = (w·x)²: IG is exactly (x − x′)·w·(w·x + w·x′), with either rule', () => {
  const exact = w.map((wi, i) => (x[i] - x0[i]) * wi * (dot(x) + dot(x0)));
  for (const steps of [igSteps('gauss-legendre', 2), igSteps('trapezoid', 2)]) {
    const ig = integratedGradients(
      x,
      x0,
      gradientsAlongPath(steps, (p) => w.map((wi) => 2 * dot(p) * wi)),
      steps,
    );
    close(ig, exact, 1e-12);
    const c = completeness(ig, dot(x) ** 2, dot(x0) ** 2);
    assert.ok(c.error < 1e-12, `${c.error}`);
  }
});

test('f(x) = σ(w·x): IG is (x − x′)·w·(σ(w·x) − σ(w·x′))/(w·x − w·x′); quadrature converges to it', () => {
  const sigma = (z: number) => 1 / (1 + Math.exp(-z));
  const a = dot(x0);
  const b = dot(x) - a;
  const exact = w.map((wi, i) => ((x[i] - x0[i]) * wi * (sigma(a + b) - sigma(a))) / b);
  const grad = (p: number[]) => w.map((wi) => sigma(dot(p)) * (1 - sigma(dot(p))) * wi);
  const gl = igSteps('gauss-legendre', 20);
  const igGl = integratedGradients(x, x0, gradientsAlongPath(gl, grad), gl);
  close(igGl, exact, 1e-12);
  const tr = igSteps('trapezoid', 50);
  const igTr = integratedGradients(x, x0, gradientsAlongPath(tr, grad), tr);
  close(igTr, exact, 1e-3);
  const gapGl = completeness(igGl, sigma(dot(x)), sigma(dot(x0)));
  const gapTr = completeness(igTr, sigma(dot(x)), sigma(dot(x0)));
  assert.ok(gapGl.error < 1e-12, `${gapGl.error}`);
  assert.ok(gapTr.error < 1e-3 && gapTr.error > gapGl.error, `${gapTr.error} vs ${gapGl.error}`);
  // Completeness fails visibly with too few steps.
  const one = igSteps('gauss-legendre', 1);
  assert.ok(
    completeness(integratedGradients(x, x0, gradientsAlongPath(one, grad), one), sigma(dot(x)), sigma(dot(x0)))
      .relativeError > 0.01,
  );
});

test('path points lie on the straight line', () => {
  close(pathInputs(Float32Array.from([0, 2]), Float32Array.from([4, 6]), [0, 0.25, 1]), [0, 2, 1, 3, 4, 6]);
});

test('per subword (sum over hidden), then per word (sum over subwords, special tokens apart)', () => {
  const perSubword = sumOverHidden([1, 2, 3, -1, 0.5, 0.5, 4, 0, 0, 0.25, 0.25, 0, -2, 0, 0], 3);
  close(perSubword, [6, 0, 4, 0.5, -2]);
  // [CLS] haloperidol ##ol induced [SEP]: subwords 1 and 2 are word 0.
  const { words, special } = wordAttributions(perSubword, [null, 0, 0, 1, null], 2);
  close(words, [4, 0.5]);
  assert.equal(special, 4);
  assert.throws(() => wordAttributions(perSubword, [null, 0, 0, 2, null], 2), /word 2, outside 0..1/);
  assert.throws(() => sumOverHidden([1, 2], 3), /do not divide/);
});

test('baselines: zeros, or [PAD] embeddings with special tokens kept', () => {
  // Vocabulary of 4 with hidden 2: row i = [i, 10 + i]. [PAD] = 0, [CLS] = 1, [SEP] = 2.
  const table = Float32Array.from([0, 10, 1, 11, 2, 12, 3, 13]);
  close(
    baselineEmbeddings({ kind: 'pad', padId: 0, keepIds: [1, 2] }, [1, 3, 3, 2], table, 2),
    [1, 11, 0, 10, 0, 10, 2, 12],
  );
  close(baselineEmbeddings({ kind: 'zeros' }, [1, 3, 2], table, 2), [0, 0, 0, 0, 0, 0]);
  assert.throws(() => baselineEmbeddings({ kind: 'pad', padId: 9, keepIds: [] }, [3], table, 2), /token id 9/);
});
