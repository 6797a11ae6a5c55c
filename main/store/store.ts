// Opening the experiment store: one SQLite file plus content-addressed files in the data folder.
import Database, { SqliteError } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dataPaths, type DataPaths } from './data-dir.ts';
import { migrate } from './migrations.ts';
import { removeStaleTmpFiles } from './atomic-files.ts';
import { markInterruptedRuns } from './runs.ts';
import type { Run } from '../../shared/store-types.ts';

export interface Store {
  db: Database.Database;
  dataDir: string;
  paths: DataPaths;
  close(): void;
}

export interface OpenStoreOptions {
  /** Use resolveDataDir() to pick it from --data-dir, $TAUGHTNET_DATA_DIR or the platform's folder. */
  dataDir: string;
}

/** Opens (creating if needed) the store in `dataDir`, migrated to the latest schema. */
export function openStore({ dataDir }: OpenStoreOptions): Store {
  const paths = dataPaths(dataDir);
  mkdirSync(paths.artifacts, { recursive: true });
  mkdirSync(paths.tmp, { recursive: true });
  let db: Database.Database | undefined;
  try {
    db = new Database(paths.database);
    // First, so that the pragmas and the migration below wait for another process instead of failing:
    // the CLI and the app may open and write the same folder at once. (better-sqlite3's default, made explicit.)
    db.pragma('busy_timeout = 5000');
    // WAL: readers (the app's views) never block the writer (a training run), and a commit is one append.
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL syncs only at checkpoints: a killed process loses nothing committed and the
    // file is never corrupted; only a power cut may drop the last transactions. FULL would fsync every
    // commit (every metrics row) for no gain against the crashes we expect.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    removeStaleTmpFiles(paths.tmp);
  } catch (error) {
    db?.close();
    // SQLite's own messages ('file is not a database') do not say which file.
    if (error instanceof SqliteError) throw new Error(`${paths.database}: ${error.message}`, { cause: error });
    throw error;
  }
  return { db, dataDir, paths, close: () => db.close() };
}

/**
 * What the app (or CLI) calls once at start-up: opens the store and marks the runs whose process died
 * while they were 'running' as 'interrupted', so the user can resume them. Returns those runs.
 */
export function openStoreAtStartup(options: OpenStoreOptions): { store: Store; interrupted: Run[] } {
  const store = openStore(options);
  return { store, interrupted: markInterruptedRuns(store) };
}
