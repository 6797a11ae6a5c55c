// Reads a PyTorch state dict (pytorch_model.bin) without Python. torch.save writes a zip archive:
// <archive>/data.pkl is a pickle whose tensors point, through persistent ids, at raw little-endian storages
// in <archive>/data/<key>. A tensor is a view (offset, shape, strides) into one storage; several tensors
// may share a storage (tied or sliced weights), so views are materialised with their strides.
import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import { checkPath } from '../files/regular-file.ts';
import { type DType, type Tensor, bytesPerElement, numel, tensorFromBytes, toFloat32 } from '../tensors/tensor.ts';
import { type PyCallable, unpickle } from './pickle.ts';
import { errorMessage } from '../../shared/error-message.ts';

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

interface StorageRef {
  readonly storage: true;
  readonly dtype: DType;
  readonly key: string;
  readonly numel: number;
}

interface TensorRef {
  readonly tensorOf: StorageRef;
  readonly offset: number;
  readonly shape: number[];
  readonly stride: number[];
}

function isTensorRef(v: unknown): v is TensorRef {
  return typeof v === 'object' && v !== null && 'tensorOf' in v;
}

function intList(v: unknown, what: string, source: string): number[] {
  if (!Array.isArray(v) || !v.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new Error(`${source}: a tensor has an invalid ${what}`);
  return v as number[];
}

function rebuildTensor(source: string): PyCallable {
  return ([storage, offset, size, stride]) => {
    if (typeof storage !== 'object' || storage === null || !('storage' in storage))
      throw new Error(`${source}: a tensor does not point at a storage`);
    if (!Number.isSafeInteger(offset)) throw new Error(`${source}: a tensor has an invalid storage offset`);
    return {
      tensorOf: storage as StorageRef,
      offset: offset as number,
      shape: intList(size, 'shape', source),
      stride: intList(stride, 'stride', source),
    };
  };
}

/** The only callables a state dict needs; anything else (a pickled class, os.system…) is refused by name. */
function resolveGlobal(source: string) {
  const allowed: Record<string, PyCallable> = {
    'collections.OrderedDict': () => new Map(),
    'torch._utils._rebuild_tensor': rebuildTensor(source),
    'torch._utils._rebuild_tensor_v2': rebuildTensor(source),
    'torch._utils._rebuild_parameter': ([data]) => data,
    'torch._utils._rebuild_parameter_with_state': ([data]) => data,
    'torch._tensor._rebuild_from_type_v2': ([func, , args]) => (func as PyCallable)(args as unknown[]),
    'torch.nn.parameter.Parameter': ([data]) => data,
  };
  return (module: string, name: string): PyCallable => {
    const full = `${module}.${name}`;
    if (allowed[full]) return allowed[full];
    if (module === 'torch' && name.endsWith('Storage')) {
      // Storage classes appear only inside persistent ids; resolve to a marker naming the class.
      return Object.assign(() => name, { storageName: name }) as PyCallable;
    }
    throw new Error(
      `${source}: the file refers to ${full}, which a plain weights file does not use; refusing to load it`,
    );
  };
}

function persistentLoad(source: string) {
  return (pid: unknown): StorageRef => {
    // ('storage', torch.FloatStorage, '0', 'cpu', numel)
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5)
      throw new Error(`${source}: unexpected persistent id ${JSON.stringify(pid)}`);
    const [, type, key, , count] = pid;
    const typeName = (type as { storageName?: string }).storageName;
    const dtype = typeName === undefined ? undefined : STORAGE_DTYPES[typeName];
    if (dtype === undefined) throw new Error(`${source}: storage type ${typeName ?? String(type)} is not supported`);
    if (typeof key !== 'string' || !Number.isSafeInteger(count))
      throw new Error(`${source}: malformed storage reference ${JSON.stringify(pid.slice(2))}`);
    return { storage: true, dtype, key, numel: count as number };
  };
}

/** Materialises a strided view as a row-major tensor (floats become float32). */
function materialise(name: string, ref: TensorRef, storageBytes: Uint8Array, source: string): Tensor {
  const { dtype, numel: storageNumel } = ref.tensorOf;
  const size = bytesPerElement(dtype);
  if (storageBytes.byteLength !== storageNumel * size) {
    throw new Error(
      `${source}: storage data/${ref.tensorOf.key} holds ${storageBytes.byteLength} bytes, expected ${storageNumel * size} (truncated file?)`,
    );
  }
  const { shape, stride, offset } = ref;
  if (shape.length !== stride.length)
    throw new Error(`${source}: tensor "${name}" has ${shape.length} dimensions but ${stride.length} strides`);
  const count = numel(shape);
  const last = offset + shape.reduce((s, d, i) => s + (d - 1) * stride[i], 0);
  if (count > 0 && (offset < 0 || last >= storageNumel)) {
    throw new Error(`${source}: tensor "${name}" reaches past the end of its storage`);
  }
  let contiguous = true;
  for (let i = shape.length - 1, expect = 1; i >= 0; expect *= shape[i], i--) {
    if (shape[i] !== 1 && stride[i] !== expect) contiguous = false;
  }
  let t: Tensor;
  if (contiguous) {
    t = tensorFromBytes(dtype, shape, storageBytes.subarray(offset * size, (offset + count) * size));
  } else {
    const out = new Uint8Array(count * size);
    const index = new Array<number>(shape.length).fill(0);
    for (let k = 0; k < count; k++) {
      let at = offset;
      for (let d = 0; d < shape.length; d++) at += index[d] * stride[d];
      out.set(storageBytes.subarray(at * size, (at + 1) * size), k * size);
      for (let d = shape.length - 1; d >= 0 && ++index[d] === shape[d]; d--) index[d] = 0;
    }
    t = tensorFromBytes(dtype, shape, out);
  }
  return dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float64' ? toFloat32(t) : t;
}

type Hooks = Parameters<typeof unpickle>[1];

function hooks(path: string): Hooks {
  return { resolveGlobal: resolveGlobal(path), persistentLoad: persistentLoad(path) };
}

/** The state dict's tensors grouped by the storage they view. */
function groupByStorage(root: unknown, path: string): Map<string, [string, TensorRef][]> {
  if (!(root instanceof Map)) throw new Error(`${path}: the pickle holds no state dict (a {name: tensor} mapping)`);
  const byStorage = new Map<string, [string, TensorRef][]>();
  for (const [name, value] of root) {
    if (typeof name !== 'string' || !isTensorRef(value))
      throw new Error(`${path}: entry ${JSON.stringify(name)} of the state dict is not a tensor`);
    const list = byStorage.get(value.tensorOf.key) ?? [];
    list.push([name, value]);
    byStorage.set(value.tensorOf.key, list);
  }
  return byStorage;
}

/** Materialises every tensor, fetching one storage at a time; keeps the state dict's order. */
function materialiseAll(
  root: Map<unknown, unknown>,
  path: string,
  storageBytes: (key: string, firstUser: string) => Uint8Array,
): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const [key, refs] of groupByStorage(root, path)) {
    const bytes = storageBytes(key, refs[0][0]);
    for (const [name, ref] of refs) tensors.set(name, materialise(name, ref, bytes, path));
  }
  return new Map([...root.keys()].map((name) => [name as string, tensors.get(name as string)!]));
}

/** torch.save's zip format (PyTorch 1.6 and later). */
function readZip(path: string, data: Uint8Array): Map<string, Tensor> {
  const entry = (test: (name: string) => boolean, what: string): [string, Uint8Array] | undefined => {
    let files;
    try {
      files = unzipSync(data, { filter: (f) => test(f.name) });
    } catch (e) {
      throw new Error(
        `${path}: the zip archive is damaged (${errorMessage(e)}) while reading ${what}; truncated file?`,
        { cause: e },
      );
    }
    return Object.entries(files)[0];
  };
  const pkl = entry((n) => n.endsWith('data.pkl') && n.split('/').length <= 2, 'data.pkl');
  if (!pkl) throw new Error(`${path}: the archive has no data.pkl (not a torch.save file?)`);
  const prefix = pkl[0].slice(0, -'data.pkl'.length);
  const order = entry((n) => n === `${prefix}byteorder`, 'byteorder');
  if (order && new TextDecoder().decode(order[1]).trim() !== 'little')
    throw new Error(`${path}: the tensors are stored big-endian, which is not supported`);
  const root = unpickle(pkl[1], hooks(path), `${path} (data.pkl)`).value as Map<unknown, unknown>;
  // One storage at a time, so at most one storage's bytes sit beside the file and the finished tensors.
  return materialiseAll(root, path, (key, user) => {
    const found = entry((n) => n === `${prefix}data/${key}`, `storage data/${key}`);
    if (!found) throw new Error(`${path}: the archive lacks storage data/${key} used by "${user}" (truncated file?)`);
    return found[1];
  });
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/**
 * torch.save's legacy format (before 1.6, or _use_new_zipfile_serialization=False): five pickles in a row
 * (magic number, protocol 1001, system info, the state dict, the sorted storage keys), then each storage
 * as an int64 element count followed by its bytes.
 */
function readLegacy(path: string, data: Uint8Array): Map<string, Tensor> {
  let at = 0;
  const next = (what: string) => {
    try {
      const { value, end } = unpickle(data, hooks(path), path, at);
      at = end;
      return value;
    } catch (e) {
      throw new Error(`${errorMessage(e)} while reading the ${what}`, { cause: e });
    }
  };
  if (next('magic number') !== LEGACY_MAGIC)
    throw new Error(`${path}: not a PyTorch weights file (unknown magic number)`);
  if (next('protocol version') !== 1001) throw new Error(`${path}: unknown legacy PyTorch protocol version`);
  const info = next('system info');
  if (info instanceof Map && info.get('little_endian') === false)
    throw new Error(`${path}: the tensors are stored big-endian, which is not supported`);
  const root = next('state dict');
  const keys = next('storage list');
  if (!Array.isArray(keys)) throw new Error(`${path}: the storage list is missing`);
  const refs = groupByStorage(root, path);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const bytes = new Map<string, Uint8Array>();
  for (const key of keys as string[]) {
    const dtype = refs.get(key)?.[0][1].tensorOf.dtype;
    if (at + 8 > data.length) throw new Error(`${path}: the file ends before storage ${key} (truncated file?)`);
    const count = Number(view.getBigInt64(at, true));
    const length = count * (dtype ? bytesPerElement(dtype) : 0);
    at += 8;
    if (!dtype || at + length > data.length)
      throw new Error(`${path}: storage ${key} is ${dtype ? 'cut short (truncated file?)' : 'used by no tensor'}`);
    bytes.set(key, data.subarray(at, at + length));
    at += length;
  }
  return materialiseAll(root as Map<unknown, unknown>, path, (key, user) => {
    const found = bytes.get(key);
    if (!found) throw new Error(`${path}: storage ${key} used by "${user}" is missing`);
    return found;
  });
}

/** Reads every tensor of a torch.save'd state dict; float16/bfloat16/float64 come back as float32. */
export async function readPytorchBin(path: string): Promise<Map<string, Tensor>> {
  checkPath(path, 'file');
  const data = await readFile(path);
  if (data.length >= 4 && data[0] === 0x50 && data[1] === 0x4b) return readZip(path, data);
  if (data.length >= 2 && data[0] === 0x80) return readLegacy(path, data);
  throw new Error(`${path}: not a PyTorch weights file (neither a zip archive nor a legacy pickle)`);
}
