// Temporary folders that a killed process does not leave behind for good. A workstation's temp folder is rarely
// emptied, and what goes there can be as big as a model: each folder's name carries the process that made it, and
// making one first removes the folders of its kind whose process has ended.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processIsAlive } from './process-alive.ts';

/** A new folder `<kind><pid>-XXXXXX` in the system's temp folder; `kind` is a prefix such as 'taughtnet-model-'. */
export function tempFolder(kind: string): string {
  const ours = new RegExp(`^${kind.replace(/[^\w]/g, '\\$&')}(\\d+)-`);
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(ours.exec(name)?.[1]);
    if (!(pid > 0) || processIsAlive(pid)) continue;
    try {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    } catch {
      // Another user's leftover: theirs to remove.
    }
  }
  return mkdtempSync(join(tmpdir(), `${kind}${process.pid}-`));
}
