// The engine host's command loop: runs onnxruntime away from the caller (the Electron main process must never
// block, nor die when onnxruntime's native code aborts). Requests run one at a time in arrival order; a cancel
// message is handled at once and stops its request before its next batch (a batch in flight always finishes:
// onnxruntime cannot be interrupted mid-run). worker.ts connects this loop to the process's parent.
import { restoreCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { chooseProvider, listProviders } from './providers.ts';
import { cancelledError, type Command, type FromHost, type Results, type ToHost, serializeError } from './protocol.ts';
import { type Program, type Workspace, createWorkspace } from './workspace.ts';
import { zeros } from '../../tensors/tensor.ts';
import { readSafetensors, writeSafetensors } from '../../tensors/safetensors.ts';

/** Set to 1 in the host's environment to allow the testCrash command (tests only). */
export const TEST_HOOKS_ENV = 'TAUGHTNET_ENGINE_TEST_HOOKS';

/** The host's end of its channel to the client. */
export interface HostChannel {
  post(message: FromHost): void;
  onMessage(listener: (message: ToHost) => void): void;
}

/** TEST HOOK (see `testCrash` in protocol.ts): dies the way a native abort in onnxruntime kills the process. */
function crashForTest(): never {
  if (process.env[TEST_HOOKS_ENV] !== '1') {
    throw new Error(
      `testCrash is a test hook; the engine host refuses it unless ${TEST_HOOKS_ENV}=1 is in its environment`,
    );
  }
  console.error('engine host: aborting on purpose (testCrash)');
  process.abort();
}

/** Serves the client's requests on `channel` until the process ends. */
export function serveEngine(channel: HostChannel): void {
  let workspace: Workspace | undefined;
  const programs = new Map<string, Program>();
  const cancelled = new Set<number>();

  const checkCancelled = (id: number): void => {
    if (cancelled.has(id)) throw cancelledError();
  };

  const openWorkspace = (): Workspace => {
    if (!workspace) throw new Error('no workspace is open: send "open" first');
    return workspace;
  };

  const program = (name: string): Program => {
    const p = programs.get(name);
    if (!p)
      throw new Error(`no program named "${name}" is loaded (loaded: ${[...programs.keys()].join(', ') || 'none'})`);
    return p;
  };

  const closeWorkspace = async (): Promise<void> => {
    programs.clear(); // disposing the workspace releases its programs' sessions
    await workspace?.dispose();
    workspace = undefined;
  };

  const run = async (id: number, command: Command): Promise<Results[Command['kind']]> => {
    switch (command.kind) {
      case 'providers':
        return listProviders();
      case 'open': {
        const choice = await chooseProvider(command.provider);
        await closeWorkspace();
        const state = new Map(Object.entries(command.state));
        if (command.stateFile)
          for (const [name, t] of (await readSafetensors(command.stateFile)).tensors) {
            if (state.has(name)) throw new Error(`${command.stateFile}: "${name}" is also sent with the state`);
            state.set(name, t);
          }
        for (const [name, { dtype, shape }] of Object.entries(command.zeros ?? {}))
          state.set(name, zeros(dtype, shape));
        workspace = await createWorkspace(choice.name, state, command.tuning);
        return choice;
      }
      case 'load': {
        const loaded = await openWorkspace().load(command.spec);
        await programs.get(command.program)?.release();
        programs.set(command.program, loaded);
        return { stateInputs: [...loaded.stateInputs], batchInputs: [...loaded.batchInputs] };
      }
      case 'step':
        return program(command.program).run(command.feeds);
      case 'microBatches':
        return program(command.program).runMicroBatches(command.feeds);
      case 'evaluate': {
        const p = program(command.program);
        const outputs = [];
        for (const [i, feeds] of command.batches.entries()) {
          checkCancelled(id);
          outputs.push(await p.run(feeds));
          channel.post({ type: 'progress', id, done: i + 1, total: command.batches.length });
        }
        return outputs;
      }
      case 'readState':
        return Object.fromEntries(await openWorkspace().readState(command.names));
      case 'writeState':
        await openWorkspace().writeState(new Map(Object.entries(command.state)));
        return null;
      case 'saveState':
        await openWorkspace().withState(
          (state) => writeSafetensors(command.path, state, command.metadata, { checksum: true }),
          command.names,
        );
        return null;
      case 'saveCheckpoint':
        await saveCheckpoint(command.path, openWorkspace(), command.meta);
        return null;
      case 'loadCheckpoint':
        return restoreCheckpoint(command.path, openWorkspace());
      case 'release':
        await programs.get(command.program)?.release();
        programs.delete(command.program);
        return null;
      case 'close':
        await closeWorkspace();
        return null;
      case 'testCrash':
        return crashForTest();
    }
  };

  let queue: Promise<void> = Promise.resolve();
  channel.onMessage((message) => {
    if (message.type === 'cancel') {
      cancelled.add(message.id);
      return;
    }
    const { id, command } = message;
    queue = queue.then(async () => {
      try {
        checkCancelled(id);
        channel.post({ type: 'result', id, value: await run(id, command) });
      } catch (e) {
        channel.post({ type: 'error', id, error: serializeError(e) });
      } finally {
        cancelled.delete(id);
      }
    });
  });
  channel.post({ type: 'ready' });
}
