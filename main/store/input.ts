// Checking what reaches the store's API (IPC calls from the renderer included) before SQLite sees it.
import { z } from 'zod';
import { SqliteError } from 'better-sqlite3';

/** Parses `value` with `schema`, or throws an Error naming `what` and each problem. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`invalid ${what}:\n${z.prettifyError(result.error)}`);
  return result.data;
}

export const id = z.number().int().positive();
export const count = z.number().int().nonnegative();
export const nonEmpty = z.string().min(1);
export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits (sha256)');
export const fraction = z.number().min(0).max(1);
/** Anything JSON.stringify turns into the same value when parsed back. */
export const json = z.json();

/** Runs `write`, turning SQLite's terse constraint failures into a message that names `what`. */
export function explainConstraints<T>(what: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (!(error instanceof SqliteError)) throw error;
    if (error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      throw new Error(`${what}: it refers to a run, model, dataset or split that does not exist`, { cause: error });
    }
    if (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new Error(`${what}: one already exists (${error.message})`, { cause: error });
    }
    if (error.code.startsWith('SQLITE_CONSTRAINT')) throw new Error(`${what}: ${error.message}`, { cause: error });
    throw error;
  }
}
