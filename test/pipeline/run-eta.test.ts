// The whole run's ETA while a model trains: its own pace times the steps left, here and in the phases after it, each
// phase's steps counted by their cost against this model's.
import assert from 'node:assert/strict';
import test from 'node:test';
import { runEta } from '../../main/pipeline/scope.ts';

const halfway = { epoch: 1, epochs: 1, step: 50, totalSteps: 100, loss: 1, etaSeconds: 50 };

test('run ETA: a later phase counts its steps at its own cost', () => {
  const plan = (later: number) =>
    new Map([
      ['teacher:T', { steps: 100, stepCost: 4 }],
      ['student:s', { steps: 200, stepCost: later }],
    ]);
  // 1 s a step here; 200 steps after, each as costly: 50 + 200 s.
  assert.equal(runEta(plan(4), 'teacher:T', halfway), 250);
  // The same 200 steps of a model four times as quick: 50 + 50 s.
  assert.equal(runEta(plan(1), 'teacher:T', halfway), 100);
  // A phase not planned counts every step alike.
  assert.equal(runEta(plan(1), 'student:unplanned', halfway), 50 + 300);
  assert.equal(runEta(plan(1), 'teacher:T', { ...halfway, etaSeconds: null }), null);
  assert.equal(runEta(plan(1), 'teacher:T', { ...halfway, step: 100, etaSeconds: 0 }), 0);
});
