// `taughtnet annotate` as a user runs it, with the tiny BERT fixture on slices of the shipped corpora: every input
// and output format, workers and shards byte for byte, resume after Ctrl-C and after a kill, bad input, long
// sentences, and the same labels as the run's evaluation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { taughtnet } from '../cli/run-cli.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { TINY_BERT, corpusSlice } from '../pipeline/fixtures.ts';
import { serviceContext } from '../../main/cli/store.ts';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import { createTaughtNetRun, executeRun } from '../../main/pipeline/taughtnet-run.ts';
import { listEvaluations } from '../../main/store/evaluations.ts';
import { listModels } from '../../main/store/models.ts';
import { openStore } from '../../main/store/store.ts';
import { scoreOnCorpus } from '../../shared/method/per-corpus.ts';
import { detokenize } from '../../shared/text/words.ts';
import { parseConll } from '../../shared/corpus/conll.ts';

const dir = tempDir('annotate-cli-');
const corpus = (name: string) =>
  parseConll(readFileSync(`resources/datasets/${name}/test.tsv`, 'utf8'), { file: name }).sentences;
const ncbi = corpus('NCBI-disease');

// 60 abstracts' worth of NCBI test sentences as raw text, in each input format.
const abstracts = Array.from({ length: 60 }, (_, a) =>
  ncbi
    .slice(a * 8, a * 8 + 8)
    .map((s) => detokenize(s.tokens).text)
    .join(' '),
);
const jsonl = join(dir, 'abstracts.jsonl');
writeFileSync(jsonl, abstracts.map((text, i) => JSON.stringify({ id: `doc${i}`, text })).join('\n') + '\n');
const lines = join(dir, 'abstracts.txt');
writeFileSync(lines, abstracts.join('\n') + '\n');
const pubtator = join(dir, 'abstracts.pubtator');
writeFileSync(
  pubtator,
  abstracts
    .map((text, i) => {
      const [title, ...rest] = text.split(/(?<=\.) /);
      return `${1000 + i}|t|${title}\n${1000 + i}|a|${rest.join(' ')}\n${1000 + i}\t0\t4\tXXXX\tDisease\tD0\n`;
    })
    .join('\n') + '\n',
);
const conll = join(dir, 'ncbi-test-slice.conll');
writeFileSync(
  conll,
  ncbi
    .slice(0, 200)
    .map((s) => s.tokens.map((t, i) => `${t}\t${s.labels[i]}\n`).join(''))
    .join('\n'),
);

const annotate = (...args: string[]) => taughtnet(['annotate', '--folder', TINY_BERT, '--device', 'cpu', ...args]);

async function ok(...args: string[]): Promise<string> {
  const r = await annotate(...args);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

interface Record {
  id: string;
  text: string;
  entities: { start: number; end: number; type: string; text: string; score: number }[];
}

test('JSON Lines in, JSON Lines out: every mention slices out of its text, scores are probabilities', async () => {
  const records: Record[] = (await ok(jsonl))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    records.map((r) => r.id),
    abstracts.map((_, i) => `doc${i}`),
  );
  assert.deepEqual(
    records.map((r) => r.text),
    abstracts,
  );
  const mentions = records.flatMap((r) => r.entities.map((e) => ({ ...e, doc: r.text })));
  assert.ok(mentions.length > 50, `the fixture finds mentions (${mentions.length})`);
  for (const m of mentions) {
    assert.equal(m.doc.slice(m.start, m.end), m.text);
    assert.equal(m.type, 'Disease');
    assert.ok(m.score > 0 && m.score <= 1);
  }
});

test('plain text per line, PubTator and standard input label the same text alike', async () => {
  const fromJsonl: Record[] = (await ok(jsonl))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const fromLines: Record[] = (await ok('--lines', lines))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    fromLines.map((r) => r.id),
    abstracts.map((_, i) => `abstracts:${i + 1}`),
  );
  assert.deepEqual(
    fromLines.map((r) => r.entities),
    fromJsonl.map((r) => r.entities),
  );

  // PubTator: title and abstract are split apart; offsets count title + one character + abstract.
  const out = await ok('--format', 'pubtator', pubtator);
  const blocks = out.trim().split('\n\n');
  assert.equal(blocks.length, 60);
  for (const block of blocks) {
    const [t, a, ...mentions] = block.split('\n');
    const text = `${t.split('|t|')[1]} ${a.split('|a|')[1]}`;
    for (const m of mentions) {
      const [, start, end, mention, type] = m.split('\t');
      assert.equal(text.slice(Number(start), Number(end)), mention);
      assert.equal(type, 'Disease');
    }
  }
  const child = spawn(process.execPath, [
    'main/cli/taughtnet.mjs',
    'annotate',
    '--folder',
    TINY_BERT,
    '--device',
    'cpu',
    '--lines',
    '-',
  ]);
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stdin.end(readFileSync(lines));
  assert.equal(await new Promise((resolve) => child.on('close', resolve)), 0);
  assert.deepEqual(
    stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as Record).entities),
    fromJsonl.map((r) => r.entities),
  );
});

test('CSV, brat and CoNLL outputs; CoNLL input keeps its tokens', async () => {
  const csv = (await ok('--format', 'csv', jsonl)).trim().split('\n');
  assert.equal(csv[0], 'document,start,end,type,text,score');
  const records: Record[] = (await ok(jsonl))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(
    csv.length - 1,
    records.reduce((n, r) => n + r.entities.length, 0),
  );

  const brat = join(dir, 'brat');
  await ok('--format', 'brat', '--out', brat, jsonl);
  assert.equal(readdirSync(brat).filter((f) => f.endsWith('.ann')).length, 60);
  assert.equal(readFileSync(join(brat, 'doc0.txt'), 'utf8'), abstracts[0]);
  const ann = readFileSync(join(brat, 'doc0.ann'), 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('T'));
  assert.equal(ann.length, records[0].entities.length);
  for (const line of ann) {
    const [, span, text] = line.split('\t');
    const [, start, end] = span.split(' ');
    assert.equal(abstracts[0].slice(Number(start), Number(end)), text); // BMP text: code points = code units
  }
  assert.ok(!existsSync(join(brat, '.annotate-progress')), 'a finished output drops its progress record');

  const out = await ok('--format', 'conll', conll);
  const labelled = parseConll(out, { file: 'out', repair: 'keep' }).sentences;
  assert.deepEqual(
    labelled.map((s) => s.tokens),
    ncbi.slice(0, 200).map((s) => s.tokens),
  );
});

test('a long sentence is windowed: no word is dropped', async () => {
  const words = Array.from({ length: 900 }, (_, i) => (i % 7 === 0 ? 'ataxia-telangiectasia' : `w${i}`));
  const file = join(dir, 'long.jsonl');
  writeFileSync(file, JSON.stringify({ id: 'long', text: words.join(' ') }) + '\n');
  const out = await ok('--format', 'conll', file);
  const tokens = parseConll(out, { file: 'out', repair: 'keep' }).sentences.flatMap((s) => s.tokens);
  assert.equal(tokens.length, 900 + 2 * Math.ceil(900 / 7));
});

test('--workers 2 writes the same bytes as one worker; shards concatenated equal the whole', async () => {
  const inputs = [jsonl, pubtator];
  for (const format of ['jsonl', 'conll', 'csv']) {
    const one = await ok('--format', format, '--chunk-bytes', '4096', ...inputs);
    const two = await ok('--format', format, '--chunk-bytes', '4096', '--workers', '2', ...inputs);
    assert.ok(one.length > 0);
    assert.equal(two, one, `${format}: two workers`);
    const shards = await Promise.all(
      [1, 2, 3].map((i) => ok('--format', format, '--chunk-bytes', '4096', '--shard', `${i}/3`, ...inputs)),
    );
    assert.ok(
      shards.every((s) => s.length > 0),
      'every shard has work',
    );
    assert.equal(shards.join(''), one, `${format}: shards`);
  }
  // brat: the shards write into one folder, which ends up as the unsharded one.
  const [whole, sharded] = [join(dir, 'brat-whole'), join(dir, 'brat-sharded')];
  await ok('--format', 'brat', '--chunk-bytes', '4096', '--out', whole, ...inputs);
  await Promise.all(
    [1, 2, 3].map((i) =>
      ok('--format', 'brat', '--chunk-bytes', '4096', '--shard', `${i}/3`, '--out', sharded, ...inputs),
    ),
  );
  const files = readdirSync(whole).sort();
  assert.equal(files.length, 2 * 120);
  assert.deepEqual(readdirSync(sharded).sort(), files);
  for (const f of files) assert.equal(readFileSync(join(sharded, f), 'utf8'), readFileSync(join(whole, f), 'utf8'), f);
});

test('Ctrl-C stops cleanly and --resume finishes; a kill mid-chunk resumes too', async () => {
  const whole = await ok('--chunk-bytes', '2048', jsonl);
  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    const out = join(dir, `resumed-${signal}.jsonl`);
    const record = `${out}.annotate-progress`;
    const child = spawn(process.execPath, [
      'main/cli/taughtnet.mjs',
      'annotate',
      '--folder',
      TINY_BERT,
      '--device',
      'cpu',
      '--chunk-bytes',
      '2048',
      '--out',
      out,
      jsonl,
    ]);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Stop once some chunks are written, not all.
    for (let tries = 0; ; tries++) {
      await new Promise((r) => setTimeout(r, 20));
      const written = existsSync(record) ? JSON.parse(readFileSync(record, 'utf8')).documents : 0;
      if (written > 0) break;
      assert.ok(tries < 1500, `no chunk written: ${stderr}`);
    }
    child.kill(signal);
    const code = await closed;
    if (signal === 'SIGINT') {
      assert.equal(code, 130, stderr);
      assert.match(stderr, /--resume/);
    }
    const done = JSON.parse(readFileSync(record, 'utf8')).documents;
    assert.ok(done > 0 && done < 60, `stopped part way (${done} documents)`);
    assert.equal(
      readFileSync(out, 'utf8'),
      whole.slice(0, readFileSync(out).length),
      'what is written is the start of the whole',
    );
    appendFileSync(out, '{"id":"half a line'); // a chunk cut off mid-write
    const resumed = await annotate('--chunk-bytes', '2048', '--out', out, '--resume', jsonl);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(readFileSync(out, 'utf8'), whole);
    assert.ok(!existsSync(record));
  }
  const other = await annotate('--chunk-bytes', '4096', '--out', join(dir, 'resumed-SIGINT.jsonl'), '--resume', jsonl);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /cannot resume/);
});

test('bad input is refused naming file:line', async () => {
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"id": 1, "text": "fine"}\n\n{"id": 2, "text": 3}\n');
  let r = await annotate(bad);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.jsonl:3: "text" must be a string/);
  const badPubtator = join(dir, 'bad.pubtator');
  writeFileSync(badPubtator, '1|t|Title\n1|a|Abstract\nnonsense line\n');
  r = await annotate(badPubtator);
  assert.match(r.stderr, /bad\.pubtator:3: expected PMID\|t\|title/);
  r = await annotate(join(dir, 'missing.jsonl'));
  assert.match(r.stderr, /missing\.jsonl: no such file/);
  r = await annotate('--shard', '4/3', jsonl);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--shard must be I\/N/);
});

test("a run's teacher, by its store id, labels its test split as the run's evaluation did (same scores, both modes)", async () => {
  const dataDir = join(dir, 'store');
  const ncbiSlice = corpusSlice(dir, 'NCBI-disease', 24);
  const chemSlice = corpusSlice(dir, 'BC5CDR-chem', 24);
  const training = { epochs: 1, lr: 3e-3, batchSize: 8, maxLength: 64, seed: 3 };
  const store = openStore({ dataDir });
  const client = startRuntime();
  let teacherId: number;
  let stored;
  try {
    const ctx = serviceContext(store);
    const run = createTaughtNetRun(ctx, {
      config: {
        corpora: [
          { path: ncbiSlice, type: 'Disease' },
          { path: chemSlice, type: 'Chemical' },
        ],
        teachers: [
          { type: 'Disease', model: { folder: TINY_BERT }, ...training },
          { type: 'Chemical', model: { folder: TINY_BERT }, ...training },
        ],
        student: { model: { folder: TINY_BERT }, ...training, lambda: 0.5 },
        device: 'cpu',
      },
    });
    assert.equal((await executeRun(ctx, client, run.id)).status, 'completed');
    const teacher = listModels(store, { runId: run.id }).find((m) => m.name === 'teacher Disease')!;
    teacherId = teacher.id;
    stored = listEvaluations(store, { runId: run.id }).filter((e) => e.modelId === teacher.id);
  } finally {
    await client.terminate();
    store.close();
  }
  const r = await taughtnet([
    'annotate',
    '--data-dir',
    dataDir,
    '--model',
    String(teacherId),
    '--device',
    'cpu',
    '--format',
    'conll',
    join(ncbiSlice, 'test.tsv'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const gold = parseConll(readFileSync(join(ncbiSlice, 'test.tsv'), 'utf8'), { file: 'gold' }).sentences;
  const predicted = parseConll(r.stdout, { file: 'annotate', repair: 'keep', scheme: 'iob2' }).sentences;
  assert.deepEqual(
    predicted.map((s) => s.tokens),
    gold.map((s) => s.tokens),
  );
  assert.ok(
    predicted.some((s) => s.labels.some((l) => l !== 'O')),
    'the teacher predicts some mentions',
  );
  const scores = scoreOnCorpus(
    { name: 'NCBI-disease', type: 'Disease', sentences: gold },
    predicted.map((s) => s.labels),
  );
  assert.equal(stored.length, 2);
  for (const e of stored) {
    const mine = scores[e.mode as 'lenient' | 'strict'];
    assert.deepEqual(
      [mine.precision, mine.recall, mine.f1, mine.support],
      [e.precision, e.recall, e.f1, e.support],
      e.mode,
    );
  }
});
