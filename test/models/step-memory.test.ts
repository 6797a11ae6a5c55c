import assert from 'node:assert/strict';
import test from 'node:test';
import { presetConfig, SHIPPED_VOCAB, sizePreset, type PresetId } from '../../shared/models/presets.ts';
import { microBatchToFit, trainingPeakMB, trainingStepMB } from '../../shared/models/step-memory.ts';

const shape = (id: PresetId) =>
  presetConfig(sizePreset(id), id === 'large' ? { size: 50265, padTokenId: 1 } : SHIPPED_VOCAB, null);

// Peak RSS of `npm run bench -- engine --models M --micro-batch N [--length L]` (batch 8; 2026-12-07, README).
const MEASURED: [PresetId, length: number, windows: number, peakMB: number][] = [
  ['micro', 128, 8, 226],
  ['micro', 128, 1, 221],
  ['tiny', 128, 8, 560],
  ['tiny', 128, 2, 439],
  ['tiny', 128, 1, 417],
  ['tiny', 512, 8, 2163],
  ['tiny', 512, 2, 837],
  ['tiny', 512, 1, 624],
  ['base', 128, 8, 2950],
  ['base', 128, 2, 2608],
  ['base', 128, 1, 2568],
  ['base', 512, 2, 3989],
  ['base', 512, 1, 3093],
  ['large', 128, 8, 8563],
  ['large', 128, 1, 8079],
];

test('step memory: within 10 % of every peak measured, from Micro to Large, windows of 128 and 512', () => {
  for (const [id, length, windows, peak] of MEASURED) {
    const predicted = trainingStepMB(shape(id), windows, length);
    assert.ok(
      Math.abs(predicted / peak - 1) <= 0.1,
      `${id} ${windows} × ${length}: ${predicted.toFixed(0)} MB against ${peak}`,
    );
  }
});

test("a model's training in a run: the engine host's peak in two real runs, within 5 %", () => {
  // `taughtnet run` of 200 + 200 training sentences, a fresh host per model, parameters to and from the host by
  // file (2026-12-07): the peak_memory_mb figure.
  const runs: [PresetId, batch: number, peakMB: number][] = [
    ['tiny', 16, 820],
    ['base', 8, 3239],
  ];
  for (const [id, batch, peak] of runs) {
    const predicted = trainingPeakMB(shape(id), batch, 128);
    assert.ok(Math.abs(predicted / peak - 1) <= 0.05, `${id}: ${predicted.toFixed(0)} MB against ${peak}`);
    assert.ok(predicted > trainingStepMB(shape(id), batch, 128), 'more than the step alone');
  }
});

test('step memory grows with the windows, and in attention with the square of their length', () => {
  const tiny = shape('tiny');
  assert.ok(trainingStepMB(tiny, 2, 128) > trainingStepMB(tiny, 1, 128));
  const perWindow = (length: number) => trainingStepMB(tiny, 2, length) - trainingStepMB(tiny, 1, length);
  assert.ok(perWindow(512) > 4 * perWindow(128), 'more than linear in the length');
  assert.ok(perWindow(512) < 16 * perWindow(128), 'less than quadratic: the per-subword part is linear');
});

test('the micro-batch that fits: the whole batch, fewer windows, or none', () => {
  const large = shape('large');
  const one = trainingPeakMB(large, 1, 512);
  assert.equal(microBatchToFit(large, 16, 512, 1e9), 16, 'the whole batch where memory is plenty');
  assert.equal(microBatchToFit(large, 16, 512, one - 1), null, 'not even one window');
  assert.equal(microBatchToFit(large, 16, 512, one), 1);
  const five = trainingPeakMB(large, 5, 512);
  assert.equal(microBatchToFit(large, 16, 512, five + 1), 5, 'the most windows whose step fits');
  assert.ok(trainingPeakMB(large, 6, 512) > five + 1);
});
