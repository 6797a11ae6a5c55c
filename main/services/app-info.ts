// "About": versions, folders, and which ONNX Runtime execution providers work on this machine.
import * as ort from 'onnxruntime-node';
import type { AppInfo } from '../../shared/ipc/contract.ts';
import { chooseProvider, listProviders } from '../engine/runtime/providers.ts';
import { networkDriveNote } from '../store/store.ts';
import type { ServiceContext } from './context.ts';

/** The engine's own 'auto' choice, or why it has none. */
async function autoProvider(): Promise<AppInfo['autoProvider']> {
  try {
    const { name, reason } = await chooseProvider('auto');
    return { name, reason };
  } catch (e) {
    return { name: null, reason: (e as Error).message };
  }
}

export async function appInfo(ctx: ServiceContext): Promise<AppInfo> {
  return {
    name: 'TaughtNet Workbench',
    version: ctx.appVersion,
    versions: {
      node: process.versions.node,
      v8: process.versions.v8,
      onnxruntime: ort.env.versions.node ?? ort.env.versions.common,
      // Set only inside Electron (the test harness runs the same services under plain Node).
      electron: process.versions.electron ?? null,
      chrome: process.versions.chrome ?? null,
    },
    platform: process.platform,
    arch: process.arch,
    dataFolder: ctx.store.dataDir,
    dataFolderNote: networkDriveNote(ctx.store),
    resourcesFolder: ctx.resourcesFolder,
    providers: (await listProviders()).map(({ name, available, emulated, reason }) => ({ name, available, emulated, reason })),
    autoProvider: await autoProvider(),
  };
}
