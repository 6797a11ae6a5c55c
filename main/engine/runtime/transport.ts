// How the client reaches its engine host: a separate process, so that onnxruntime aborting or segfaulting in
// native code ends only that process. HostTransport is all the client needs of one; forkHost() makes one with
// Node's child_process, and the Electron app may adapt a utilityProcess to it instead.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromHost, ToHost } from './protocol.ts';
import { ensureXdgRuntimeDir } from './xdg-runtime-dir.ts';

/** How a host process ended. */
export interface HostExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** Why the process could not be started, when it could not. */
  readonly error?: string;
}

/** One running host process, as the client sees it. */
export interface HostTransport {
  /** Sends by structured clone (typed arrays included). */
  postMessage(message: ToHost): void;
  onMessage(listener: (message: FromHost) => void): void;
  /** Called once, when the process is gone and its stderr has ended. */
  onExit(listener: (exit: HostExit) => void): void;
  /** Ends the process (SIGTERM on POSIX); onExit follows. */
  kill(): void;
  /** The process id, once started. */
  readonly pid?: number;
  /** The host's stderr when piped: the client passes it on to its own stderr and quotes its last lines in crash reports. */
  readonly stderr?: NodeJS.ReadableStream | null;
}

export interface ForkHostOptions {
  /** The host's entry. Defaults to worker.ts next to this file, run through tsx; a built app passes out/main/worker.js. */
  readonly entry?: URL;
  /** The host's environment (default: this process's), over HOST_MALLOC_ENV. */
  readonly env?: NodeJS.ProcessEnv;
  /** The host's working directory (default: this process's); where a core dump of a crashed host would land. */
  readonly cwd?: string;
}

/**
 * glibc malloc settings a host starts with (the host's own environment overrides them; other C libraries ignore
 * them): blocks up to 32 MiB come from the heap, and up to 512 MiB of freed heap stays mapped. onnxruntime-node
 * copies every output of a run into a fresh buffer; with glibc's defaults the gradients' buffers went back to the
 * kernel when collected and were faulted in again by the next step's copies (TinyBERT step, batch 8 × 128: about
 * 1,800 page faults and 12 ms of kernel time per step, against under 200 and 3 ms with these; peak RSS the same).
 */
export const HOST_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(32 * 2 ** 20),
  MALLOC_TRIM_THRESHOLD_: String(512 * 2 ** 20),
};

/**
 * Starts a host with child_process.fork. Under Electron's main process, fork runs Electron's own binary as
 * Node (ELECTRON_RUN_AS_NODE), so this also works there unless the RunAsNode fuse is turned off.
 */
export function forkHost(options: ForkHostOptions = {}): HostTransport {
  ensureXdgRuntimeDir(); // inherited by every host, so they share one folder instead of making one each
  const entry = options.entry ?? new URL('./worker.ts', import.meta.url);
  let spawnError: string | undefined;
  const child = fork(fileURLToPath(entry), [], {
    // Our own flags only (not the parent's, e.g. --test or --inspect); a .ts entry runs through tsx.
    execArgv: entry.pathname.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [],
    serialization: 'advanced', // structured clone: typed arrays cross as bytes, not as JSON arrays of numbers
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    env: { ...HOST_MALLOC_ENV, ...(options.env ?? process.env) },
    cwd: options.cwd,
  });
  // A spawn failure ends in 'close' too (with the errno as code); any other 'error' is followed by the exit.
  child.on('error', (e) => {
    if (child.pid === undefined) spawnError = e.message;
  });
  return {
    // A message to a process that just died fails here; the exit that follows reports it.
    postMessage: (message) => child.send(message, () => {}),
    onMessage: (listener) => child.on('message', listener as (message: unknown) => void),
    onExit: (listener) =>
      child.once('close', (code, signal) => listener({ code, signal, ...(spawnError ? { error: spawnError } : {}) })),
    kill: () => child.kill(),
    pid: child.pid,
    stderr: child.stderr,
  };
}
