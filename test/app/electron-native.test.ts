// `npm start` builds better-sqlite3 for Electron's ABI from Electron's headers (main/app/electron-native.ts).
// Electron's headers cannot be fetched here, so a local mirror (what ELECTRON_HEADERS_URL points a lab at)
// serves Node's own headers under Electron's version: the build runs for real through @electron/rebuild and
// node-gyp, and the ABI check must refuse its result, which is for Node's ABI and would not load in Electron.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { getAbi } from 'node-abi';
import { electronSqlitePath, ensureElectronSqlite } from '../../main/app/electron-native.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { skipUnless } from '../needs.ts';

const ELECTRON = '45.4.1';
const nodeHeaders = join(dirname(dirname(process.execPath)), 'include', 'node');
const skip = skipUnless(existsSync(join(nodeHeaders, 'node.h')), `Node's headers are not at ${nodeHeaders}`);

/** A headers mirror laid out as electronjs.org/headers: vVERSION/node-vVERSION-headers.tar.gz and its SHASUMS256.txt. */
function headersMirror(version: string): Map<string, Buffer> {
  const staging = tempDir('headers-');
  mkdirSync(join(staging, `node-v${version}`, 'include'), { recursive: true });
  cpSync(nodeHeaders, join(staging, `node-v${version}`, 'include', 'node'), { recursive: true, dereference: true });
  const tarball = `node-v${version}-headers.tar.gz`;
  execFileSync('tar', ['-czf', join(staging, tarball), '-C', staging, `node-v${version}`]);
  const bytes = readFileSync(join(staging, tarball));
  const sum = createHash('sha256').update(bytes).digest('hex');
  return new Map([
    [`/v${version}/${tarball}`, bytes],
    [`/v${version}/SHASUMS256.txt`, Buffer.from(`${sum}  ${tarball}\n`)],
  ]);
}

test(
  'npm start builds better-sqlite3 for Electron from a headers mirror, and refuses a build for another ABI',
  { skip, timeout: 600_000 },
  async (t) => {
    const files = headersMirror(ELECTRON);
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(req.url ?? '');
      const body = files.get(req.url ?? '');
      res.writeHead(body ? 200 : 404).end(body);
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const headerURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // A project root whose node_modules holds better-sqlite3 (linked, as some package managers do).
    const root = tempDir('electron-native-');
    mkdirSync(join(root, 'node_modules'));
    symlinkSync(resolve('node_modules/better-sqlite3'), join(root, 'node_modules', 'better-sqlite3'));
    // npm's nodedir (set on this machine kind) must not make node-gyp skip the mirror. @electron/rebuild keeps
    // downloaded headers in ~/.electron-gyp/VERSION: a home of the test's own, so the stand-ins never land there.
    const home = process.env.HOME;
    process.env.npm_config_nodedir = dirname(dirname(nodeHeaders));
    process.env.HOME = tempDir('home-');
    t.after(() => {
      delete process.env.npm_config_nodedir;
      process.env.HOME = home;
    });

    const nodeAbi = getAbi(process.versions.node, 'node');
    await assert.rejects(
      ensureElectronSqlite({ root, electronVersion: ELECTRON, headerURL }),
      new RegExp(
        `could not be built for Electron ${ELECTRON}: the build is for ABI ${nodeAbi}, not Electron's ${getAbi(ELECTRON, 'electron')}`,
      ),
    );
    assert.ok(
      asked.includes(`/v${ELECTRON}/node-v${ELECTRON}-headers.tar.gz`),
      `the headers came from the mirror (asked: ${asked.join(', ')})`,
    );
    // Nothing the app would load, no scratch project left, and the Node build in node_modules untouched.
    const target = electronSqlitePath(root, ELECTRON);
    assert.equal(existsSync(target), false);
    assert.deepEqual(readdirSync(dirname(target)), []);
    assert.ok(existsSync(resolve('node_modules/better-sqlite3/build/Release/better_sqlite3.node')));
  },
);
