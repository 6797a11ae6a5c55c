// Runs: a configured piece of work (train teachers, distil a student, evaluate) and its life cycle.
import { z } from 'zod';
import { RUN_STATUSES, RUN_TRANSITIONS, type Run, type RunStatus } from '../../shared/store-types.ts';
import type { Store } from './store.ts';
import { nowIso, prepared } from './sql.ts';
import { id, json, nonEmpty, parseInput } from './input.ts';
import { aliveBesidesThisProcess, ownerIsGone, thisHost } from './owner.ts';

interface RunRow {
  id: number;
  name: string;
  config: string;
  status: RunStatus;
  phase: string | null;
  device: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  interrupted_at: string | null;
  owner_pid: number | null;
  owner_host: string | null;
  heartbeat_at: string | null;
}

function toRun(row: RunRow): Run {
  return {
    id: row.id,
    name: row.name,
    config: JSON.parse(row.config),
    status: row.status,
    phase: row.phase,
    device: row.device,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
    interruptedAt: row.interrupted_at,
    ownerPid: row.owner_pid,
    ownerHost: row.owner_host,
    heartbeatAt: row.heartbeat_at,
  };
}

const newRun = z.strictObject({ name: nonEmpty, config: z.record(z.string(), json) });
export type NewRun = z.input<typeof newRun>;

export function createRun(store: Store, input: NewRun): Run {
  const run = parseInput(newRun, input, 'run');
  const now = nowIso();
  const row = prepared(
    store,
    `INSERT INTO runs (name, config, status, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?) RETURNING *`,
  ).get(run.name, JSON.stringify(run.config), now, now) as RunRow;
  return toRun(row);
}

export function getRun(store: Store, runId: number): Run | undefined {
  const row = prepared(store, `SELECT * FROM runs WHERE id = ?`).get(parseInput(id, runId, 'run id'));
  return row ? toRun(row as RunRow) : undefined;
}

export function listRuns(store: Store, filter: { status?: RunStatus } = {}): Run[] {
  const f = parseInput(z.strictObject({ status: z.enum(RUN_STATUSES).optional() }), filter, 'run filter');
  const rows = prepared(store, `SELECT * FROM runs WHERE @status IS NULL OR status = @status ORDER BY id`).all({
    status: f.status ?? null,
  });
  return (rows as RunRow[]).map(toRun);
}

const statusChange = z.strictObject({
  runId: id,
  status: z.enum(RUN_STATUSES),
  device: nonEmpty.optional(),
  error: nonEmpty.optional(),
});
export type RunStatusChange = z.input<typeof statusChange>;

/**
 * Moves a run along its life cycle (see RUN_TRANSITIONS) and stamps the matching time: 'running' records
 * the start (first time only) and this process and host as owner; a final status records the end.
 */
export function setRunStatus(store: Store, change: RunStatusChange): Run {
  const { runId, status, device, error } = parseInput(statusChange, change, 'run status change');
  return store.db
    .transaction(() => {
      const run = getRun(store, runId);
      if (!run) throw new Error(`run ${runId} does not exist`);
      if (!RUN_TRANSITIONS[run.status].includes(status)) {
        const allowed = RUN_TRANSITIONS[run.status].join(', ') || 'nothing (it is finished)';
        throw new Error(`run ${runId} is ${run.status}; it cannot become ${status} (allowed: ${allowed})`);
      }
      const now = nowIso();
      const final = status === 'completed' || status === 'failed' || status === 'cancelled';
      const row = prepared(
        store,
        `UPDATE runs SET status = @status, updated_at = @now,
             started_at = CASE WHEN @status = 'running' THEN coalesce(started_at, @now) ELSE started_at END,
             finished_at = CASE WHEN @final THEN @now WHEN @status = 'running' THEN NULL ELSE finished_at END,
             interrupted_at = CASE WHEN @status = 'interrupted' THEN @now ELSE interrupted_at END,
             owner_pid = CASE WHEN @status = 'running' THEN @pid END,
             owner_host = CASE WHEN @status = 'running' THEN @host END,
             heartbeat_at = CASE WHEN @status = 'running' THEN @now END,
             device = coalesce(@device, device),
             error = CASE WHEN @status = 'running' THEN NULL ELSE coalesce(@error, error) END
           WHERE id = @runId RETURNING *`,
      ).get({
        status,
        now,
        final: final ? 1 : 0,
        pid: process.pid,
        host: thisHost(),
        device: device ?? null,
        error: error ?? null,
        runId,
      });
      return toRun(row as RunRow);
    })
    .immediate();
}

/**
 * Gives a finished (completed, failed or cancelled) run a new config and queues it again: how a student is added
 * to a run. Refused while it runs, waits or was interrupted, so nothing executing reads a config that changed
 * under it (an interrupted run is resumed first).
 */
export function requeueRun(store: Store, runId: number, config: Record<string, unknown>): Run {
  parseInput(id, runId, 'run id');
  const cfg = parseInput(z.record(z.string(), json), config, 'run config');
  return store.db
    .transaction(() => {
      const run = getRun(store, runId);
      if (!run) throw new Error(`there is no run ${runId}`);
      if (!['completed', 'failed', 'cancelled'].includes(run.status)) {
        throw new Error(
          `run ${runId} is ${run.status}: only a completed, failed or cancelled run takes a new student (resume an interrupted one first)`,
        );
      }
      const row = prepared(
        store,
        `UPDATE runs SET config = ?, status = 'queued', error = NULL, finished_at = NULL, updated_at = ? WHERE id = ? RETURNING *`,
      ).get(JSON.stringify(cfg), nowIso(), runId);
      return toRun(row as RunRow);
    })
    .immediate();
}

/** Records what a running run is doing now, e.g. 'teacher:NCBI-disease'. */
export function setRunPhase(store: Store, runId: number, phase: string): Run {
  parseInput(id, runId, 'run id');
  parseInput(nonEmpty, phase, 'run phase');
  const row = prepared(store, `UPDATE runs SET phase = ?, updated_at = ? WHERE id = ? RETURNING *`).get(
    phase,
    nowIso(),
    runId,
  );
  if (!row) throw new Error(`run ${runId} does not exist`);
  return toRun(row as RunRow);
}

/**
 * Deletes a run with its metrics, evaluations, agreements, error analyses and artifact rows (the files go
 * at the next collectArtifactGarbage); the models it made stay, with runId null.
 */
export function deleteRun(store: Store, runId: number): boolean {
  return prepared(store, `DELETE FROM runs WHERE id = ?`).run(parseInput(id, runId, 'run id')).changes > 0;
}

/** Tells the store that this process still runs the run (see HEARTBEAT_INTERVAL_MS); false if it no longer owns it. */
export function beatHeartbeat(store: Store, runId: number): boolean {
  return (
    prepared(
      store,
      `UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running' AND owner_pid = ? AND owner_host = ?`,
    ).run(nowIso(), parseInput(id, runId, 'run id'), process.pid, thisHost()).changes > 0
  );
}

/** Whether this process is the one running the run (another may have taken it over after a stale heartbeat). */
export function ownsRun(store: Store, runId: number): boolean {
  const row = prepared(store, `SELECT status, owner_pid, owner_host FROM runs WHERE id = ?`).get(
    parseInput(id, runId, 'run id'),
  ) as Pick<RunRow, 'status' | 'owner_pid' | 'owner_host'> | undefined;
  return row?.status === 'running' && row.owner_pid === process.pid && row.owner_host === thisHost();
}

/**
 * Marks 'running' runs whose owner is gone as 'interrupted' (see ownerIsGone: a dead process on this host, a
 * stale heartbeat). At start-up (the default) a run owned by this very pid is a dead process's; a process that
 * executes runs itself passes processIsAlive. Returns the runs marked.
 */
export function markInterruptedRuns(store: Store, isAlive: (pid: number) => boolean = aliveBesidesThisProcess): Run[] {
  if (store.db.readonly) return []; // a read-only data folder's snapshot (openStoreReadOnly): nothing can be marked there
  return store.db
    .transaction(() => {
      const now = Date.now();
      const running = (prepared(store, `SELECT * FROM runs WHERE status = 'running'`).all() as RunRow[]).filter((row) =>
        ownerIsGone({ host: row.owner_host, pid: row.owner_pid, heartbeatAt: row.heartbeat_at }, now, isAlive),
      );
      const stamp = nowIso();
      const mark = prepared(
        store,
        `UPDATE runs SET status = 'interrupted', interrupted_at = ?, updated_at = ?, owner_pid = NULL, owner_host = NULL
         WHERE id = ? RETURNING *`,
      );
      return running.map((row) => toRun(mark.get(stamp, stamp, row.id) as RunRow));
    })
    .immediate();
}
