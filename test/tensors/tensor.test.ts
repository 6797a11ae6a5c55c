import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor,
  zeros,
  halfToNumber,
  numberToHalf,
  bfloat16ToNumber,
  numberToBfloat16,
  float16ToFloat32,
  float32ToFloat16,
  bfloat16ToFloat32,
  float32ToBfloat16,
  toFloat32,
} from '../../main/tensors/tensor.ts';

test('tensor() checks array type and element count', () => {
  assert.deepEqual(tensor('float32', [2, 2], new Float32Array(4)).shape, [2, 2]);
  assert.throws(() => tensor('float32', [2, 2], new Float32Array(3)), /holds 4 elements but the data has 3/);
  assert.throws(() => tensor('int64', [1], new Int32Array(1) as unknown as BigInt64Array), /needs a BigInt64Array/);
  assert.throws(() => zeros('float32', [2, -1]), /non-negative integers/);
  assert.equal(zeros('bool', [3, 0]).data.length, 0);
});

test('float16 conversion matches IEEE 754 binary16 reference values', () => {
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff], // largest finite
    [65520, 0x7c00], // rounds up to infinity
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -25, 0x0000], // tie between 0 and the smallest subnormal: even is 0
    [1.5 * 2 ** -25, 0x0001],
    [0.1, 0x2e66],
    [1 + 2 ** -11, 0x3c00], // tie → even
    [1 + 3 * 2 ** -11, 0x3c02], // tie → even (upwards)
    [0.333251953125, 0x3555],
  ];
  for (const [value, bits] of cases) {
    assert.equal(numberToHalf(value), bits, `numberToHalf(${value})`);
  }
  assert.equal(numberToHalf(NaN) & 0x7c00, 0x7c00);
  assert.ok(Number.isNaN(halfToNumber(0x7e00)));
  // Every non-NaN half survives half → number → half, and the table-driven array conversion agrees.
  const all = new Uint16Array(65536).map((_, i) => i);
  const asF32 = float16ToFloat32(all);
  for (let h = 0; h < 65536; h++) {
    if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) continue;
    assert.equal(numberToHalf(halfToNumber(h)), h);
    assert.equal(asF32[h], halfToNumber(h));
  }
  assert.deepEqual([...float32ToFloat16(new Float32Array([1, -2, 0.5]))], [0x3c00, 0xc000, 0x3800]);
});

test('bfloat16 conversion keeps the float32 exponent and rounds to nearest even', () => {
  assert.equal(numberToBfloat16(1), 0x3f80);
  assert.equal(numberToBfloat16(-2), 0xc000);
  assert.equal(numberToBfloat16(1 + 2 ** -8), 0x3f80); // tie → even
  assert.equal(numberToBfloat16(1 + 3 * 2 ** -8), 0x3f82); // tie → even (upwards)
  assert.equal(numberToBfloat16(1 + 2 ** -7 + 2 ** -9), 0x3f81);
  assert.equal(numberToBfloat16(3.4e38), 0x7f80); // rounds past the largest finite bfloat16
  assert.ok(Number.isNaN(bfloat16ToNumber(numberToBfloat16(NaN))));
  assert.equal(bfloat16ToNumber(0xbf80), -1);
  const bits = float32ToBfloat16(new Float32Array([1, -1.5, 3.140625]));
  assert.deepEqual([...bfloat16ToFloat32(bits)], [1, -1.5, 3.140625]);
});

test('toFloat32 widens float16/bfloat16/float64 and refuses integers', () => {
  const h = tensor('float16', [2], new Uint16Array([0x3c00, 0xc000]));
  assert.deepEqual([...toFloat32(h).data], [1, -2]);
  const b = tensor('bfloat16', [1], new Uint16Array([0x4049]));
  assert.equal(toFloat32(b).data[0], 3.140625);
  assert.deepEqual([...toFloat32(tensor('float64', [1], new Float64Array([0.25]))).data], [0.25]);
  assert.throws(() => toFloat32(tensor('int32', [1], new Int32Array(1))), /cannot convert a int32 tensor/);
});
