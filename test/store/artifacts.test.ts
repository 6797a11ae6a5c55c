import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type Store } from '../../main/store/store.ts';
import {
  artifactFile,
  collectArtifactGarbage,
  deleteArtifact,
  listArtifacts,
  openArtifactWriter,
  verifyArtifact,
  writeArtifact,
} from '../../main/store/artifacts.ts';
import { createRun, deleteRun } from '../../main/store/runs.ts';
import { addModel } from '../../main/store/models.ts';
import { tempDir } from './fixtures/temp-dir.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

function assertNothingLeft(store: Store) {
  assert.deepEqual(readdirSync(store.paths.tmp), [], 'tmp/ is empty');
  assert.deepEqual(filesUnder(store.paths.artifacts), [], 'no artifact file');
  assert.equal(listArtifacts(store).length, 0, 'no artifact row');
}

test('bytes are stored under their sha256, durable and verifiable', async () => {
  const store = openStore({ dataDir: tempDir() });
  const run = createRun(store, { name: 'r', config: {} });
  const content = new TextEncoder().encode('weights of a tiny model');
  const artifact = await writeArtifact(store, content, { kind: 'weights', name: 'model.safetensors', runId: run.id });
  assert.equal(artifact.sha256, sha256(content));
  assert.equal(artifact.bytes, content.length);
  assert.equal(artifact.path, `artifacts/${artifact.sha256.slice(0, 2)}/${artifact.sha256}`);
  assert.deepEqual(readFileSync(join(store.dataDir, artifact.path)), Buffer.from(content));
  assert.ok(await verifyArtifact(store, artifact));
  assert.deepEqual(listArtifacts(store, { runId: run.id, kind: 'weights' }), [artifact]);
  assert.deepEqual(readdirSync(store.paths.tmp), []);

  // A changed byte is caught.
  const corrupted = Buffer.from(content);
  corrupted[0] ^= 1;
  writeFileSync(artifactFile(store, artifact), corrupted);
  assert.equal(await verifyArtifact(store, artifact), false);
  store.close();
});

test('the same content written twice is one file with two rows', async () => {
  const store = openStore({ dataDir: tempDir() });
  const content = new Uint8Array(1000).fill(7);
  const a = await writeArtifact(store, content, { kind: 'checkpoint' });
  const b = await writeArtifact(store, [content.subarray(0, 300), content.subarray(300)], { kind: 'weights' });
  assert.equal(a.sha256, b.sha256);
  assert.notEqual(a.id, b.id);
  assert.equal(filesUnder(store.paths.artifacts).length, 1);
  assert.deepEqual(readdirSync(store.paths.tmp), []);
  store.close();
});

test('the streaming writer hashes while writing big content', async () => {
  const store = openStore({ dataDir: tempDir() });
  const whole = createHash('sha256');
  const writer = await openArtifactWriter(store, { kind: 'teacher-distributions', name: 'ncbi.f32' });
  let total = 0;
  for (let i = 0; i < 64; i++) {
    const chunk = new Uint8Array(new Float32Array(16384).map((_, j) => Math.sin(i * 16384 + j)).buffer); // 64 KiB
    whole.update(chunk);
    total += chunk.length;
    await writer.write(chunk);
  }
  const artifact = await writer.finish();
  assert.equal(artifact.bytes, total);
  assert.equal(artifact.sha256, whole.digest('hex'));
  assert.ok(await verifyArtifact(store, artifact));
  await assert.rejects(writer.write(new Uint8Array(1)), /already finished or aborted/);
  store.close();
});

test('a source that throws midway leaves no temp file, no artifact file and no row', async () => {
  const store = openStore({ dataDir: tempDir() });
  async function* failing() {
    yield new Uint8Array(100_000).fill(1);
    yield new Uint8Array(100_000).fill(2);
    throw new Error('teacher inference crashed');
  }
  await assert.rejects(writeArtifact(store, failing(), { kind: 'teacher-distributions' }), /teacher inference crashed/);
  assertNothingLeft(store);

  // The push-style writer: the caller aborts.
  const writer = await openArtifactWriter(store, { kind: 'weights' });
  await writer.write(new Uint8Array(10));
  await writer.abort();
  await writer.abort();
  assertNothingLeft(store);
  store.close();
});

test('an OS error while putting the file in place leaves nothing behind', async () => {
  const store = openStore({ dataDir: tempDir() });
  const content = new TextEncoder().encode('some weights');
  const prefix = sha256(content).slice(0, 2);
  // A plain file where the artifacts/ab/ folder should go: mkdir fails with the OS's EEXIST/ENOTDIR.
  writeFileSync(join(store.paths.artifacts, prefix), 'in the way');
  await assert.rejects(writeArtifact(store, content, { kind: 'weights' }), (e: NodeJS.ErrnoException) =>
    ['EEXIST', 'ENOTDIR'].includes(e.code!),
  );
  assert.deepEqual(readdirSync(store.paths.tmp), []);
  assert.equal(listArtifacts(store).length, 0);
  store.close();
});

test(
  'a write the OS refuses midway (file size limit: EFBIG) leaves nothing behind',
  { skip: process.platform === 'win32' && 'needs ulimit' },
  () => {
    const dataDir = tempDir();
    openStore({ dataDir }).close(); // create the database before the limit applies
    const child = fileURLToPath(new URL('./fixtures/write-big-artifact.ts', import.meta.url));
    // ulimit -f counts 1 KiB blocks: 512 KiB allowed, 4 MiB attempted.
    const out = execFileSync(
      'bash',
      ['-c', `ulimit -f 512; exec "$0" --import tsx "$1" "$2" 4194304`, process.execPath, child, dataDir],
      {
        encoding: 'utf8',
      },
    );
    const result = JSON.parse(out.trim().split('\n').at(-1)!);
    assert.deepEqual([result.ok, result.code], [false, 'EFBIG'], result.message);
    // Looked at before reopening, which would sweep a dead writer's leftovers.
    assert.deepEqual(readdirSync(join(dataDir, 'tmp')), []);
    const store = openStore({ dataDir });
    assertNothingLeft(store);
    store.close();
  },
);

test('unknown owners and kinds are refused before anything is written', async () => {
  const store = openStore({ dataDir: tempDir() });
  await assert.rejects(
    writeArtifact(store, new Uint8Array(1), { kind: 'weights', runId: 42 }),
    /artifact: run 42 does not exist/,
  );
  await assert.rejects(
    writeArtifact(store, new Uint8Array(1), { kind: 'weights', modelId: 42 }),
    /artifact: model 42 does not exist/,
  );
  await assert.rejects(
    writeArtifact(store, new Uint8Array(1), { kind: 'zip' as never }),
    /invalid artifact:[\s\S]*at kind/,
  );
  assertNothingLeft(store);
  store.close();
});

test('garbage collection removes files no row refers to, and keeps shared ones', async () => {
  const store = openStore({ dataDir: tempDir() });
  const run = createRun(store, { name: 'r', config: {} });
  const model = addModel(store, {
    name: 'm',
    kind: 'student',
    architecture: 'bert',
    parameterCount: 1,
    sizeBytes: 1,
    folder: 'm',
  });
  const shared = new Uint8Array(64).fill(3);
  const own = await writeArtifact(store, new Uint8Array(64).fill(4), { kind: 'checkpoint', runId: run.id });
  await writeArtifact(store, shared, { kind: 'weights', runId: run.id });
  const kept = await writeArtifact(store, shared, { kind: 'weights', modelId: model.id });
  const loose = await writeArtifact(store, new Uint8Array(64).fill(5), { kind: 'predictions' });
  deleteArtifact(store, loose.id);
  deleteRun(store, run.id); // its artifact rows go with it

  assert.deepEqual(collectArtifactGarbage(store), [], 'recent files are spared');
  const removed = collectArtifactGarbage(store, { graceMs: -1000 });
  assert.deepEqual(removed.sort(), [own.path, loose.path].sort());
  assert.ok(existsSync(artifactFile(store, kept)));
  assert.deepEqual(
    listArtifacts(store).map((a) => a.id),
    [kept.id],
  );
  store.close();
});

test('opening the store removes temp files left by dead processes only', () => {
  const dataDir = tempDir();
  openStore({ dataDir }).close();
  const tmp = join(dataDir, 'tmp');
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid is free
  const host = hostname().replace(/[^\w.-]/g, '_');
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, `${host}~${dead}-0123456789abcdef.part`), 'half a file');
  writeFileSync(join(tmp, `${dead}-0123456789abcdef.part`), 'half a file, named before hosts were recorded');
  writeFileSync(join(tmp, `${host}~${process.pid}-0123456789abcdef.part`), 'being written by a live process');
  writeFileSync(join(tmp, 'stray'), '');
  // On a shared drive: another machine's pids mean nothing here, only how long ago its file was written.
  writeFileSync(join(tmp, `other-lab-pc~${dead}-0123456789abcdef.part`), 'being written on another machine');
  writeFileSync(
    join(tmp, `other-lab-pc~${process.pid}-fedcba9876543210.part`),
    'left two hours ago on another machine',
  );
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  utimesSync(join(tmp, `other-lab-pc~${process.pid}-fedcba9876543210.part`), twoHoursAgo, twoHoursAgo);
  openStore({ dataDir }).close();
  assert.deepEqual(
    readdirSync(tmp).sort(),
    [`${host}~${process.pid}-0123456789abcdef.part`, `other-lab-pc~${dead}-0123456789abcdef.part`].sort(),
  );
});
