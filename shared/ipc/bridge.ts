// The API the renderer sees as `window.taughtnet`, built over a transport: Electron's ipcRenderer in the preload,
// HTTP in the renderer test harness. Only the contract's channels and events get through.
import {
  isChannel,
  isEventName,
  type Args,
  type Channel,
  type EventName,
  type Events,
  type Reply,
  type Result,
} from './contract.ts';

export interface Transport {
  invoke(channel: Channel, args: unknown): Promise<Reply<unknown>>;
  /** Calls `listener` with each payload of `event` until the returned function is called. */
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
}

export interface TaughtnetApi {
  /** Calls a channel; rejects with an Error whose message a user can read. */
  invoke<C extends Channel>(channel: C, args: Args<C>): Promise<Result<C>>;
  /** Listens to an event; returns the function that stops listening. */
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

export function createBridge(transport: Transport): TaughtnetApi {
  return {
    async invoke(channel, args) {
      if (!isChannel(channel)) throw new Error(`unknown channel "${String(channel)}"`);
      const reply = await transport.invoke(channel, args);
      if (!reply.ok) throw new Error(reply.error);
      return reply.value as Result<typeof channel>;
    },
    on(event, listener) {
      if (!isEventName(event)) throw new Error(`unknown event "${String(event)}"`);
      if (typeof listener !== 'function') throw new Error('the listener must be a function');
      return transport.subscribe(event, (payload) => listener(payload as Events[typeof event]));
    },
  };
}
