// The engine's graph loss (main/engine/ops/loss.ts), run in a real ONNX Runtime session, against the float64
// reference of shared/method/loss-config.ts, with the masks lossMasks builds, and with those masks also 1 on the
// tokens labelled −100 (as an attention mask is): the engine leaves such tokens out by their label alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../main/engine/graph/graph.ts';
import { distillationLoss } from '../../main/engine/ops/loss.ts';
import { session, ints, rng, randn } from '../engine/check.ts';
import { DEFAULT_LOSS, lossConfig, lossMasks, lossWeights, referenceLoss } from '../../shared/method/loss-config.ts';
import { aggregateBatch } from '../../shared/method/aggregate.ts';

test('the engine distillation loss equals the reference loss (paper, gtIgnoresO masks, element reduction; −100 tokens masked out or in)', async () => {
  // Two sentences of 6 positions, two corpora (labels B-e1, I-e1, B-e2, I-e2, O; O = 4).
  const [batch, seq, c] = [2, 6, 5];
  const r = rng(7);
  const logits = randn(r, [batch, seq, c], 2).data as Float64Array;
  const teacherBio = Float32Array.from({ length: batch * seq * 2 * 3 }, () => 0.05 + r());
  for (let i = 0; i < teacherBio.length; i += 3) {
    const s = teacherBio[i] + teacherBio[i + 1] + teacherBio[i + 2];
    for (let k = 0; k < 3; k++) teacherBio[i + k] /= s;
  }
  const teacherProbs = Float64Array.from(aggregateBatch(teacherBio, 2));
  const labels = Int32Array.from([-100, 0, 1, 4, -100, 4, -100, 2, 3, 3, 4, -100]);

  const configs = [DEFAULT_LOSS, lossConfig({ gtIgnoresO: true }), lossConfig({ kdReduction: 'element', lambda: 0.7 })];
  for (const [config, ignoredMasked] of configs.flatMap(
    (c) =>
      [
        [c, false],
        [c, true],
      ] as const,
  )) {
    const g = new Graph();
    const x = (name: string, shape: number[]) => g.input(name, 'float64', shape);
    const loss = distillationLoss(g, {
      logits: x('z', [batch, seq, c]),
      teacherProbs: x('p', [batch, seq, c]),
      labels: g.input('labels', 'int64', [batch, seq]),
      softMask: x('soft', [batch, seq]),
      hardMask: x('hard', [batch, seq]),
      weights: lossWeights(config, c),
    });
    const run = await session(g, { loss });
    const masks = lossMasks(labels, c - 1, config);
    const fed = (m: Float32Array) => Float64Array.from(m, (v, t) => (ignoredMasked && labels[t] === -100 ? 1 : v));
    const out = await run({
      z: { dtype: 'float64', shape: [batch, seq, c], data: logits },
      p: { dtype: 'float64', shape: [batch, seq, c], data: teacherProbs },
      labels: ints([batch, seq], [...labels]),
      soft: { dtype: 'float64', shape: [batch, seq], data: fed(masks.kd) },
      hard: { dtype: 'float64', shape: [batch, seq], data: fed(masks.gt) },
    });
    const expected = referenceLoss({ logits, teacherProbs, labels, numLabels: c }, config).loss;
    assert.ok(
      Math.abs(out.loss[0] - expected) < 1e-12,
      `${JSON.stringify(config)}${ignoredMasked ? ', −100 masked in' : ''}: engine ${out.loss[0]} vs reference ${expected}`,
    );
  }
});
