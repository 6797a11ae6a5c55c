// A tensor is plain data: a dtype, a shape and a typed array holding the elements in row-major order.
// float16 and bfloat16 have no JavaScript array type in Node 20, so they are kept as raw bits in a Uint16Array;
// the helpers below convert them to and from float32.

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'uint8' | 'bool';

export interface DataOf {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  uint8: Uint8Array;
  bool: Uint8Array; // one byte per element, 0 or 1
}

export type TensorData = DataOf[DType];

export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: DataOf[D];
}

export const DTYPES: readonly DType[] = [
  'float32',
  'float64',
  'float16',
  'bfloat16',
  'int64',
  'int32',
  'uint8',
  'bool',
];

const ARRAY_TYPE = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  bool: Uint8Array,
} as const;

export function bytesPerElement(dtype: DType): number {
  return ARRAY_TYPE[dtype].BYTES_PER_ELEMENT;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function checkShape(shape: readonly number[]): void {
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(`invalid tensor shape [${shape.join(', ')}]: dimensions must be non-negative integers`);
  }
}

/** Builds a tensor, checking that the data has the array type of the dtype and as many elements as the shape. */
export function tensor<D extends DType>(dtype: D, shape: readonly number[], data: DataOf[D]): Tensor<D> {
  checkShape(shape);
  if (!(data instanceof ARRAY_TYPE[dtype])) {
    throw new Error(`a ${dtype} tensor needs a ${ARRAY_TYPE[dtype].name}, got ${data.constructor.name}`);
  }
  if (data.length !== numel(shape)) {
    throw new Error(`shape [${shape.join(', ')}] holds ${numel(shape)} elements but the data has ${data.length}`);
  }
  return { dtype, shape: [...shape], data };
}

/** A zero-filled tensor. */
export function zeros<D extends DType>(dtype: D, shape: readonly number[]): Tensor<D> {
  checkShape(shape);
  return tensor(dtype, shape, new ARRAY_TYPE[dtype](numel(shape)) as DataOf[D]);
}

/** A tensor over the given bytes (copied, so the result's array is aligned and owns its memory). */
export function tensorFromBytes<D extends DType>(dtype: D, shape: readonly number[], bytes: Uint8Array): Tensor<D> {
  return tensorOver(dtype, shape, new Uint8Array(bytes).buffer);
}

/**
 * A tensor whose array is all of `buffer`, which it takes over: a buffer made for this tensor alone, such as a
 * model's weights read from a file (which need not be held twice).
 */
export function tensorOver<D extends DType>(dtype: D, shape: readonly number[], buffer: ArrayBuffer): Tensor<D> {
  checkShape(shape);
  const expected = numel(shape) * bytesPerElement(dtype);
  if (buffer.byteLength !== expected) {
    throw new Error(
      `a ${dtype} tensor of shape [${shape.join(', ')}] needs ${expected} bytes, got ${buffer.byteLength}`,
    );
  }
  return tensor(dtype, shape, new ARRAY_TYPE[dtype](buffer) as DataOf[D]);
}

/** The tensor's elements as bytes (a view, no copy). Typed arrays are little-endian on every platform we ship. */
export function tensorBytes(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

// ---- float16 / bfloat16 <-> float32 ----

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half-precision bits → number. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** number → IEEE half-precision bits, rounding to nearest even (overflow gives ±Infinity). */
export function numberToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000; // the implicit leading bit becomes explicit in a subnormal half
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // a carry into the exponent is still correct
  return half;
}

/** bfloat16 bits → number (bfloat16 is the top half of a float32). */
export function bfloat16ToNumber(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}

/** number → bfloat16 bits, rounding to nearest even. */
export function numberToBfloat16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  if (Number.isNaN(v)) return ((x >>> 16) & 0x8000) | 0x7fc0;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

let halfTable: Float32Array | undefined;

/** Converts raw float16 bits to float32 (through a 65536-entry table: weights files hold millions of values). */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToNumber(h);
  }
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfTable[bits[i]];
  return out;
}

export function float32ToFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = numberToHalf(values[i]);
  return out;
}

export function bfloat16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = bits[i] << 16;
  return new Float32Array(out.buffer);
}

export function float32ToBfloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = numberToBfloat16(values[i]);
  return out;
}

/** Any floating tensor as float32 (float32 is returned as is, float16/bfloat16/float64 are converted). */
export function toFloat32(t: Tensor): Tensor<'float32'> {
  switch (t.dtype) {
    case 'float32':
      return t as Tensor<'float32'>;
    case 'float16':
      return tensor('float32', t.shape, float16ToFloat32(t.data as Uint16Array));
    case 'bfloat16':
      return tensor('float32', t.shape, bfloat16ToFloat32(t.data as Uint16Array));
    case 'float64':
      return tensor('float32', t.shape, Float32Array.from(t.data as Float64Array));
    default:
      throw new Error(`cannot convert a ${t.dtype} tensor to float32`);
  }
}
