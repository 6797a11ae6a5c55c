// A full disk under the data folder: telling it from other failures, saying which folder it is, and keeping a little
// room aside so that the store can still record what happened (a run marked interrupted) once the disk is full.
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import type { DataPaths } from './data-dir.ts';
import { errorMessage } from '../../shared/error-message.ts';

/** Room kept in the data folder (paths.reserve) and given up when the disk fills: a few SQLite pages and their WAL frames. */
const RESERVE_BYTES = 256 * 1024;

/** Below this much free space, SQLite's "disk I/O error" (what it says when it cannot grow its files) means a full disk. */
const NEARLY_FULL_BYTES = 1024 * 1024;

const freeBytes = (dir: string): number => {
  try {
    const { bavail, bsize } = statfsSync(dir);
    return Number(bavail) * Number(bsize);
  } catch {
    return Infinity;
  }
};

/** Whether `error` (or an error it was caused by) is the disk under `dataDir` being full. */
export function isDiskFull(error: unknown, dataDir: string): boolean {
  for (let e = error as (Error & { code?: string; cause?: unknown }) | undefined; e; e = e.cause as typeof e) {
    if (
      e.code === 'ENOSPC' ||
      e.code === 'SQLITE_FULL' ||
      /ENOSPC|no space left on device|database or disk is full/i.test(e.message ?? '')
    )
      return true;
    if (e.code?.startsWith('SQLITE_IOERR') && freeBytes(dataDir) < NEARLY_FULL_BYTES) return true;
  }
  return false;
}

/** The name of diskFullError's errors, so that one already said is not wrapped again. */
export const DISK_FULL = 'DiskFullError';

/** The error a user reads: which folder's disk is full and what to do; `error` stays as its cause. */
export function diskFullError(dataDir: string, error: unknown): Error {
  // Said already (maybe with more added, such as how to resume): left as it is.
  for (let e = error as Error | undefined; e; e = e.cause as Error | undefined)
    if (e.name === DISK_FULL) return error as Error;
  const e = new Error(
    `the disk of the data folder ${dataDir} is full (${errorMessage(error)}): free some space on it, or choose another data folder`,
    { cause: error },
  );
  e.name = DISK_FULL;
  return e;
}

/** Puts the reserve in place when there is room for it (best effort: a nearly full disk just has none). */
export function keepSpaceReserve(paths: DataPaths): void {
  if (existsSync(paths.reserve)) return;
  try {
    // Random bytes: a file system that compresses or skips zeros would not set real space aside for zeros.
    writeFileSync(paths.reserve, randomBytes(RESERVE_BYTES));
  } catch {
    rmSync(paths.reserve, { force: true });
  }
}

/** Gives the reserve up, so that the writes recording a disk-full failure fit. */
export function releaseSpaceReserve(paths: DataPaths): void {
  rmSync(paths.reserve, { force: true });
}
