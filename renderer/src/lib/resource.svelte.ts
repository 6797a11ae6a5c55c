// What a page reads from the main process: the value, the message of the last failed read, and a reload that the
// named events trigger (a list goes out of date when main says 'runs:changed', …). Call it while a component is set
// up: it reads at once, listens while the component is shown, and reads again when what `read` depends on changes.
import { errorMessage } from '../../../shared/error-message.ts';
import type { EventName, Events } from '../../../shared/ipc/contract.ts';
import { api } from './api.ts';

/** The events that make a resource read again: every one of a name (true), or those its test accepts. */
export type ReloadOn = { [E in EventName]?: true | ((payload: Events[E]) => boolean) };

export interface Resource<T> {
  /** The last value read; null until a read succeeds. */
  readonly value: T | null;
  /** Why the last read failed; '' once one succeeds. */
  readonly error: string;
  reload(): Promise<void>;
}

export function resource<T>(read: () => Promise<T>, reloadOn: ReloadOn = {}): Resource<T> {
  let value = $state<T | null>(null);
  let error = $state('');

  async function reload(): Promise<void> {
    try {
      value = await read();
      error = '';
    } catch (e) {
      error = errorMessage(e);
    }
  }

  $effect(() => {
    void reload();
    const offs = (Object.entries(reloadOn) as [EventName, true | ((payload: unknown) => boolean)][]).map(
      ([event, when]) =>
        api.on(event, (payload) => {
          if (when === true || when(payload)) void reload();
        }),
    );
    return () => offs.forEach((off) => off());
  });

  return {
    get value() {
      return value;
    },
    get error() {
      return error;
    },
    reload,
  };
}
