import assert from 'node:assert/strict';
import test from 'node:test';
import { presetConfig, SHIPPED_VOCAB, sizePreset, type PresetId } from '../../shared/models/presets.ts';
import { stepCost } from '../../shared/models/step-cost.ts';

const cost = (id: PresetId, tokens: number) => stepCost(presetConfig(sizePreset(id), SHIPPED_VOCAB), 5, tokens);

test('step cost: the ratios of steps measured on this engine, within 15 % (the model is fitted to both)', () => {
  // Base 4.59 s against Tiny 403 ms at batch 8 × 128 (README, engine --vs-torch): 11.4.
  const baseOverTiny = cost('base', 8 * 128) / cost('tiny', 8 * 128);
  assert.ok(Math.abs(baseOverTiny / 11.4 - 1) < 0.15, `Base / Tiny ${baseOverTiny.toFixed(2)}`);
  // Tiny 0.33 s against Micro 0.07 s at batch 16 of the merged corpora, some 25 words a sentence: 4.7.
  const tinyOverMicro = cost('tiny', 16 * 25) / cost('micro', 16 * 25);
  assert.ok(Math.abs(tinyOverMicro / 4.7 - 1) < 0.15, `Tiny / Micro ${tinyOverMicro.toFixed(2)}`);
  // Not the parameters' ratio (3.3) nor the matmuls' (11.6): both count.
  assert.ok(cost('tiny', 0) < cost('tiny', 400));
});
