// What the store-facing commands share: the --data-dir option, opening and closing the experiment store, and the
// service context through which the CLI does what the app's IPC handlers do (same code, same rules).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ServiceContext } from '../services/context.ts';
import { startRuntime } from '../engine/runtime/client.ts';
import { resolveDataDir } from '../store/data-dir.ts';
import { networkDriveNote, openStoreAtStartup, type Store } from '../store/store.ts';
import { UsageError } from './command.ts';
import { errorMessage } from '../../shared/error-message.ts';

/** The option every store command takes; also accepted before the command name (`taughtnet --data-dir DIR runs list`). */
export const DATA_DIR_OPTION = { 'data-dir': { type: 'string' } } as const;

export const DATA_DIR_HELP = `  --data-dir DIR                  the experiment store's folder (default: $TAUGHTNET_DATA_DIR, else the
                                  platform's per-user data folder, as the app uses)`;

// The CLI runs from the package (npx taughtnet), so the shipped files and the version sit beside it.
const RESOURCES_FOLDER = fileURLToPath(new URL('../../resources', import.meta.url));
const VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/**
 * Opens the store the way the app does at start-up (so runs left 'running' by a dead process are marked
 * interrupted, and said so on stderr), hands it to `use`, and closes it whatever happens.
 */
export async function withStore<T>(dataDirFlag: string | undefined, use: (store: Store) => T | Promise<T>): Promise<T> {
  if (dataDirFlag === '') throw new UsageError('--data-dir needs a folder');
  const dataDir = resolveDataDir({ flag: dataDirFlag });
  let opened;
  try {
    opened = openStoreAtStartup({ dataDir });
  } catch (e) {
    throw new Error(`cannot open the experiment store in ${dataDir}: ${errorMessage(e)}`, { cause: e });
  }
  const { store, interrupted } = opened;
  try {
    const note = networkDriveNote(store);
    if (note) process.stderr.write(`note: ${note}\n`);
    for (const run of interrupted) {
      process.stderr.write(`note: run ${run.id} (${run.name}) was left running by a process that is gone: marked interrupted (resume it with taughtnet run --resume ${run.id})\n`);
    }
    return await use(store);
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
