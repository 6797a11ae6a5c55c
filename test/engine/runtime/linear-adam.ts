// Test programs written straight in ONNX (the engine's graph builder is tested on its own): linear regression
// y ≈ x·w + b trained by Adam, with hand-derived gradients. State: w, b, their Adam moments, and the step count.
import type { onnx as Onnx } from 'onnx-proto';
import { encodeModel, valueInfo } from '../../../main/engine/runtime/onnx-model.ts';
import { tensor, type Tensor } from '../../../main/tensors/tensor.ts';
import { seededRandom } from '../../../shared/random.ts';

const LR = 0.05;
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

function scalar(name: string, value: number): Onnx.ITensorProto {
  return { name, dims: [], dataType: 1, floatData: [value] };
}

function node(
  opType: string,
  input: string[],
  output: string,
  attribute: Onnx.IAttributeProto[] = [],
): Onnx.INodeProto {
  return { opType, input, output: [output], name: output, attribute };
}

const keepdims = (k: number): Onnx.IAttributeProto => ({ name: 'keepdims', type: 2, i: k });

/** The forward pass shared by both programs: pred [batch] and loss = mean((pred - y)²). */
function forward(): Onnx.INodeProto[] {
  return [
    node('Mul', ['x', 'w'], 'xw'),
    node('ReduceSum', ['xw', 'axis1'], 'xw_sum', [keepdims(0)]),
    node('Add', ['xw_sum', 'b'], 'pred'),
    node('Sub', ['pred', 'y'], 'err'),
    node('Mul', ['err', 'err'], 'sq'),
    node('ReduceSum', ['sq', 'axis0'], 'sq_sum', [keepdims(0)]),
    node('Shape', ['y'], 'y_shape'),
    node('Cast', ['y_shape'], 'n', [{ name: 'to', type: 2, i: 1 }]),
    node('Div', ['sq_sum', 'n'], 'loss_1'),
    node('Squeeze', ['loss_1'], 'loss'),
  ];
}

/** One Adam update of parameter `p` with gradient `g`: moments m/v, bias corrections c1/c2 shared. */
function adam(p: string): Onnx.INodeProto[] {
  return [
    node('Mul', [`m.${p}`, 'beta1'], `m1.${p}`),
    node('Mul', [`g.${p}`, 'one_minus_beta1'], `m2.${p}`),
    node('Add', [`m1.${p}`, `m2.${p}`], `m.${p}_next`),
    node('Mul', [`g.${p}`, `g.${p}`], `gg.${p}`),
    node('Mul', [`v.${p}`, 'beta2'], `v1.${p}`),
    node('Mul', [`gg.${p}`, 'one_minus_beta2'], `v2.${p}`),
    node('Add', [`v1.${p}`, `v2.${p}`], `v.${p}_next`),
    node('Div', [`m.${p}_next`, 'c1'], `mhat.${p}`),
    node('Div', [`v.${p}_next`, 'c2'], `vhat.${p}`),
    node('Sqrt', [`vhat.${p}`], `vsqrt.${p}`),
    node('Add', [`vsqrt.${p}`, 'eps'], `denom.${p}`),
    node('Div', [`mhat.${p}`, `denom.${p}`], `dir.${p}`),
    node('Mul', [`dir.${p}`, 'lr'], `delta.${p}`),
    node('Sub', [p, `delta.${p}`], `${p}_next`),
  ];
}

const constants = (): Onnx.ITensorProto[] => [
  { name: 'axis0', dims: [1], dataType: 7, int64Data: [0] },
  { name: 'axis1', dims: [1], dataType: 7, int64Data: [1] },
  { name: 'unsq', dims: [1], dataType: 7, int64Data: [1] },
  scalar('two', 2),
  scalar('one', 1),
  scalar('beta1', BETA1),
  scalar('beta2', BETA2),
  scalar('one_minus_beta1', 1 - BETA1),
  scalar('one_minus_beta2', 1 - BETA2),
  scalar('eps', EPS),
  scalar('lr', LR),
];

/** Train program: inputs w [d], b [1], m.*, v.*, step [], x [batch, d], y [batch]; outputs *_next and loss. */
export function trainModel(d: number): Uint8Array {
  const node_ = [
    ...forward(),
    // dloss/dpred = 2·err/n; dL/dw = Σ_batch x·dpred, dL/db = Σ_batch dpred
    node('Mul', ['err', 'two'], 'err2'),
    node('Div', ['err2', 'n'], 'dpred'),
    node('Unsqueeze', ['dpred', 'unsq'], 'dpred_col'),
    node('Mul', ['x', 'dpred_col'], 'xd'),
    node('ReduceSum', ['xd', 'axis0'], 'g.w', [keepdims(0)]),
    node('ReduceSum', ['dpred', 'axis0'], 'g.b', [keepdims(1)]),
    node('Add', ['step', 'one'], 'step_next'),
    // β^t carried as state and multiplied each step: Pow on WebGPU is exp2(t·log2 β), whose error 1 - β2^t magnifies.
    node('Mul', ['beta1_pow', 'beta1'], 'beta1_pow_next'),
    node('Sub', ['one', 'beta1_pow_next'], 'c1'),
    node('Mul', ['beta2_pow', 'beta2'], 'beta2_pow_next'),
    node('Sub', ['one', 'beta2_pow_next'], 'c2'),
    ...adam('w'),
    ...adam('b'),
  ];
  return encodeModel({
    name: 'linear-adam-train',
    node: node_,
    initializer: constants(),
    input: [
      valueInfo('w', 'float32', [d]),
      valueInfo('b', 'float32', [1]),
      valueInfo('m.w', 'float32', [d]),
      valueInfo('m.b', 'float32', [1]),
      valueInfo('v.w', 'float32', [d]),
      valueInfo('v.b', 'float32', [1]),
      valueInfo('step', 'float32', []),
      valueInfo('beta1_pow', 'float32', []),
      valueInfo('beta2_pow', 'float32', []),
      valueInfo('x', 'float32', ['batch', d]),
      valueInfo('y', 'float32', ['batch']),
    ],
    output: [
      valueInfo('w_next', 'float32', [d]),
      valueInfo('b_next', 'float32', [1]),
      valueInfo('m.w_next', 'float32', [d]),
      valueInfo('m.b_next', 'float32', [1]),
      valueInfo('v.w_next', 'float32', [d]),
      valueInfo('v.b_next', 'float32', [1]),
      valueInfo('step_next', 'float32', []),
      valueInfo('beta1_pow_next', 'float32', []),
      valueInfo('beta2_pow_next', 'float32', []),
      valueInfo('loss', 'float32', []),
    ],
  });
}

export const TRAIN_UPDATES = {
  w: 'w_next',
  b: 'b_next',
  'm.w': 'm.w_next',
  'm.b': 'm.b_next',
  'v.w': 'v.w_next',
  'v.b': 'v.b_next',
  step: 'step_next',
  beta1_pow: 'beta1_pow_next',
  beta2_pow: 'beta2_pow_next',
};

/** Eval program over the same parameters: inputs w, b, x, y; outputs pred and loss. */
export function evalModel(d: number): Uint8Array {
  return encodeModel({
    name: 'linear-eval',
    node: forward(),
    initializer: constants().filter((c) => c.name === 'axis0' || c.name === 'axis1'),
    input: [
      valueInfo('w', 'float32', [d]),
      valueInfo('b', 'float32', [1]),
      valueInfo('x', 'float32', ['batch', d]),
      valueInfo('y', 'float32', ['batch']),
    ],
    output: [valueInfo('pred', 'float32', ['batch']), valueInfo('loss', 'float32', [])],
  });
}

/** Deterministic pseudo-random numbers in [-1, 1), so every run sees the same data. */
export function numbers(seed: number, count: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: count }, () => random() * 2 - 1);
}

export function initialState(d: number): Map<string, Tensor> {
  const zeros = (n: number) => new Float32Array(n);
  return new Map<string, Tensor>([
    ['w', tensor('float32', [d], numbers(1, d))],
    ['b', tensor('float32', [1], zeros(1))],
    ['m.w', tensor('float32', [d], zeros(d))],
    ['m.b', tensor('float32', [1], zeros(1))],
    ['v.w', tensor('float32', [d], zeros(d))],
    ['v.b', tensor('float32', [1], zeros(1))],
    ['step', tensor('float32', [], zeros(1))],
    ['beta1_pow', tensor('float32', [], new Float32Array([1]))],
    ['beta2_pow', tensor('float32', [], new Float32Array([1]))],
  ]);
}

/** Batch `i` of a fixed regression task: y = x·w* + 0.5 with w* drawn once. */
export function batch(d: number, i: number, size = 8): Record<string, Tensor> {
  const x = numbers(1000 + i, size * d);
  const wStar = numbers(7, d);
  const y = new Float32Array(size);
  for (let r = 0; r < size; r++) {
    let s = 0.5;
    for (let c = 0; c < d; c++) s += x[r * d + c] * wStar[c];
    y[r] = s;
  }
  return { x: tensor('float32', [size, d], x), y: tensor('float32', [size], y) };
}
