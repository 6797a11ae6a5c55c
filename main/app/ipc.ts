// Registers the handler table with Electron's IPC: one ipcMain.handle per contract channel, answered only for
// the app's own pages. Events go to every window on their own channels.
import { BrowserWindow, ipcMain } from 'electron';
import { CHANNELS, eventChannel, type EventName, type Events } from '../../shared/ipc/contract.ts';
import type { ServiceContext } from '../services/context.ts';
import { handleIpc } from '../services/handlers.ts';
import { isAppUrl } from './renderer-files.ts';

export function registerIpc(ctx: ServiceContext): void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, (event: { senderFrame?: { url: string } | null }, args: unknown) =>
      isAppUrl(event.senderFrame?.url)
        ? handleIpc(ctx, channel, args)
        : { ok: false, error: `${channel} may only be called by the workbench's own pages` },
    );
  }
}

export function sendToWindows<E extends EventName>(event: E, payload: Events[E]): void {
  for (const window of BrowserWindow.getAllWindows()) window.webContents.send(eventChannel(event), payload);
}
