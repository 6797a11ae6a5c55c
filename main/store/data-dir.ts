// Where the workbench keeps its database and files, and how that folder is laid out.
import { homedir } from 'node:os';
import { join, resolve, win32, posix } from 'node:path';

export const APP_FOLDER_NAME = 'TaughtNet Workbench';

export interface DataDirSources {
  /** The --data-dir value given to the CLI or the app. */
  flag?: string;
  env?: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  home?: string;
}

/** The first that is set: an explicit value, $TAUGHTNET_DATA_DIR, the platform's per-user data folder. */
export function resolveDataDir(sources: DataDirSources = {}): string {
  const { flag, env = process.env, platform = process.platform, home = homedir() } = sources;
  if (flag) return resolve(flag);
  if (env.TAUGHTNET_DATA_DIR) return resolve(env.TAUGHTNET_DATA_DIR);
  switch (platform) {
    case 'win32':
      return win32.join(env.APPDATA || win32.join(home, 'AppData', 'Roaming'), APP_FOLDER_NAME);
    case 'darwin':
      return posix.join(home, 'Library', 'Application Support', APP_FOLDER_NAME);
    default:
      // XDG names folders in lower case without spaces.
      return posix.join(env.XDG_DATA_HOME || posix.join(home, '.local', 'share'), 'taughtnet-workbench');
  }
}

export interface DataPaths {
  database: string;
  /** Content-addressed files: artifacts/ab/abcdef… */
  artifacts: string;
  /** Files being written; on the same filesystem as artifacts/ so that rename is atomic. */
  tmp: string;
  /** Room set aside for recording a failure when the disk fills up (see disk-full.ts). */
  reserve: string;
}

export function dataPaths(dataDir: string): DataPaths {
  return {
    database: join(dataDir, 'workbench.sqlite'),
    artifacts: join(dataDir, 'artifacts'),
    tmp: join(dataDir, 'tmp'),
    reserve: join(dataDir, 'space-reserve'),
  };
}
