// Checking a path before reading it: a FIFO blocks a read forever, a device never ends, a folder or a symbolic-link
// loop gives a terse code (EISDIR, ELOOP). Every path the workbench reads goes through here first, so each of those
// is one clear error naming the path. The lowest layer of main/: anything above may use it.
import { readFileSync, statSync, type Stats } from 'node:fs';

/** What a path that is neither a regular file nor a folder is, in words. */
export function specialKind(stats: Stats): string | null {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return null;
}

type Wanted = 'file' | 'folder' | 'file or folder';

/** Why a path cannot be looked at (stat failed), in words. */
function statProblem(error: NodeJS.ErrnoException, want: Wanted): string {
  switch (error.code) {
    case 'ENOENT':
      return `no such ${want}`;
    case 'ELOOP':
      return 'is a symbolic link that leads back to itself (a loop)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of this path is a file, not a folder';
    default:
      return `cannot be read (${error.code ?? error.message})`;
  }
}

/** A path that cannot be read as what was wanted; `problem` is the words after the path. */
export class PathError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'PathError';
  }
}

/**
 * Stats `path` (following symbolic links) and checks it is what the caller reads: a regular file, a folder, or
 * either. Throws a PathError saying what it is instead.
 */
export function checkPath(path: string, want: Wanted): Stats {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (e) {
    throw new PathError(path, statProblem(e as NodeJS.ErrnoException, want));
  }
  const special = specialKind(stats);
  if (special) throw new PathError(path, `is ${special}, not a regular file${want === 'file' ? '' : ' or folder'}`);
  if (stats.isDirectory() && want === 'file') throw new PathError(path, 'is a folder, not a file');
  if (stats.isFile() && want === 'folder') throw new PathError(path, 'is a file, not a folder');
  return stats;
}

/** Reads a whole regular file (checked first, see checkPath). */
export function readRegularFile(path: string): Buffer;
export function readRegularFile(path: string, encoding: 'utf8'): string;
export function readRegularFile(path: string, encoding?: 'utf8'): Buffer | string {
  checkPath(path, 'file');
  try {
    return encoding ? readFileSync(path, encoding) : readFileSync(path);
  } catch (e) {
    throw new PathError(path, statProblem(e as NodeJS.ErrnoException, 'file'));
  }
}
