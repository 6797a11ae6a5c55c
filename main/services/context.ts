// What every service is handed: the open store, the folders it reads, the way to tell the renderer something
// changed, how to start an engine host, and the run executing in this process. The Electron app, the CLI and
// the renderer test harness each build one.
import type { Store } from '../store/store.ts';
import type { RuntimeClient } from '../engine/runtime/client.ts';
import type { EventName, Events, RunProgress } from '../../shared/ipc/contract.ts';

/** A run this process executes (services/runs.ts). */
export interface ExecutingRun {
  runId: number;
  controller: AbortController;
  /** Its last progress event, for windows that open while it runs. */
  progress: RunProgress | null;
  /** Settles when it has ended and its engine host is stopped. */
  done: Promise<void>;
}

export interface ServiceContext {
  store: Store;
  /** The shipped files: datasets/ and models/ (resources/ in the repository, process.resourcesPath when installed). */
  resourcesFolder: string;
  appVersion: string;
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  /** Starts an engine host (the app points it at its bundled worker). */
  startRuntime(): RuntimeClient;
  /** Runs executing in this process, by id: at most one (services/runs.ts). */
  executing: Map<number, ExecutingRun>;
}
