// Opening the experiment store: one SQLite file plus content-addressed files in the data folder.
import Database, { SqliteError } from 'better-sqlite3';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempFolder } from '../files/temp-folder.ts';
import { dataPaths, type DataPaths } from './data-dir.ts';
import { LATEST_VERSION, migrate, schemaVersion } from './migrations.ts';
import { removeStaleTmpFiles } from './atomic-files.ts';
import { keepSpaceReserve } from './disk-full.ts';
import { markInterruptedRuns } from './runs.ts';
import { networkFileSystem } from './file-system.ts';
import { STALE_AFTER_MS } from './owner.ts';
import type { Run } from '../../shared/store-types.ts';

export interface Store {
  db: Database.Database;
  dataDir: string;
  paths: DataPaths;
  /**
   * Why the store runs in shared-drive mode (a rollback journal instead of WAL): the network file system found
   * (see networkFileSystem), or that another machine left the file in that mode; null for a local store.
   */
  sharedDrive: string | null;
  close(): void;
}

/** What sharedDrive says when this machine sees a local disk but the file is in shared-drive mode. */
export const SHARED_BY_ANOTHER_MACHINE = 'a drive another machine opened as a network drive';

/** How `npm start` hands the app better-sqlite3 built for Electron (main/app/electron-native.ts): that file's path. */
export const SQLITE_BINDING_ENV = 'TAUGHTNET_SQLITE_BINDING';

export interface OpenStoreOptions {
  /** Use resolveDataDir() to pick it from --data-dir, $TAUGHTNET_DATA_DIR or the platform's folder. */
  dataDir: string;
  /** Detected from the folder unless given (tests give it to run the network-drive settings on a local disk). */
  networkFileSystem?: string | null;
  /** better-sqlite3's compiled addon, when the one in node_modules is built for another ABI (`npm start` under Electron). */
  nativeBinding?: string;
}

/** Opens (creating if needed) the store in `dataDir`, migrated to the latest schema. */
export function openStore({ dataDir, ...options }: OpenStoreOptions): Store {
  const paths = dataPaths(dataDir);
  mkdirSync(paths.artifacts, { recursive: true });
  mkdirSync(paths.tmp, { recursive: true });
  const detected = options.networkFileSystem !== undefined ? options.networkFileSystem : networkFileSystem(dataDir);
  let db: Database.Database | undefined;
  let sharedDrive: string | null;
  try {
    db = new Database(paths.database, { nativeBinding: options.nativeBinding });
    // First, so that the pragmas and the migration below wait for another process instead of failing:
    // the CLI and the app may open and write the same folder at once. (better-sqlite3's default, made explicit.)
    db.pragma('busy_timeout = 5000');
    // The journal mode is stored in the file and binds every machine that opens it. We always put a local store
    // in WAL, so an existing store in rollback mode was put there by a machine that found a network drive: it
    // stays so, also where this machine cannot tell (a mapped Windows drive, a macOS mount).
    const leftShared = schemaVersion(db) > 0 && db.pragma('journal_mode', { simple: true }) === 'delete';
    sharedDrive = detected ?? (leftShared ? SHARED_BY_ANOTHER_MACHINE : null);
    if (sharedDrive) {
      // WAL cannot work across machines (see file-system.ts): a rollback journal with file locks, synced at
      // every commit, since the other machines read what is on the server.
      switchJournal(db, 'DELETE', paths.database);
      db.pragma('synchronous = FULL');
    } else {
      // WAL: readers (the app's views) never block the writer (a training run), and a commit is one append.
      switchJournal(db, 'WAL', paths.database);
      // In WAL mode NORMAL syncs only at checkpoints: a killed process loses nothing committed and the
      // file is never corrupted; only a power cut may drop the last transactions. FULL would fsync every
      // commit (every metrics row) for no gain against the crashes we expect.
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    migrate(db);
    removeStaleTmpFiles(paths.tmp);
    keepSpaceReserve(paths);
  } catch (error) {
    db?.close();
    // SQLite's own messages ('file is not a database') do not say which file.
    if (error instanceof SqliteError) throw new Error(`${paths.database}: ${error.message}`, { cause: error });
    throw error;
  }
  return { db, dataDir, paths, sharedDrive, close: () => db.close() };
}

/**
 * Sets the journal mode. Leaving WAL needs every other connection closed, which a user can be told how to do.
 * Entering WAL needs a moment alone with the file: processes opening a fresh folder together take turns (SQLite
 * answers BUSY at once there, without its busy timeout), and the first one's switch makes the others' a no-op.
 */
function switchJournal(db: Database.Database, mode: 'WAL' | 'DELETE', file: string): void {
  const giveUpAt = Date.now() + 5000;
  for (;;) {
    try {
      db.pragma(`journal_mode = ${mode}`);
      return;
    } catch (error) {
      if (!(error instanceof SqliteError && error.code.startsWith('SQLITE_BUSY'))) throw error;
      if (mode === 'WAL' && Date.now() < giveUpAt) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // a short synchronous pause
        continue;
      }
      throw new Error(
        mode === 'DELETE'
          ? `${file} is on a network drive but another program has it open in WAL mode, which cannot work across machines. ` +
              `Close TaughtNet Workbench (and taughtnet commands) on every machine using this data folder, then open it again.`
          : `${file} stayed busy for 5 s while it was being opened: another program holds it; close it and try again.`,
        { cause: error },
      );
    }
  }
}

/** What to tell a user whose data folder is on a network drive, or null. */
export function networkDriveNote(store: Store): string | null {
  return store.sharedDrive
    ? `the data folder ${store.dataDir} is on a network drive (${store.sharedDrive}): the store uses a rollback ` +
        `journal instead of WAL, so it is slower, and runs of other machines count as interrupted only after ` +
        `${STALE_AFTER_MS / 60_000} minutes without a heartbeat`
    : null;
}

/**
 * Whether this process cannot write in `dir` (or, while it does not exist, in the folder that would hold it): a
 * read-only disk or mount, or no permission. Root passes permission checks, and so can indeed write.
 */
export function folderIsReadOnly(dir: string): boolean {
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    accessSync(existing, constants.W_OK);
    return false;
  } catch (e) {
    return ['EROFS', 'EACCES', 'EPERM'].includes((e as NodeJS.ErrnoException).code ?? '');
  }
}

/**
 * Opens the store of a folder this process cannot write (see folderIsReadOnly), for reading only. SQLite cannot
 * open a WAL database on a read-only disk even to read it (it needs its -shm file beside it), so a snapshot of
 * the database file (and of its -wal, if one was left) is copied to the temp folder and read there; closing the
 * store removes it. Nothing is marked or migrated: a store of an older schema is refused.
 */
export function openStoreReadOnly({
  dataDir,
  nativeBinding,
}: Pick<OpenStoreOptions, 'dataDir' | 'nativeBinding'>): Store {
  const paths = dataPaths(dataDir);
  if (!existsSync(paths.database))
    throw new Error(`${dataDir} holds no experiment store (${paths.database} is not there)`);
  const copy = tempFolder('taughtnet-read-only-');
  let db: Database.Database | undefined;
  try {
    const file = join(copy, 'workbench.sqlite');
    copyFileSync(paths.database, file);
    if (existsSync(`${paths.database}-wal`)) copyFileSync(`${paths.database}-wal`, `${file}-wal`);
    db = new Database(file, { readonly: true, fileMustExist: true, nativeBinding });
    const version = schemaVersion(db);
    if (version !== LATEST_VERSION) {
      throw new Error(
        `the store in ${dataDir} has schema version ${version} and this program reads ${LATEST_VERSION}; it cannot be migrated on a read-only folder`,
      );
    }
  } catch (error) {
    db?.close();
    rmSync(copy, { recursive: true, force: true });
    if (error instanceof SqliteError) throw new Error(`${paths.database}: ${error.message}`, { cause: error });
    throw error;
  }
  const opened = db;
  return {
    db: opened,
    dataDir,
    paths,
    sharedDrive: null,
    close: () => {
      opened.close();
      rmSync(copy, { recursive: true, force: true });
    },
  };
}

/**
 * What the app (or CLI) calls once at start-up: opens the store and marks the runs whose process died
 * while they were 'running' as 'interrupted', so the user can resume them. Returns those runs.
 */
export function openStoreAtStartup(options: OpenStoreOptions): { store: Store; interrupted: Run[] } {
  const store = openStore(options);
  return { store, interrupted: markInterruptedRuns(store) };
}
