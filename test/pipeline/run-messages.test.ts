// Issue 12, "messages that fell short": a run whose engine is killed says so in the user's words and that it can be
// resumed; resuming a cancelled run says it was cancelled and how to start it again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import { forkHost, type HostTransport } from '../../main/engine/runtime/transport.ts';
import { createTaughtNetRun, executeRun } from '../../main/pipeline/taughtnet-run.ts';
import { serviceContext } from '../../main/cli/store.ts';
import { createRun, getRun, setRunStatus } from '../../main/store/runs.ts';
import { openStore } from '../../main/store/store.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { taughtnet } from '../cli/run-cli.ts';
import { TINY_BERT, corpusSlice } from './fixtures.ts';

test("an engine killed mid-run: the run's error says what happened in words and that it can be resumed", async () => {
  const root = tempDir('messages-test-');
  const training = { epochs: 1, lr: 3e-3, batchSize: 8, maxLength: 64, seed: 3 };
  const store = openStore({ dataDir: tempDir('messages-store-') });
  const hosts: HostTransport[] = [];
  const client = startRuntime({ host: () => hosts[hosts.push(forkHost()) - 1] });
  try {
    const ctx = serviceContext(store);
    const run = createTaughtNetRun(ctx, {
      config: {
        corpora: [{ path: corpusSlice(root, 'NCBI-disease', 24), type: 'Disease' }],
        teachers: [{ type: 'Disease', model: { folder: TINY_BERT }, ...training }],
        student: { model: { folder: TINY_BERT }, ...training },
        device: 'cpu',
      },
    });
    let killed = false;
    const said =
      /^the training engine \(the separate process that does the computing\) was ended from outside \(SIGKILL: the system does this when memory runs out, or a person or program ended it\); what the run had finished is kept, and it can be resumed from its last finished epoch$/;
    await assert.rejects(
      executeRun(ctx, client, run.id, {
        onEvent: (e) => {
          if (!e.training || killed) return;
          killed = true;
          process.kill(hosts.at(-1)!.pid!, 'SIGKILL'); // the host training now (each model gets a fresh one)
        },
      }),
      (e: Error) => said.test(e.message),
    );
    const after = getRun(store, run.id)!;
    assert.equal(after.status, 'failed');
    assert.match(after.error!, said);
    assert.doesNotMatch(after.error!, /restart\(\)/);
  } finally {
    await client.terminate();
    store.close();
  }
});

test('resuming a cancelled run says it was cancelled and how to start it again', async () => {
  const dataDir = tempDir('messages-cancelled-');
  const store = openStore({ dataDir });
  const config = {
    corpora: [{ path: '/nowhere', type: 'Disease' }],
    teachers: [{ type: 'Disease', model: { preset: 'tiny' } }],
    student: { model: { preset: 'tiny' } },
  };
  const run = createRun(store, { name: 'stopped', config });
  setRunStatus(store, { runId: run.id, status: 'cancelled' });
  store.close();
  const r = await taughtnet(['run', '--resume', String(run.id), '--data-dir', dataDir]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^taughtnet: run 1 was cancelled \(.+\), and a cancelled run does not continue; to start it again, run its config as a new run: taughtnet runs show 1 --json prints it/,
  );
  assert.doesNotMatch(r.stderr, /cannot become running/);
});
