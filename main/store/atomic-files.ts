// Crash-safe file writing: write under tmp/, fsync, rename into place, fsync the directory.
// A temp file's name starts with its writer's host and pid, so a leftover can be told from a file still being
// written, also on a data folder that several machines share.
import { closeSync, fsyncSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { processIsAlive } from '../files/process-alive.ts';
import { thisHost } from './owner.ts';

/** Another host's temp file is a leftover once nobody has written to it for this long. */
const FOREIGN_TMP_STALE_MS = 60 * 60_000;

const hostTag = () => thisHost().replace(/[^\w.-]/g, '_');

export function tmpFileName(): string {
  return `${hostTag()}~${process.pid}-${randomBytes(8).toString('hex')}.part`;
}

/** The writer a temp file name records; names from before hosts were recorded ('PID-…') are this host's. */
function tmpFileWriter(name: string): { host: string; pid: number } | undefined {
  const match = /^(?:(.+)~)?(\d+)-/.exec(name);
  return match ? { host: match[1] ?? hostTag(), pid: Number(match[2]) } : undefined;
}

/** Makes a rename or a new entry in `dir` durable. Windows cannot open a directory, and needs no such step. */
export function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes what crashed writers left in tmp/: this host's files whose process is gone, other hosts' files
 * untouched for FOREIGN_TMP_STALE_MS, and files no writer named. Returns the names removed.
 */
export function removeStaleTmpFiles(tmpDir: string, now = Date.now()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(tmpDir)) {
    const path = join(tmpDir, name);
    const writer = tmpFileWriter(name);
    if (writer?.host === hostTag() && writer.pid > 0 && processIsAlive(writer.pid)) continue;
    // Another machine may have renamed its file into place since the listing: gone is fine.
    const modified = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
    if (modified === undefined) continue;
    if (writer && writer.host !== hostTag() && now - modified < FOREIGN_TMP_STALE_MS) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
