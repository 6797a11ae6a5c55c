// The engine host process's entry (built as out/main/worker.js): connects the command loop in engine-host.ts to
// the parent that started this process, by Node's IPC channel (child_process.fork, also under Electron with
// ELECTRON_RUN_AS_NODE) or by Electron's utilityProcess parent port.
import { type HostChannel, serveEngine } from './engine-host.ts';
import type { ToHost } from './protocol.ts';

/** What Electron gives a utilityProcess child as process.parentPort (typed here: this file must not import electron). */
interface ElectronParentPort {
  on(event: 'message', listener: (event: { data: ToHost }) => void): void;
  postMessage(message: unknown): void;
}

function parentChannel(): HostChannel {
  const electronPort = (process as { parentPort?: ElectronParentPort }).parentPort;
  if (electronPort) {
    return {
      post: (m) => electronPort.postMessage(m),
      onMessage: (listener) => electronPort.on('message', (e) => listener(e.data)),
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('worker.ts runs as the engine host process; start it through startRuntime() in client.ts');
  // The client is gone (its process ended or it let go of us): nothing is left to serve.
  process.on('disconnect', () => process.exit(0));
  return { post: (m) => send(m), onMessage: (listener) => process.on('message', listener) };
}

serveEngine(parentChannel());
