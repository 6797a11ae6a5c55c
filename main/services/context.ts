// What every service is handed: the open store, the folders it reads, and the way to tell the renderer
// something changed. The Electron app and the renderer test harness each build one.
import type { Store } from '../store/store.ts';
import type { EventName, Events } from '../../shared/ipc/contract.ts';

export interface ServiceContext {
  store: Store;
  /** The shipped files: datasets/ and models/ (resources/ in the repository, process.resourcesPath when installed). */
  resourcesFolder: string;
  appVersion: string;
  emit<E extends EventName>(event: E, payload: Events[E]): void;
}
