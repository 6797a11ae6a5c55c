// Every ONNX op the engine emits, keyed as tinygrad keys its gradient table by its Ops enum: the builder (graph.ts)
// takes only these names, shape inference (infer.ts) switches over all of them, and this table says how each one's
// gradient is found. Adding an op means adding it here; TypeScript then points at each place that must handle it.
//   rule       the op's function (main/engine/ops/) passes its gradient rules beside its forward emission
//   composite  emitted inside a composite (softmax, layer norm, GELU), whose one rule covers it
//   none       no gradient: shapes, indices, masks, comparisons and the optimizer's own arithmetic

export const ONNX_OPS = {
  Add: 'rule',
  Sub: 'rule',
  Mul: 'rule',
  Div: 'rule',
  Pow: 'rule',
  Neg: 'rule',
  Exp: 'rule',
  Log: 'rule',
  Sqrt: 'rule',
  Tanh: 'rule',
  Where: 'rule',
  MatMul: 'rule',
  Gemm: 'rule',
  Softmax: 'rule',
  ReduceSum: 'rule',
  ReduceMean: 'rule',
  Cast: 'rule',
  Concat: 'rule',
  Expand: 'rule',
  Gather: 'rule',
  Pad: 'rule',
  Reshape: 'rule',
  Slice: 'rule',
  Squeeze: 'rule',
  Unsqueeze: 'rule',
  Transpose: 'rule',
  Erf: 'composite',
  LayerNormalization: 'composite',
  Equal: 'none',
  Less: 'none',
  Greater: 'none',
  Not: 'none',
  Max: 'none',
  Min: 'none',
  ReduceMax: 'none',
  ReduceProd: 'none',
  ReduceSumSquare: 'none',
  CumSum: 'none',
  Range: 'none',
  Shape: 'none',
  ConstantOfShape: 'none',
  ScatterND: 'none',
  ScatterElements: 'none',
  Identity: 'none', // toOnnx's copy of an output that is also an input or exposed twice
} as const satisfies Record<string, 'rule' | 'composite' | 'none'>;

export type OnnxOp = keyof typeof ONNX_OPS;
