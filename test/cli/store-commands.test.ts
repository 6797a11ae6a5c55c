// The store-facing commands (info, dataset add/list, runs, models), run as the real CLI on a data folder in a temp
// dir. Each spawn costs about half a second, so independent ones run side by side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../main/store/store.ts';
import { addDataset } from '../../main/store/datasets.ts';
import { LATEST_VERSION } from '../../main/store/migrations.ts';
import { recordMetrics } from '../../main/store/metrics.ts';
import { addModel } from '../../main/store/models.ts';
import { saveEvaluation } from '../../main/store/evaluations.ts';
import { createRun, setRunStatus } from '../../main/store/runs.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { taughtnet } from './run-cli.ts';

const NCBI = 'resources/datasets/NCBI-disease';
const SLICE_SENTENCES = 200;

/** The first 200 sentences of each NCBI-disease split, written to a fresh folder, with counts made by hand. */
function ncbiSlice(): {
  folder: string;
  expected: Record<string, { sentences: number; tokens: number; mentions: number }>;
} {
  const folder = join(tempDir('cli-ncbi-slice-'), 'NCBI-slice');
  mkdirSync(folder);
  const expected: Record<string, { sentences: number; tokens: number; mentions: number }> = {};
  for (const [file, split] of [
    ['train.tsv', 'train'],
    ['devel.tsv', 'dev'],
    ['test.tsv', 'test'],
  ]) {
    const sentences = readFileSync(join(NCBI, file), 'utf8')
      .split(/\n\s*\n/)
      .slice(0, SLICE_SENTENCES);
    writeFileSync(join(folder, file), sentences.join('\n\n') + '\n');
    const lines = sentences.flatMap((s) => s.split('\n'));
    expected[split] = {
      sentences: SLICE_SENTENCES,
      tokens: lines.length,
      mentions: lines.filter((l) => l.endsWith('\tB-Disease')).length,
    };
  }
  return { folder, expected };
}

const json = (r: { code: number; stdout: string; stderr: string }) => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

test('dataset add: a real slice is registered once, a malformed one is refused naming FILE:LINE; dataset list', async () => {
  const dataDir = tempDir('cli-store-');
  const { folder, expected } = ncbiSlice();
  const bad = join(tempDir('cli-bad-'), 'broken');
  cpSync(folder, bad, { recursive: true });
  const breakLine = (file: string, line: number, edit: (text: string) => string) => {
    const lines = readFileSync(join(bad, file), 'utf8').split('\n');
    assert.notEqual(lines[line - 1], '', `${file}:${line} must be a token line`);
    lines[line - 1] = edit(lines[line - 1]);
    writeFileSync(join(bad, file), lines.join('\n'));
  };
  breakLine('train.tsv', 5, (l) => l.split('\t')[0]);
  breakLine('devel.tsv', 3, (l) => `${l.split('\t')[0]}\tQ-Disease`);

  const first = json(await taughtnet(['dataset', 'add', folder, '--data-dir', dataDir, '--json']));
  assert.equal(first.added, true);
  assert.equal(first.dataset.name, 'NCBI-slice');
  assert.equal(first.dataset.source, folder);
  assert.deepEqual(first.dataset.entityTypes, ['Disease']);
  assert.match(first.dataset.contentHash, /^[0-9a-f]{64}$/);
  assert.deepEqual(
    first.dataset.splits,
    Object.entries(expected).map(([name, counts]) => ({ name, ...counts })),
  );

  const [again, broken] = await Promise.all([
    // With --data-dir before the command name, and as text.
    taughtnet(['--data-dir', dataDir, 'dataset', 'add', folder]),
    taughtnet(['dataset', 'add', bad, '--data-dir', dataDir, '--name', 'broken']),
  ]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(
    again.stdout,
    /^already registered as dataset #1 "NCBI-slice" \(Disease; sentences: train 200, dev 200, test 200\): nothing added\n$/,
  );
  assert.equal(broken.code, 1);
  assert.equal(broken.stdout, '');
  assert.match(broken.stderr, new RegExp(`${join(bad, 'train.tsv')}:5: missing label column`));
  assert.match(broken.stderr, new RegExp(`${join(bad, 'devel.tsv')}:3: bad label 'Q-Disease'`));
  assert.doesNotMatch(broken.stderr, /\n\s+at /, 'no stack trace');

  // Neither a second copy nor the broken one was stored.
  const listed = json(await taughtnet(['dataset', 'list', '--data-dir', dataDir, '--json']));
  assert.deepEqual(
    listed.map((d: { ref: object; name: string }) => [d.ref, d.name]),
    [
      [{ source: 'shipped', name: 'BC2GM' }, 'BC2GM'],
      [{ source: 'shipped', name: 'BC5CDR-chem' }, 'BC5CDR-chem'],
      [{ source: 'shipped', name: 'NCBI-disease' }, 'NCBI-disease'],
      [{ source: 'user', id: 1 }, 'NCBI-slice'],
    ],
  );
  assert.ok(existsSync(join(listed[2].folder, 'train.tsv')), 'a shipped entry points at its files');
  assert.deepEqual(listed[3].splits, first.dataset.splits);
  assert.equal(listed[3].contentHash, first.dataset.contentHash);
});

test('dataset add FILE: cut by --split/--seed, the cut stored with it, repairs printed as FILE:LINE warnings', async () => {
  const dataDir = tempDir('cli-store-');
  const file = join(tempDir('cli-file-'), 'ncbi-100.tsv');
  const lines = readFileSync(join(NCBI, 'train.tsv'), 'utf8')
    .split(/\n\s*\n/)
    .slice(0, 100)
    .join('\n\n')
    .split('\n');
  // A stray I- after O: read as B- (lenient, as conlleval), and said so.
  const stray = lines.findIndex((l, i) => l.endsWith('\tB-Disease') && lines[i - 1]?.endsWith('\tO'));
  lines[stray] = lines[stray].replace('\tB-Disease', '\tI-Disease');
  writeFileSync(file, lines.join('\n') + '\n');

  const text = await taughtnet(['dataset', 'add', file, '--split', '70/15/15', '--seed', '7', '--data-dir', dataDir]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^registered dataset #1 "ncbi-100" \(Disease; sentences: train 70, dev 15, test 15\)\n$/);
  assert.equal(text.stderr, `warning: ${file}:${stray + 1}: stray I-Disease after O: read as B-Disease\n`);

  const [same, reseeded, folderCut] = await Promise.all([
    taughtnet(['dataset', 'add', file, '--split', '70/15/15', '--seed', '7', '--data-dir', dataDir, '--json']),
    taughtnet(['dataset', 'add', file, '--seed', '8', '--split', '70/15/15', '--data-dir', dataDir, '--json']),
    taughtnet(['dataset', 'add', NCBI, '--split', '70/15/15', '--data-dir', dataDir]),
  ]);
  const again = json(same);
  assert.equal(again.added, false);
  assert.deepEqual(again.dataset.split, { ratios: [70, 15, 15], seed: 7 });
  assert.deepEqual(again.warnings, [`${file}:${stray + 1}: stray I-Disease after O: read as B-Disease`]);
  assert.equal(again.warningCount, 1);
  // Another seed is another cut of the file: another dataset.
  const other = json(reseeded);
  assert.equal(other.added, true);
  assert.notEqual(other.dataset.contentHash, again.dataset.contentHash);
  assert.equal(folderCut.code, 1);
  assert.match(folderCut.stderr, /is not a single file: a split applies to one file/);
});

test('on an empty store: info --json lists cpu as available, runs and models list nothing', async () => {
  const dataDir = tempDir('cli-store-');
  const [info, runs, models, text] = await Promise.all([
    taughtnet(['info', '--json', '--data-dir', dataDir]),
    taughtnet(['runs', 'list', '--json', '--data-dir', dataDir]),
    taughtnet(['models', 'list', '--json', '--data-dir', dataDir]),
    taughtnet(['runs', 'list', '--data-dir', dataDir]),
  ]);
  const report = json(info);
  assert.equal(report.dataFolder, dataDir);
  assert.equal(report.schemaVersion, LATEST_VERSION);
  assert.equal(report.version, JSON.parse(readFileSync('package.json', 'utf8')).version);
  assert.equal(report.versions.node, process.versions.node);
  assert.equal(
    report.versions.onnxruntime,
    JSON.parse(readFileSync('node_modules/onnxruntime-node/package.json', 'utf8')).version,
  );
  assert.deepEqual(
    report.providers.map((p: { name: string }) => p.name),
    ['cuda', 'webgpu', 'cpu'],
  );
  assert.deepEqual(report.providers[2], {
    name: 'cpu',
    available: true,
    emulated: false,
    reason: 'a test session ran on cpu',
  });
  for (const p of report.providers) assert.ok(p.reason.length > 0, `${p.name} says why`);
  assert.deepEqual(json(runs), []);
  assert.deepEqual(json(models), []);
  assert.equal(text.stdout, 'no runs\n');
});

test('runs list/show and models list read what runs recorded; a run whose process died is marked interrupted', async () => {
  const dataDir = tempDir('cli-store-');
  const store = openStore({ dataDir });
  const config = { corpora: ['NCBI-disease'], epochs: 2, lambda: 0.5 };
  let runId: number;
  try {
    runId = createRun(store, { name: 'teacher NCBI', config }).id;
    setRunStatus(store, { runId, status: 'running', device: 'cpu' });
    const phase = 'teacher:NCBI-disease';
    recordMetrics(store, runId, [
      { phase, epoch: 0, step: 10, name: 'loss', value: 2.5 },
      { phase, epoch: 0, step: 20, name: 'loss', value: 1.25 },
      { phase, epoch: 0, name: 'f1', value: 0.5 },
      { phase, epoch: 1, step: 30, name: 'loss', value: 1.5 },
      { phase, epoch: 1, name: 'f1', value: 0.75 },
    ]);
    const model = addModel(store, {
      name: 'teacher-ncbi',
      kind: 'teacher',
      architecture: 'bert',
      parameterCount: 4_400_000,
      sizeBytes: 17_600_000,
      folder: 'models/1',
      runId,
    });
    const dataset = addDataset(store, {
      name: 'NCBI slice',
      source: '/data/ncbi',
      entityTypes: ['Disease'],
      contentHash: 'a'.repeat(64),
      splits: [{ name: 'test', sentences: 200, tokens: 5000, mentions: 10 }],
    });
    const scores = { precision: 0.8, recall: 0.6, f1: (2 * 0.8 * 0.6) / 1.4, support: 10 };
    saveEvaluation(store, {
      runId,
      modelId: model.id,
      datasetId: dataset.id,
      split: 'test',
      mode: 'strict',
      ...scores,
      perType: { Disease: scores },
    });
    setRunStatus(store, { runId, status: 'completed' });
  } finally {
    store.close();
  }
  // A second run, left 'running' by a process that has exited.
  const crashedId = Number(
    execFileSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/leave-run-running.ts', import.meta.url)), dataDir],
      {
        encoding: 'utf8',
      },
    ),
  );

  const list = await taughtnet(['runs', 'list', '--json', '--data-dir', dataDir]);
  assert.match(
    list.stderr,
    new RegExp(
      `note: run ${crashedId} \\(crashed distillation\\) was left running by a process that is gone: marked interrupted`,
    ),
  );
  assert.deepEqual(
    json(list).map((r: { id: number; status: string }) => [r.id, r.status]),
    [
      [runId, 'completed'],
      [crashedId, 'interrupted'],
    ],
  );

  const [show, showText, interrupted, teachers, students, missing] = await Promise.all([
    taughtnet(['runs', 'show', String(runId), '--json', '--data-dir', dataDir]),
    taughtnet(['runs', 'show', String(runId), '--data-dir', dataDir]),
    taughtnet(['runs', 'list', '--status', 'interrupted', '--json', '--data-dir', dataDir]),
    taughtnet(['models', 'list', '--kind', 'teacher', '--json', '--data-dir', dataDir]),
    taughtnet(['models', 'list', '--kind', 'student', '--json', '--data-dir', dataDir]),
    taughtnet(['runs', 'show', '99', '--data-dir', dataDir]),
  ]);
  const report = json(show);
  assert.deepEqual(report.run.config, config);
  assert.equal(report.run.status, 'completed');
  assert.equal(report.run.device, 'cpu');
  assert.ok(report.run.startedAt <= report.run.finishedAt);
  assert.deepEqual(report.metrics, [
    {
      phase: 'teacher:NCBI-disease',
      name: 'loss',
      per: 'step',
      points: 3,
      last: { epoch: 1, step: 30, value: 1.5 },
      min: 1.25,
      max: 2.5,
    },
    {
      phase: 'teacher:NCBI-disease',
      name: 'f1',
      per: 'epoch',
      points: 2,
      last: { epoch: 1, step: null, value: 0.75 },
      min: 0.5,
      max: 0.75,
    },
  ]);
  assert.deepEqual(
    report.models.map((m: { name: string }) => m.name),
    ['teacher-ncbi'],
  );
  assert.equal(report.evaluations.length, 1);
  assert.deepEqual(
    [
      report.evaluations[0].modelName,
      report.evaluations[0].datasetName,
      report.evaluations[0].split,
      report.evaluations[0].precision,
    ],
    ['teacher-ncbi', 'NCBI slice', 'test', 0.8],
  );
  assert.match(showText.stdout, /status\s+completed\n/);
  assert.match(showText.stdout, /teacher:NCBI-disease\s+loss\s+step\s+3\s+step 30\s+1\.500\s+1\.250\s+2\.500\n/);
  assert.match(showText.stdout, /teacher-ncbi\s+NCBI slice\s+test\s+strict\s+80\.00\s+60\.00\s+68\.57\s+10\n/);

  assert.deepEqual(
    json(interrupted).map((r: { id: number }) => r.id),
    [crashedId],
  );
  assert.deepEqual(
    json(teachers).map((m: { name: string; runId: number }) => [m.name, m.runId]),
    [['teacher-ncbi', runId]],
  );

  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^taughtnet: there is no run 99 in /);
  assert.deepEqual(json(students), []);
});

test('the data folder: --data-dir, else $TAUGHTNET_DATA_DIR, else the platform folder ($XDG_DATA_HOME on Linux)', async (t) => {
  const [flag, env, xdg] = [tempDir('cli-flag-'), tempDir('cli-env-'), tempDir('cli-xdg-')];
  const [fromEnv, flagWins] = await Promise.all([
    taughtnet(['runs', 'list'], { TAUGHTNET_DATA_DIR: env }),
    taughtnet(['runs', 'list', '--data-dir', flag], { TAUGHTNET_DATA_DIR: join(env, 'unused') }),
  ]);
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.equal(flagWins.code, 0, flagWins.stderr);
  assert.ok(existsSync(join(env, 'workbench.sqlite')));
  assert.ok(existsSync(join(flag, 'workbench.sqlite')));
  assert.ok(!existsSync(join(env, 'unused')));

  if (process.platform !== 'linux')
    return t.skip('the platform folder is checked on Linux, where $XDG_DATA_HOME moves it');
  const platform = await taughtnet(['runs', 'list'], { TAUGHTNET_DATA_DIR: undefined, XDG_DATA_HOME: xdg });
  assert.equal(platform.code, 0, platform.stderr);
  assert.ok(existsSync(join(xdg, 'taughtnet-workbench', 'workbench.sqlite')));
});

test('store and usage errors are one plain line on stderr with a non-zero exit', async () => {
  const notAStore = tempDir('cli-junk-');
  writeFileSync(join(notAStore, 'workbench.sqlite'), 'this is not SQLite');
  const [junk, wrongCommand, badId, badStatus] = await Promise.all([
    taughtnet(['models', 'list', '--data-dir', notAStore]),
    taughtnet(['--data-dir', notAStore, 'eval', '--gold', 'a', '--pred', 'b']),
    taughtnet(['runs', 'show', 'first', '--data-dir', notAStore]),
    taughtnet(['runs', 'list', '--status', 'done', '--data-dir', notAStore]),
  ]);
  assert.equal(junk.code, 1);
  assert.equal(junk.stdout, '');
  assert.equal(
    junk.stderr,
    `taughtnet: cannot open the experiment store in ${notAStore}: ${join(notAStore, 'workbench.sqlite')}: file is not a database\n`,
  );
  assert.equal(wrongCommand.code, 2);
  assert.match(wrongCommand.stderr, /Unknown option '--data-dir'/);
  assert.equal(badId.code, 2);
  assert.match(badId.stderr, /ID must be a run number; got 'first'/);
  assert.equal(badStatus.code, 2);
  assert.match(
    badStatus.stderr,
    /--status must be one of queued, running, completed, failed, cancelled, interrupted; got 'done'/,
  );
});
