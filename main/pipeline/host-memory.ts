// The engine host's peak memory (resident set), read from Linux's /proc: VmHWM is the process's high-water mark,
// and writing 5 to clear_refs resets it to the current use, so each student's training is measured on its own.
// Elsewhere (no /proc) nothing is measured: the figures are left out rather than guessed.
import { readFileSync, writeFileSync } from 'node:fs';

/** Starts a measurement: resets the host's high-water mark; false when it cannot be measured here. */
export function resetPeakMemory(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The host's peak resident memory in MB (10⁶ bytes) since the last reset, or null where it cannot be read. */
export function peakMemoryMB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const kB = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kB === undefined ? null : (Number(kB) * 1024) / 1e6;
  } catch {
    return null;
  }
}
