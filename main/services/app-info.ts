// "About": versions, folders, and which ONNX Runtime execution providers work on this machine. The providers are
// probed by an engine host, as training would use them: no ONNX Runtime session ever opens in this process.
import { createRequire } from 'node:module';
import { totalmem } from 'node:os';
import type { AppInfo } from '../../shared/app-info.ts';
import { errorMessage } from '../../shared/error-message.ts';
import { pickProvider, type ProviderStatus } from '../engine/runtime/provider-choice.ts';
import { networkDriveNote } from '../store/store.ts';
import type { ServiceContext } from './context.ts';

const ortVersion: string = createRequire(import.meta.url)('onnxruntime-node/package.json').version;

/** The providers do not change while the app runs: one engine host probes them once per context. */
const probed = new WeakMap<ServiceContext, Promise<ProviderStatus[]>>();

async function probeProviders(ctx: ServiceContext): Promise<ProviderStatus[]> {
  const client = ctx.startRuntime();
  try {
    return await client.request({ kind: 'providers' });
  } finally {
    await client.terminate();
  }
}

function providersOf(ctx: ServiceContext): Promise<ProviderStatus[]> {
  let statuses = probed.get(ctx);
  if (!statuses) {
    statuses = probeProviders(ctx);
    probed.set(ctx, statuses);
    statuses.catch(() => probed.delete(ctx)); // a host that failed to start is asked again next time
  }
  return statuses;
}

/** The engine's own 'auto' choice, or why it has none. */
function autoProvider(statuses: readonly ProviderStatus[]): AppInfo['autoProvider'] {
  try {
    const { name, reason } = pickProvider(statuses, 'auto');
    return { name, reason };
  } catch (e) {
    return { name: null, reason: errorMessage(e) };
  }
}

export async function appInfo(ctx: ServiceContext): Promise<AppInfo> {
  const statuses = await providersOf(ctx);
  return {
    name: 'TaughtNet Workbench',
    version: ctx.appVersion,
    versions: {
      node: process.versions.node,
      v8: process.versions.v8,
      onnxruntime: ortVersion,
      // Set only inside Electron (the test harness runs the same services under plain Node).
      electron: process.versions.electron ?? null,
      chrome: process.versions.chrome ?? null,
    },
    platform: process.platform,
    arch: process.arch,
    dataFolder: ctx.store.dataDir,
    dataFolderNote: networkDriveNote(ctx.store),
    resourcesFolder: ctx.resourcesFolder,
    memoryMB: totalmem() / 1e6,
    providers: statuses.map(({ name, available, emulated, reason }) => ({ name, available, emulated, reason })),
    autoProvider: autoProvider(statuses),
  };
}
