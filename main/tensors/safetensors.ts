// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length N,
// N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}},
// then the data buffer, offsets relative to its start.
// Reading is lazy: opening parses only the header, each tensor is fetched with a positional read, so a multi-GB
// weights file never sits in memory whole. Writing is atomic: temp file in the same folder, fsync, rename.
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { endianness } from 'node:os';
import { checkPath } from '../files/regular-file.ts';
import { type DType, type Tensor, bytesPerElement, numel, tensorOver, tensorBytes } from './tensor.ts';
import { errorMessage } from '../../shared/error-message.ts';

const CODE_OF: Record<DType, string> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  bool: 'BOOL',
};
const DTYPE_OF = new Map(Object.entries(CODE_OF).map(([dtype, code]) => [code, dtype as DType]));
// Codes of the spec we recognise but do not load; named in errors so they read as "unsupported", not "corrupt".
const KNOWN_UNSUPPORTED = new Set(['I8', 'I16', 'U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2']);

/** The spec caps the header at 100 MB; a larger length means a corrupt or foreign file. */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Absolute position of the first byte in the file. */
  readonly fileOffset: number;
  readonly byteLength: number;
}

export interface SafetensorsReader {
  readonly path: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Tensor entries in file order. */
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  /** Reads one tensor from disk; throws naming the file and the tensor if it is absent. */
  read(name: string): Promise<Tensor>;
  close(): Promise<void>;
}

if (endianness() !== 'LE') throw new Error('safetensors reading assumes a little-endian machine');

function fail(path: string, problem: string): never {
  throw new Error(`${path}: not a valid safetensors file: ${problem}`);
}

/** Parses and validates a header; `dataBytes` is the file size minus the header. */
function parseHeader(
  path: string,
  headerText: string,
  dataStart: number,
  dataBytes: number,
): { metadata: Record<string, string>; entries: Map<string, SafetensorsEntry> } {
  if (!headerText.startsWith('{')) fail(path, 'the header is not a JSON object');
  let json: unknown;
  try {
    json = JSON.parse(headerText);
  } catch (e) {
    fail(path, `the header is not valid JSON (${errorMessage(e)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(path, 'the header is not a JSON object');

  let metadata: Record<string, string> = {};
  const spans: { name: string; begin: number; end: number; dtype: DType; shape: number[] }[] = [];
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        fail(path, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') fail(path, `__metadata__.${k} is not a string`);
      }
      metadata = value as Record<string, string>;
      continue;
    }
    const where = `tensor "${name}"`;
    if (typeof value !== 'object' || value === null) fail(path, `${where} is not an object`);
    const { dtype: code, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (typeof code !== 'string') fail(path, `${where} has no dtype`);
    const dtype = DTYPE_OF.get(code);
    if (!dtype) {
      throw new Error(
        KNOWN_UNSUPPORTED.has(code)
          ? `${path}: ${where} has dtype ${code}, which this program does not load`
          : `${path}: not a valid safetensors file: ${where} has unknown dtype "${code}"`,
      );
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(path, `${where} has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      fail(path, `${where} has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = numel(shape) * bytesPerElement(dtype);
    if (end - begin !== expected) {
      fail(
        path,
        `${where} (${code} [${shape.join(', ')}]) needs ${expected} bytes but data_offsets span ${end - begin}`,
      );
    }
    if (end > dataBytes) {
      fail(
        path,
        `${where} ends at byte ${end} of the data but the data holds only ${dataBytes} bytes (truncated file?)`,
      );
    }
    spans.push({ name, begin, end, dtype, shape });
  }

  // Like the reference implementation: the tensors must tile the data buffer exactly, no overlap, no holes.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const s of spans) {
    if (s.begin !== cursor) {
      fail(path, `tensor "${s.name}" starts at byte ${s.begin} of the data, expected ${cursor} (overlap or hole)`);
    }
    cursor = s.end;
  }
  if (cursor !== dataBytes)
    fail(path, `the tensors cover ${cursor} bytes but the data holds ${dataBytes} (trailing bytes)`);

  const entries = new Map<string, SafetensorsEntry>();
  for (const s of spans) {
    entries.set(s.name, {
      name: s.name,
      dtype: s.dtype,
      shape: s.shape,
      fileOffset: dataStart + s.begin,
      byteLength: s.end - s.begin,
    });
  }
  return { metadata, entries };
}

async function readExactly(file: FileHandle, length: number, position: number): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(out, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  if (done !== length) throw new Error(`short read: ${done} of ${length} bytes at position ${position}`);
  return out;
}

/** Opens a safetensors file and parses its header; tensors are read on demand. Close the reader when done. */
export async function openSafetensors(path: string): Promise<SafetensorsReader> {
  checkPath(path, 'file'); // opening a FIFO would wait for a writer forever
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size < 8) fail(path, `the file has ${size} bytes, fewer than the 8-byte header length`);
    const lengthBytes = await readExactly(file, 8, 0);
    const headerLength = new DataView(lengthBytes.buffer).getBigUint64(0, true);
    if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, size - 8))) {
      fail(path, `the header length ${headerLength} exceeds the file (${size} bytes) or the 100 MB limit`);
    }
    const headerBytes = await readExactly(file, Number(headerLength), 8);
    let headerText: string;
    try {
      headerText = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    } catch {
      fail(path, 'the header is not UTF-8');
    }
    const dataStart = 8 + Number(headerLength);
    const { metadata, entries } = parseHeader(path, headerText, dataStart, size - dataStart);
    return {
      path,
      metadata,
      entries,
      async read(name) {
        const entry = entries.get(name);
        if (!entry) throw new Error(`${path}: no tensor named "${name}"`);
        try {
          // A fresh buffer of exactly the tensor's bytes, which the tensor takes over.
          const bytes = await readExactly(file, entry.byteLength, entry.fileOffset);
          return tensorOver(entry.dtype, entry.shape, bytes.buffer);
        } catch (e) {
          throw new Error(`${path}: reading tensor "${name}" failed: ${errorMessage(e)}`, { cause: e });
        }
      },
      close: () => file.close(),
    };
  } catch (e) {
    await file.close();
    throw e;
  }
}

/** Reads the named tensors (all when `names` is omitted) and the metadata of a safetensors file. */
export async function readSafetensors(
  path: string,
  names?: readonly string[],
): Promise<{ metadata: Record<string, string>; tensors: Map<string, Tensor> }> {
  const reader = await openSafetensors(path);
  try {
    const tensors = new Map<string, Tensor>();
    for (const name of names ?? [...reader.entries.keys()]) tensors.set(name, await reader.read(name));
    return { metadata: { ...reader.metadata }, tensors };
  } finally {
    await reader.close();
  }
}

/** Length prefix + JSON header padded with spaces to a multiple of 8 bytes, as the reference writer does. */
function encodeHeader(tensors: readonly [string, Tensor][], metadata: Record<string, string>): Uint8Array {
  const json: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) json.__metadata__ = metadata;
  let cursor = 0;
  for (const [name, t] of tensors) {
    const end = cursor + t.data.byteLength;
    json[name] = { dtype: CODE_OF[t.dtype], shape: t.shape, data_offsets: [cursor, end] };
    cursor = end;
  }
  const text = new TextEncoder().encode(JSON.stringify(json));
  const padded = Math.ceil(text.length / 8) * 8;
  const header = new Uint8Array(8 + padded).fill(0x20);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(text, 8);
  return header;
}

/**
 * A safetensors file as chunks: the header, then each tensor's bytes. Tensors are laid out widest dtype first
 * (then by name) so every tensor starts aligned to its element size. `where` names the file in errors.
 */
export function safetensorsChunks(
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  metadata: Record<string, string> = {},
  where = 'safetensors',
): Uint8Array[] {
  const list = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))] as [string, Tensor][];
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new Error(`${where}: "__metadata__" cannot name a tensor`);
    if (!(t.dtype in CODE_OF)) throw new Error(`${where}: tensor "${name}" has unsupported dtype ${t.dtype}`);
    if (t.data.length !== numel(t.shape)) {
      throw new Error(`${where}: tensor "${name}" has shape [${t.shape.join(', ')}] but ${t.data.length} elements`);
    }
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new Error(`${where}: metadata "${k}" must be a string`);
  }
  list.sort(
    ([an, a], [bn, b]) => bytesPerElement(b.dtype) - bytesPerElement(a.dtype) || (an < bn ? -1 : an > bn ? 1 : 0),
  );
  return [encodeHeader(list, metadata), ...list.map(([, t]) => tensorBytes(t))];
}

/**
 * The metadata entry in which a file written with `checksum` records its own sha256. The digest covers every byte
 * of the file with the digest's 64 characters read as '0' (as tar does with its checksum field), so one pass
 * checks the header and the data alike, and the file stays a plain safetensors file for any other reader.
 */
export const CHECKSUM_KEY = 'taughtnet.sha256';
const CHECKSUM_FIELD = new TextEncoder().encode(`"${CHECKSUM_KEY}":"`);
const UNSET_DIGEST = '0'.repeat(64);

/** The error name of a file whose content no longer matches the checksum recorded in it. */
export const DAMAGED_FILE = 'DamagedFileError';

/** `whatToDo` follows the diagnosis, e.g. "; copy it again from a backup". */
export function damagedFileError(path: string, whatToDo: string): Error {
  const e = new Error(
    `${path} is damaged: its content no longer matches the sha256 recorded when it was written (a disk or copy fault)${whatToDo}`,
  );
  e.name = DAMAGED_FILE;
  return e;
}

/** Where the recorded digest's 64 characters sit in a header (the bytes after the length prefix), or -1. */
function digestPosition(header: Uint8Array): number {
  const at = Buffer.from(header.buffer, header.byteOffset, header.byteLength).indexOf(CHECKSUM_FIELD);
  return at < 0 || at + CHECKSUM_FIELD.length + 64 > header.length ? -1 : at + CHECKSUM_FIELD.length;
}

/**
 * Whether a file still holds what writeSafetensors wrote with `checksum`: true, false (damaged: then a caller should
 * not trust any of it), or null when it records no checksum (written elsewhere, or before checksums). One streaming
 * pass over the file.
 */
export async function checksumMatches(path: string): Promise<boolean | null> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size < 8) return null;
    const prefix = await readExactly(file, 8, 0);
    const headerLength = new DataView(prefix.buffer).getBigUint64(0, true);
    if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, size - 8))) return null; // not a safetensors file to check
    const header = await readExactly(file, Number(headerLength), 8);
    const at = digestPosition(header);
    if (at < 0) return null;
    const recorded = new TextDecoder().decode(header.subarray(at, at + 64));
    header.set(new TextEncoder().encode(UNSET_DIGEST), at);
    const hash = createHash('sha256').update(prefix).update(header);
    for await (const chunk of file.createReadStream({ start: 8 + Number(headerLength), autoClose: false }))
      hash.update(chunk as Buffer);
    return hash.digest('hex') === recorded;
  } finally {
    await file.close();
  }
}

export interface WriteOptions {
  /** Record the file's sha256 in its metadata (see CHECKSUM_KEY), for checksumMatches to check when it is read back. */
  readonly checksum?: boolean;
}

/** Writes tensors and string metadata to `path` atomically: a crash leaves either the old file or the new one. */
export async function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  metadata: Record<string, string> = {},
  options: WriteOptions = {},
): Promise<void> {
  const chunks = safetensorsChunks(
    tensors,
    options.checksum ? { ...metadata, [CHECKSUM_KEY]: UNSET_DIGEST } : metadata,
    path,
  );
  if (options.checksum) {
    const hash = createHash('sha256');
    for (const bytes of chunks) hash.update(bytes);
    const header = chunks[0];
    header.set(new TextEncoder().encode(hash.digest('hex')), 8 + digestPosition(header.subarray(8)));
  }
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let file: FileHandle | undefined;
  try {
    file = await open(temp, 'wx');
    let position = 0;
    for (const bytes of chunks) {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
        done += bytesWritten;
      }
      position += bytes.length;
    }
    await file.sync();
    await file.close();
    file = undefined;
    await rename(temp, path);
  } catch (e) {
    await file?.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw new Error(`${path}: writing safetensors failed: ${errorMessage(e)}`, { cause: e });
  }
  syncDirectory(dirname(path));
}

/** Makes the rename itself durable. Some platforms (Windows) cannot open a folder; the rename is still atomic there. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort, see above
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
