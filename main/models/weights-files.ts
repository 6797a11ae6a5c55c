// Finds and reads the weights of a Hugging Face model folder, in Hugging Face's order of preference:
// model.safetensors, model.safetensors.index.json (shards), pytorch_model.bin, pytorch_model.bin.index.json.
// Tensors keep the checkpoint's own names here; floating tensors come back as float32.
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { checkPath, readRegularFile } from '../files/regular-file.ts';
import { join } from 'node:path';
import { checksumMatches, damagedFileError, openSafetensors } from '../tensors/safetensors.ts';
import { type DType, type Tensor, toFloat32 } from '../tensors/tensor.ts';
import { readPytorchBin } from './pytorch-bin.ts';
import { parseJson } from '../../shared/json.ts';

export const WEIGHTS_FILES = [
  'model.safetensors',
  'model.safetensors.index.json',
  'pytorch_model.bin',
  'pytorch_model.bin.index.json',
] as const;

export interface CheckpointTensors {
  /** The files read, relative to the folder (the index, then its shards). */
  readonly files: string[];
  readonly tensors: Map<string, Tensor>;
}

/** A folder cloned without Git LFS holds small text pointers where the weights should be. */
function refuseLfsPointer(path: string): void {
  checkPath(path, 'file');
  const head = Buffer.alloc(40);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1').startsWith('version https://git-lfs')) {
    throw new Error(
      `${path}: is a Git LFS pointer, not the weights; fetch the real file (git lfs pull) or download it again`,
    );
  }
}

const isFloat = (t: Tensor) => t.dtype === 'float16' || t.dtype === 'bfloat16' || t.dtype === 'float64';

async function readSafetensorsFile(path: string, names?: readonly string[]): Promise<Map<string, Tensor>> {
  refuseLfsPointer(path);
  // The folders the workbench saves record their sha256 (others cost nothing here: no digest, no pass).
  if ((await checksumMatches(path)) === false)
    throw damagedFileError(path, '; copy the folder again from a backup, or train the model again');
  const reader = await openSafetensors(path);
  try {
    const tensors = new Map<string, Tensor>();
    for (const name of names ?? reader.entries.keys()) {
      if (!reader.entries.has(name))
        throw new Error(`${path}: the index lists tensor "${name}" in this shard, but the shard does not hold it`);
      const t = await reader.read(name);
      tensors.set(name, isFloat(t) ? toFloat32(t) : t);
    }
    return tensors;
  } finally {
    await reader.close();
  }
}

/** {"metadata": …, "weight_map": {tensor: shard file}}: the shards' names grouped with their tensors. */
function readIndex(path: string): Map<string, string[]> {
  const json = parseJson(readRegularFile(path, 'utf8'), path);
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map))
    throw new Error(`${path}: has no "weight_map" object`);
  const shards = new Map<string, string[]>();
  for (const [name, shard] of Object.entries(map)) {
    if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\'))
      throw new Error(`${path}: tensor "${name}" maps to ${JSON.stringify(shard)}, not a file name`);
    shards.set(shard, [...(shards.get(shard) ?? []), name]);
  }
  if (shards.size === 0) throw new Error(`${path}: the weight_map is empty`);
  return shards;
}

async function readSharded(
  folder: string,
  indexName: string,
  readShard: (path: string, names: string[]) => Promise<Map<string, Tensor>>,
): Promise<CheckpointTensors> {
  const indexPath = join(folder, indexName);
  const shards = readIndex(indexPath);
  for (const shard of shards.keys()) {
    if (!existsSync(join(folder, shard)))
      throw new Error(`${indexPath}: points at shard ${shard}, which is missing from ${folder}`);
  }
  const tensors = new Map<string, Tensor>();
  for (const [shard, names] of shards)
    for (const [name, t] of await readShard(join(folder, shard), names)) tensors.set(name, t);
  return { files: [indexName, ...shards.keys()], tensors };
}

async function readBin(path: string): Promise<Map<string, Tensor>> {
  refuseLfsPointer(path);
  return readPytorchBin(path);
}

async function readBinShard(path: string, names: string[]): Promise<Map<string, Tensor>> {
  const all = await readBin(path);
  const out = new Map<string, Tensor>();
  for (const name of names) {
    const t = all.get(name);
    if (!t) throw new Error(`${path}: the index lists tensor "${name}" in this shard, but the shard does not hold it`);
    out.set(name, t);
  }
  return out;
}

/** The weights file Hugging Face would read from the folder; throws naming the expected files when there is none. */
function weightsFile(folder: string): (typeof WEIGHTS_FILES)[number] {
  const has = (name: string) => existsSync(join(folder, name));
  const found = WEIGHTS_FILES.find(has);
  if (found) return found;
  const other = ['tf_model.h5', 'flax_model.msgpack', 'model.ckpt.index'].filter(has);
  throw new Error(
    `${folder}: no weights file: expected ${WEIGHTS_FILES.join(', ')}` +
      (other.length ? ` (found ${other.join(', ')}: TensorFlow/Flax weights, which this program does not read)` : ''),
  );
}

/** Reads the folder's checkpoint; throws naming the expected files when there is none. */
export async function readCheckpoint(folder: string): Promise<CheckpointTensors> {
  switch (weightsFile(folder)) {
    case 'model.safetensors':
      return { files: ['model.safetensors'], tensors: await readSafetensorsFile(join(folder, 'model.safetensors')) };
    case 'model.safetensors.index.json':
      return readSharded(folder, 'model.safetensors.index.json', readSafetensorsFile);
    case 'pytorch_model.bin':
      return { files: ['pytorch_model.bin'], tensors: await readBin(join(folder, 'pytorch_model.bin')) };
    case 'pytorch_model.bin.index.json':
      return readSharded(folder, 'pytorch_model.bin.index.json', readBinShard);
  }
}

/** A tensor as a weights file's header describes it, before its data is read. */
export interface TensorHeader {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export interface CheckpointHeaders {
  /** The files checked, relative to the folder (the index, then its shards). */
  readonly files: string[];
  /** Name → dtype and shape from the safetensors headers; null for pytorch_model.bin, which has no header to read. */
  readonly tensors: Map<string, TensorHeader> | null;
}

/** A safetensors file's header: its tensors' names, dtypes and shapes, checked against the file's size. */
async function safetensorsHeader(path: string, names?: readonly string[]): Promise<Map<string, TensorHeader>> {
  refuseLfsPointer(path);
  const reader = await openSafetensors(path); // parses the header and checks that the data is all there
  await reader.close();
  for (const name of names ?? []) {
    if (!reader.entries.has(name))
      throw new Error(`${path}: the index lists tensor "${name}" in this shard, but the shard does not hold it`);
  }
  return new Map([...reader.entries].map(([name, e]) => [name, { dtype: e.dtype, shape: e.shape }]));
}

/**
 * torch.save writes a zip archive, whose directory sits at its end: without it the file was cut short. (The legacy
 * pickle format has no such marker; it is checked when read.)
 */
function checkBinEnd(path: string): void {
  refuseLfsPointer(path);
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(2);
    readSync(fd, head, 0, 2, 0);
    if (head[0] !== 0x50 || head[1] !== 0x4b) return; // legacy format
    // The end-of-central-directory record: 22 bytes plus a comment of at most 65,535.
    const tail = Buffer.alloc(Math.min(size, 22 + 65_535));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    if (tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) < 0) {
      throw new Error(`${path}: the zip archive has no end record: the file is truncated (copy or download it again)`);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks the folder's weights without reading them: each file is there, is not a Git LFS pointer, and holds as
 * many bytes as its header says (safetensors) or ends as a zip archive does (pytorch_model.bin); shards hold
 * what their index lists. Returns the tensors' dtypes and shapes where a header gives them.
 */
export async function readCheckpointHeaders(folder: string): Promise<CheckpointHeaders> {
  const file = weightsFile(folder);
  if (file === 'model.safetensors') return { files: [file], tensors: await safetensorsHeader(join(folder, file)) };
  if (file === 'pytorch_model.bin') {
    checkBinEnd(join(folder, file));
    return { files: [file], tensors: null };
  }
  const shards = readIndex(join(folder, file));
  const tensors = new Map<string, TensorHeader>();
  for (const [shard, names] of shards) {
    const path = join(folder, shard);
    if (!existsSync(path))
      throw new Error(`${join(folder, file)}: points at shard ${shard}, which is missing from ${folder}`);
    if (file === 'pytorch_model.bin.index.json') checkBinEnd(path);
    else for (const [name, t] of await safetensorsHeader(path, names)) tensors.set(name, t);
  }
  return { files: [file, ...shards.keys()], tensors: file === 'model.safetensors.index.json' ? tensors : null };
}
