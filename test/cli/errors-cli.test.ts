// `taughtnet errors` on a real corpus slice: the first three sentences of NCBI-disease's test split, with predictions
// written by hand so that every count can be checked by eye.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { taughtnet as run } from './run-cli.ts';

const taughtnet = (...args: string[]) => run(args);
const dir = tempDir('taughtnet-errors-cli-');
function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

// Sentences as [token, label] rows.
const sentences = readFileSync('resources/datasets/NCBI-disease/test.tsv', 'utf8')
  .split(/\n\s*\n/)
  .slice(0, 3)
  .map((block) =>
    block
      .trim()
      .split('\n')
      .map((line) => line.split('\t')),
  );
const write = (name: string, labelled: string[][][]) =>
  file(name, labelled.map((s) => s.map((row) => row.join('\t')).join('\n')).join('\n\n') + '\n');

// Gold mentions: s1 "ataxia - telangiectasia" 6–8, "sporadic T - cell leukaemia" 12–16;
// s2 "Ataxia - telangiectasia" 0–2, "A - T" 4–6, "recessive multi - system disorder" 10–14;
// s3 "cancer" 3, "lymphoid neoplasias" 6–7, "A - T" 13–15. Eight in all.
const predicted: Record<number, string>[] = [
  {
    2: 'B-Gene', // "missense": overlaps nothing, another type → NEW
    6: 'B-Disease',
    7: 'I-Disease',
    8: 'I-Disease', // exact → CORRECT
    13: 'B-Gene',
    14: 'I-Gene',
    15: 'I-Gene',
    16: 'B-Disease', // "sporadic" left out, a Disease piece → RLOS
  },
  {
    // "Ataxia - telangiectasia" untouched → CFN
    4: 'B-Chemical',
    5: 'I-Chemical',
    6: 'I-Chemical', // exact span, another type → WLRS
    11: 'B-Disease',
    12: 'I-Disease',
    13: 'I-Disease',
    14: 'I-Disease', // cut short → RLOS
    20: 'B-Gene', // "ATM" → NEW
    23: 'B-Disease', // "11q22" → CFP
  },
  {
    3: 'B-Disease', // "cancer" → CORRECT
    6: 'B-Chemical', // "lymphoid" of "lymphoid neoplasias", another type → WLOS
    13: 'B-Disease',
    14: 'B-Disease',
    15: 'I-Disease', // "A" | "- T": split in two Disease pieces → RLOS
  },
];
const EXPECTED = { CORRECT: 2, NEW: 2, CFP: 1, CFN: 1, WLRS: 1, WLOS: 1, RLOS: 3 };

const gold = write('gold.tsv', sentences);
const bareGold = write(
  'gold-bare.tsv',
  sentences.map((s) => s.map(([token, label]) => [token, label.replace('-Disease', '')])),
);
const pred = write(
  'pred.tsv',
  sentences.map((s, i) => s.map(([token], t) => [token, predicted[i][t] ?? 'O'])),
);

test('errors --json on an NCBI-disease slice: hand-checked counts, typed or bare gold alike', async () => {
  const [typed, bare, text] = await Promise.all([
    taughtnet('errors', '--gold', gold, '--pred', pred, '--type', 'Disease', '--json'),
    taughtnet('errors', '--gold', bareGold, '--pred', pred, '--type', 'Disease', '--json'),
    taughtnet('errors', '--gold', gold, '--pred', pred, '--type', 'Disease'),
  ]);
  assert.equal(typed.code, 0, typed.stderr);
  assert.deepEqual(JSON.parse(typed.stdout), { type: 'Disease', goldMentions: 8, counts: EXPECTED });
  assert.equal(bare.code, 0, bare.stderr);
  assert.deepEqual(JSON.parse(bare.stdout), JSON.parse(typed.stdout));
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^type: Disease, 8 gold mentions\n/);
  assert.match(text.stdout, /\nRLOS\s+3\s+Right label, overlapping span\n/);
});

test('errors of the gold against itself: every gold mention CORRECT (NCBI-disease test, 960 mentions)', async () => {
  const path = 'resources/datasets/NCBI-disease/test.tsv';
  const r = await taughtnet('errors', '--gold', path, '--pred', path, '--type', 'Disease', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).counts, { CORRECT: 960, NEW: 0, CFP: 0, CFN: 0, WLRS: 0, WLOS: 0, RLOS: 0 });
});

test('errors refuses a gold label of another type and an untyped prediction, naming file:line', async () => {
  const [wrongType, untyped, noType] = await Promise.all([
    taughtnet('errors', '--gold', gold, '--pred', pred, '--type', 'Chemical', '--json'),
    taughtnet('errors', '--gold', gold, '--pred', bareGold, '--type', 'Disease', '--json'),
    taughtnet('errors', '--gold', gold, '--pred', pred),
  ]);
  assert.equal(wrongType.code, 1);
  // The first gold label is on line 7 (s1, token 6); 25 labels of the slice are Disease, 20 are listed.
  assert.match(wrongType.stderr, new RegExp(`^taughtnet: ${gold}:7: 'B-Disease' is not of type Chemical`));
  assert.match(wrongType.stderr, /… and 5 more errors/);
  assert.equal(untyped.code, 1);
  assert.match(untyped.stderr, new RegExp(`^taughtnet: ${bareGold}:7: 'B' has no type`));
  assert.equal(wrongType.stdout + untyped.stdout, '');
  assert.equal(noType.code, 2);
  assert.match(noType.stderr, /--type is required/);
});
