// The masked token losses against values worked out by hand in float64: a label of −100 (IGNORE_LABEL) counts in
// neither the sum nor the count of a mean, even where its mask is 1, as in PyTorch's
// CrossEntropyLoss(ignore_index=−100, reduction='mean').
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../main/engine/graph/graph.ts';
import { grad } from '../../main/engine/graph/autodiff.ts';
import { crossEntropy, distillationLoss } from '../../main/engine/ops/loss.ts';
import { ints, session, type Feed } from './check.ts';

// Two rows of 4 tokens, 4 classes. Row 0: [CLS] (−100), a word (0), its second subword (−100), a word (1).
// Row 1: [CLS] (−100), a word (0), a word (2) out of the gold mask (as gtIgnoresO leaves out O), padding (−100).
// The ignored tokens' mask is 1 (an attention mask), with logits and teacher probabilities that would move the
// loss if they counted. L = ln 3, so softmax([L, 0, 0, 0]) = [1/2, 1/6, 1/6, 1/6].
const L = Math.log(3);
const [B, T, C] = [2, 4, 4];
const logits = [
  [9, -3, 4, 0],
  [0, 0, 0, 0],
  [5, 1, 0, 2],
  [L, 0, 0, 0],
  [-2, 7, 1, 3],
  [L, 0, 0, 0],
  [0, 0, 0, 0],
  [6, 6, -1, 0],
].flat();
const labels = ints([B, T], [-100, 0, -100, 1, -100, 0, 2, -100]);
const hardMask = [1, 1, 1, 1, 1, 1, 0, 0];
const softMask = [1, 1, 1, 1, 1, 1, 1, 0];
const teacher = [
  [0.25, 0.25, 0.25, 0.25],
  [0.5, 0.5, 0, 0],
  [0.7, 0.1, 0.1, 0.1],
  [0.5, 0.5, 0, 0],
  [0.25, 0.25, 0.25, 0.25],
  [1, 0, 0, 0],
  [0, 0, 1, 0],
  [0.25, 0.25, 0.25, 0.25],
].flat();
const f64 = (shape: number[], values: number[]): Feed => ({ dtype: 'float64', shape, data: Float64Array.from(values) });

// Gold terms: −log p(label) at (0,1) = ln 4, (0,3) = ln 6, (1,1) = ln 2, averaged over those 3 tokens.
const CE = (Math.log(4) + Math.log(6) + Math.log(2)) / 3;
// Soft terms over the 4 labelled tokens of the soft mask: (0,1) ln 4, (0,3) −(½ ln ½ + ½ ln ⅙) = ½ ln 12,
// (1,1) ln 2, (1,2) ln 4.
const KD = (Math.log(4) + Math.log(12) / 2 + Math.log(2) + Math.log(4)) / 4;

function close(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) <= 1e-12, `${what}[${i}]: ${actual[i]} vs ${e}`));
}

test('cross-entropy: labels of −100 with mask 1 count in neither the sum nor the count; its gradient likewise', async () => {
  const g = new Graph();
  const z = g.input('z', 'float64', [B, T, C]);
  const loss = crossEntropy(g, z, g.input('labels', 'int64', [B, T]), g.input('mask', 'float64', [B, T]));
  const [dz] = grad(g, loss, [z]);
  const r = await (await session(g, { loss, dz }))({ z: f64([B, T, C], logits), labels, mask: f64([B, T], hardMask) });
  close(r.loss, [CE], 'loss');
  // d/dz of a counted token: (softmax − one-hot) / 3; every other token gets 0.
  const zero = [0, 0, 0, 0];
  close(
    r.dz,
    [
      zero,
      [-3 / 4, 1 / 4, 1 / 4, 1 / 4],
      zero,
      [1 / 2, -5 / 6, 1 / 6, 1 / 6],
      zero,
      [-1 / 2, 1 / 6, 1 / 6, 1 / 6],
      zero,
      zero,
    ]
      .flat()
      .map((v) => v / 3),
    'd loss/d logits',
  );
});

test('distillation loss: tokens labelled −100 are in neither the KD nor the gold term, whatever their masks', async () => {
  const g = new Graph();
  const input = (name: string, shape: number[]) => g.input(name, 'float64', shape);
  const loss = distillationLoss(g, {
    logits: input('z', [B, T, C]),
    teacherProbs: input('p', [B, T, C]),
    labels: g.input('labels', 'int64', [B, T]),
    softMask: input('soft', [B, T]),
    hardMask: input('hard', [B, T]),
    weights: { kd: 0.7, gt: 0.3 },
  });
  const r = await (
    await session(g, { loss })
  )({
    z: f64([B, T, C], logits),
    p: f64([B, T, C], teacher),
    labels,
    soft: f64([B, T], softMask),
    hard: f64([B, T], hardMask),
  });
  close(r.loss, [0.7 * KD + 0.3 * CE], 'loss');
});
