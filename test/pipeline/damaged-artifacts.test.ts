// Issue 12, fault 5: 8 overwritten bytes in a checkpoint or in the stored teacher distributions used to pass unseen
// (a resume then failed later with "loss became Infinity", or trained on wrong numbers). Now each is checked against
// the sha256 recorded for it when read: the damaged file is named, and its phase is redone, to the same result as a
// run never stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, closeSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import { createTaughtNetRun, executeRun, type RunEvent } from '../../main/pipeline/taughtnet-run.ts';
import { serviceContext } from '../../main/cli/store.ts';
import { artifactFile, listArtifacts } from '../../main/store/artifacts.ts';
import { listEvaluations } from '../../main/store/evaluations.ts';
import { listMetrics } from '../../main/store/metrics.ts';
import { getRun } from '../../main/store/runs.ts';
import { openStore, type Store } from '../../main/store/store.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { TINY_BERT, corpusSlice, isMeasuredFigure } from './fixtures.ts';
import type { RunConfigInput } from '../../shared/method/run-config.ts';

const root = tempDir('damaged-test-');
const training = { epochs: 1, lr: 3e-3, batchSize: 8, maxLength: 64, seed: 5 };
const CONFIG: RunConfigInput = {
  corpora: [
    { path: corpusSlice(root, 'NCBI-disease', 24), type: 'Disease' },
    { path: corpusSlice(root, 'BC5CDR-chem', 24), type: 'Chemical' },
  ],
  teachers: [
    { type: 'Disease', model: { folder: TINY_BERT }, ...training },
    { type: 'Chemical', model: { folder: TINY_BERT }, ...training },
  ],
  student: { model: { folder: TINY_BERT }, ...training, epochs: 2 },
  device: 'cpu',
};

/** Overwrites 8 bytes in the middle of a file, as a failing disk or a bad copy would. */
function damage(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(8, 0xff), 0, 8, Math.floor(statSync(path).size / 2));
  } finally {
    closeSync(fd);
  }
}

const results = (store: Store, runId: number) => ({
  metrics: listMetrics(store, runId)
    .filter((m) => !isMeasuredFigure(m.name))
    .map(({ phase, epoch, name, value }) => ({ phase, epoch, name, value })),
  scores: listEvaluations(store, { runId }).map(({ modelId, datasetId, mode, f1, precision, recall }) => ({
    modelId,
    datasetId,
    mode,
    f1,
    precision,
    recall,
  })),
});

test('fault 5: a damaged student checkpoint and damaged teacher distributions are named on resume and redone', async () => {
  const client = startRuntime();
  const reference = openStore({ dataDir: tempDir('damaged-reference-') });
  const store = openStore({ dataDir: tempDir('damaged-store-') });
  try {
    const ctxA = serviceContext(reference);
    const uninterrupted = await executeRun(ctxA, client, createTaughtNetRun(ctxA, { config: CONFIG }).id);
    assert.equal(uninterrupted.status, 'completed', uninterrupted.error ?? '');

    // Stopped after the student's first epoch: the distributions are stored and the student has a checkpoint.
    const ctx = serviceContext(store);
    const run = createTaughtNetRun(ctx, { config: CONFIG });
    const controller = new AbortController();
    await assert.rejects(
      executeRun(ctx, client, run.id, {
        signal: controller.signal,
        onEvent: (e) => e.phase.startsWith('student') && e.message.startsWith('epoch 1:') && controller.abort(),
      }),
      { name: 'AbortError' },
    );
    // What a kill -9 leaves once the next start-up has seen the process gone (a cancelled run is not resumed).
    store.db
      .prepare(`UPDATE runs SET status = 'interrupted', interrupted_at = finished_at, finished_at = NULL WHERE id = ?`)
      .run(run.id);
    const distributions = artifactFile(
      store,
      listArtifacts(store, { runId: run.id, kind: 'teacher-distributions' })[0],
    );
    const checkpoint = join(store.dataDir, 'runs', String(run.id), 'student-student-1', 'last.safetensors');
    damage(distributions);
    damage(checkpoint);

    const events: RunEvent[] = [];
    const resumed = await executeRun(ctx, client, run.id, { onEvent: (e) => events.push(e) });
    assert.equal(resumed.status, 'completed', resumed.error ?? '');
    const said = events.map((e) => e.message);
    assert.ok(
      said.some((m) => m.includes(`${distributions} (the stored teacher distributions) is damaged`)),
      said.join('\n'),
    );
    assert.ok(
      said.some((m) => m.includes(`${checkpoint} is damaged`) && /starts over from its first epoch/.test(m)),
      said.join('\n'),
    );
    assert.deepEqual(
      results(store, run.id),
      results(reference, uninterrupted.id),
      "the redone phases give the uninterrupted run's figures",
    );
    assert.equal(getRun(store, run.id)!.error, null);
  } finally {
    await client.terminate();
    reference.close();
    store.close();
  }
});
