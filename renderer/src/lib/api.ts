// The renderer's access to the main process: the preload's `window.taughtnet` (or the test harness's copy).
import type { TaughtnetApi } from '../../../shared/ipc/bridge.ts';

declare global {
  interface Window {
    taughtnet: TaughtnetApi;
  }
}

export const api: TaughtnetApi = window.taughtnet;

const numberFormat = new Intl.NumberFormat();
export const formatCount = (n: number): string => numberFormat.format(n);
