// The sha256 a workbench-written safetensors file records in itself (issue 12, fault 5): any overwritten byte, in
// the header or the data, is found in one pass; a file without one is left alone; the file stays plain safetensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, cpSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checksumMatches, CHECKSUM_KEY, readSafetensors, writeSafetensors } from '../../main/tensors/safetensors.ts';
import { tensor } from '../../main/tensors/tensor.ts';
import { loadModelFolder, saveModelFolder } from '../../main/models/model-folder.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';

const dir = tempDir('checksum-test-');
const tensors = {
  a: tensor(
    'float32',
    [1000],
    Float32Array.from({ length: 1000 }, (_, i) => i / 7),
  ),
  b: tensor('int64', [3], BigInt64Array.of(1n, 2n, 3n)),
};

function overwrite(path: string, at: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, at);
  } finally {
    closeSync(fd);
  }
}

test('a file written with a checksum matches it, reads as plain safetensors, and any damaged byte is found', async () => {
  const path = join(dir, 'with.safetensors');
  await writeSafetensors(path, tensors, { note: 'kept' }, { checksum: true });
  assert.equal(await checksumMatches(path), true);
  const back = await readSafetensors(path);
  assert.equal(back.metadata.note, 'kept');
  assert.match(back.metadata[CHECKSUM_KEY], /^[0-9a-f]{64}$/);
  assert.deepEqual(back.tensors.get('a')!.data, tensors.a.data);

  const size = statSync(path).size;
  for (const at of [20, Math.floor(size / 2), size - 8]) {
    const copy = join(dir, `damaged-at-${at}.safetensors`);
    cpSync(path, copy);
    overwrite(copy, at, Buffer.alloc(8, 0xff));
    assert.equal(await checksumMatches(copy), false, `8 bytes at ${at} of ${size}`);
  }
});

test("a file without a checksum (another writer's) is neither passed nor failed", async () => {
  const path = join(dir, 'without.safetensors');
  await writeSafetensors(path, tensors);
  assert.equal(await checksumMatches(path), null);
});

test('a saved model folder records its checksum, and a damaged one is refused by name with what to do', async () => {
  const fixture = fileURLToPath(new URL('../models/fixtures/tiny-bert-ner', import.meta.url));
  const model = await loadModelFolder(fixture);
  const folder = join(dir, 'saved');
  await saveModelFolder(folder, model, { tokenizerFrom: fixture });
  await loadModelFolder(folder);
  const weights = join(folder, 'model.safetensors');
  overwrite(weights, Math.floor(statSync(weights).size / 2), Buffer.alloc(8, 0));
  await assert.rejects(
    loadModelFolder(folder),
    new RegExp(
      `${weights.replace(/[.\\/]/g, '\\$&')} is damaged: .*; copy the folder again from a backup, or train the model again`,
    ),
  );
});
