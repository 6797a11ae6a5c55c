// Our Tensor <-> onnxruntime's Tensor. Only CPU-located ORT tensors can be converted back: calling getData() on a
// 'gpu-buffer' tensor aborts the process in onnxruntime-node 1.30, so device data is read through a 'cpu' output.
import * as ort from 'onnxruntime-node';
import { type DType, type Tensor, tensor } from '../../tensors/tensor.ts';

const ORT_TYPE: Partial<Record<DType, ort.Tensor.Type>> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  int64: 'int64',
  int32: 'int32',
  uint8: 'uint8',
  bool: 'bool',
};
const OUR_TYPE = new Map(Object.entries(ORT_TYPE).map(([ours, theirs]) => [theirs, ours as DType]));

/** Wraps the tensor's data (no copy) as an ORT CPU tensor. */
export function toOrtTensor(t: Tensor, name = 'tensor'): ort.Tensor {
  const type = ORT_TYPE[t.dtype];
  if (!type) throw new Error(`${name}: onnxruntime has no ${t.dtype} tensors; convert it to float32 first`);
  return new ort.Tensor(type, t.data as ort.Tensor.DataTypeMap[typeof type], [...t.shape]);
}

/** Our tensor over an ORT tensor's CPU data (no copy). */
export function fromOrtTensor(value: ort.OnnxValue, name = 'tensor'): Tensor {
  if (!(value instanceof ort.Tensor)) throw new Error(`${name}: expected a tensor output`);
  if (value.location !== 'cpu')
    throw new Error(`${name}: is located on '${value.location}', read it through a cpu output`);
  const dtype = OUR_TYPE.get(value.type);
  if (!dtype) throw new Error(`${name}: unsupported ORT tensor type ${value.type}`);
  return tensor(dtype, value.dims, value.data as Tensor['data']);
}
