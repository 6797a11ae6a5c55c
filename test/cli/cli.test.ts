// Runs the real CLI (`node main/cli/taughtnet.mjs`) on real files: the shipped corpora and small files in a temp dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { taughtnet as run } from './run-cli.ts';

const taughtnet = (...args: string[]) => run(args);

const dir = tempDir('taughtnet-cli-');
function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

const gold = file('gold.tsv', 'A\tB-X\nb\tI-X\nc\tO\n\nd\tO\nE\tI-Y\nf\tI-Y\n');
const pred = file('pred.tsv', 'A\tB-X\nb\tI-X\nc\tO\n\nd\tO\nE\tB-Y\nf\tO\n');

test('--help and CMD --help print usage; no command is a usage error', async () => {
  const [help, inspect, add, none] = await Promise.all([
    taughtnet('--help'),
    taughtnet('dataset', 'inspect', '--help'),
    taughtnet('dataset', 'add', '--help'),
    taughtnet(),
  ]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: taughtnet COMMAND/);
  assert.match(help.stdout, /info .*\n.*dataset .*\n.*run .*\n.*runs .*\n.*models .*\n.*eval .*\n.*kappa /);
  assert.equal(inspect.code, 0);
  assert.match(inspect.stdout, /usage: taughtnet dataset inspect PATH/);
  assert.equal(add.code, 0);
  assert.match(add.stdout, /usage: taughtnet dataset add PATH[^]*--data-dir DIR/);
  assert.equal(none.code, 2);
});

test('usage errors exit 2 with the message on stderr', async () => {
  const cases = [
    [['eval', '--gold', gold], /--pred is required/],
    [['eval', '--gold', gold, '--pred', pred, '--mode', 'loose'], /--mode must be one of lenient, strict/],
    [['kappa', '--a', gold, '--b', pred, '--bogus'], /Unknown option '--bogus'/],
    [['dataset', 'inspect'], /PATH is required/],
    [['dataset', 'add', '.', '--entity-type', 'two words'], /--entity-type: must be a word/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ] as const;
  const results = await Promise.all(cases.map(([args]) => taughtnet(...args)));
  cases.forEach(([args, message], i) => {
    assert.equal(results[i].code, 2, args.join(' '));
    assert.match(results[i].stderr, message);
    assert.equal(results[i].stdout, '');
  });
});

test('dataset inspect NCBI-disease --json gives the shipped counts', async () => {
  const r = await taughtnet('dataset', 'inspect', 'resources/datasets/NCBI-disease', '--json');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const counts = Object.fromEntries(
    Object.entries(report.splits as Record<string, { sentences: number; mentions: number; types: object }>).map(
      ([k, s]) => [k, [s.sentences, s.mentions, s.types]],
    ),
  );
  assert.deepEqual(counts, {
    train: [5424, 5134, { Disease: 5134 }],
    dev: [923, 787, { Disease: 787 }],
    test: [940, 960, { Disease: 960 }],
  });
  assert.equal(report.splits.train.lengths.max, 123);
  assert.deepEqual(report.warnings, []);
});

test('dataset inspect of one file: reported under its name, repairs as warnings (JSON and stderr)', async () => {
  const path = file('mine.txt', 'a\tB-X\nb\tO\nc\tI-X\n');
  const [json, text, refused] = await Promise.all([
    taughtnet('dataset', 'inspect', path, '--json', '--scheme', 'iob2'),
    taughtnet('dataset', 'inspect', path, '--scheme', 'iob2'),
    taughtnet('dataset', 'inspect', path, '--scheme', 'iob2', '--repair', 'error'),
  ]);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(report.splits), ['mine']);
  assert.deepEqual(report.splits.mine.types, { X: 2 });
  assert.deepEqual(report.warnings, [`${path}:3: stray I-X after O: read as B-X`]);
  assert.equal(text.code, 0);
  assert.match(text.stderr, /warning: .*mine\.txt:3: stray I-X after O/);
  assert.match(text.stdout, /split\s+file\s+scheme\s+sentences\s+tokens\s+mentions\s+X\nmine\s/);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /mine\.txt:3: stray I-X after O/);
});

test('dataset inspect of a malformed or empty file exits 1 naming FILE:LINE for each problem', async () => {
  const bad = file('bad.tsv', 'a\tO\nb\n\nc\tB-X\nd\tQ-X\n');
  const [r, empty] = await Promise.all([
    taughtnet('dataset', 'inspect', bad),
    taughtnet('dataset', 'inspect', file('empty.tsv', ''), '--json'),
  ]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`${bad}:2: missing label column`));
  assert.match(r.stderr, new RegExp(`${bad}:5: bad label 'Q-X'`));
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /empty\.tsv:1: empty file/);
});

test('eval --json: lenient and strict scores, hand-computed', async () => {
  // Gold: X[0,2) in sentence 1; I-Y I-Y in sentence 2 is Y[1,3) when lenient, nothing when strict.
  // Pred: X[0,2) and Y[1,2).
  const [lenient, strictRun] = await Promise.all([
    taughtnet('eval', '--gold', gold, '--pred', pred, '--json'),
    taughtnet('eval', '--gold', gold, '--pred', pred, '--mode', 'strict', '--json'),
  ]);
  assert.equal(lenient.code, 0, lenient.stderr);
  assert.deepEqual(JSON.parse(lenient.stdout), {
    mode: 'lenient',
    micro: { precision: 0.5, recall: 0.5, f1: 0.5, support: 2 },
    per_type: {
      X: { precision: 1, recall: 1, f1: 1, support: 1 },
      Y: { precision: 0, recall: 0, f1: 0, support: 1 },
    },
  });
  const strict = JSON.parse(strictRun.stdout);
  assert.deepEqual(strict.micro, { precision: 0.5, recall: 1, f1: 2 / 3, support: 1 });
  assert.deepEqual(strict.per_type.Y, { precision: 0, recall: 0, f1: 0, support: 0 });
});

test('eval of a shipped test split against itself scores 1 with support 960', async () => {
  const path = 'resources/datasets/NCBI-disease/test.tsv';
  const r = await taughtnet('eval', '--gold', path, '--pred', path, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).micro, { precision: 1, recall: 1, f1: 1, support: 960 });
});

test('eval and kappa refuse files that part, naming the line in both', async () => {
  const shorter = file('shorter.tsv', 'A\tB-X\nb\tI-X\n\nc\tO\n');
  const other = file('other.tsv', 'A\tB-X\nb\tI-X\nc\tO\n\nd\tO\nG\tI-Y\nf\tI-Y\n');
  const [r, k, malformed] = await Promise.all([
    taughtnet('eval', '--gold', gold, '--pred', shorter),
    taughtnet('kappa', '--a', gold, '--b', other, '--json'),
    taughtnet('eval', '--gold', gold, '--pred', file('oops.tsv', 'A\tB-X\nb\n')),
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`${gold}:3 and ${shorter}:3: sentence 1 ends in ${shorter}`));
  assert.equal(k.code, 1);
  assert.match(k.stderr, new RegExp(`${gold}:6 and ${other}:6: tokens differ \\('E' vs 'G'\\)`));
  assert.equal(malformed.code, 1);
  assert.match(malformed.stderr, /oops\.tsv:2: missing label column/);
});

test('kappa --json: hand-computed agreement', async () => {
  // Labels: gold B-X I-X O O I-Y I-Y, pred B-X I-X O O B-Y O; agree on 4 of 6.
  // p_e = (1·1 + 1·1 + 2·3 + 0) / 36 = 8/36; kappa = (4/6 − 8/36) / (1 − 8/36) = 16/28.
  const [r, text] = await Promise.all([
    taughtnet('kappa', '--a', gold, '--b', pred, '--json'),
    taughtnet('kappa', '--a', gold, '--b', pred),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const k = JSON.parse(r.stdout);
  assert.equal(k.tokens, 6);
  assert.ok(Math.abs(k.observed - 4 / 6) < 1e-12);
  assert.ok(Math.abs(k.expected - 8 / 36) < 1e-12);
  assert.ok(Math.abs(k.kappa - 16 / 28) < 1e-12);
  assert.match(text.stdout, /^kappa\s+0\.5714\n/);
});
