// Skipped students: a user's request to stop one student of a running run while the others go on, and once the run
// has stopped it, the record that it was skipped (until the run is resumed, which trains it). Any process may write
// a request (the window, `taughtnet runs skip-student` in another terminal); the process training the run reads it
// between two steps.
import type { Store } from './store.ts';
import { nowIso, prepared } from './sql.ts';
import { id, nonEmpty, parseInput } from './input.ts';

export interface StudentSkip {
  readonly student: string;
  readonly requestedAt: string;
  /** When the run stopped training it; null while the request waits for the run to reach the student. */
  readonly skippedAt: string | null;
}

interface SkipRow {
  student: string;
  requested_at: string;
  skipped_at: string | null;
}

const key = (runId: number, student: string) => [
  parseInput(id, runId, 'run id'),
  parseInput(nonEmpty, student, 'student name'),
];

/** Records that `student` of run `runId` is to be skipped; false when it already was asked for. */
export function requestStudentSkip(store: Store, runId: number, student: string): boolean {
  const [run, name] = key(runId, student);
  return (
    prepared(
      store,
      `INSERT INTO student_skips (run_id, student, requested_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
    ).run(run, name, nowIso()).changes > 0
  );
}

/** Whether a skip of `student` was asked for (and not yet cleared by a resume). */
export function studentSkipRequested(store: Store, runId: number, student: string): boolean {
  return (
    prepared(store, `SELECT 1 FROM student_skips WHERE run_id = ? AND student = ?`).get(...key(runId, student)) !==
    undefined
  );
}

/** Records that the run stopped training `student` at the user's request. */
export function markStudentSkipped(store: Store, runId: number, student: string): void {
  prepared(store, `UPDATE student_skips SET skipped_at = ? WHERE run_id = ? AND student = ?`).run(
    nowIso(),
    ...key(runId, student),
  );
}

/** The run's skip requests, in the order they were made. */
export function listStudentSkips(store: Store, runId: number): StudentSkip[] {
  const rows = prepared(
    store,
    `SELECT student, requested_at, skipped_at FROM student_skips WHERE run_id = ? ORDER BY requested_at, rowid`,
  ).all(parseInput(id, runId, 'run id')) as SkipRow[];
  return rows.map((r) => ({ student: r.student, requestedAt: r.requested_at, skippedAt: r.skipped_at }));
}

/** Forgets the run's skips: resuming it trains the students skipped before. */
export function clearStudentSkips(store: Store, runId: number): void {
  prepared(store, `DELETE FROM student_skips WHERE run_id = ?`).run(parseInput(id, runId, 'run id'));
}
