// Artifacts: big binary files (weights, checkpoints, teacher distributions) kept under the data folder by
// content: artifacts/ab/abcdef… is the file whose sha256 is abcdef…, so equal content is stored once.
// The file is complete and durable before its row is inserted, so no row ever points to a missing file;
// a crash in between leaves at most an unreferenced file, which collectArtifactGarbage removes.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ARTIFACT_KINDS, type Artifact, type ArtifactKind } from '../../shared/store-types.ts';
import type { Store } from './store.ts';
import { nowIso, prepared } from './sql.ts';
import { explainConstraints, id, nonEmpty, parseInput } from './input.ts';
import { fsyncDir, tmpFileName } from './atomic-files.ts';

interface ArtifactRow {
  id: number;
  kind: ArtifactKind;
  sha256: string;
  bytes: number;
  path: string;
  name: string | null;
  run_id: number | null;
  model_id: number | null;
  created_at: string;
}

const toArtifact = (row: ArtifactRow): Artifact => ({
  id: row.id,
  kind: row.kind,
  sha256: row.sha256,
  bytes: row.bytes,
  path: row.path,
  name: row.name,
  runId: row.run_id,
  modelId: row.model_id,
  createdAt: row.created_at,
});

const artifactMeta = z.strictObject({
  kind: z.enum(ARTIFACT_KINDS),
  name: nonEmpty.nullable().optional(),
  runId: id.nullable().optional(),
  modelId: id.nullable().optional(),
});
export type ArtifactMeta = z.input<typeof artifactMeta>;

/** Where the file of `sha256` lives, relative to the data folder (always with '/'). */
export function artifactRelativePath(sha256: string): string {
  return `artifacts/${sha256.slice(0, 2)}/${sha256}`;
}

export function artifactFile(store: Store, artifact: Pick<Artifact, 'sha256'>): string {
  return join(store.dataDir, ...artifactRelativePath(artifact.sha256).split('/'));
}

/** Streams content into the store. Await each write before the next; finish() or abort() ends it. */
export interface ArtifactWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the file durable, puts it in place (or reuses an equal one) and inserts its row. */
  finish(): Promise<Artifact>;
  /** Drops what was written. Safe to call after a failure or twice. */
  abort(): Promise<void>;
}

export async function openArtifactWriter(store: Store, meta: ArtifactMeta): Promise<ArtifactWriter> {
  const m = parseInput(artifactMeta, meta, 'artifact');
  // Check the owners before writing what may be gigabytes, rather than failing at the insert.
  if (m.runId != null && !prepared(store, `SELECT 1 FROM runs WHERE id = ?`).get(m.runId)) {
    throw new Error(`artifact: run ${m.runId} does not exist`);
  }
  if (m.modelId != null && !prepared(store, `SELECT 1 FROM models WHERE id = ?`).get(m.modelId)) {
    throw new Error(`artifact: model ${m.modelId} does not exist`);
  }
  const tmpPath = join(store.paths.tmp, tmpFileName());
  const file = await open(tmpPath, 'wx');
  const hash = createHash('sha256');
  let bytes = 0;
  let closed = false;

  async function abort(): Promise<void> {
    if (!closed) {
      closed = true;
      await file.close().catch(() => {}); // already failing; the removal below is what matters
    }
    await rm(tmpPath, { force: true });
  }
  /** Runs a step; on any error removes the temp file and rethrows. */
  async function orAbort<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      await abort();
      throw error;
    }
  }

  return {
    write: (chunk) =>
      orAbort(async () => {
        if (closed) throw new Error('artifact writer is already finished or aborted');
        for (let done = 0; done < chunk.length;) {
          done += (await file.write(chunk, done, chunk.length - done)).bytesWritten;
        }
        hash.update(chunk);
        bytes += chunk.length;
      }),
    finish: () =>
      orAbort(async () => {
        if (closed) throw new Error('artifact writer is already finished or aborted');
        await file.sync();
        closed = true;
        await file.close();
        const sha256 = hash.digest('hex');
        const finalPath = artifactFile(store, { sha256 });
        const dir = dirname(finalPath);
        if (!existsSync(dir)) {
          await mkdir(dir, { recursive: true });
          fsyncDir(store.paths.artifacts);
        }
        const existing = await stat(finalPath).catch(() => undefined);
        if (existing?.size === bytes) {
          // Same content already stored. Touch it so a garbage collection running now keeps it.
          await rm(tmpPath);
          const now = new Date();
          await utimes(finalPath, now, now);
        } else {
          await rename(tmpPath, finalPath);
          fsyncDir(dir);
        }
        const row = explainConstraints(`artifact ${sha256}`, () =>
          prepared(
            store,
            `INSERT INTO artifacts (kind, sha256, bytes, path, name, run_id, model_id, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
          ).get(
            m.kind,
            sha256,
            bytes,
            artifactRelativePath(sha256),
            m.name ?? null,
            m.runId ?? null,
            m.modelId ?? null,
            nowIso(),
          ),
        );
        return toArtifact(row as ArtifactRow);
      }),
    abort,
  };
}

/**
 * Stores bytes, or chunks from an (async) iterable such as a Node stream or a generator; if the source
 * throws, nothing is left behind and the error is rethrown.
 */
export async function writeArtifact(
  store: Store,
  source: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  meta: ArtifactMeta,
): Promise<Artifact> {
  const writer = await openArtifactWriter(store, meta);
  try {
    for await (const chunk of source instanceof Uint8Array ? [source] : source) await writer.write(chunk);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return writer.finish();
}

export function getArtifact(store: Store, artifactId: number): Artifact | undefined {
  const row = prepared(store, `SELECT * FROM artifacts WHERE id = ?`).get(parseInput(id, artifactId, 'artifact id'));
  return row ? toArtifact(row as ArtifactRow) : undefined;
}

const artifactFilter = z.strictObject({
  runId: id.optional(),
  modelId: id.optional(),
  kind: z.enum(ARTIFACT_KINDS).optional(),
});

export function listArtifacts(store: Store, filter: z.input<typeof artifactFilter> = {}): Artifact[] {
  const f = parseInput(artifactFilter, filter, 'artifact filter');
  const rows = prepared(
    store,
    `SELECT * FROM artifacts WHERE (@runId IS NULL OR run_id = @runId) AND (@modelId IS NULL OR model_id = @modelId)
         AND (@kind IS NULL OR kind = @kind)
       ORDER BY id`,
  ).all({ runId: null, modelId: null, kind: null, ...f });
  return (rows as ArtifactRow[]).map(toArtifact);
}

/** The newest artifact of a kind stored under exactly this name (names can serve as cache keys), if any. */
export function findArtifact(store: Store, kind: ArtifactKind, name: string): Artifact | undefined {
  const row = prepared(store, `SELECT * FROM artifacts WHERE kind = ? AND name = ? ORDER BY id DESC LIMIT 1`).get(
    parseInput(z.enum(ARTIFACT_KINDS), kind, 'artifact kind'),
    parseInput(nonEmpty, name, 'artifact name'),
  );
  return row ? toArtifact(row as ArtifactRow) : undefined;
}

/**
 * A second row for a stored file (another run using it): the file then stays while either row does, and nothing
 * is copied.
 */
export function shareArtifact(store: Store, artifact: Artifact, meta: ArtifactMeta): Artifact {
  const m = parseInput(artifactMeta, meta, 'artifact');
  const row = explainConstraints(`artifact ${artifact.sha256}`, () =>
    prepared(
      store,
      `INSERT INTO artifacts (kind, sha256, bytes, path, name, run_id, model_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    ).get(
      m.kind,
      artifact.sha256,
      artifact.bytes,
      artifact.path,
      m.name ?? null,
      m.runId ?? null,
      m.modelId ?? null,
      nowIso(),
    ),
  );
  return toArtifact(row as ArtifactRow);
}

/** Deletes the row; the file goes at the next collectArtifactGarbage unless another row shares it. */
export function deleteArtifact(store: Store, artifactId: number): boolean {
  return (
    prepared(store, `DELETE FROM artifacts WHERE id = ?`).run(parseInput(id, artifactId, 'artifact id')).changes > 0
  );
}

/** Re-reads the file and checks its size and sha256 against the row. */
export async function verifyArtifact(store: Store, artifact: Pick<Artifact, 'sha256' | 'bytes'>): Promise<boolean> {
  const path = artifactFile(store, artifact);
  if ((await stat(path).catch(() => undefined))?.size !== artifact.bytes) return false;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex') === artifact.sha256;
}

/**
 * Removes artifact files no row refers to (left by deleted runs or models, or by a crash between a
 * file's rename and its row). Files touched within `graceMs` stay: a writer may be about to insert their
 * row. Returns the removed files' paths relative to the data folder.
 */
export function collectArtifactGarbage(store: Store, { graceMs = 60 * 60 * 1000 } = {}): string[] {
  // The write lock keeps other processes from inserting rows while we decide.
  return store.db
    .transaction(() => {
      const referenced = new Set(
        (prepared(store, `SELECT DISTINCT sha256 FROM artifacts`).all() as { sha256: string }[]).map((r) => r.sha256),
      );
      const removed: string[] = [];
      const cutoff = Date.now() - graceMs;
      for (const entry of readdirSync(store.paths.artifacts, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const prefix = entry.name;
        const dir = join(store.paths.artifacts, prefix);
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          if (referenced.has(name) || statSync(path).mtimeMs > cutoff) continue;
          rmSync(path, { force: true });
          removed.push(`artifacts/${prefix}/${name}`);
        }
      }
      return removed;
    })
    .immediate();
}
