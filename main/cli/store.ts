// What the store-facing commands share: the --data-dir option, opening and closing the experiment store, and the
// service context through which the CLI does what the app's IPC handlers do (same code, same rules).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceContext } from '../services/context.ts';
import { startRuntime } from '../engine/runtime/client.ts';
import { resolveDataDir } from '../store/data-dir.ts';
import { getModel } from '../store/models.ts';
import { diskFullError, isDiskFull } from '../store/disk-full.ts';
import {
  folderIsReadOnly,
  networkDriveNote,
  openStoreAtStartup,
  openStoreReadOnly,
  type Store,
} from '../store/store.ts';
import { UsageError } from './command.ts';
import { errorMessage } from '../../shared/error-message.ts';

/** The option every store command takes; also accepted before the command name (`taughtnet --data-dir DIR runs list`). */
export const DATA_DIR_OPTION = { 'data-dir': { type: 'string' } } as const;

export const DATA_DIR_HELP = `  --data-dir DIR                  the experiment store's folder (default: $TAUGHTNET_DATA_DIR, else the
                                  platform's per-user data folder, as the app uses)`;

// The CLI runs from the package (npx taughtnet), so the shipped files and the version sit beside it.
const RESOURCES_FOLDER = fileURLToPath(new URL('../../resources', import.meta.url));
const VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

export interface StoreUse {
  /** The command only reads (lists, shows): on a read-only data folder it reads a snapshot instead of refusing. */
  readonly readOnly?: boolean;
}

/**
 * Opens the store the way the app does at start-up (so runs left 'running' by a dead process are marked
 * interrupted, and said so on stderr), hands it to `use`, and closes it whatever happens. A read-only data folder
 * is opened for reading commands (see openStoreReadOnly) and refused, by name, for the others; a full disk is
 * named too.
 */
export async function withStore<T>(
  dataDirFlag: string | undefined,
  use: (store: Store) => T | Promise<T>,
  { readOnly = false }: StoreUse = {},
): Promise<T> {
  if (dataDirFlag === '') throw new UsageError('--data-dir needs a folder');
  const dataDir = resolveDataDir({ flag: dataDirFlag });
  const unwritable = folderIsReadOnly(dataDir);
  if (unwritable && !readOnly) {
    throw new Error(
      `the data folder ${dataDir} is read-only, and this command changes the experiment store: ` +
        `make the folder writable, or give another with --data-dir (reading commands such as runs list still work)`,
    );
  }
  let opened;
  try {
    opened = unwritable ? { store: openStoreReadOnly({ dataDir }), interrupted: [] } : openStoreAtStartup({ dataDir });
  } catch (e) {
    if (isDiskFull(e, dataDir)) throw diskFullError(dataDir, e);
    throw new Error(`cannot open the experiment store in ${dataDir}: ${errorMessage(e)}`, { cause: e });
  }
  const { store, interrupted } = opened;
  if (unwritable)
    process.stderr.write(
      `note: the data folder ${dataDir} is read-only: showing what is stored (commands that change it will refuse)\n`,
    );
  try {
    const note = networkDriveNote(store);
    if (note) process.stderr.write(`note: ${note}\n`);
    for (const run of interrupted) {
      process.stderr.write(
        `note: run ${run.id} (${run.name}) was left running by a process that is gone: marked interrupted (resume it with taughtnet run --resume ${run.id})\n`,
      );
    }
    return await use(store);
  } catch (e) {
    throw isDiskFull(e, dataDir) ? diskFullError(dataDir, e) : e;
  } finally {
    store.close();
  }
}

/** The services' context for one CLI command. */
export function serviceContext(store: Store): ServiceContext {
  return {
    store,
    resourcesFolder: RESOURCES_FOLDER,
    appVersion: VERSION,
    // No window listens to a CLI process; an open app sees the change when it next lists.
    emit: () => {},
    startRuntime: () => startRuntime(),
    executing: new Map(),
  };
}

/** The folder of stored model `id`, which the store keeps relative to its data folder. */
export function storedModelFolder(dataDir: string | undefined, id: number): Promise<string> {
  return withStore(
    dataDir,
    (store) => {
      const model = getModel(store, id);
      if (!model) throw new Error(`there is no model ${id} in ${store.dataDir} (see taughtnet models list)`);
      return resolve(store.dataDir, model.folder);
    },
    { readOnly: true },
  );
}
