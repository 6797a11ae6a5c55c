import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { dataPaths, resolveDataDir } from '../../main/store/data-dir.ts';

test('an explicit value wins over the environment and the platform', () => {
  const env = { TAUGHTNET_DATA_DIR: '/from/env', XDG_DATA_HOME: '/xdg' };
  assert.equal(resolveDataDir({ flag: '/from/flag', env, platform: 'linux', home: '/home/u' }), resolve('/from/flag'));
  assert.equal(
    resolveDataDir({ flag: 'relative/dir', env, platform: 'linux', home: '/home/u' }),
    resolve('relative/dir'),
  );
});

test('TAUGHTNET_DATA_DIR comes next', () => {
  const env = { TAUGHTNET_DATA_DIR: '/from/env', XDG_DATA_HOME: '/xdg' };
  assert.equal(resolveDataDir({ env, platform: 'linux', home: '/home/u' }), resolve('/from/env'));
  assert.equal(resolveDataDir({ flag: '', env, platform: 'win32', home: 'C:\\Users\\u' }), resolve('/from/env'));
});

test('then the platform folder for per-user application data', () => {
  assert.equal(
    resolveDataDir({ env: { XDG_DATA_HOME: '/xdg' }, platform: 'linux', home: '/home/u' }),
    '/xdg/taughtnet-workbench',
  );
  assert.equal(
    resolveDataDir({ env: {}, platform: 'linux', home: '/home/u' }),
    '/home/u/.local/share/taughtnet-workbench',
  );
  assert.equal(
    resolveDataDir({ env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, platform: 'win32', home: 'C:\\Users\\u' }),
    'C:\\Users\\u\\AppData\\Roaming\\TaughtNet Workbench',
  );
  assert.equal(
    resolveDataDir({ env: {}, platform: 'win32', home: 'C:\\Users\\u' }),
    'C:\\Users\\u\\AppData\\Roaming\\TaughtNet Workbench',
  );
  assert.equal(
    resolveDataDir({ env: { XDG_DATA_HOME: '/xdg' }, platform: 'darwin', home: '/Users/u' }),
    '/Users/u/Library/Application Support/TaughtNet Workbench',
  );
});

test('the folder holds the database, artifacts/, tmp/ and the space reserve', () => {
  const paths = dataPaths('/data');
  assert.deepEqual(paths, {
    database: join('/data', 'workbench.sqlite'),
    artifacts: join('/data', 'artifacts'),
    tmp: join('/data', 'tmp'),
    reserve: join('/data', 'space-reserve'),
  });
});
