// `taughtnet models export` as the real CLI: a stored model by id and a folder by path become ONNX files that
// onnxruntime runs on the fixture sentences with the engine's logits; wrong use gets a one-line error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { loadModelFolder } from '../../main/models/model-folder.ts';
import { addModel } from '../../main/store/models.ts';
import { openStore } from '../../main/store/store.ts';
import { engineLogits, exportFeeds, fixtureBatch } from '../models/engine-logits.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { taughtnet, type CliResult } from './run-cli.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../models/fixtures/${name}`, import.meta.url));

const json = (r: CliResult) => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

/** The largest |exported − engine| logit on the fixture sentences, and the largest |engine| logit. */
async function differenceFromEngine(
  file: string,
  folder: string,
  inputs: string[],
): Promise<{ diff: number; scale: number }> {
  const m = await loadModelFolder(folder);
  const b = fixtureBatch(m);
  const expected = await engineLogits(m, b);
  const session = await ort.InferenceSession.create(readFileSync(file));
  try {
    const got = (await session.run(exportFeeds(b, inputs))).logits.data as Float32Array;
    assert.equal(got.length, expected.length);
    return {
      diff: Math.max(...Array.from(expected, (v, i) => Math.abs(v - got[i]))),
      scale: Math.max(...Array.from(expected, Math.abs)),
    };
  } finally {
    await session.release();
  }
}

test("models export ID: a stored teacher (its folder under the data folder) as float32 gives the engine's logits", async () => {
  const dataDir = tempDir('cli-export-');
  const folder = 'models/run-1/teacher-ncbi';
  cpSync(fixture('tiny-roberta-ner'), join(dataDir, folder), { recursive: true });
  const store = openStore({ dataDir });
  let id: number;
  try {
    id = addModel(store, {
      name: 'teacher-ncbi',
      kind: 'teacher',
      architecture: 'roberta 2L 16H',
      parameterCount: 12_000,
      sizeBytes: 48_000,
      folder,
    }).id;
  } finally {
    store.close();
  }
  const out = join(tempDir('cli-export-out-'), 'teacher.onnx');
  const report = json(await taughtnet(['models', 'export', String(id), '--out', out, '--data-dir', dataDir, '--json']));
  assert.deepEqual(report, {
    path: out,
    bytes: statSync(out).size,
    opset: 18,
    // RoBERTa has a single token type: no token_type_ids.
    inputs: ['input_ids', 'attention_mask'],
    labels: ['O', 'B-Disease', 'I-Disease'],
    quantized: [],
  });
  const { diff } = await differenceFromEngine(out, join(dataDir, folder), report.inputs);
  assert.ok(diff <= 1e-4, `max |exported − engine| ${diff}`);
});

test('models export --folder: float32 as text, int8 (with int8 embeddings) as JSON; both run on onnxruntime', async () => {
  const folder = fixture('tiny-bert-ner');
  const dir = tempDir('cli-export-out-');
  const [float, int8] = await Promise.all([
    taughtnet(['models', 'export', '--folder', folder, '--out', join(dir, 'float.onnx')]),
    taughtnet([
      'models',
      'export',
      '--folder',
      folder,
      '--out',
      join(dir, 'int8.onnx'),
      '--int8',
      '--int8-embeddings',
      '--json',
    ]),
  ]);
  assert.equal(float.code, 0, float.stderr);
  const bytes = statSync(join(dir, 'float.onnx')).size;
  assert.equal(
    float.stdout,
    `wrote    ${join(dir, 'float.onnx')}\n` +
      `size     ${(bytes / 1e6).toFixed(1)} MB (${bytes} bytes)\n` +
      'opset    18\n' +
      'inputs   input_ids, attention_mask, token_type_ids\n' +
      'labels   O, B-Disease, I-Disease\n' +
      'weights  float32\n',
  );
  const inputs = ['input_ids', 'attention_mask', 'token_type_ids'];
  const exact = await differenceFromEngine(join(dir, 'float.onnx'), folder, inputs);
  assert.ok(exact.diff <= 1e-4, `float: max |exported − engine| ${exact.diff}`);

  const small = json(int8);
  assert.deepEqual(small.inputs, inputs);
  // 6 linear layers in each of the 2 encoder layers, then the word embeddings; the classifier stays float.
  assert.equal(small.quantized.length, 13);
  assert.equal(small.quantized.at(-1), 'bert.embeddings.word_embeddings.weight');
  assert.ok(small.bytes < 0.6 * bytes, `int8 ${small.bytes} B, float ${bytes} B`);
  const close = await differenceFromEngine(small.path, folder, inputs);
  assert.ok(close.diff < 0.1 * close.scale, `int8: max |exported − engine| ${close.diff} (max |logit| ${close.scale})`);
});

test('models export: wrong use and unusable models get a one-line error, a non-zero exit and no file', async () => {
  const dataDir = tempDir('cli-export-');
  const dir = tempDir('cli-export-out-');
  const out = join(dir, 'model.onnx');
  const folder = fixture('tiny-bert-ner');
  // A head for 3 labels under a config that names 5: nothing trained predicts them.
  const unfit = join(dir, 'unfit');
  cpSync(folder, unfit, { recursive: true });
  const config = JSON.parse(readFileSync(join(unfit, 'config.json'), 'utf8'));
  writeFileSync(
    join(unfit, 'config.json'),
    JSON.stringify({ ...config, id2label: { 0: 'O', 1: 'B-A', 2: 'I-A', 3: 'B-B', 4: 'I-B' }, label2id: undefined }),
  );
  const broken = join(dir, 'broken');
  cpSync(folder, broken, { recursive: true });
  writeFileSync(join(broken, 'config.json'), JSON.stringify({ ...config, model_type: 'gpt2' }));

  const cases: [args: string[], code: number, message: string][] = [
    [['--out', out], 2, 'give a model ID or --folder DIR (one of them)'],
    [['1', '--folder', folder, '--out', out], 2, 'give a model ID or --folder DIR (one of them)'],
    [['first', '--out', out], 2, "ID must be a model number; got 'first'"],
    [['--folder', folder], 2, '--out is required'],
    [['--folder', folder, '--out', out, '--int8-embeddings'], 2, '--int8-embeddings needs --int8'],
    [['7', '--out', out, '--data-dir', dataDir], 1, `there is no model 7 in ${dataDir} (see taughtnet models list)`],
    [['--folder', join(dir, 'nowhere'), '--out', out], 1, `${join(dir, 'nowhere')}: no such folder`],
    [['--folder', broken, '--out', out], 1, `${join(broken, 'config.json')}: model_type "gpt2" is not supported`],
    [
      ['--folder', unfit, '--out', out],
      1,
      `${unfit}: has no classifier head for its labels, so there is nothing to export`,
    ],
    [['--folder', folder, '--out', dir], 1, `--out ${dir} is a folder; name the .onnx file to write`],
    [
      ['--folder', folder, '--out', join(dir, 'missing', 'model.onnx')],
      1,
      `the folder ${join(dir, 'missing')} does not exist`,
    ],
  ];
  const results = await Promise.all(cases.map(([args]) => taughtnet(['models', 'export', ...args])));
  results.forEach((r, i) => {
    const [args, code, message] = cases[i];
    const [first, ...rest] = r.stderr.trimEnd().split('\n');
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(first.startsWith('taughtnet: ') && first.includes(message), `${args.join(' ')}: ${r.stderr}`);
    // A usage error adds only the pointer to --help.
    assert.deepEqual(rest, code === 2 ? ['(see taughtnet models export --help)'] : [], args.join(' '));
    assert.equal(r.stdout, '');
  });
  assert.equal(existsSync(out), false);
});
