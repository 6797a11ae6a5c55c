import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LOSS, lossConfig, lossMasks, lossWeights, referenceLoss } from '../../shared/method/loss-config.ts';

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} ≠ ${expected}`);
const { log } = Math;

// One corpus: labels [B, I, O], O = 2. Four tokens, the third unlabelled (a later subword).
//   t0: logits [0, 0, 0]      S = [1/3, 1/3, 1/3]  A = [0.5, 0.25, 0.25]  gold B   KD = ln 3          GT = ln 3
//   t1: logits [ln 2, 0, 0]   S = [1/2, 1/4, 1/4]  A = [0, 0, 1]          gold O   KD = ln 4          GT = ln 4
//   t2: ignored (label −100)
//   t3: logits [0, ln 3, 0]   S = [1/5, 3/5, 1/5]  A = [0.2, 0.6, 0.2]    gold I   KD = H(A) = H3     GT = ln(5/3)
const H3 = -(0.4 * log(0.2) + 0.6 * log(0.6));
const batch = {
  logits: [0, 0, 0, log(2), 0, 0, 9, -9, 3, 0, log(3), 0],
  teacherProbs: [0.5, 0.25, 0.25, 0, 0, 1, 0.1, 0.1, 0.8, 0.2, 0.6, 0.2],
  labels: Int32Array.from([0, 2, -100, 1]),
  numLabels: 3,
};

test('the paper loss (O in the GT term), λ = 0.99, by hand', () => {
  const v = referenceLoss(batch, DEFAULT_LOSS);
  const kd = (log(3) + log(4) + H3) / 3;
  const gt = log(20) / 3; // (ln 3 + ln 4 + ln 5/3) / 3
  close(v.kd, kd);
  close(v.gt, gt);
  close(v.loss, 0.99 * kd + 0.01 * gt);
  close(v.teacherEntropy, (1.5 * log(2) + 0 + H3) / 3);
  assert.equal(v.kdTokens, 3);
  assert.equal(v.gtTokens, 3);
});

test('gtIgnoresO (reference code) leaves the O token out of the GT term only', () => {
  const v = referenceLoss(batch, lossConfig({ gtIgnoresO: true, lambda: 0.5 }));
  close(v.gt, log(5) / 2); // (ln 3 + ln 5/3) / 2
  close(v.kd, (log(12) + H3) / 3);
  close(v.loss, 0.5 * v.kd + 0.5 * v.gt);
  assert.equal(v.gtTokens, 2);
});

test("kdReduction 'element' (reference code) divides the KD term by the number of labels", () => {
  const config = lossConfig({ kdReduction: 'element' });
  assert.deepEqual(lossWeights(config, 7), { kd: 0.99 / 7, gt: 1 - 0.99 });
  const v = referenceLoss(batch, config);
  close(v.loss, (0.99 / 3) * v.kd + 0.01 * v.gt);
});

test('λ = 1 is pure distillation, λ = 0 pure ground truth', () => {
  const kdOnly = referenceLoss(batch, lossConfig({ lambda: 1 }));
  const gtOnly = referenceLoss(batch, lossConfig({ lambda: 0 }));
  close(kdOnly.loss, kdOnly.kd);
  close(gtOnly.loss, gtOnly.gt);
});

test('masks: labelled tokens in both terms, O out of GT only with gtIgnoresO', () => {
  const labels = Int32Array.from([0, 2, -100, 1, 2]);
  assert.deepEqual(lossMasks(labels, 2, DEFAULT_LOSS), {
    kd: Float32Array.from([1, 1, 0, 1, 1]),
    gt: Float32Array.from([1, 1, 0, 1, 1]),
  });
  assert.deepEqual(lossMasks(labels, 2, lossConfig({ gtIgnoresO: true })), {
    kd: Float32Array.from([1, 1, 0, 1, 1]),
    gt: Float32Array.from([1, 0, 0, 1, 0]),
  });
});

test('an empty mask adds 0, not NaN', () => {
  const v = referenceLoss({ ...batch, labels: Int32Array.from([-100, -100, -100, -100]) }, DEFAULT_LOSS);
  assert.deepEqual([v.loss, v.kd, v.gt, v.kdTokens, v.gtTokens], [0, 0, 0, 0, 0]);
  const onlyO = referenceLoss(
    { ...batch, labels: Int32Array.from([2, -100, -100, -100]) },
    lossConfig({ gtIgnoresO: true }),
  );
  assert.equal(onlyO.gt, 0);
  assert.equal(onlyO.gtTokens, 0);
});

test('λ outside [0, 1] and other bad settings are refused', () => {
  assert.throws(() => lossConfig({ lambda: 1.01 }), /λ must be a number from 0 to 1/);
  assert.throws(() => lossConfig({ lambda: -0.1 }), /λ must be/);
  assert.throws(() => lossConfig({ lambda: NaN }), /λ must be/);
  assert.throws(() => lossConfig({ kdReduction: 'sum' as never }), /kdReduction/);
  assert.throws(() => referenceLoss({ ...batch, numLabels: 4 }, DEFAULT_LOSS), /expected 4 tokens × 4 labels/);
  assert.throws(
    () => referenceLoss({ ...batch, labels: Int32Array.from([0, 5, -100, 1]) }, DEFAULT_LOSS),
    /label id 5/,
  );
  assert.deepEqual(lossConfig(), { lambda: 0.99, gtIgnoresO: false, kdReduction: 'token' });
});
