// What a hostile user tries on the real CLI (issue 12): special files where a corpus, a config or an export target
// should be, text that is not UTF-8, binary garbage, a cut that leaves a split empty. Each must end at once with
// one clear `taughtnet:` error and change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import type { CliResult } from './run-cli.ts';

/** The CLI with a deadline (generous: the machine may be busy): a command that blocks on a FIFO is killed and reported as hung. */
function taughtnet(...args: string[]): Promise<CliResult & { hung: boolean }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['main/cli/taughtnet.mjs', ...args],
      { timeout: 90_000, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const hung = error?.killed === true;
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr, hung });
      },
    );
  });
}

const dir = tempDir('taughtnet-hostile-');
const file = (name: string, content: string | Uint8Array) => {
  writeFileSync(join(dir, name), content);
  return join(dir, name);
};
const fifo = (name: string) => {
  execFileSync('mkfifo', [join(dir, name)]);
  return join(dir, name);
};
const good = file('good.tsv', 'a\tB-Disease\nb\tO\n\nc\tO\n');
const fixtureModel = fileURLToPath(new URL('../models/fixtures/tiny-bert-ner', import.meta.url));

/** Every line the CLI wrote on stderr starts with `taughtnet:` (warnings aside, which start with `warning:`). */
function assertPrefixed(r: CliResult): void {
  for (const line of r.stderr.split('\n').filter(Boolean))
    assert.match(line, /^(taughtnet|warning): /, `unprefixed stderr line: ${line}`);
}

test('fault 1: a FIFO given as a corpus, a kappa file or a run config is refused at once, not read forever', async () => {
  const f = fifo('f.tsv');
  const data = tempDir('taughtnet-hostile-data-');
  const results = await Promise.all([
    taughtnet('dataset', 'inspect', f),
    taughtnet('dataset', 'add', f, '--data-dir', data),
    taughtnet('kappa', '--a', f, '--b', good),
    taughtnet('run', fifo('config.json'), '--data-dir', data),
  ]);
  for (const r of results) {
    assert.equal(r.hung, false, 'the command blocked on the FIFO');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /f\.tsv|config\.json/);
    assert.match(r.stderr, /is a FIFO \(named pipe\), not a regular file/);
    assertPrefixed(r);
  }
});

test('a folder given as a file and a symbolic-link loop are named for what they are', async () => {
  const folder = join(dir, 'a-folder');
  mkdirSync(folder);
  symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
  symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
  const [kappa, inspect, add] = await Promise.all([
    taughtnet('kappa', '--a', folder, '--b', good),
    taughtnet('dataset', 'inspect', join(dir, 'loop-a')),
    taughtnet('dataset', 'add', join(dir, 'loop-a'), '--data-dir', tempDir('taughtnet-hostile-data-')),
  ]);
  assert.equal(kappa.code, 1);
  assert.match(kappa.stderr, /a-folder: is a folder, not a file/);
  assert.doesNotMatch(kappa.stderr, /EISDIR/);
  assert.equal(inspect.code, 1);
  assert.match(inspect.stderr, /loop-a: is a symbolic link that leads back to itself \(a loop\)/);
  assert.doesNotMatch(inspect.stderr, /no such file/);
  assert.equal(add.code, 1);
  assert.match(add.stderr, /loop-a: is a symbolic link that leads back to itself \(a loop\)/);
  for (const r of [kappa, inspect, add]) assertPrefixed(r);
});

test('fault 6: Latin-1 text and NUL bytes are errors naming FILE:LINE, not silently changed', async () => {
  const latin1 = file(
    'latin1.tsv',
    Buffer.concat([Buffer.from('a\tO\n\nSj'), Buffer.from([0xf6]), Buffer.from('gren\tB-Disease\n')]),
  );
  const nul = file('nul.tsv', 'a\tO\nb\u0000c\tB-Disease\n');
  const [l, n] = await Promise.all([taughtnet('dataset', 'inspect', latin1), taughtnet('dataset', 'inspect', nul)]);
  assert.equal(l.code, 1, l.stdout);
  assert.match(l.stderr, /latin1\.tsv:3: not UTF-8 text \(byte 0xf6 at column 3\)/);
  assert.match(l.stderr, /iconv -f latin1 -t utf-8/);
  assert.equal(n.code, 1, n.stdout);
  assert.match(n.stderr, /nul\.tsv:2: a NUL byte/);
  assertPrefixed(l);
  assertPrefixed(n);
});

test('binary garbage: the echo of a bad line is capped, and the errors are capped too', async () => {
  const bytes = Buffer.alloc(64 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 251;
  const r = await taughtnet('dataset', 'inspect', file('garbage.bin', bytes));
  assert.equal(r.code, 1);
  assert.ok(r.stderr.length < 4000, `stderr holds ${r.stderr.length} characters`);
  assertPrefixed(r);
  const ascii = file('long-line.tsv', `${'x'.repeat(12_000)}\n`);
  const long = await taughtnet('dataset', 'inspect', ascii);
  assert.equal(long.code, 1);
  assert.match(long.stderr, /long-line\.tsv:1: missing label column: .*x{20}…' \(12000 characters\)/);
  assert.ok(long.stderr.length < 500, `stderr holds ${long.stderr.length} characters`);
});

test('a run config with a UTF-8 byte-order mark is read', async () => {
  const data = tempDir('taughtnet-hostile-data-');
  // A config whose corpus is missing: it fails at reading the corpus, so the BOM was read past.
  const config = file(
    'bom.json',
    `\ufeff${JSON.stringify({ corpora: [{ path: join(dir, 'missing-corpus'), type: 'Disease' }], teachers: [{ type: 'Disease', model: { preset: 'tiny' } }], student: { model: { preset: 'tiny' } } })}`,
  );
  const r = await taughtnet('run', config, '--data-dir', data);
  assert.doesNotMatch(r.stderr, /Unexpected token/);
  assert.match(r.stderr, /^taughtnet: .*missing-corpus/m);
});

test('every CLI error starts with taughtnet:, also a corpus error of several lines', async () => {
  const r = await taughtnet('dataset', 'inspect', file('bad.tsv', 'a\tB-\nb\n'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^taughtnet: .*bad\.tsv:1: /);
  assertPrefixed(r);
});

test('fault 3: dataset add refuses a cut that leaves dev or test empty, and says what to do', async () => {
  const data = tempDir('taughtnet-hostile-data-');
  const train = file('train-only.tsv', Array.from({ length: 20 }, (_, i) => `w${i}\tB-Disease\nx\tO\n`).join('\n'));
  const two = file('two.tsv', 'a\tB-Disease\n\nb\tO\n');
  const [all, small, list] = [
    await taughtnet('dataset', 'add', train, '--split', '100/0/0', '--data-dir', data),
    await taughtnet('dataset', 'add', two, '--data-dir', data),
    await taughtnet('dataset', 'list', '--data-dir', data, '--json'),
  ];
  assert.equal(all.code, 1, all.stdout);
  assert.match(
    all.stderr,
    /train-only\.tsv: cutting its 20 sentences by 100\/0\/0 leaves the dev and test splits empty/,
  );
  assert.match(all.stderr, /--split/);
  assert.equal(small.code, 1, small.stdout);
  assert.match(small.stderr, /two\.tsv: cutting its 2 sentences by 80\/10\/10 leaves the dev and test splits empty/);
  assertPrefixed(all);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    JSON.parse(list.stdout).filter((d: { ref: { source: string } }) => d.ref.source === 'user'),
    [],
    'nothing was registered',
  );
});

test('fault 2: models export refuses an --out that is a FIFO, a device or a symbolic link, and leaves it as it was', async (t) => {
  const outDir = tempDir('taughtnet-hostile-out-');
  const pipe = join(outDir, 'pipe.onnx');
  execFileSync('mkfifo', [pipe]);
  const target = join(outDir, 'target.onnx');
  writeFileSync(target, 'keep me');
  const link = join(outDir, 'link.onnx');
  symlinkSync(target, link);
  const device = join(outDir, 'full');
  let haveDevice = true;
  try {
    execFileSync('mknod', [device, 'c', '1', '7']); // /dev/full's numbers, in a folder of our own
  } catch {
    haveDevice = false;
  }
  const results = await Promise.all([
    taughtnet('models', 'export', '--folder', fixtureModel, '--out', pipe),
    taughtnet('models', 'export', '--folder', fixtureModel, '--out', link),
    haveDevice ? taughtnet('models', 'export', '--folder', fixtureModel, '--out', device) : undefined,
  ]);
  const [p, l, d] = results;
  assert.equal(p!.hung, false);
  assert.equal(p!.code, 1, p!.stdout);
  assert.match(p!.stderr, /pipe\.onnx is a FIFO \(named pipe\), not a regular file: name a new \.onnx file/);
  assert.ok(lstatSync(pipe).isFIFO(), 'the FIFO is still a FIFO');
  assert.equal(l!.code, 1, l!.stdout);
  assert.match(l!.stderr, /link\.onnx is a symbolic link \(to .*target\.onnx\): refused/);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readlinkSync(link), target);
  assert.equal(readFileSync(target, 'utf8'), 'keep me');
  if (!haveDevice) {
    t.diagnostic('mknod is not allowed here: the character-device case was not tried');
  } else {
    assert.equal(d!.code, 1, d!.stdout);
    assert.match(d!.stderr, /full is a character device, not a regular file/);
    assert.ok(lstatSync(device).isCharacterDevice(), 'the device is still a device');
  }
  for (const r of results) if (r) assertPrefixed(r);
});
