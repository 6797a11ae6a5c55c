// The ServiceContext that tests of the IPC handlers build: a real store, the shipped resources, real engine
// hosts; each test overrides what it watches (emitted events, hosts started). And what they read from replies.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import type { ServiceContext } from '../../main/services/context.ts';
import type { Store } from '../../main/store/store.ts';
import type { Reply } from '../../shared/ipc/contract.ts';

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

/** The value of a reply that must be a success. */
export function ok<T>(reply: Reply<unknown>): T {
  assert.ok(reply.ok, reply.ok ? '' : reply.error);
  return reply.value as T;
}

/** The message of a reply that must be a refusal. */
export function refusal(reply: Reply<unknown>): string {
  assert.ok(!reply.ok, 'expected a refusal');
  return reply.error;
}
