// Issue 12: the experiment store on a read-only disk and on a full one, each a real tmpfs mount (tests run as root
// here; chmod would not stop root, a read-only mount does). Where mounting is not allowed, the tests say so and skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmdirSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createRun } from '../../main/store/runs.ts';
import { openStore } from '../../main/store/store.ts';
import { TINY_BERT, corpusSlice } from '../pipeline/fixtures.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { skipUnless } from '../needs.ts';
import { taughtnet } from './run-cli.ts';

const mounts: string[] = [];
test.after(() => {
  for (const dir of mounts) {
    execFileSync('umount', [dir]);
    rmdirSync(dir);
  }
});

/** A fresh tmpfs of `size` (e.g. '4m'), unmounted when the file's tests end. */
function tmpfs(size: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'taughtnet-mount-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch (e) {
    rmdirSync(dir);
    throw e;
  }
  mounts.push(dir);
  return dir;
}

/** Whether this process may mount (root with CAP_SYS_ADMIN); the tests need real mounts, not chmod, which root ignores. */
function canMount(): boolean {
  try {
    tmpfs('64k');
    return true;
  } catch {
    return false;
  }
}
const mountSkip = {
  skip: skipUnless(canMount(), 'mounting a tmpfs needs root with CAP_SYS_ADMIN, which this process lacks'),
};

test(
  'a store on a read-only disk: reading commands work and say so; writing ones refuse, naming the folder',
  mountSkip,
  async () => {
    const dataDir = tmpfs('8m');
    const store = openStore({ dataDir });
    createRun(store, { name: 'kept run', config: { corpora: [] } });
    store.close();
    execFileSync('mount', ['-o', 'remount,ro', dataDir]);

    const [list, show, models, datasets, info] = await Promise.all([
      taughtnet(['runs', 'list', '--data-dir', dataDir]),
      taughtnet(['runs', 'show', '1', '--data-dir', dataDir]),
      taughtnet(['models', 'list', '--data-dir', dataDir]),
      taughtnet(['dataset', 'list', '--data-dir', dataDir]),
      taughtnet(['info', '--data-dir', dataDir]),
    ]);
    for (const r of [list, show, models, datasets, info]) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`note: the data folder ${dataDir} is read-only: showing what is stored`));
      assert.doesNotMatch(r.stderr, /attempt to write a readonly database/);
    }
    assert.match(list.stdout, /kept run/);
    assert.match(show.stdout, /kept run/);

    const add = await taughtnet(['dataset', 'add', 'resources/datasets/NCBI-disease', '--data-dir', dataDir]);
    assert.equal(add.code, 1);
    assert.match(
      add.stderr,
      new RegExp(`^taughtnet: the data folder ${dataDir} is read-only, and this command changes the experiment store`),
    );
  },
);

test(
  'disk full during a run: the error names the data folder, and the run is marked interrupted at once',
  mountSkip,
  async () => {
    const dataDir = tmpfs('6m');
    const corpora = tempDir('disk-full-corpora-');
    const training = { epochs: 1, lr: 3e-3, batchSize: 8, maxLength: 64, seed: 3 };
    const config = join(corpora, 'run.json');
    writeFileSync(
      config,
      JSON.stringify({
        corpora: [{ path: corpusSlice(corpora, 'NCBI-disease', 16), type: 'Disease' }],
        teachers: [{ type: 'Disease', model: { folder: TINY_BERT }, ...training }],
        student: { model: { folder: TINY_BERT }, ...training },
        device: 'cpu',
      }),
    );
    // The store is made, then the disk filled to within 300 KB: the first checkpoint (about 470 KB) cannot be written.
    openStore({ dataDir }).close();
    const { bavail, bsize } = statfsSync(dataDir);
    writeFileSync(join(dataDir, 'filler'), Buffer.alloc(Number(bavail) * Number(bsize) - 300 * 1024));

    const r = await taughtnet(['run', config, '--data-dir', dataDir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`taughtnet: the disk of the data folder ${dataDir} is full`));
    assert.equal(r.stderr.match(/the disk of the data folder/g)?.length, 1, 'said once');
    assert.match(r.stderr, /taughtnet: run 1 is interrupted: continue it with taughtnet run --resume 1/);
    // Read straight from the file: opening it through the store would mark a dead process's run interrupted itself.
    const db = new Database(join(dataDir, 'workbench.sqlite'), { readonly: true });
    try {
      const run = db.prepare(`SELECT status, error FROM runs WHERE id = 1`).get() as { status: string; error: string };
      assert.equal(run.status, 'interrupted');
      assert.match(run.error, new RegExp(`the disk of the data folder ${dataDir} is full`));
    } finally {
      db.close();
    }
  },
);
