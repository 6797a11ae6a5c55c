// Crash-safe file writing: write under tmp/, fsync, rename into place, fsync the directory.
// A temp file's name starts with its writer's pid, so a leftover can be told from a file still being written.
import { closeSync, fsyncSync, openSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export function tmpFileName(): string {
  return `${process.pid}-${randomBytes(8).toString('hex')}.part`;
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

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

/** Removes what crashed writers left in tmp/; a live process's files (this one's included) stay. Returns the names removed. */
export function removeStaleTmpFiles(tmpDir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(tmpDir)) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (pid > 0 && processIsAlive(pid)) continue;
    rmSync(join(tmpDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
