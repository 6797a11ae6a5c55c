// The messages between the engine host (a child process running engine-host.ts) and its client (client.ts).
// The host owns one workspace and the programs loaded into it; the client never blocks on onnxruntime. Tensors
// travel as plain { dtype, shape, data } objects: the channel's structured clone carries the typed arrays.
import type { Tensor } from '../../tensors/tensor.ts';
import type { CheckpointMeta } from './checkpoint.ts';
import type { ProviderChoice, ProviderRequest, ProviderStatus } from './providers.ts';
import type { ProgramSpec, SessionTuning } from './workspace.ts';

export type Feeds = Record<string, Tensor>;
export type Outputs = Record<string, Tensor>;

/** Every command the host runs, by kind. Commands run one after another in the order they were sent. */
export interface Commands {
  /** Which providers work here and why (for the GUI). */
  providers: { kind: 'providers' };
  /**
   * Creates the workspace (replacing any previous one) holding `state`, the tensors of the safetensors file
   * `stateFile`, and `zeros` (tensors that start at zero, such as AdamW's moments), on the requested provider. A
   * model's parameters come by file and zeros are made in the host: sent, they would cost their transfer and the
   * copies it leaves in the host (the channel's buffers; 1.9 times the bytes sent, measured).
   */
  open: {
    kind: 'open';
    provider: ProviderRequest;
    state: Record<string, Tensor>;
    stateFile?: string;
    zeros?: Record<string, { dtype: Tensor['dtype']; shape: number[] }>;
    tuning?: SessionTuning;
  };
  /** Loads a program under a name ('train', 'eval', 'infer'…), replacing a program of the same name. */
  load: { kind: 'load'; program: string; spec: ProgramSpec };
  /** One run of a program (a training step); returns its read outputs. */
  step: { kind: 'step'; program: string; feeds: Feeds };
  /** One training update from a batch in micro-batches (Program.runMicroBatches); returns each one's read outputs. */
  microBatches: { kind: 'microBatches'; program: string; feeds: Feeds[] };
  /** Runs a program over many batches (evaluation, prediction), reporting progress; cancellable between batches. */
  evaluate: { kind: 'evaluate'; program: string; batches: Feeds[] };
  readState: { kind: 'readState'; names?: string[] };
  writeState: { kind: 'writeState'; state: Record<string, Tensor> };
  /**
   * Writes the named state tensors and `metadata` to a safetensors file, atomically and with its sha256: the host
   * saves a model's parameters itself rather than sending them, which would leave the channel's copies in both
   * processes.
   */
  saveState: { kind: 'saveState'; path: string; names: string[]; metadata: Record<string, string> };
  saveCheckpoint: { kind: 'saveCheckpoint'; path: string; meta: CheckpointMeta };
  /** Restores a checkpoint into the open workspace; returns its meta. */
  loadCheckpoint: { kind: 'loadCheckpoint'; path: string };
  release: { kind: 'release'; program: string };
  /** Disposes the workspace and its programs. */
  close: { kind: 'close' };
  /**
   * TEST HOOK: the host aborts (SIGABRT), as onnxruntime's native code does when it fails. The host refuses it
   * unless its environment has TAUGHTNET_ENGINE_TEST_HOOKS=1 (see TEST_HOOKS_ENV in engine-host.ts).
   */
  testCrash: { kind: 'testCrash' };
}

export interface Results {
  providers: ProviderStatus[];
  open: ProviderChoice;
  load: { stateInputs: string[]; batchInputs: string[] };
  step: Outputs;
  microBatches: Outputs[];
  evaluate: Outputs[];
  readState: Record<string, Tensor>;
  writeState: null;
  saveState: null;
  saveCheckpoint: null;
  loadCheckpoint: CheckpointMeta;
  release: null;
  close: null;
  testCrash: never;
}

export type CommandKind = keyof Commands;
export type Command = Commands[CommandKind];

/** Client → host. `cancel` names the id of an earlier request; it takes effect before the next batch. */
export type ToHost = { type: 'request'; id: number; command: Command } | { type: 'cancel'; id: number };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

/**
 * Host → client. `ready` comes first, once the host listens (messages sent before it would be lost on some
 * channels, so the client holds them back until then). Every request ends with exactly one `result` or `error`.
 */
export type FromHost =
  | { type: 'ready' }
  | { type: 'result'; id: number; value: Results[CommandKind] }
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'error'; id: number; error: SerializedError };

/** The error name a cancelled request fails with. */
export const CANCELLED = 'AbortError';

/** The error a cancelled request or job ends with (its name is what an AbortSignal's own abort error carries). */
export function cancelledError(): Error {
  const e = new Error('cancelled');
  e.name = CANCELLED;
  return e;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

export function deserializeError(s: SerializedError): Error {
  const e = new Error(s.message);
  e.name = s.name;
  if (s.stack) e.stack = s.stack;
  return e;
}
