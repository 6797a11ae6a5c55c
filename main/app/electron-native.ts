// better-sqlite3 for `npm start`. npm builds it for Node's ABI, which the CLI and the tests use; Electron has an
// ABI of its own (the installers rebuild it in place, see electron-builder.yml). So the launcher builds a second
// copy for Electron beside the first, once per Electron version, and the app loads that one (nativeBinding).
import { getAbi } from 'node-abi';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { errorMessage } from '../../shared/error-message.ts';

/**
 * Where the Electron build of better-sqlite3 is kept: one per better-sqlite3 version (its JavaScript must match
 * its addon), Electron version, platform and arch.
 */
export function electronSqlitePath(root: string, electronVersion: string): string {
  const { version } = JSON.parse(
    readFileSync(join(root, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8'),
  ) as { version: string };
  const key = `better-sqlite3-${version}-electron-${electronVersion}-${process.platform}-${process.arch}`;
  return join(root, 'node_modules', '.cache', 'taughtnet-electron', key, 'better_sqlite3.node');
}

/** Electron's ABI number, from node-abi's table (a newer Electron than it knows needs a newer node-abi). */
function electronAbi(electronVersion: string): string {
  try {
    return getAbi(electronVersion, 'electron');
  } catch (e) {
    throw new Error(
      `node-abi does not know Electron ${electronVersion} (${errorMessage(e)}): update it with npm install -D node-abi@latest`,
      { cause: e },
    );
  }
}

export interface BuildOptions {
  root: string;
  electronVersion: string;
  /** Where Electron's headers are downloaded from (@electron/rebuild's default: electronjs.org); a lab mirror may serve them. */
  headerURL?: string;
}

/**
 * The path of better-sqlite3 built for Electron: the kept one, or one built now from the sources in node_modules
 * in a scratch project (prebuilt if @electron/rebuild finds one, else compiled). Throws, saying what is needed,
 * when it cannot be built; nothing half-built is left where the app would load it.
 */
export async function ensureElectronSqlite({ root, electronVersion, headerURL }: BuildOptions): Promise<string> {
  const target = electronSqlitePath(root, electronVersion);
  if (existsSync(target)) return target;
  const abi = electronAbi(electronVersion); // before a build of minutes whose result could not be checked
  mkdirSync(dirname(target), { recursive: true });
  const scratch = mkdtempSync(join(dirname(target), 'build-'));
  try {
    const source = join(root, 'node_modules', 'better-sqlite3');
    const copy = join(scratch, 'node_modules', 'better-sqlite3');
    // The sources without the Node build, so nothing of it can be mistaken for the Electron one.
    cpSync(source, copy, {
      recursive: true,
      dereference: true,
      filter: (path) => relative(source, path).split(sep)[0] !== 'build',
    });
    const { version } = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { version: string };
    writeFileSync(
      join(scratch, 'package.json'),
      JSON.stringify({ name: 'electron-native', private: true, dependencies: { 'better-sqlite3': version } }),
    );
    await electronRebuild(scratch, electronVersion, headerURL);
    const built = join(copy, 'build', 'Release', 'better_sqlite3.node');
    if (!existsSync(built)) throw new Error(`the build finished without ${relative(scratch, built)}`);
    checkAbi(built, abi);
    renameSync(built, target);
    return target;
  } catch (e) {
    throw new Error(
      `better-sqlite3 could not be built for Electron ${electronVersion}: ${errorMessage(e)}\n` +
        `It is built once per Electron version, and needs Electron's headers (from ${headerURL ?? 'https://www.electronjs.org/headers'}) ` +
        `and a C++ compiler, as npm's own build of it does.`,
      { cause: e },
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Runs @electron/rebuild's command line on the scratch project, in a plain Node process: its workers inherit
 * the parent's exec arguments, which under a TypeScript loader would not resolve from the scratch folder.
 */
async function electronRebuild(project: string, electronVersion: string, headerURL: string | undefined): Promise<void> {
  const cli = join(dirname(createRequire(import.meta.url).resolve('@electron/rebuild')), 'cli.js');
  const env = { ...process.env };
  // npm's nodedir setting (this machine kind sets it for Node's own headers) would make node-gyp build for Node.
  delete env.npm_config_nodedir;
  const args = [
    cli,
    '--version',
    electronVersion,
    '--module-dir',
    project,
    '--only',
    'better-sqlite3',
    '--force',
    ...(headerURL ? ['--dist-url', headerURL] : []),
  ];
  const child = spawn(process.execPath, args, { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) {
    const lines = output.split('\n').filter((l) => l.trim() && !/^\s+at /.test(l));
    throw new Error(`@electron/rebuild failed:\n  ${lines.slice(-8).join('\n  ')}`);
  }
}

/** A Node addon exports node_register_module_v<ABI>: refuse a build for another ABI than Electron's. */
function checkAbi(addon: string, abi: string): void {
  const text = readFileSync(addon).toString('latin1');
  const found = [...new Set([...text.matchAll(/node_register_module_v(\d+)/g)].map((m) => m[1]))];
  if (!found.includes(abi)) {
    throw new Error(
      `the build is for ABI ${found.join(', ') || '(none found)'}, not Electron's ${abi}: the headers it was built against are not Electron's`,
    );
  }
}
