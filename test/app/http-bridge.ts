// Browser side of the renderer test harness: the same `window.taughtnet` the preload exposes (same createBridge),
// over HTTP instead of Electron IPC. Bundled by the harness and injected before the page's own scripts.
import { createBridge, type TaughtnetApi } from '../../shared/ipc/bridge.ts';
import type { Reply } from '../../shared/ipc/contract.ts';

let events: EventSource | undefined;

(window as unknown as { taughtnet: TaughtnetApi }).taughtnet = createBridge({
  async invoke(channel, args) {
    const response = await fetch(`/ipc/${encodeURIComponent(channel)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(args === undefined ? null : args),
    });
    return (await response.json()) as Reply<unknown>;
  },
  subscribe(event, listener) {
    events ??= new EventSource('/events');
    const forward = (message: MessageEvent<string>) => listener(JSON.parse(message.data));
    events.addEventListener(event, forward);
    return () => events?.removeEventListener(event, forward);
  },
});
