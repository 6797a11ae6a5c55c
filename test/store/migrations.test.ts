import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { LATEST_VERSION, migrate, migrations, schemaVersion, type Migration } from '../../main/store/migrations.ts';
import { openStore, openStoreAtStartup } from '../../main/store/store.ts';
import { dataPaths } from '../../main/store/data-dir.ts';
import { getDataset } from '../../main/store/datasets.ts';
import { getModel } from '../../main/store/models.ts';
import { getRun, listRuns } from '../../main/store/runs.ts';
import { listMetrics } from '../../main/store/metrics.ts';
import { listEvaluations } from '../../main/store/evaluations.ts';
import { listAgreements } from '../../main/store/agreements.ts';
import { listErrorAnalyses } from '../../main/store/error-analyses.ts';
import { listArtifacts } from '../../main/store/artifacts.ts';
import { tempDir } from './fixtures/temp-dir.ts';

const HASH = 'a'.repeat(64);
const SHA = '0b'.repeat(32);
const T = '2026-01-02T03:04:05.000Z';

/**
 * Rows as the release at each schema version wrote them, with plain SQL (the API speaks only the latest
 * schema). seeds[k] fills the tables that exist at version k; the test at version k runs seeds 1 to k on that
 * schema, so an insert names its columns where a later version added some.
 */
const seeds: Record<number, (db: Database.Database) => void> = {
  1: (db) =>
    db.exec(`
      INSERT INTO datasets (id, name, source, entity_types, content_hash, created_at)
        VALUES (1, 'NCBI-disease', 'resources/datasets/NCBI-disease', '["Disease"]', '${HASH}', '${T}');
      INSERT INTO dataset_splits VALUES (1, 'train', 5424, 135701, 5134), (1, 'test', 940, 24497, 960);
      INSERT INTO runs (id, name, config, status, phase, device, created_at, started_at, updated_at)
        VALUES (1, 'teacher NCBI', '{"epochs":3,"lr":5e-5}', 'running', 'teacher:NCBI-disease', 'cpu', '${T}', '${T}', '${T}');
      INSERT INTO runs (id, name, config, status, created_at, started_at, finished_at, updated_at)
        VALUES (2, 'done', '{}', 'completed', '${T}', '${T}', '${T}', '${T}');
      INSERT INTO models VALUES (1, 'teacher-ncbi', 'teacher', 'bert', 109482240, 437929000, 'models/1', 1, '${T}');
      INSERT INTO run_metrics VALUES (1, 'teacher:NCBI-disease', 0, NULL, 'train_loss', 0.25, '${T}'),
                                     (1, 'teacher:NCBI-disease', 0, 10, 'train_loss', 0.5, '${T}');
      INSERT INTO evaluations (id, run_id, model_id, dataset_id, split, mode, precision, recall, f1, support, per_type,
        created_at) VALUES (1, 1, 1, 1, 'test', 'strict', 0.875, 0.9, 0.8873, 960,
        '{"Disease":{"precision":0.875,"recall":0.9,"f1":0.8873,"support":960}}', '${T}');
      INSERT INTO artifacts VALUES (1, 'weights', '${SHA}', 12, 'artifacts/0b/${SHA}', 'model.safetensors', 1, 1, '${T}');
    `),
  2: (db) =>
    db.exec(`
      INSERT INTO agreements VALUES (1, 1, 1, 'test', '["ground truth","teacher-ncbi"]', '[[1,0.8],[0.8,1]]', '${T}');
      INSERT INTO error_analyses VALUES (1, 1, 1, 1, 'test',
        '{"CORRECT":785,"NEW":803,"CFP":43,"CFN":24,"WLRS":9,"WLOS":24,"RLOS":113}', '{"examples":[]}', '${T}');
    `),
  // A v3 release recorded the owner's pid only: this very pid, which at start-up can only be a reused one.
  3: (db) =>
    db.exec(`
      INSERT INTO runs (id, name, config, status, created_at, started_at, updated_at, owner_pid)
        VALUES (3, 'student', '{}', 'running', '${T}', '${T}', '${T}', ${process.pid});
    `),
  // A v4 release recorded how a dataset registered from one file was cut.
  4: (db) =>
    db.exec(`
      INSERT INTO datasets VALUES (2, 'one file', '/data/one.tsv', '["Chemical"]', '${HASH}', '${T}',
        '{"ratios":[80,10,10],"seed":42}');
    `),
};

function schemaOf(db: Database.Database): unknown[] {
  return db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name`).all();
}

test('migration versions run 1, 2, 3, … in order', () => {
  assert.deepEqual(
    migrations.map((m) => m.version),
    migrations.map((_, i) => i + 1),
  );
  assert.equal(LATEST_VERSION, migrations.length);
  assert.ok(LATEST_VERSION >= 2);
});

test('an empty folder gets the latest schema', () => {
  const store = openStore({ dataDir: join(tempDir(), 'new', 'nested') });
  assert.equal(schemaVersion(store.db), LATEST_VERSION);
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(store.db.pragma('synchronous', { simple: true }), 1); // NORMAL
  assert.equal(store.db.pragma('busy_timeout', { simple: true }), 5000);
  assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
  store.close();
});

for (let k = 0; k < LATEST_VERSION; k++) {
  test(`a database at version ${k} with rows is migrated to ${LATEST_VERSION} and keeps them`, () => {
    const dataDir = tempDir();
    mkdirSync(dataDir, { recursive: true });
    const old = new Database(dataPaths(dataDir).database);
    old.pragma('foreign_keys = ON');
    migrate(old, k);
    assert.equal(schemaVersion(old), k);
    for (let v = 1; v <= k; v++) seeds[v](old);
    assert.deepEqual(old.pragma('foreign_key_check'), []);
    old.close();

    const { store, interrupted } = openStoreAtStartup({ dataDir });
    assert.equal(schemaVersion(store.db), LATEST_VERSION);
    assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');

    // The upgraded schema is exactly the one a fresh database gets.
    const fresh = new Database(':memory:');
    migrate(fresh);
    assert.deepEqual(schemaOf(store.db), schemaOf(fresh));
    fresh.close();

    if (k >= 1) {
      assert.deepEqual(
        getDataset(store, 1)?.splits.map((s) => [s.name, s.sentences]),
        [
          ['train', 5424],
          ['test', 940],
        ],
      );
      assert.deepEqual(getDataset(store, 1)?.entityTypes, ['Disease']);
      assert.equal(getModel(store, 1)?.parameterCount, 109482240);
      // The runs a v1 release (no owner recorded) and a v3 release (a pid, no host) left running are now resumable.
      assert.deepEqual(
        interrupted.map((r) => r.id),
        k >= 3 ? [1, 3] : [1],
      );
      assert.equal(getDataset(store, 1)?.split, null);
      const run = getRun(store, 1)!;
      assert.equal(run.status, 'interrupted');
      assert.deepEqual(run.config, { epochs: 3, lr: 5e-5 });
      assert.equal(getRun(store, 2)?.status, 'completed');
      assert.deepEqual(
        listMetrics(store, 1).map((m) => [m.step, m.value]),
        [
          [null, 0.25],
          [10, 0.5],
        ],
      );
      assert.equal(listEvaluations(store, { runId: 1 })[0].perType.Disease.support, 960);
      assert.equal(listArtifacts(store, { modelId: 1 })[0].path, `artifacts/0b/${SHA}`);
    } else {
      assert.deepEqual(interrupted, []);
    }
    if (k >= 2) {
      assert.deepEqual(listAgreements(store)[0].matrix, [
        [1, 0.8],
        [0.8, 1],
      ]);
      assert.equal(listErrorAnalyses(store)[0].counts.RLOS, 113);
    }
    if (k >= 4) assert.deepEqual(getDataset(store, 2)?.split, { ratios: [80, 10, 10], seed: 42 });
    store.close();
  });
}

test('a database newer than the code is refused with a clear message, untouched', () => {
  const dataDir = tempDir();
  const db = new Database(dataPaths(dataDir).database);
  db.pragma(`user_version = ${LATEST_VERSION + 1}`);
  db.close();
  assert.throws(
    () => openStore({ dataDir }),
    new RegExp(`schema version ${LATEST_VERSION + 1}, .*knows versions up to ${LATEST_VERSION}.*newer release`, 's'),
  );
  const again = new Database(dataPaths(dataDir).database);
  assert.equal(schemaVersion(again), LATEST_VERSION + 1);
  again.close();
});

test('a file that is not a database is refused with its path', () => {
  const dataDir = tempDir();
  writeFileSync(dataPaths(dataDir).database, 'these are not the bytes of an SQLite file'.repeat(200));
  assert.throws(
    () => openStore({ dataDir }),
    (e: Error) => e.message === `${dataPaths(dataDir).database}: file is not a database`,
  );
});

test('a failing migration rolls back whole and leaves the previous version', () => {
  const db = new Database(':memory:');
  const list: Migration[] = [
    { version: 1, name: 'one table', up: 'CREATE TABLE a (x INTEGER) STRICT;' },
    {
      version: 2,
      name: 'half done, then fails',
      up: (d) => {
        d.exec(`CREATE TABLE b (y INTEGER) STRICT; INSERT INTO a VALUES (1);`);
        d.exec(`INSERT INTO a VALUES ('not an integer')`);
      },
    },
  ];
  assert.throws(() => migrate(db, 2, list), /cannot store TEXT value in INTEGER column a.x/);
  assert.equal(schemaVersion(db), 1);
  assert.deepEqual(db.prepare(`SELECT name FROM sqlite_schema`).pluck().all(), ['a']);
  assert.equal(db.prepare(`SELECT count(*) FROM a`).pluck().get(), 0);
  db.close();
});

test('CHECK constraints hold at the SQL level too', () => {
  const store = openStore({ dataDir: tempDir() });
  const insertRun = (status: string, config = '{}') =>
    store.db
      .prepare(
        `INSERT INTO runs (name, config, status, created_at, started_at, updated_at) VALUES ('r', ?, ?, ?, ?, ?)`,
      )
      .run(config, status, T, T, T);
  assert.throws(() => insertRun('paused'), /CHECK constraint failed/);
  assert.throws(() => insertRun('running', '{not json'), /CHECK constraint failed/);
  assert.throws(() => insertRun('running', '[1,2]'), /CHECK constraint failed/);
  assert.throws(() => insertRun('completed'), /CHECK constraint failed/); // no finished_at
  assert.throws(
    () =>
      store.db
        .prepare(
          `INSERT INTO artifacts (kind, sha256, bytes, path, created_at) VALUES ('weights', ?, 1, 'elsewhere', ?)`,
        )
        .run(SHA, T),
    /CHECK constraint failed/,
  );
  store.close();
});

test('processes opening a fresh folder at the same moment migrate it once and all get in', async () => {
  const dataDir = tempDir();
  const child = fileURLToPath(new URL('./fixtures/open-and-create-run.ts', import.meta.url));
  const startAt = String(Date.now() + 1500); // after tsx has loaded in each
  const children = [1, 2, 3].map(() =>
    spawn(process.execPath, ['--import', 'tsx', child, dataDir, startAt], { stdio: 'inherit' }),
  );
  const codes = await Promise.all(children.map(async (c) => (await once(c, 'exit'))[0]));
  assert.deepEqual(codes, [0, 0, 0]);
  const store = openStore({ dataDir });
  assert.equal(schemaVersion(store.db), LATEST_VERSION);
  for (const c of children) assert.equal(listRuns(store).filter((r) => r.name.endsWith(` of ${c.pid}`)).length, 20);
  store.close();
});
