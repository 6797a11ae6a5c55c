// The ServiceContext that tests of the IPC handlers build: a real store, the shipped resources, real engine
// hosts; each test overrides what it watches (emitted events, hosts started).
import { fileURLToPath } from 'node:url';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import type { ServiceContext } from '../../main/services/context.ts';
import type { Store } from '../../main/store/store.ts';

export const RESOURCES = fileURLToPath(new URL('../../resources/', import.meta.url));

export function testServiceContext(store: Store, overrides: Partial<ServiceContext> = {}): ServiceContext {
  return {
    store,
    resourcesFolder: RESOURCES,
    appVersion: '0.0.0-test',
    emit: () => {},
    startRuntime: () => startRuntime(),
    executing: new Map(),
    ...overrides,
  };
}
