// The renderer's only door to the main process: `window.taughtnet` with invoke (contract channels only) and on
// (contract events only). Runs sandboxed, so it is bundled into one CommonJS file with no imports but electron.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from '../../shared/ipc/bridge.ts';
import { eventChannel, type Reply } from '../../shared/ipc/contract.ts';

contextBridge.exposeInMainWorld(
  'taughtnet',
  createBridge({
    invoke: (channel, args) => ipcRenderer.invoke(channel, args) as Promise<Reply<unknown>>,
    subscribe(event, listener) {
      const forward = (_event: unknown, payload: unknown) => listener(payload);
      ipcRenderer.on(eventChannel(event), forward);
      return () => ipcRenderer.removeListener(eventChannel(event), forward);
    },
  }),
);
