// pytorch_model.bin reading on files written by real torch.save (fixtures/make-fixtures.py, torch 1.13).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync, zipSync } from 'fflate';
import { readPytorchBin } from '../../main/models/pytorch-bin.ts';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'torch-bin-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

for (const file of ['torch-views.bin', 'torch-views-legacy.bin'])
  test(`${file}: strided views into a shared storage, float16/bfloat16/float64 as float32, a Parameter`, async () => {
    const t = await readPytorchBin(fixture(file));
    assert.deepEqual([...t.keys()], ['a', 'a_t', 'row', 'every_other', 'half', 'bf', 'double', 'param', 'ids']);
    const values = (name: string) => Array.from(t.get(name)!.data as Float32Array);
    assert.deepEqual(t.get('a')!.shape, [3, 4]);
    assert.deepEqual(values('a'), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // a.t(): strides (1, 4) over a's storage → rows are a's columns
    assert.deepEqual(t.get('a_t')!.shape, [4, 3]);
    assert.deepEqual(values('a_t'), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    assert.deepEqual(values('row'), [4, 5, 6, 7]); // storage offset 4
    assert.deepEqual(values('every_other'), [0, 2, 4, 6, 8, 10]); // a[:, ::2], strides (4, 2)
    for (const name of ['half', 'bf', 'double', 'param']) assert.equal(t.get(name)!.dtype, 'float32', name);
    assert.deepEqual(values('half'), [0.5, -2, 65504, 2 ** -10]); // exact in float16
    assert.deepEqual(values('bf'), [1, -3.5, 256]);
    assert.deepEqual(values('double'), [0.25, Math.fround(1e-3)]);
    assert.deepEqual(values('param'), [7, 8]);
    assert.equal(t.get('ids')!.dtype, 'int64');
    assert.deepEqual(Array.from(t.get('ids')!.data as BigInt64Array), [0n, 1n, 2n, 3n, 4n]);
  });

test('a truncated file names the file', async () => {
  const bytes = readFileSync(fixture('tiny-bert-pretrained.bin'));
  const path = join(dir, 'truncated.bin');
  writeFileSync(path, bytes.subarray(0, bytes.length - 300));
  await assert.rejects(
    readPytorchBin(path),
    (e: Error) => e.message.startsWith(path) && /damaged|truncated/.test(e.message),
  );
});

test('a storage missing from the archive is named', async () => {
  const files = unzipSync(readFileSync(fixture('torch-views.bin')));
  const kept = Object.fromEntries(Object.entries(files).filter(([n]) => !n.includes('/data/')));
  const path = join(dir, 'no-storages.bin');
  writeFileSync(path, zipSync(kept, { level: 0 }));
  await assert.rejects(readPytorchBin(path), /lacks storage data\/0 used by "a"/);
});

test('a pickle that calls anything but torch tensor builders is refused', async () => {
  // PROTO 2, GLOBAL os.system, SHORT_BINUNICODE "echo", TUPLE1, REDUCE, STOP
  const evil = new Uint8Array([
    0x80,
    0x02,
    ...new TextEncoder().encode('cos\nsystem\n'),
    0x8c,
    4,
    ...new TextEncoder().encode('echo'),
    0x85,
    0x52,
    0x2e,
  ]);
  const path = join(dir, 'evil.bin');
  writeFileSync(
    path,
    zipSync({ 'archive/data.pkl': evil, 'archive/version': new TextEncoder().encode('3\n') }, { level: 0 }),
  );
  await assert.rejects(readPytorchBin(path), /refers to os\.system.*refusing/);
});

test('a truncated legacy file, and a file that is no torch file at all, are named', async () => {
  const bytes = readFileSync(fixture('torch-views-legacy.bin'));
  const cut = join(dir, 'legacy-cut.bin');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
  await assert.rejects(
    readPytorchBin(cut),
    new RegExp(`${cut}: (storage \\d+ is cut short|the file ends before storage \\d+) \\(truncated file\\?\\)`),
  );
  writeFileSync(cut, bytes.subarray(0, 200));
  await assert.rejects(readPytorchBin(cut), /pickle ends early.*truncated file.* while reading the state dict/);
  const text = join(dir, 'text.bin');
  writeFileSync(text, 'hello');
  await assert.rejects(readPytorchBin(text), /not a PyTorch weights file/);
});
