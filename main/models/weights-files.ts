// Finds and reads the weights of a Hugging Face model folder, in Hugging Face's order of preference:
// model.safetensors, model.safetensors.index.json (shards), pytorch_model.bin, pytorch_model.bin.index.json.
// Tensors keep the checkpoint's own names here; floating tensors come back as float32.
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { openSafetensors } from '../tensors/safetensors.ts';
import { type Tensor, toFloat32 } from '../tensors/tensor.ts';
import { readPytorchBin } from './pytorch-bin.ts';
import { parseJson } from '../../shared/json.ts';

export const WEIGHTS_FILES = ['model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'pytorch_model.bin.index.json'] as const;

export interface CheckpointTensors {
  /** The files read, relative to the folder (the index, then its shards). */
  readonly files: string[];
  readonly tensors: Map<string, Tensor>;
}

/** A folder cloned without Git LFS holds small text pointers where the weights should be. */
function refuseLfsPointer(path: string): void {
  const head = Buffer.alloc(40);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1').startsWith('version https://git-lfs')) {
    throw new Error(`${path}: is a Git LFS pointer, not the weights; fetch the real file (git lfs pull) or download it again`);
  }
}

const isFloat = (t: Tensor) => t.dtype === 'float16' || t.dtype === 'bfloat16' || t.dtype === 'float64';

async function readSafetensorsFile(path: string, names?: readonly string[]): Promise<Map<string, Tensor>> {
  refuseLfsPointer(path);
  const reader = await openSafetensors(path);
  try {
    const tensors = new Map<string, Tensor>();
    for (const name of names ?? reader.entries.keys()) {
      if (!reader.entries.has(name)) throw new Error(`${path}: the index lists tensor "${name}" in this shard, but the shard does not hold it`);
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
  const json = parseJson(readFileSync(path, 'utf8'), path);
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new Error(`${path}: has no "weight_map" object`);
  const shards = new Map<string, string[]>();
  for (const [name, shard] of Object.entries(map)) {
    if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\')) throw new Error(`${path}: tensor "${name}" maps to ${JSON.stringify(shard)}, not a file name`);
    shards.set(shard, [...(shards.get(shard) ?? []), name]);
  }
  if (shards.size === 0) throw new Error(`${path}: the weight_map is empty`);
  return shards;
}

async function readSharded(folder: string, indexName: string, readShard: (path: string, names: string[]) => Promise<Map<string, Tensor>>): Promise<CheckpointTensors> {
  const indexPath = join(folder, indexName);
  const shards = readIndex(indexPath);
  for (const shard of shards.keys()) {
    if (!existsSync(join(folder, shard))) throw new Error(`${indexPath}: points at shard ${shard}, which is missing from ${folder}`);
  }
  const tensors = new Map<string, Tensor>();
  for (const [shard, names] of shards) for (const [name, t] of await readShard(join(folder, shard), names)) tensors.set(name, t);
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

/** Reads the folder's checkpoint; throws naming the expected files when there is none. */
export async function readCheckpoint(folder: string): Promise<CheckpointTensors> {
  const has = (name: string) => existsSync(join(folder, name));
  if (has('model.safetensors')) return { files: ['model.safetensors'], tensors: await readSafetensorsFile(join(folder, 'model.safetensors')) };
  if (has('model.safetensors.index.json')) return readSharded(folder, 'model.safetensors.index.json', readSafetensorsFile);
  if (has('pytorch_model.bin')) return { files: ['pytorch_model.bin'], tensors: await readBin(join(folder, 'pytorch_model.bin')) };
  if (has('pytorch_model.bin.index.json')) return readSharded(folder, 'pytorch_model.bin.index.json', readBinShard);
  const other = ['tf_model.h5', 'flax_model.msgpack', 'model.ckpt.index'].filter(has);
  throw new Error(
    `${folder}: no weights file: expected ${WEIGHTS_FILES.join(', ')}` +
      (other.length ? ` (found ${other.join(', ')}: TensorFlow/Flax weights, which this program does not read)` : ''),
  );
}
