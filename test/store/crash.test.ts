// A process killed with SIGKILL in the middle of writing leaves a consistent store: whole transactions
// only, artifact rows whose files exist with the right content, and temp files swept at the next start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { openStoreAtStartup } from '../../main/store/store.ts';
import { dataPaths } from '../../main/store/data-dir.ts';
import { listArtifacts, verifyArtifact } from '../../main/store/artifacts.ts';
import { listRuns } from '../../main/store/runs.ts';
import { tempDir } from './fixtures/temp-dir.ts';

const writer = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
const EPOCHS = 4;
const METRICS_PER_EPOCH = 3; // as the writer records them

/** Starts the writer, lets it commit `commits` lines of progress, waits `delayMs` more, then SIGKILLs it. */
async function killMidWrite(dataDir: string, commits: number, delayMs: number, network: string | null): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', writer, dataDir, String(EPOCHS), ...(network ? [network] : [])],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = once(child, 'exit');
  let seen = 0;
  for await (const _line of createInterface({ input: child.stdout })) {
    if (++seen === commits) break;
  }
  assert.equal(seen, commits, 'the writer died before making progress');
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill('SIGKILL');
  const [code, signal] = await exited;
  assert.deepEqual([code, signal], [null, 'SIGKILL']);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// Local folders use WAL; a folder on a network drive a rollback journal (see main/store/file-system.ts).
for (const network of [null, 'NFS']) {
  const journal = network ? 'rollback journal, as on a network drive' : 'WAL';
  test(`SIGKILL at random moments never leaves corrupt or half-written data (${journal})`, async (t) => {
    const dataDir = tempDir('store-crash-');
    const paths = dataPaths(dataDir);
    let leftovers = 0;
    for (let trial = 0; trial < 4; trial++) {
      const commits = 1 + Math.floor(Math.random() * 5);
      const delayMs = Math.floor(Math.random() * 25);
      t.diagnostic(`trial ${trial}: killed after ${commits} progress lines + ${delayMs} ms`);
      await killMidWrite(dataDir, commits, delayMs, network);

      // Looked at raw, before the start-up recovery runs.
      const db = new Database(paths.database);
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(db.pragma('foreign_key_check'), []);
      const perRun = db
        .prepare(
          `SELECT r.id, r.status, (SELECT count(*) FROM run_metrics m WHERE m.run_id = r.id) AS metrics FROM runs r`,
        )
        .all() as { id: number; status: string; metrics: number }[];
      assert.ok(perRun.length > 0);
      for (const run of perRun) {
        // All of a run's metrics with its 'completed', or none of them.
        assert.equal(
          run.metrics,
          run.status === 'completed' ? EPOCHS * METRICS_PER_EPOCH : 0,
          `run ${run.id} (${run.status})`,
        );
      }
      assert.ok(perRun.filter((r) => r.status === 'running').length <= 1);
      db.close();
      // Only complete files under artifacts/: each is named by its own hash.
      for (const prefix of readdirSync(paths.artifacts)) {
        for (const name of readdirSync(join(paths.artifacts, prefix))) {
          assert.equal(sha256(await readFile(join(paths.artifacts, prefix, name))), name);
        }
      }
      leftovers += readdirSync(paths.tmp).length;

      const { store, interrupted } = openStoreAtStartup({ dataDir, networkFileSystem: network });
      assert.equal(store.db.pragma('journal_mode', { simple: true }), network ? 'delete' : 'wal');
      assert.deepEqual(readdirSync(paths.tmp), [], 'start-up swept tmp/');
      assert.deepEqual(listRuns(store, { status: 'running' }), []);
      const killedRun = perRun.find((r) => r.status === 'running');
      assert.deepEqual(
        interrupted.map((r) => r.id),
        killedRun ? [killedRun.id] : [],
      );
      for (const artifact of listArtifacts(store)) {
        assert.ok(await verifyArtifact(store, artifact), `artifact ${artifact.id} has its file with the right content`);
      }
      store.close();
    }
    t.diagnostic(`temp files left by the kills (and swept): ${leftovers}`);
  });
}
