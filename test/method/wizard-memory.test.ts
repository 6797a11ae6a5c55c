// The wizard fits each size preset's training step to this computer's memory: micro-batches where a step at the
// recipe's batch would not fit, on the CPU only (renderer/src/lib/run-wizard.ts, shared/models/step-memory.ts).
import assert from 'node:assert/strict';
import test from 'node:test';
import { machineOf, newRunWizard, runConfigOf, stepFits } from '../../renderer/src/lib/run-wizard.ts';
import { runConfigSchema } from '../../shared/method/run-config.ts';
import { presetConfig, SHIPPED_VOCAB, sizePreset } from '../../shared/models/presets.ts';
import { microBatchToFit, RUN_MEMORY_SHARE } from '../../shared/models/step-memory.ts';

const datasets = ['NCBI-disease', 'BC5CDR-chem'].map((name, i) => ({
  ref: { source: 'shipped' as const, name },
  name,
  folder: `/resources/datasets/${name}`,
  entityTypes: [['Disease', 'Chemical'][i]],
}));

/** Tiny teachers and a Large student in windows of 512, as a user who ticks Large and lengthens the window. */
function largeStudent() {
  const w = newRunWizard(datasets);
  w.sizes = ['preset:large'];
  w.maxLength = 512;
  return w;
}

test('on a 16 GB CPU machine a Large student trains in the micro-batches that fit; Tiny teachers in whole batches', () => {
  const w = largeStudent();
  const machine = machineOf(w, { memoryMB: 16_000, autoProvider: { name: 'cpu', reason: '' } })!;
  assert.equal(machine.cpu, true, "'auto' on a machine whose best provider is the CPU");
  const fits = stepFits(w, [], machine);
  assert.deepEqual(
    fits.map((f) => f.preset),
    ['large', 'tiny'],
    'largest need first',
  );
  const large = microBatchToFit(presetConfig(sizePreset('large'), SHIPPED_VOCAB), 16, 512, RUN_MEMORY_SHARE * 16_000);
  assert.ok(large !== null && large < 16);
  assert.equal(fits[0].microBatch, large);
  assert.equal(fits[1].microBatch, 16, 'Tiny fits whole');

  const config = runConfigSchema.parse(runConfigOf(w, [], machine));
  assert.deepEqual(
    config.students.map((s) => s.microBatchSize),
    [large, large],
    'both Large students (λ 0.99 and Merged) in parts',
  );
  assert.deepEqual(
    config.teachers.map((t) => t.microBatchSize),
    [undefined, undefined],
  );
});

test('on a GPU, or before the machine is known, the wizard leaves the batches whole', () => {
  const w = largeStudent();
  const gpu = machineOf(w, { memoryMB: 16_000, autoProvider: { name: 'cuda', reason: '' } })!;
  assert.equal(gpu.cpu, false);
  for (const machine of [gpu, null]) {
    const config = runConfigSchema.parse(runConfigOf(w, [], machine));
    assert.deepEqual(
      config.students.map((s) => s.microBatchSize),
      [undefined, undefined],
    );
  }
  w.device = 'cpu'; // chosen by the user on the same machine: the CPU trains, so the step must fit its memory
  assert.equal(machineOf(w, { memoryMB: 16_000, autoProvider: { name: 'cuda', reason: '' } })!.cpu, true);
});

test('a step that does not fit even one window at a time is left for the run to refuse, with its reason', () => {
  const w = largeStudent();
  const machine = { memoryMB: 4_000, cpu: true };
  assert.equal(stepFits(w, [], machine)[0].microBatch, null);
  const config = runConfigSchema.parse(runConfigOf(w, [], machine));
  assert.equal(config.students[0].microBatchSize, undefined);
});
