// The ONNX graphs a training run executes. Parameters and optimizer state are graph inputs (flat buffers); each
// graph returns their next values as outputs named `<input>.next`, so the runtime can feed outputs back as inputs.
//   trainStepGraph:  forward + backward + AdamW in one run (no gradient accumulation).
//   accumulateGraph: forward + backward, adding the flat gradient into grad_accum (one run per micro-batch),
//   applyGraph:      AdamW on grad_accum·grad_scale, once per optimizer step; it resets grad_accum to zeros. Fed
//                    its whole batch's token counts (token-classification.ts tokenCounts), each micro-batch's loss
//                    is its share of the batch's, so the gradients sum to the batch's and grad_scale is 1.
//   evalGraph:       forward only, no dropout: loss and the task's outputs, or (withLoss false) the outputs alone,
//                    which needs no labels.
import { Graph, type DType, type Tensor } from '../graph/graph.ts';
import { toOnnx, type OnnxModel } from '../graph/onnx.ts';
import { add, mul } from '../ops/elementwise.ts';
import { reshape, zerosLike } from '../ops/shape.ts';
import type { DropoutContext } from '../ops/nn.ts';
import { flatGradient, paramInputs, paramViews, type ParamLayout } from '../nn/params.ts';
import { grad } from '../graph/autodiff.ts';
import { adamw, type AdamWConfig } from './adamw.ts';

/** Names of the inputs and outputs shared by all training graphs. */
export const IO = {
  params: 'params',
  m: 'adam.m',
  v: 'adam.v',
  gradAccum: 'grad_accum',
  /** float scalar: learning rate of this step. */
  lr: 'lr',
  /** float scalar: 1-based optimizer step, for Adam's bias corrections. */
  step: 'step',
  /** float scalar: what applyGraph multiplies the accumulated gradient by. */
  gradScale: 'grad_scale',
  /** int64 scalar in [0, 2³¹): the dropout masks are a function of it (see ops/nn.ts dropout). */
  dropoutSeed: 'dropout_seed',
  loss: 'loss',
  gradNorm: 'grad_norm',
} as const;
export const next = (name: string): string => `${name}.next`;

export interface Task {
  layout: ParamLayout;
  dtype: DType;
  /**
   * Parameters the forward reads only through one row lookup (Gather) each: embedding tables. The gradient graph
   * outputs the gradients of the rows read and their indices (rowGradOutputs) instead of the table's gradient, which
   * for word embeddings is nearly all zeros, and which ORT's CPU ScatterElements sums on one thread, element by element.
   */
  lookupTables?: readonly string[];
  /** Declares the batch inputs on `g` and returns the loss plus any other outputs (e.g. probabilities). */
  forward(
    g: Graph,
    params: Record<string, Tensor>,
    drop: DropoutContext | undefined,
  ): { loss: Tensor; outputs?: Record<string, Tensor> };
}

export interface StepGraph {
  model: OnnxModel;
  /** State carried from run to run: feed `input`, then replace it with the run's `output`. */
  state: { input: string; output: string }[];
}

const stateOf = (names: string[]): StepGraph['state'] => names.map((input) => ({ input, output: next(input) }));

const dropoutInput = (g: Graph): DropoutContext => ({ seed: g.input(IO.dropoutSeed, 'int64', []), nextSite: 0 });

function forwardBackward(task: Task, g: Graph): { flat: Tensor; loss: Tensor; grad: Tensor } {
  const flat = g.input(IO.params, task.dtype, [task.layout.size]);
  const views = paramViews(g, task.layout, flat);
  const { loss } = task.forward(g, views, dropoutInput(g));
  return { flat, loss, grad: flatGradient(g, task.layout, views, loss) };
}

function optimizerInputs(g: Graph, layout: ParamLayout, dtype: DType) {
  return {
    m: g.input(IO.m, dtype, [layout.size]),
    v: g.input(IO.v, dtype, [layout.size]),
    lr: g.input(IO.lr, dtype, []),
    step: g.input(IO.step, dtype, []),
  };
}

export function trainStepGraph(task: Task, opt: AdamWConfig): StepGraph {
  const g = new Graph();
  const { flat, loss, grad } = forwardBackward(task, g);
  const s = optimizerInputs(g, task.layout, task.dtype);
  const u = adamw(g, { params: flat, grad, ...s }, task.layout, opt);
  const model = toOnnx(
    g,
    { [IO.loss]: loss, [IO.gradNorm]: u.gradNorm, [next(IO.params)]: u.params, [next(IO.m)]: u.m, [next(IO.v)]: u.v },
    'train_step',
  );
  return { model, state: stateOf([IO.params, IO.m, IO.v]) };
}

/**
 * Forward + backward alone, for an optimizer applied outside the graph (adamwInPlace): each parameter is an input of
 * its own (`paramInput(name)`, fed a view of the flat buffer) and each gradient an output (`gradOutput(name)`), so that
 * neither the parameters nor the gradient are copied into one more flat buffer. A lookup table's gradient is the
 * gradients of the rows the batch read, with their indices (`rowGradOutputs(name)`), not the table's.
 */
export function gradientGraph(task: Task): OnnxModel {
  const g = new Graph();
  const params = paramInputs(g, task.layout, task.dtype, PARAM_INPUT);
  const { loss } = task.forward(g, params, dropoutInput(g));
  const lookups = (task.lookupTables ?? []).map((name) => ({ name, ...rowLookup(g, params[name], name) }));
  const dense = task.layout.entries.filter((e) => !lookups.some((l) => l.name === e.name));
  const grads = grad(g, loss, [...dense.map((e) => params[e.name]), ...lookups.map((l) => l.rows)]);
  const outputs: Record<string, Tensor> = { [IO.loss]: loss };
  dense.forEach((e, i) => (outputs[gradOutput(e.name)] = grads[i]));
  lookups.forEach((l, i) =>
    g.scope(`grad/${l.name}`, () => {
      const names = rowGradOutputs(l.name);
      outputs[names.rows] = reshape(g, grads[dense.length + i], [-1, l.width]);
      outputs[names.indices] = reshape(g, l.indices, [-1]);
    }),
  );
  return toOnnx(g, outputs, 'gradient');
}
const PARAM_INPUT = 'params/';
export const paramInput = (name: string): string => `${PARAM_INPUT}${name}`;
export const gradOutput = (name: string): string => `grad/${name}`;
/** A lookup table's outputs in the gradient graph: float [n, row width] and int64 [n], one per row read. */
export const rowGradOutputs = (name: string) => ({ rows: `grad_rows/${name}`, indices: `grad_rows/${name}/indices` });

/** The one Gather that reads rows of `table`: its output (the rows) and its indices; an error if `table` has other uses. */
function rowLookup(g: Graph, table: Tensor, name: string): { rows: Tensor; indices: Tensor; width: number } {
  const uses = g.tape.filter((e) => e.inputs.some((t) => t.name === table.name));
  const node = uses.length === 1 ? g.nodes.find((n) => n.outputs[0] === uses[0].output.name) : undefined;
  const axis = node?.attrs.axis;
  if (!node || node.op !== 'Gather' || node.inputs[0] !== table.name || (axis && 'i' in axis && axis.i !== 0))
    throw new Error(`${name} is not read by one row lookup alone, so its gradient cannot be given by rows`);
  const width = table.shape.slice(1).reduce<number>((a, d) => a * (d as number), 1);
  return { rows: uses[0].output, indices: uses[0].inputs[1], width };
}

export function accumulateGraph(task: Task): StepGraph {
  const g = new Graph();
  const { loss, grad } = forwardBackward(task, g);
  const accum = g.input(IO.gradAccum, task.dtype, [task.layout.size]);
  const model = toOnnx(
    g,
    { [IO.loss]: loss, [next(IO.gradAccum)]: g.scope('accumulate', () => add(g, accum, grad)) },
    'accumulate',
  );
  return { model, state: stateOf([IO.gradAccum]) };
}

/** Also outputs grad_accum zeroed, so the accumulator starts afresh on the device after each apply. */
export function applyGraph(layout: ParamLayout, opt: AdamWConfig, dtype: DType = 'float32'): StepGraph {
  const g = new Graph();
  const params = g.input(IO.params, dtype, [layout.size]);
  const accum = g.input(IO.gradAccum, dtype, [layout.size]);
  const grad = mul(g, accum, g.input(IO.gradScale, dtype, []));
  const u = adamw(g, { params, grad, ...optimizerInputs(g, layout, dtype) }, layout, opt);
  const model = toOnnx(
    g,
    {
      [IO.gradNorm]: u.gradNorm,
      [next(IO.params)]: u.params,
      [next(IO.m)]: u.m,
      [next(IO.v)]: u.v,
      [next(IO.gradAccum)]: zerosLike(g, accum),
    },
    'apply',
  );
  return { model, state: stateOf([IO.params, IO.m, IO.v, IO.gradAccum]) };
}

/** With `perParameter`, each parameter is an input of its own (`paramInput(name)`), as in gradientGraph. */
export function evalGraph(task: Task, o: { withLoss?: boolean; perParameter?: boolean } = {}): OnnxModel {
  const g = new Graph();
  const params = o.perParameter
    ? paramInputs(g, task.layout, task.dtype, PARAM_INPUT)
    : paramViews(g, task.layout, g.input(IO.params, task.dtype, [task.layout.size]));
  const { loss, outputs } = task.forward(g, params, undefined);
  return toOnnx(g, o.withLoss === false ? { ...outputs } : { [IO.loss]: loss, ...outputs }, 'eval');
}
