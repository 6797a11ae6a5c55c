import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor, bytesPerElement, type Tensor } from '../../main/tensors/tensor.ts';
import { openSafetensors, readSafetensors, writeSafetensors } from '../../main/tensors/safetensors.ts';

const dir = mkdtempSync(join(tmpdir(), 'safetensors-test-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A file laid out by hand from the spec, so reading is not only checked against our own writer. */
function handBuiltFile(headerJson: string, data: Uint8Array, padTo8 = true): Uint8Array {
  let header = new TextEncoder().encode(headerJson);
  if (padTo8 && header.length % 8) {
    const padded = new Uint8Array(Math.ceil(header.length / 8) * 8).fill(0x20);
    padded.set(header);
    header = padded;
  }
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

function littleEndianData(): Uint8Array {
  const data = new Uint8Array(30);
  const view = new DataView(data.buffer);
  view.setFloat32(0, 1.5, true); // w: F32 [2]
  view.setFloat32(4, -2.25, true);
  view.setBigInt64(8, -7n, true); // ids: I64 [1, 1]
  view.setUint16(16, 0x3c00, true); // h: F16 [2] = 1, -2
  view.setUint16(18, 0xc000, true);
  view.setUint16(20, 0x3f80, true); // bf: BF16 [1] = 1
  view.setInt32(22, 123456, true); // n: I32 [1]
  data[26] = 1; // mask: BOOL [2]
  data[27] = 0;
  data[28] = 200; // u: U8 [2, 1]
  data[29] = 3;
  return data;
}

const HEADER =
  '{"__metadata__":{"format":"pt"},' +
  '"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
  '"ids":{"dtype":"I64","shape":[1,1],"data_offsets":[8,16]},' +
  '"h":{"dtype":"F16","shape":[2],"data_offsets":[16,20]},' +
  '"bf":{"dtype":"BF16","shape":[1],"data_offsets":[20,22]},' +
  '"n":{"dtype":"I32","shape":[1],"data_offsets":[22,26]},' +
  '"mask":{"dtype":"BOOL","shape":[2],"data_offsets":[26,28]},' +
  '"u":{"dtype":"U8","shape":[2,1],"data_offsets":[28,30]}}';

test('reads a file built by hand from the spec', async () => {
  const path = join(dir, 'hand.safetensors');
  writeFileSync(path, handBuiltFile(HEADER, littleEndianData()));
  const { metadata, tensors } = await readSafetensors(path);
  assert.deepEqual(metadata, { format: 'pt' });
  assert.deepEqual([...tensors.keys()], ['w', 'ids', 'h', 'bf', 'n', 'mask', 'u']);
  assert.deepEqual(tensors.get('w'), tensor('float32', [2], new Float32Array([1.5, -2.25])));
  assert.deepEqual(tensors.get('ids'), tensor('int64', [1, 1], new BigInt64Array([-7n])));
  assert.deepEqual(tensors.get('h'), tensor('float16', [2], new Uint16Array([0x3c00, 0xc000])));
  assert.deepEqual(tensors.get('bf'), tensor('bfloat16', [1], new Uint16Array([0x3f80])));
  assert.deepEqual(tensors.get('n'), tensor('int32', [1], new Int32Array([123456])));
  assert.deepEqual(tensors.get('mask'), tensor('bool', [2], new Uint8Array([1, 0])));
  assert.deepEqual(tensors.get('u'), tensor('uint8', [2, 1], new Uint8Array([200, 3])));
});

test('reads only the requested tensors, at their file positions', async () => {
  const path = join(dir, 'lazy.safetensors');
  // An unpadded header is legal too (the spec only recommends padding).
  writeFileSync(path, handBuiltFile(HEADER, littleEndianData(), false));
  const reader = await openSafetensors(path);
  try {
    const entry = reader.entries.get('n')!;
    assert.equal(entry.fileOffset, 8 + new TextEncoder().encode(HEADER).length + 22);
    assert.deepEqual([...(await reader.read('n')).data], [123456]);
    await assert.rejects(reader.read('missing'), /lazy\.safetensors: no tensor named "missing"/);
  } finally {
    await reader.close();
  }
});

test('round trip of every dtype, with metadata, header aligned to 8 bytes', async () => {
  const tensors: Record<string, Tensor> = {
    f32: tensor('float32', [2, 3], new Float32Array([1, 2, 3, -4, 5.5, 1e-30])),
    f64: tensor('float64', [1], new Float64Array([Math.PI])),
    f16: tensor('float16', [3], new Uint16Array([0x3c00, 0x7bff, 0x0001])),
    bf16: tensor('bfloat16', [1, 2], new Uint16Array([0x3f80, 0xc049])),
    i64: tensor('int64', [2], new BigInt64Array([-(2n ** 62n), 42n])),
    i32: tensor('int32', [2], new Int32Array([-1, 2 ** 31 - 1])),
    u8: tensor('uint8', [3], new Uint8Array([0, 128, 255])),
    bool: tensor('bool', [1, 1, 3], new Uint8Array([1, 0, 1])),
    empty: tensor('float32', [0, 4], new Float32Array(0)),
    scalar: tensor('int64', [], new BigInt64Array([9n])),
  };
  const path = join(dir, 'roundtrip.safetensors');
  await writeSafetensors(path, tensors, { step: '17', note: 'ünïcode' });
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  assert.equal(headerLength % 8, 0);
  // Widest dtype first keeps each tensor aligned to its element size within the file.
  const reader = await openSafetensors(path);
  try {
    for (const e of reader.entries.values()) {
      assert.equal(e.fileOffset % bytesPerElement(e.dtype), 0, e.name);
    }
  } finally {
    await reader.close();
  }
  const back = await readSafetensors(path);
  assert.deepEqual(back.metadata, { step: '17', note: 'ünïcode' });
  assert.equal(back.tensors.size, Object.keys(tensors).length);
  for (const [name, t] of Object.entries(tensors)) assert.deepEqual(back.tensors.get(name), t, name);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
    'no temp file left behind',
  );
});

test('overwriting replaces the file atomically and leaves no temp file', async () => {
  const path = join(dir, 'overwrite.safetensors');
  await writeSafetensors(path, { a: tensor('float32', [1], new Float32Array([1])) });
  await writeSafetensors(path, new Map([['b', tensor('int32', [2], new Int32Array([5, 6]))]]));
  const { tensors } = await readSafetensors(path);
  assert.deepEqual([...tensors.keys()], ['b']);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('overwrite') && f.endsWith('.tmp')),
    [],
  );
  await assert.rejects(
    writeSafetensors(join(dir, 'no-such-folder', 'x.safetensors'), {}),
    /no-such-folder.*writing safetensors failed: ENOENT/,
  );
  await assert.rejects(
    writeSafetensors(path, { __metadata__: tensor('uint8', [0], new Uint8Array()) }),
    /cannot name a tensor/,
  );
});

async function expectBad(name: string, bytes: Uint8Array, message: RegExp): Promise<void> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  await assert.rejects(openSafetensors(path), (e: Error) => {
    assert.match(e.message, new RegExp(name.replace('.', '\\.')));
    assert.match(e.message, message);
    return true;
  });
}

test('truncated files and bad headers give errors naming the file and the tensor', async () => {
  const good = handBuiltFile(HEADER, littleEndianData());
  await expectBad('tiny.safetensors', good.subarray(0, 5), /fewer than the 8-byte header length/);
  await expectBad('cut-header.safetensors', good.subarray(0, 40), /header length \d+ exceeds the file/);
  await expectBad('cut-data.safetensors', good.subarray(0, good.length - 1), /tensor "u" ends at byte 30 .*truncated/);
  await expectBad('trailing.safetensors', new Uint8Array([...good, 0, 0]), /trailing bytes/);
  await expectBad('not-json.safetensors', handBuiltFile('{"w": oops}', new Uint8Array()), /not valid JSON/);
  await expectBad('array.safetensors', handBuiltFile('[1,2]', new Uint8Array()), /not a JSON object/);
  await expectBad(
    'size.safetensors',
    handBuiltFile('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', new Uint8Array(8)),
    /tensor "w" \(F32 \[3\]\) needs 12 bytes but data_offsets span 8/,
  );
  await expectBad(
    'dtype.safetensors',
    handBuiltFile('{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)),
    /tensor "w" has unknown dtype "F33"/,
  );
  await expectBad(
    'i8.safetensors',
    handBuiltFile('{"q":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)),
    /tensor "q" has dtype I8, which this program does not load/,
  );
  await expectBad(
    'shape.safetensors',
    handBuiltFile('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', new Uint8Array(4)),
    /tensor "w" has an invalid shape/,
  );
  await expectBad(
    'offsets.safetensors',
    handBuiltFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}', new Uint8Array(4)),
    /tensor "w" has invalid data_offsets/,
  );
  await expectBad(
    'overlap.safetensors',
    handBuiltFile(
      '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
      new Uint8Array(4),
    ),
    /tensor "[ab]" starts at byte 0 of the data, expected 4 \(overlap or hole\)/,
  );
  await expectBad(
    'metadata.safetensors',
    handBuiltFile('{"__metadata__":{"epoch":3}}', new Uint8Array()),
    /__metadata__\.epoch is not a string/,
  );
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
  await expectBad('huge.safetensors', huge, /header length 9223372036854775808 exceeds/);
  await assert.rejects(openSafetensors(join(dir, 'absent.safetensors')), /absent\.safetensors: no such file/);
});
