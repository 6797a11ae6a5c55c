// Temporary folders that a killed process does not leave behind for good. A workstation's temp folder is rarely
// emptied, and what goes there can be as big as a model: each folder's name carries the process that made it, and
// making one first removes the folders of its kind whose process has ended.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processIsAlive } from './process-alive.ts';

/** A new folder `<kind><pid>-XXXXXX` in the system's temp folder; `kind` is a prefix such as 'taughtnet-model-'. */
export function tempFolder(kind: string): string {
  for (const name of readdirSync(tmpdir())) {
    const pid = name.startsWith(kind) ? Number(/^(\d+)-/.exec(name.slice(kind.length))?.[1]) : NaN;
    if (!(pid > 0) || processIsAlive(pid)) continue;
    try {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    } catch (error) {
      // Another user's leftover is theirs to remove; any other failure is the temp folder's, and mkdtemp's too.
      if (!['EPERM', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
  }
  return mkdtempSync(join(tmpdir(), `${kind}${process.pid}-`));
}
