import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorpusError, loadDataset, readAlignedFiles } from '../../main/corpus/dataset.ts';
import { corpusStats } from '../../shared/corpus/stats.ts';

const EXPECTED = {
  'NCBI-disease': { type: 'Disease', train: [5424, 5134], dev: [923, 787], test: [940, 960] },
  'BC5CDR-chem': { type: 'Chemical', train: [4560, 5203], dev: [4581, 5347], test: [4797, 5385] },
  BC2GM: { type: 'GENE', train: [12574, 15197], dev: [2519, 3061], test: [5038, 6325] },
};

for (const [name, expected] of Object.entries(EXPECTED)) {
  test(`${name}: sentences and mentions of each shipped split`, async () => {
    const dataset = await loadDataset(`resources/datasets/${name}`);
    assert.deepEqual(Object.keys(dataset.splits), ['train', 'dev', 'test']);
    assert.match(dataset.splits.dev.file, /devel\.tsv$/);
    assert.equal(dataset.repairCount, 0);
    for (const split of ['train', 'dev', 'test'] as const) {
      const stats = corpusStats(dataset.splits[split].sentences);
      const [sentences, mentions] = expected[split];
      assert.equal(dataset.splits[split].scheme, 'iob2');
      assert.deepEqual(
        [stats.sentences, stats.mentions, stats.types],
        [sentences, mentions, { [expected.type]: mentions }],
        split,
      );
    }
  });
}

const tmp = () => mkdtempSync(join(tmpdir(), 'taughtnet-corpus-'));

test('a folder: dev or devel, any of the extensions or none; errors of every file at once', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'train.conll'), 'a\tB-X\nb\tI-X\n');
  writeFileSync(join(dir, 'dev'), 'c\tO\n');
  writeFileSync(join(dir, 'test.bio'), 'd\tB-X\n\nd\tI-X\n');
  writeFileSync(join(dir, 'notes.md'), 'not a split');
  const ds = await loadDataset(dir);
  assert.deepEqual(Object.keys(ds.splits), ['train', 'dev', 'test']);
  assert.deepEqual(ds.repairs, [
    { file: join(dir, 'test.bio'), line: 3, message: 'stray I-X at the start of a sentence: read as B-X' },
  ]);

  writeFileSync(join(dir, 'dev'), 'c\n');
  writeFileSync(join(dir, 'test.bio'), 'd\tX\n');
  await assert.rejects(loadDataset(dir), (e: CorpusError) => {
    assert.deepEqual(
      e.issues.map((i) => `${i.file}:${i.line}`),
      [`${join(dir, 'dev')}:1`, `${join(dir, 'test.bio')}:1`],
    );
    return true;
  });
});

test('a folder without train, or with two files for one split, is refused by name', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'devel.tsv'), 'c\tO\n');
  await assert.rejects(loadDataset(dir), /no train file/);
  writeFileSync(join(dir, 'train.tsv'), 'c\tO\n');
  writeFileSync(join(dir, 'train.txt'), 'c\tO\n');
  await assert.rejects(loadDataset(dir), /more than one train file: .*train\.tsv, .*train\.txt/);
  await assert.rejects(loadDataset(join(dir, 'missing')), /missing: no such file or folder/);
});

test('a single file is one split named after it, or a seeded train/dev/test split', async () => {
  const dir = tmp();
  const file = join(dir, 'all.tsv');
  writeFileSync(file, Array.from({ length: 20 }, (_, i) => `w${i}\t${i % 3 ? 'O' : 'B-X'}\n\n`).join(''));
  const whole = await loadDataset(file);
  assert.equal(whole.name, 'all');
  assert.deepEqual(Object.keys(whole.splits), ['all']);
  const a = await loadDataset(file, { split: { ratios: [50, 25, 25], seed: 3 } });
  const b = await loadDataset(file, { split: { ratios: [50, 25, 25], seed: 3 } });
  assert.deepEqual(
    Object.values(a.splits).map((s) => s.sentences.length),
    [10, 5, 5],
  );
  assert.deepEqual(a, b);
  mkdirSync(join(dir, 'folder'));
  writeFileSync(join(dir, 'folder', 'train'), 'a\tO\n');
  await assert.rejects(loadDataset(join(dir, 'folder'), { split: {} }), /split applies to a single file/);
});

test('readAlignedFiles keeps labels as written and names where two files part', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'gold.tsv'), 'a\tO\nb\tI-X\n');
  writeFileSync(join(dir, 'pred.tsv'), 'a\tO\nb\tO\n');
  writeFileSync(join(dir, 'other.tsv'), 'a\tO\nc\tO\n');
  const [gold] = await readAlignedFiles(join(dir, 'gold.tsv'), join(dir, 'pred.tsv'));
  assert.deepEqual(gold[0].labels, ['O', 'I-X']);
  await assert.rejects(
    readAlignedFiles(join(dir, 'gold.tsv'), join(dir, 'other.tsv')),
    /gold\.tsv:2 and .*other\.tsv:2: tokens differ \('b' vs 'c'\)/,
  );
});
