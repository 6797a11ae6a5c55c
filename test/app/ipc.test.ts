// The IPC handler table as both Electron and the harness serve it: arguments are checked against the contract
// before any service runs, failures come back as readable messages, and nothing bad reaches the store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHANNELS,
  type DatasetEntry,
  type DatasetRegistration,
  type DatasetReport,
} from '../../shared/ipc/contract.ts';
import { handleIpc, handlers } from '../../main/services/handlers.ts';
import type { ServiceContext } from '../../main/services/context.ts';
import { RESOURCES, ok, refusal, testServiceContext } from './service-context.ts';
import { openStore, type Store } from '../../main/store/store.ts';
import { listDatasets } from '../../main/store/datasets.ts';

let dataDir: string;
let corpora: string;
let store: Store;
let events: { event: string; payload: unknown }[] = [];
let ctx: ServiceContext;

before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'taughtnet-ipc-test-'));
  corpora = mkdtempSync(join(tmpdir(), 'taughtnet-ipc-corpora-'));
  store = openStore({ dataDir });
  ctx = testServiceContext(store, { emit: (event, payload) => events.push({ event, payload }) });
});

after(() => {
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(corpora, { recursive: true, force: true });
});

/** A real corpus folder: the first `n` sentences of each NCBI-disease split, each file passed through `edit`. */
function corpusFolder(name: string, n: number, edit = (text: string, _split: string) => text): string {
  const folder = join(corpora, name);
  mkdirSync(folder, { recursive: true });
  for (const split of ['train', 'devel', 'test']) {
    const text = readFileSync(join(RESOURCES, 'datasets/NCBI-disease', `${split}.tsv`), 'utf8');
    writeFileSync(join(folder, `${split}.tsv`), edit(text.split('\n\n').slice(0, n).join('\n\n') + '\n', split));
  }
  return folder;
}

test('every channel of the contract has a handler, and no handler is outside the contract', () => {
  assert.deepEqual(Object.keys(handlers).sort(), [...CHANNELS].sort());
});

test('an unknown channel is refused', async () => {
  assert.equal(refusal(await handleIpc(ctx, 'store:drop-everything', {})), 'unknown channel "store:drop-everything"');
  assert.equal(refusal(await handleIpc(ctx, 42, {})), 'unknown channel "42"');
});

test('arguments that do not match the schema are refused before any service runs', async () => {
  const cases: [string, unknown, RegExp][] = [
    ['app:info', { extra: 1 }, /Unrecognized key/],
    ['app:info', undefined, /expected object/],
    ['datasets:inspect', {}, /dataset/],
    [
      'datasets:inspect',
      { dataset: { source: 'shipped', name: '../../etc' } },
      /must be a folder name under resources\/datasets/,
    ],
    ['datasets:inspect', { dataset: { source: 'shipped', name: '/etc' } }, /must be a folder name/],
    ['datasets:inspect', { dataset: { source: 'user', id: -1 } }, /dataset\.id/],
    ['datasets:inspect', { dataset: { source: 'user', id: 1.5 } }, /dataset\.id/],
    ['datasets:inspect', { dataset: { source: 'somewhere', name: 'x' } }, /dataset\.source/],
    ['datasets:register', { folder: 42, name: 'x' }, /folder/],
    ['datasets:register', { folder: '   ', name: 'x' }, /choose a folder/],
    ['datasets:register', { folder: '/tmp', name: '' }, /give the dataset a name/],
    ['datasets:register', { folder: '/tmp', name: 'x', entityType: 'has space' }, /must be a word such as Disease/],
    ['datasets:register', { folder: '/tmp', name: 'x', sql: 'DROP TABLE datasets' }, /Unrecognized key/],
  ];
  for (const [channel, args, message] of cases) {
    const error = refusal(await handleIpc(ctx, channel, args));
    assert.match(error, new RegExp(`^invalid arguments for ${channel}:`), `${channel} ${JSON.stringify(args)}`);
    assert.match(error, message, `${channel} ${JSON.stringify(args)}: ${error}`);
  }
  assert.deepEqual(listDatasets(store), []);
  assert.deepEqual(events, []);
});

test('datasets:list and datasets:inspect read the shipped corpora', async () => {
  const list = ok<DatasetEntry[]>(await handleIpc(ctx, 'datasets:list', {}));
  assert.deepEqual(
    list.map((d) => [d.name, d.ref]),
    [
      ['BC2GM', { source: 'shipped', name: 'BC2GM' }],
      ['BC5CDR-chem', { source: 'shipped', name: 'BC5CDR-chem' }],
      ['NCBI-disease', { source: 'shipped', name: 'NCBI-disease' }],
    ],
  );
  const report = ok<DatasetReport>(
    await handleIpc(ctx, 'datasets:inspect', { dataset: { source: 'shipped', name: 'NCBI-disease' } }),
  );
  assert.deepEqual(
    report.splits.map((s) => [s.name, s.stats.sentences, s.stats.mentions, s.stats.types]),
    [
      ['train', 5424, 5134, { Disease: 5134 }],
      ['dev', 923, 787, { Disease: 787 }],
      ['test', 940, 960, { Disease: 960 }],
    ],
  );
  assert.equal(report.errorCount, 0);
  assert.match(
    refusal(await handleIpc(ctx, 'datasets:inspect', { dataset: { source: 'shipped', name: 'BC4CHEMD' } })),
    /no shipped dataset named "BC4CHEMD"/,
  );
  assert.match(
    refusal(await handleIpc(ctx, 'datasets:inspect', { dataset: { source: 'user', id: 99 } })),
    /no registered dataset number 99/,
  );
});

test('datasets:register refuses a folder it cannot use, saying why, and stores nothing', async () => {
  assert.match(
    refusal(await handleIpc(ctx, 'datasets:register', { folder: 'relative/path', name: 'x' })),
    /not a full path/,
  );
  const untyped = corpusFolder('untyped', 20, (text) => text.replace(/\t([BI])-Disease$/gm, '\t$1'));
  assert.match(
    refusal(await handleIpc(ctx, 'datasets:register', { folder: untyped, name: 'x' })),
    /carry no entity type/,
  );
  const typed = corpusFolder('typed', 20);
  assert.match(
    refusal(await handleIpc(ctx, 'datasets:register', { folder: typed, name: 'x', entityType: 'Chemical' })),
    /mark Disease, not Chemical/,
  );
  // Line 3 of devel.tsv gets a label that is no label.
  const broken = corpusFolder('broken', 20, (text, split) =>
    split === 'devel' ? text.replace(/^((?:.*\n){2}\S+)\t\S+/, '$1\tDISEASE') : text,
  );
  const error = refusal(
    await handleIpc(ctx, 'datasets:register', { folder: broken, name: 'broken', entityType: 'Disease' }),
  );
  assert.match(error, new RegExp(`cannot be read:\\n${join(broken, 'devel.tsv')}:3`));
  assert.deepEqual(listDatasets(store), []);
  assert.deepEqual(events, []);
});

test('datasets:register stores a good folder once and tells the renderer the list changed', async () => {
  // Bare B / I labels, as many corpora are written: the user says which type they mark.
  const folder = corpusFolder('good', 25, (text) => text.replace(/\t([BI])-Disease$/gm, '\t$1'));
  const first = ok<DatasetRegistration>(
    await handleIpc(ctx, 'datasets:register', { folder, name: ' Slice ', entityType: 'Disease' }),
  );
  const { entry } = first;
  assert.deepEqual(entry, {
    ref: { source: 'user', id: entry.ref.source === 'user' ? entry.ref.id : -1 },
    name: 'Slice',
    folder,
    entityTypes: ['Disease'],
  });
  assert.deepEqual([first.added, first.repairs, first.repairCount], [true, [], 0]);
  assert.deepEqual(events, [{ event: 'datasets:changed', payload: { name: 'Slice' } }]);
  const [stored] = listDatasets(store);
  assert.deepEqual(
    stored.splits.map((s) => [s.name, s.sentences]),
    [
      ['train', 25],
      ['dev', 25],
      ['test', 25],
    ],
  );
  // Same name, same content: the same dataset, not a second one.
  const again = ok<DatasetRegistration>(
    await handleIpc(ctx, 'datasets:register', { folder, name: 'Slice', entityType: 'Disease' }),
  );
  assert.deepEqual([again.entry.ref, again.added], [entry.ref, false]);
  assert.equal(listDatasets(store).length, 1);
  const list = ok<DatasetEntry[]>(await handleIpc(ctx, 'datasets:list', {}));
  assert.deepEqual(list.at(-1), entry);
  events = [];
});

test('a shipped corpus a run registered by its path is listed once, as the shipped one', async () => {
  const folder = join(RESOURCES, 'datasets', 'BC5CDR-chem');
  const registered = ok<DatasetRegistration>(
    await handleIpc(ctx, 'datasets:register', { folder, name: 'BC5CDR-chem' }),
  );
  assert.equal(registered.entry.ref.source, 'user');
  const list = ok<DatasetEntry[]>(await handleIpc(ctx, 'datasets:list', {}));
  assert.deepEqual(
    list.filter((d) => d.name === 'BC5CDR-chem').map((d) => d.ref),
    [{ source: 'shipped', name: 'BC5CDR-chem' }],
  );
  events = [];
});
