import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { SHARED_BY_ANOTHER_MACHINE, networkDriveNote, openStore, openStoreAtStartup } from '../../main/store/store.ts';
import { networkFileSystem } from '../../main/store/file-system.ts';
import { STALE_AFTER_MS, thisHost } from '../../main/store/owner.ts';
import {
  beatHeartbeat,
  createRun,
  deleteRun,
  getRun,
  listRuns,
  markInterruptedRuns,
  requeueRun,
  setRunPhase,
  setRunStatus,
} from '../../main/store/runs.ts';
import { listMetrics, recordMetrics } from '../../main/store/metrics.ts';
import { tempDir } from './fixtures/temp-dir.ts';

test('a run goes queued → running → completed, stamping its times', () => {
  const store = openStore({ dataDir: tempDir() });
  const config = { teachers: ['NCBI-disease', 'BC5CDR-chem'], lambda: 0.5, epochs: 3 };
  const queued = createRun(store, { name: 'distil', config });
  assert.equal(queued.status, 'queued');
  assert.deepEqual(queued.config, config);
  assert.equal(queued.startedAt, null);
  assert.match(queued.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  const running = setRunStatus(store, { runId: queued.id, status: 'running', device: 'cpu' });
  assert.equal(running.status, 'running');
  assert.equal(running.device, 'cpu');
  assert.equal(running.ownerPid, process.pid);
  assert.ok(running.startedAt);
  assert.equal(setRunPhase(store, queued.id, 'teacher:NCBI-disease').phase, 'teacher:NCBI-disease');

  const done = setRunStatus(store, { runId: queued.id, status: 'completed' });
  assert.equal(done.status, 'completed');
  assert.ok(done.finishedAt! >= done.startedAt!);
  assert.equal(done.ownerPid, null);
  assert.equal(done.startedAt, running.startedAt);
  assert.deepEqual(
    listRuns(store, { status: 'completed' }).map((r) => r.id),
    [queued.id],
  );
  store.close();
});

test('a failed run keeps its error until it is retried; a finished run cannot move again', () => {
  const store = openStore({ dataDir: tempDir() });
  const run = createRun(store, { name: 'r', config: {} });
  setRunStatus(store, { runId: run.id, status: 'running' });
  const failed = setRunStatus(store, { runId: run.id, status: 'failed', error: 'the disk is full' });
  assert.equal(failed.error, 'the disk is full');
  const retried = setRunStatus(store, { runId: run.id, status: 'running' });
  assert.equal(retried.error, null);
  assert.equal(setRunStatus(store, { runId: run.id, status: 'completed' }).finishedAt !== null, true);
  assert.throws(
    () => setRunStatus(store, { runId: run.id, status: 'running' }),
    /run \d+ is completed; it cannot become running \(allowed: nothing \(it is finished\)\)/,
  );
  assert.throws(() => setRunStatus(store, { runId: 999, status: 'running' }), /run 999 does not exist/);
  store.close();
});

test('a completed, failed or cancelled run is queued again with a new config (a student added); others are refused', () => {
  const store = openStore({ dataDir: tempDir() });
  const run = createRun(store, { name: 'r', config: { students: ['a'] } });
  assert.throws(
    () => requeueRun(store, run.id, { students: ['a', 'b'] }),
    /run \d+ is queued: only a completed, failed or cancelled run takes a new student/,
  );
  setRunStatus(store, { runId: run.id, status: 'running' });
  assert.throws(() => requeueRun(store, run.id, {}), /is running/);
  setRunStatus(store, { runId: run.id, status: 'completed' });
  const queued = requeueRun(store, run.id, { students: ['a', 'b'] });
  assert.deepEqual([queued.status, queued.config, queued.finishedAt], ['queued', { students: ['a', 'b'] }, null]);
  setRunStatus(store, { runId: run.id, status: 'cancelled' });
  assert.equal(requeueRun(store, run.id, { students: ['a', 'b', 'c'] }).status, 'queued');
  setRunStatus(store, { runId: run.id, status: 'running' });
  setRunStatus(store, { runId: run.id, status: 'interrupted' });
  assert.throws(() => requeueRun(store, run.id, {}), /is interrupted/);
  assert.throws(() => requeueRun(store, 999, {}), /there is no run 999/);
  store.close();
});

test('bad input is refused with a message naming the problem', () => {
  const store = openStore({ dataDir: tempDir() });
  assert.throws(() => createRun(store, { name: '', config: {} }), /invalid run:[\s\S]*at name/);
  assert.throws(() => createRun(store, { name: 'r', config: [] as never }), /invalid run:[\s\S]*at config/);
  const run = createRun(store, { name: 'r', config: {} });
  assert.throws(
    () => setRunStatus(store, { runId: run.id, status: 'paused' as never }),
    /invalid run status change:[\s\S]*expected one of "queued"\|"running"/,
  );
  assert.throws(() => getRun(store, -1), /invalid run id/);
  assert.throws(() => listRuns(store, { status: 'nope' as never }), /invalid run filter/);
  assert.throws(
    () => recordMetrics(store, run.id, [{ phase: 'p', epoch: -1, name: 'loss', value: 1 }]),
    /at \[0\]\.epoch/,
  );
  assert.throws(
    () => recordMetrics(store, run.id, [{ phase: 'p', epoch: 0, name: 'loss', value: NaN }]),
    /expected number, received NaN/,
  );
  assert.throws(
    () => recordMetrics(store, run.id, [{ phase: 'p', epoch: 0, name: 'loss', value: Infinity }]),
    /at \[0\]\.value/,
  );
  assert.throws(() => recordMetrics(store, 999, [{ phase: 'p', epoch: 0, name: 'loss', value: 1 }]), /does not exist/);
  store.close();
});

test('metrics are recorded per epoch and per step, all or nothing, and replaced when recorded again', () => {
  const store = openStore({ dataDir: tempDir() });
  const run = createRun(store, { name: 'r', config: {} });
  recordMetrics(store, run.id, [
    { phase: 'student', epoch: 0, step: 10, name: 'loss', value: 0.9 },
    { phase: 'student', epoch: 0, step: 20, name: 'loss', value: 0.7 },
    { phase: 'student', epoch: 0, name: 'dev_f1', value: 0.61 },
  ]);
  recordMetrics(store, run.id, [{ phase: 'student', epoch: 0, name: 'dev_f1', value: 0.63 }]); // epoch redone after resume
  assert.throws(() =>
    recordMetrics(store, run.id, [
      { phase: 'student', epoch: 1, name: 'dev_f1', value: 0.7 },
      { phase: 'student', epoch: 1, name: '', value: 0.7 },
    ]),
  );
  assert.deepEqual(
    listMetrics(store, run.id, { perStep: true }).map((m) => [m.step, m.value]),
    [
      [10, 0.9],
      [20, 0.7],
    ],
  );
  assert.deepEqual(
    listMetrics(store, run.id, { perStep: false }).map((m) => [m.epoch, m.name, m.value]),
    [[0, 'dev_f1', 0.63]],
  );
  assert.equal(listMetrics(store, run.id, { phase: 'teacher:BC2GM' }).length, 0);
  assert.ok(deleteRun(store, run.id));
  assert.equal(store.db.prepare(`SELECT count(*) FROM run_metrics`).pluck().get(), 0);
  store.close();
});

test('at start-up, runs whose process died are marked interrupted; a live owner keeps its run', async () => {
  const dataDir = tempDir();
  const store = openStore({ dataDir });
  const orphan = createRun(store, { name: 'orphan', config: {} });
  const owned = createRun(store, { name: 'owned by a live process', config: {} });
  const queued = createRun(store, { name: 'queued', config: {} });
  const firstStart = setRunStatus(store, { runId: orphan.id, status: 'running' }).startedAt;
  setRunStatus(store, { runId: owned.id, status: 'running' });
  // A real other process owns the second run; this process owned the first one "before a restart".
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  store.db.prepare(`UPDATE runs SET owner_pid = ? WHERE id = ?`).run(other.pid, owned.id);
  store.close();

  const first = openStoreAtStartup({ dataDir });
  assert.deepEqual(
    first.interrupted.map((r) => [r.id, r.status]),
    [[orphan.id, 'interrupted']],
  );
  assert.ok(first.interrupted[0].interruptedAt);
  assert.equal(getRun(first.store, owned.id)?.status, 'running');
  assert.equal(getRun(first.store, queued.id)?.status, 'queued');

  other.kill('SIGKILL');
  await once(other, 'exit');
  assert.deepEqual(
    markInterruptedRuns(first.store).map((r) => r.id),
    [owned.id],
  );

  // An interrupted run can be resumed; its first start time stays.
  const resumed = setRunStatus(first.store, { runId: orphan.id, status: 'running' });
  assert.equal(resumed.status, 'running');
  assert.equal(resumed.startedAt, firstStart);
  assert.equal(resumed.interruptedAt, first.interrupted[0].interruptedAt);
  first.store.close();
});

test("on a shared drive, another machine's run is interrupted only when its heartbeat is stale", () => {
  const dataDir = tempDir();
  const store = openStore({ dataDir });
  const live = createRun(store, { name: 'training on the lab PC', config: {} });
  const dead = createRun(store, { name: 'the lab PC lost power', config: {} });
  for (const run of [live, dead]) setRunStatus(store, { runId: run.id, status: 'running' });
  const mine = setRunStatus(store, { runId: createRun(store, { name: 'mine', config: {} }).id, status: 'running' });
  assert.equal(mine.ownerHost, thisHost());
  assert.ok(mine.heartbeatAt);
  // The pid of this very process, which on this host would mean "dead": on another host it means nothing.
  const other = store.db.prepare(
    `UPDATE runs SET owner_host = 'other-lab-pc', owner_pid = ?, heartbeat_at = ? WHERE id = ?`,
  );
  other.run(process.pid, new Date(Date.now() - 60_000).toISOString(), live.id);
  other.run(process.pid, new Date(Date.now() - STALE_AFTER_MS - 60_000).toISOString(), dead.id);
  // This process beats for its own run only.
  assert.equal(beatHeartbeat(store, mine.id), true);
  assert.equal(beatHeartbeat(store, live.id), false);
  store.close();

  const { store: next, interrupted } = openStoreAtStartup({ dataDir });
  // mine is owned by this pid: at start-up that can only be a dead process's reused pid.
  assert.deepEqual(interrupted.map((r) => r.id).sort(), [dead.id, mine.id].sort());
  assert.equal(getRun(next, live.id)?.status, 'running');
  assert.equal(getRun(next, dead.id)?.ownerHost, null);
  next.close();
});

test('a data folder on a network drive gets a rollback journal and a note saying so; the mode stays with the file', () => {
  const local = openStore({ dataDir: tempDir() });
  assert.equal(networkFileSystem(local.dataDir), null, 'the test folder is on a local disk');
  assert.equal(local.sharedDrive, null);
  assert.equal(networkDriveNote(local), null);
  local.close();

  // A local store moved to a share: the machine that sees the network drive switches it to a rollback journal.
  const dataDir = tempDir();
  openStore({ dataDir }).close();
  const shared = openStore({ dataDir, networkFileSystem: 'NFS' });
  assert.equal(shared.db.pragma('journal_mode', { simple: true }), 'delete');
  assert.equal(shared.db.pragma('synchronous', { simple: true }), 2); // FULL
  assert.match(
    networkDriveNote(shared)!,
    /network drive \(NFS\): .*rollback journal instead of WAL.*10 minutes without a heartbeat/,
  );
  shared.close();
  // A machine that cannot tell (a mapped Windows drive) keeps the file's shared mode instead of putting it back in WAL.
  const blind = openStore({ dataDir, networkFileSystem: null });
  assert.equal(blind.db.pragma('journal_mode', { simple: true }), 'delete');
  assert.equal(blind.sharedDrive, SHARED_BY_ANOTHER_MACHINE);
  blind.close();

  // Leaving WAL while another program holds the file open in WAL is refused with what to do.
  const busyDir = tempDir();
  const other = openStore({ dataDir: busyDir });
  other.db.prepare('SELECT count(*) FROM runs').get();
  assert.throws(
    () => openStore({ dataDir: busyDir, networkFileSystem: 'SMB2' }),
    /another program has it open in WAL mode.*Close TaughtNet Workbench/s,
  );
  other.close();

  assert.equal(networkFileSystem('\\\\labserver\\share\\taughtnet', 'win32'), 'Windows share');
  assert.equal(networkFileSystem('C:\\Users\\me\\AppData', 'win32'), null);
});
