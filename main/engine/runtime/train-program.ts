// The training step and the evaluation forward as workspace programs, for the provider the workspace runs on. On a GPU provider: the fused step
// graph (forward, backward, AdamW), whose state outputs stay on the device. On the CPU: forward and backward only, fed
// views of the flat parameters, and the workspace applies AdamW to its state in place, so no state-sized buffer is
// copied into ORT or out of it but the gradient (see workspace.ts), and of a lookup table only the rows the batch read. An evaluation on the CPU likewise takes views.
// Either way a run takes the batch plus `lr` and `step` and can read back the loss and the gradient norm.
import type { AdamWConfig } from '../optim/adamw.ts';
import {
  evalGraph,
  gradientGraph,
  gradOutput,
  IO,
  paramInput,
  rowGradOutputs,
  type Task,
  trainStepGraph,
} from '../optim/train-graphs.ts';
import { isGpuProvider, type ProviderName } from './provider-choice.ts';
import type { ProgramSpec, StateView } from './workspace.ts';

export function trainProgram(
  task: Task,
  opt: AdamWConfig,
  provider: ProviderName,
  read: readonly string[] = [IO.loss],
): ProgramSpec & { model: Uint8Array } {
  if (isGpuProvider(provider)) {
    const step = trainStepGraph(task, opt);
    return { model: step.model.bytes, updates: Object.fromEntries(step.state.map((s) => [s.input, s.output])), read };
  }
  const { noDecay: _patterns, ...config } = opt; // decaySize says which parameters decay
  const lookups = new Set(task.lookupTables);
  return {
    model: gradientGraph(task).bytes,
    read,
    views: parameterViews(task),
    adamw: {
      config,
      decaySize: task.layout.decaySize,
      grads: task.layout.entries.map((e) =>
        lookups.has(e.name)
          ? { ...rowGradOutputs(e.name), offset: e.offset, tableRows: e.shape[0], width: e.size / e.shape[0] }
          : { output: gradOutput(e.name), offset: e.offset },
      ),
      params: IO.params,
      m: IO.m,
      v: IO.v,
      lr: IO.lr,
      step: IO.step,
      gradNorm: IO.gradNorm,
    },
  };
}

/** The forward pass (no dropout) reading `read` (the loss, probabilities…); `withLoss: false` needs no labels. */
export function evalProgram(
  task: Task,
  provider: ProviderName,
  read: readonly string[],
  o: { withLoss?: boolean } = {},
): ProgramSpec & { model: Uint8Array } {
  if (isGpuProvider(provider)) return { model: evalGraph(task, o).bytes, read };
  return { model: evalGraph(task, { ...o, perParameter: true }).bytes, read, views: parameterViews(task) };
}

/** Each parameter's input, fed a view of the flat parameters. */
const parameterViews = (task: Task): Record<string, StateView> =>
  Object.fromEntries(
    task.layout.entries.map((e) => [paramInput(e.name), { state: IO.params, offset: e.offset, shape: e.shape }]),
  );
