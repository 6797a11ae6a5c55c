// The Electron main process: opens the store, hardens the session, serves the renderer under app:// and answers
// the renderer's IPC calls with the services.
import { app, BrowserWindow, dialog } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveDataDir } from '../store/data-dir.ts';
import { SQLITE_BINDING_ENV, openStoreAtStartup, type Store } from '../store/store.ts';
import type { ServiceContext } from '../services/context.ts';
import { interruptExecutingRuns } from '../services/runs.ts';
import { startRuntime } from '../engine/runtime/client.ts';
import { forkHost } from '../engine/runtime/transport.ts';
import { registerIpc, sendToWindows } from './ipc.ts';
import { APP_ORIGIN } from './renderer-files.ts';
import { hardenSession, lockDownContents, registerAppScheme, serveRenderer } from './security.ts';
import { windowOptions } from './window-options.ts';
import { errorMessage } from '../../shared/error-message.ts';

// This file is bundled to out/main/index.js; the preload and the renderer are built next to it.
const outFolder = fileURLToPath(new URL('..', import.meta.url));
// Installed, the shipped corpora and vocabulary sit in the resources folder (electron-builder's extraResources).
// (process.resourcesPath is Electron's addition to Node's process.)
const resourcesFolder = app.isPackaged
  ? (process as NodeJS.Process & { resourcesPath: string }).resourcesPath
  : join(outFolder, '..', 'resources');

registerAppScheme();
app.enableSandbox();
lockDownContents();

function openWindow(): void {
  const window = new BrowserWindow(windowOptions(join(outFolder, 'preload', 'preload.cjs')));
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${APP_ORIGIN}/index.html`);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });

  void app.whenReady().then(() => {
    // The same data folder as the CLI: --data-dir, else $TAUGHTNET_DATA_DIR, else the platform's per-user folder.
    // Electron and Chromium add switches of their own, so unknown options are let through.
    const { values } = parseArgs({
      args: process.argv.slice(1),
      options: { 'data-dir': { type: 'string' } },
      strict: false,
      allowPositionals: true,
    });
    const dataDir = resolveDataDir({ flag: typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined });
    let store: Store;
    try {
      // `npm start` hands over better-sqlite3 built for Electron (main/app/electron-native.ts); installers rebuild it in place.
      store = openStoreAtStartup({ dataDir, nativeBinding: process.env[SQLITE_BINDING_ENV] }).store;
    } catch (e) {
      // A window would have nothing to show: say what failed where the user will see it.
      dialog.showErrorBox(
        'TaughtNet Workbench cannot start',
        `Its data folder ${dataDir} cannot be opened:\n${errorMessage(e)}`,
      );
      app.exit(1);
      return;
    }
    app.on('will-quit', () => store.close());
    hardenSession();
    serveRenderer(join(outFolder, 'renderer'));
    const ctx: ServiceContext = {
      store,
      resourcesFolder,
      appVersion: app.getVersion(),
      emit: sendToWindows,
      // The engine host's entry is bundled next to this file (electron.vite.config.ts).
      startRuntime: () => startRuntime({ host: () => forkHost({ entry: new URL('./worker.js', import.meta.url) }) }),
      executing: new Map(),
    };
    app.on('before-quit', () => interruptExecutingRuns(ctx));
    registerIpc(ctx);
    openWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
