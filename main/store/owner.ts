// Who owns a running run or a file being written: a process on a host. A data folder on a shared lab drive is
// opened from several machines, and a pid means nothing on another host: there only a stale heartbeat tells
// that the owner is gone.
import { hostname } from 'node:os';
import { processIsAlive } from '../files/process-alive.ts';

export interface Owner {
  /** null on rows written before hosts were recorded: taken as this host's, as they were then. */
  host: string | null;
  pid: number | null;
  heartbeatAt?: string | null;
}

/** How often a running run tells the store it is alive. */
export const HEARTBEAT_INTERVAL_MS = 60_000;
/** Another host's run is taken for dead after ten missed heartbeats. */
export const STALE_AFTER_MS = 10 * HEARTBEAT_INTERVAL_MS;

export function thisHost(): string {
  return hostname();
}

/** At start-up this very pid can only be a dead process's that was reused: taken for dead then. */
export const aliveBesidesThisProcess = (pid: number): boolean => pid !== process.pid && processIsAlive(pid);

/**
 * Whether the owner of a running run is gone: its heartbeat is stale, or, on this host, its process is dead. A
 * host's clock is compared with the writer's: machines sharing a drive must keep their clocks within minutes.
 */
export function ownerIsGone(owner: Owner, now = Date.now(), isAlive = processIsAlive): boolean {
  const beat = owner.heartbeatAt ? Date.parse(owner.heartbeatAt) : Number.NaN;
  const stale = !(now - beat < STALE_AFTER_MS);
  if (owner.host === null || owner.host === thisHost()) {
    // Rows from before heartbeats (host null) are judged by their pid alone.
    return owner.pid === null || !isAlive(owner.pid) || (owner.host !== null && stale);
  }
  return stale;
}
