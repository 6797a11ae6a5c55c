// What `npm start` does (main/app/start.mjs runs this): find Electron's binary without triggering its download,
// build better-sqlite3 for Electron's ABI once, build out/ if a source changed, then run Electron on the app and
// pass its exit status on.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'electron-vite';
import { APP_OUTPUTS, APP_SOURCES, ROOT, isStale } from './build-state.ts';
import { electronSqlitePath, ensureElectronSqlite } from './electron-native.ts';
import { SQLITE_BINDING_ENV } from '../store/store.ts';
import { errorMessage } from '../../shared/error-message.ts';

const require = createRequire(import.meta.url);

/** Where the binary sits inside an Electron dist folder (what the electron package writes to path.txt). */
const EXECUTABLE: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'electron',
  win32: 'electron.exe',
  darwin: 'Electron.app/Contents/MacOS/Electron',
};

/** The Electron binary and its version, or why there is none. Never requires 'electron', which would try to download it. */
function findElectron(): { path: string; version: string } | { missing: string } {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  let packageFolder: string | undefined;
  try {
    packageFolder = dirname(require.resolve('electron/package.json'));
  } catch {
    if (!override) return { missing: 'the electron package is not installed' };
  }
  const pathFile = packageFolder && join(packageFolder, 'path.txt');
  const executable =
    pathFile && existsSync(pathFile)
      ? readFileSync(pathFile, 'utf8').trim()
      : (EXECUTABLE[process.platform] ?? 'electron');
  const dist = override ?? join(packageFolder!, 'dist');
  const path = join(dist, executable);
  if (!existsSync(path)) return { missing: `Electron's binary is not at ${path}` };
  // Every Electron dist folder holds a 'version' file ('45.4.1', some releases 'v45.4.1').
  const versionFile = join(dist, 'version');
  if (!existsSync(versionFile)) return { missing: `${dist} holds no 'version' file: it is not an unpacked Electron` };
  return { path, version: readFileSync(versionFile, 'utf8').trim().replace(/^v/, '') };
}

function explainMissing(why: string): never {
  process.stderr.write(`TaughtNet Workbench cannot open: Electron is missing.
  ${why}.

Electron's binary is not part of the npm package: since Electron 42 it is fetched from GitHub on demand.
To get it:
  • on a machine with internet, in this folder:  node node_modules/electron/install.js
    (or build an installer there with \`npm run dist\` and install that here), or
  • copy an unpacked Electron ${electronVersion()} for this system (the folder holding the electron
    executable) onto this machine and point to it:
      ELECTRON_OVERRIDE_DIST_PATH=/path/to/electron-folder npm start

${nodeTooOld()}Meanwhile the command line works without Electron:  npx taughtnet --help
`);
  process.exit(1);
}

/** npm skips the electron package on an older Node than it declares (electron 45: Node 22.12 or newer). */
function nodeTooOld(): string {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 12)
    ? ''
    : `Note: npm installs electron only on Node.js 22.12 or newer; this is Node.js ${process.versions.node}.\n\n`;
}

/** The version the installers are built for (electron-builder.yml names it). */
function electronVersion(): string {
  const match = /^electronVersion:\s*['"]?([\d.]+)/m.exec(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8'));
  return match ? match[1] : '';
}

const electron = findElectron();
if ('missing' in electron) explainMissing(electron.missing);

let sqliteBinding = electronSqlitePath(ROOT, electron.version);
if (!existsSync(sqliteBinding)) {
  process.stdout.write(`Building better-sqlite3 for Electron ${electron.version} (once per Electron version)…\n`);
  try {
    sqliteBinding = await ensureElectronSqlite({
      root: ROOT,
      electronVersion: electron.version,
      headerURL: process.env.ELECTRON_HEADERS_URL,
    });
  } catch (e) {
    process.stderr.write(`TaughtNet Workbench cannot open: ${errorMessage(e)}
On a machine without internet, set ELECTRON_HEADERS_URL to a mirror of https://www.electronjs.org/headers,
or install the workbench from an installer built with \`npm run dist\`.
Meanwhile the command line works without Electron:  npx taughtnet --help
`);
    process.exit(1);
  }
}

if (isStale(APP_OUTPUTS, APP_SOURCES)) {
  process.stdout.write('Building the app (out/)…\n');
  await build({ root: ROOT, configFile: join(ROOT, 'electron.vite.config.ts') });
}
const run = spawnSync(electron.path, [ROOT, ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, [SQLITE_BINDING_ENV]: sqliteBinding },
});
process.exit(run.status ?? 1);
