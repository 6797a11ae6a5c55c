// The database schema, as an ordered list of forward-only migrations.
// PRAGMA user_version holds the number of the last migration applied. Never edit a migration that has
// shipped: add a new one at the end (databases out there are already at the old one's version).
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up: string | ((db: Database) => void);
}

// Conventions: STRICT tables; timestamps are ISO 8601 UTC text; JSON columns are checked with json_valid
// (json_type only behind a CASE, because it raises 'malformed JSON' instead of failing the CHECK).
const isJson = (column: string, type: 'array' | 'object') =>
  `CHECK (CASE WHEN json_valid(${column}) THEN json_type(${column}) = '${type}' ELSE 0 END)`;

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'base schema',
    up: `
      CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(name) > 0),
        source TEXT NOT NULL,
        entity_types TEXT NOT NULL ${isJson('entity_types', 'array')},
        content_hash TEXT NOT NULL CHECK (length(content_hash) = 64 AND content_hash NOT GLOB '*[^0-9a-f]*'),
        created_at TEXT NOT NULL,
        UNIQUE (name, content_hash)
      ) STRICT;

      CREATE TABLE dataset_splits (
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        name TEXT NOT NULL CHECK (length(name) > 0),
        sentences INTEGER NOT NULL CHECK (sentences >= 0),
        tokens INTEGER NOT NULL CHECK (tokens >= 0),
        mentions INTEGER NOT NULL CHECK (mentions >= 0),
        PRIMARY KEY (dataset_id, name)
      ) STRICT;

      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(name) > 0),
        config TEXT NOT NULL ${isJson('config', 'object')},
        status TEXT NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
        phase TEXT,
        device TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        updated_at TEXT NOT NULL,
        interrupted_at TEXT,
        CHECK (status = 'queued' OR started_at IS NOT NULL OR status = 'cancelled'),
        CHECK ((status IN ('completed', 'failed', 'cancelled')) = (finished_at IS NOT NULL)),
        CHECK (status <> 'interrupted' OR interrupted_at IS NOT NULL)
      ) STRICT;

      CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(name) > 0),
        kind TEXT NOT NULL CHECK (kind IN ('pretrained', 'teacher', 'student')),
        architecture TEXT NOT NULL,
        parameter_count INTEGER NOT NULL CHECK (parameter_count >= 0),
        size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
        folder TEXT NOT NULL,
        -- A model outlives the run record that made it: its files and evaluations stay useful.
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX models_by_run ON models(run_id);

      -- Per-epoch figures have step NULL; per-step figures carry the global step.
      CREATE TABLE run_metrics (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        phase TEXT NOT NULL,
        epoch INTEGER NOT NULL CHECK (epoch >= 0),
        step INTEGER CHECK (step >= 0),
        name TEXT NOT NULL CHECK (length(name) > 0),
        value REAL NOT NULL,
        recorded_at TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX run_metrics_key ON run_metrics(run_id, phase, epoch, ifnull(step, -1), name);

      CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        dataset_id INTEGER NOT NULL,
        split TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('lenient', 'strict')),
        precision REAL NOT NULL CHECK (precision BETWEEN 0 AND 1),
        recall REAL NOT NULL CHECK (recall BETWEEN 0 AND 1),
        f1 REAL NOT NULL CHECK (f1 BETWEEN 0 AND 1),
        support INTEGER NOT NULL CHECK (support >= 0),
        per_type TEXT NOT NULL ${isJson('per_type', 'object')},
        created_at TEXT NOT NULL,
        FOREIGN KEY (dataset_id, split) REFERENCES dataset_splits(dataset_id, name) ON DELETE CASCADE,
        UNIQUE (run_id, model_id, dataset_id, split, mode)
      ) STRICT;
      CREATE INDEX evaluations_by_model ON evaluations(model_id);
      CREATE INDEX evaluations_by_split ON evaluations(dataset_id, split);

      -- One row per use of a file; rows with equal sha256 share one file (content addressing).
      CREATE TABLE artifacts (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL
          CHECK (kind IN ('weights', 'checkpoint', 'teacher-distributions', 'onnx-graph', 'predictions')),
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
        bytes INTEGER NOT NULL CHECK (bytes >= 0),
        path TEXT NOT NULL CHECK (path = 'artifacts/' || substr(sha256, 1, 2) || '/' || sha256),
        name TEXT,
        run_id INTEGER REFERENCES runs(id) ON DELETE CASCADE,
        model_id INTEGER REFERENCES models(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX artifacts_by_sha256 ON artifacts(sha256);
      CREATE INDEX artifacts_by_run ON artifacts(run_id);
      CREATE INDEX artifacts_by_model ON artifacts(model_id);
    `,
  },
  {
    // The comparison views (paper section IV-E.3 and IV-E.4) came after training and evaluation.
    version: 2,
    name: 'agreements and error analyses',
    up: `
      CREATE TABLE agreements (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        dataset_id INTEGER NOT NULL,
        split TEXT NOT NULL,
        -- Labels, not model ids: a row/column may be the ground truth, and deleting a model keeps history.
        labels TEXT NOT NULL ${isJson('labels', 'array')},
        matrix TEXT NOT NULL ${isJson('matrix', 'array')},
        created_at TEXT NOT NULL,
        CHECK (json_array_length(labels) = json_array_length(matrix)),
        FOREIGN KEY (dataset_id, split) REFERENCES dataset_splits(dataset_id, name) ON DELETE CASCADE,
        UNIQUE (run_id, dataset_id, split)
      ) STRICT;

      CREATE TABLE error_analyses (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        dataset_id INTEGER NOT NULL,
        split TEXT NOT NULL,
        counts TEXT NOT NULL ${isJson('counts', 'object')},
        details TEXT NOT NULL CHECK (json_valid(details)),
        created_at TEXT NOT NULL,
        FOREIGN KEY (dataset_id, split) REFERENCES dataset_splits(dataset_id, name) ON DELETE CASCADE,
        UNIQUE (run_id, model_id, dataset_id, split)
      ) STRICT;
      CREATE INDEX error_analyses_by_model ON error_analyses(model_id);
    `,
  },
  {
    // The CLI and the app may share a data folder: a process starting up must not declare another
    // live process's run interrupted, so a running run records its owner.
    version: 3,
    name: 'run owner process',
    up: `
      ALTER TABLE runs ADD COLUMN owner_pid INTEGER CHECK (owner_pid > 0);
      CREATE INDEX runs_by_status ON runs(status);
    `,
  },
  {
    // A data folder on a shared lab drive is opened from several machines: a pid is only meaningful on its
    // own host, so a running run also records its host and beats a heartbeat. A dataset registered from one
    // file records how it was cut into train/dev/test, so every run cuts it the same way. An evaluation
    // records how fast the model labelled the split (the paper compares students by speed too).
    version: 4,
    name: 'run owner host and heartbeat; single-file dataset split; evaluation speed',
    up: `
      ALTER TABLE evaluations ADD COLUMN words_per_second REAL CHECK (words_per_second IS NULL OR words_per_second > 0);
      ALTER TABLE runs ADD COLUMN owner_host TEXT CHECK (length(owner_host) > 0);
      ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;
      ALTER TABLE datasets ADD COLUMN split TEXT CHECK (split IS NULL OR CASE WHEN json_valid(split) THEN json_type(split) = 'object' ELSE 0 END);
    `,
  },
  {
    // A user may skip one student of a run while the others go on, from the window or from another terminal
    // (`taughtnet runs skip-student`): the request goes through the store, which the process training the run reads
    // between steps, and stays as the record that the student was skipped until the run is resumed.
    version: 5,
    name: 'skipped students',
    up: `
      CREATE TABLE student_skips (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        student TEXT NOT NULL CHECK (length(student) > 0),
        requested_at TEXT NOT NULL,
        -- When the run stopped training the student; NULL while the request waits for the run to reach it.
        skipped_at TEXT,
        PRIMARY KEY (run_id, student)
      ) STRICT;
    `,
  },
];

export const LATEST_VERSION = migrations[migrations.length - 1].version;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to `target` (the latest by default), one transaction per migration, so a
 * crash or a failing migration leaves it at some whole version. Refuses a database newer than `list`.
 */
export function migrate(
  db: Database,
  target = LATEST_VERSION,
  list: readonly Migration[] = migrations,
): { from: number; to: number } {
  const latest = list[list.length - 1].version;
  const from = schemaVersion(db);
  if (from > latest) {
    throw new Error(
      `${db.name} has schema version ${from}, but this TaughtNet Workbench knows versions up to ${latest}: ` +
        `it was written by a newer release. Update the workbench, or choose another data folder.`,
    );
  }
  for (const migration of list) {
    if (migration.version > target) break;
    // IMMEDIATE takes the write lock first, so two processes opening a fresh folder do not both migrate.
    db.transaction(() => {
      if (schemaVersion(db) >= migration.version) return;
      if (typeof migration.up === 'string') db.exec(migration.up);
      else migration.up(db);
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) {
        throw new Error(`migration ${migration.version} (${migration.name}) broke ${broken.length} foreign keys`);
      }
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return { from, to: schemaVersion(db) };
}
