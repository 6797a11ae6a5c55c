// The wizard's estimate times a few steps on batches chosen across the sizes of the run's first epoch, and predicts
// the epoch batch by batch from them (main/pipeline/estimate.ts, stepTimeModel): linear between the timed sizes, the
// smallest's time below them, along the last two above them. The last test has the sizes and times of a tiny-preset
// epoch measured here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepTimeModel } from '../../main/pipeline/estimate.ts';

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} is not ${expected}`);

test('a step is predicted between the timed sizes, flat below them and along the last two above them', () => {
  const step = stepTimeModel([
    { size: 720, seconds: 1.5 },
    { size: 160, seconds: 0.8 },
    { size: 2032, seconds: 6 },
    { size: 352, seconds: 1.2 },
    { size: 352, seconds: 1.4 }, // a size timed twice counts as their mean
  ]);
  close(step(160), 0.8);
  close(step(352), 1.3);
  close(step(256), 0.8 + (0.5 * 96) / 192);
  close(step(1376), 1.5 + (4.5 * 656) / 1312);
  close(step(100), 0.8);
  close(step(2032 + 1312), 6 + 4.5);
});

test('above the timed sizes a step takes at least the longest time, and one timed size scales with size', () => {
  const falling = stepTimeModel([
    { size: 400, seconds: 2 },
    { size: 800, seconds: 1.5 }, // a noisy machine
  ]);
  close(falling(1200), 1.5);
  const one = stepTimeModel([{ size: 500, seconds: 1 }]);
  close(one(400), 1);
  close(one(1000), 2);
});

test('an epoch predicted batch by batch from its size groups and its longest batch is near its measured steps', () => {
  // Padded sizes of a tiny-preset epoch (batch 16, NCBI-disease + BC5CDR-chem, 200 sentences each, sorted by size) and
  // the measured time of each of its steps, at load 5–6; its first step (the warm-up) is left out.
  const epoch: [number, number][] = [
    [160, 0.86], [208, 1.19], [254, 0.785], [256, 1.254], [288, 0.743], [336, 1.058], [352, 1.222], [384, 1.119],
    [416, 1.166], [464, 0.876], [480, 1.184], [512, 0.866], [528, 1.361], [544, 0.856], [576, 1.841], [608, 1.494],
    [656, 1.638], [672, 1.309], [720, 1.971], [752, 1.845], [800, 1.027], [848, 2.125], [928, 1.774], [1056, 2.228],
    [2032, 4.789],
  ]; // prettier-ignore
  const measured = epoch.reduce((n, [, seconds]) => n + seconds, 0);
  // The median batch of each fifth by size, and the longest (as estimate.ts chooses them).
  const chosen = [2, 7, 12, 17, 22, 24];
  // Whichever of them the session takes first warms the engine up and is not used.
  for (const warmUp of chosen) {
    const step = stepTimeModel(
      chosen.filter((i) => i !== warmUp).map((i) => ({ size: epoch[i][0], seconds: epoch[i][1] })),
    );
    const predicted = epoch.reduce((n, [size]) => n + step(size), 0);
    assert.ok(Math.abs(predicted / measured - 1) < 0.1, `without ${warmUp}: ${predicted} against ${measured}`);
  }
  // Their mean step is far off: the longest batch is one in six of them, one in 25 of the epoch.
  const meanOfChosen = chosen.reduce((n, i) => n + epoch[i][1], 0) / chosen.length;
  assert.ok((meanOfChosen * epoch.length) / measured > 1.2);
});
