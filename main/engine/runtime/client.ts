// The caller's side of the engine host: typed requests that resolve with the host's results, progress callbacks,
// and cancellation through an AbortSignal. The host is a separate process (transport.ts), so onnxruntime aborting
// or segfaulting in native code cannot take the caller down with it. When the host dies, every pending request
// fails with what happened (the command it was running, exit code or signal, its last stderr lines), 'crashed'
// listeners hear of it, and restart() starts a fresh host.
import {
  cancelledError,
  type Command,
  type CommandKind,
  type FromHost,
  type Results,
  type ToHost,
  deserializeError,
} from './protocol.ts';
import { type HostExit, type HostTransport, forkHost } from './transport.ts';

export interface Progress {
  readonly done: number;
  readonly total: number;
}

export interface RequestOptions {
  /** Aborting cancels the request: before it starts, or between two of its batches. It then rejects with an AbortError. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
}

export interface RuntimeClient {
  request<C extends Command>(command: C, options?: RequestOptions): Promise<Results[C['kind']]>;
  /** Calls `listener` each time the host dies unasked; returns the function that stops listening. */
  onCrashed(listener: (crash: EngineHostCrashed) => void): () => void;
  /**
   * Stops the host (closing its workspace first if it still runs) and starts a fresh one, with no workspace open:
   * after a crash, reopen and resume from the last checkpoint.
   */
  restart(): Promise<void>;
  /** Closes the workspace (freeing device memory) and stops the host. */
  terminate(): Promise<void>;
  /** The host process's id while it runs (to read its memory use), if the transport has one. */
  hostPid(): number | undefined;
}

export interface StartOptions {
  /** Starts one host process; restart() calls it again. Defaults to forkHost() (Node's child_process). */
  readonly host?: () => HostTransport;
}

/** How long stopping waits for the host to close its workspace (it may be mid-batch) before ending it anyway. */
const CLOSE_GRACE_MS = 5000;
/** How many of the host's last stderr lines a crash report quotes. */
const STDERR_LINES = 20;

export interface CrashDetails {
  readonly exit: HostExit;
  /** Whether the host had come up (said it was ready). */
  readonly started: boolean;
  /** The command the host was running (the oldest unanswered request), if any. */
  readonly running?: CommandKind;
  /** The request this error fails, when it had not started: it waited behind `running`, or for the host to come up. */
  readonly waiting?: CommandKind;
  readonly stderr: readonly string[];
}

/** One line: how the host ended, when, and (for a request that had not started) that it did not run. */
function crashSummary({ exit, started, running, waiting }: CrashDetails): string {
  const how = exit.error
    ? `could not be started (${exit.error})`
    : exit.signal
      ? `was killed by ${exit.signal}`
      : `exited with code ${exit.code}`;
  const when = !started ? ' while starting' : running ? ` while running "${running}"` : ' while idle';
  return `the engine host ${how}${when}${waiting ? `; "${waiting}" did not run` : ''}`;
}

/** The host's crash behind a request's error: the crash itself, or the refusal of a request sent after it. */
export function engineCrashOf(e: unknown): EngineHostCrashed | undefined {
  if (e instanceof EngineHostCrashed) return e;
  const cause = (e as Error | undefined)?.cause;
  return cause instanceof EngineHostCrashed ? cause : undefined;
}

/** What happened, for a user whose work the engine was doing (the summary is for developers and logs). */
export function crashForUser({ details: { exit, started } }: EngineHostCrashed): string {
  const how =
    exit.signal === 'SIGKILL'
      ? 'was ended from outside (SIGKILL: the system does this when memory runs out, or a person or program ended it)'
      : exit.signal === 'SIGABRT' || exit.signal === 'SIGSEGV'
        ? `crashed (${exit.signal}, in onnxruntime's native code)`
        : exit.signal
          ? `was ended by ${exit.signal}`
          : exit.error
            ? `could not be started (${exit.error})`
            : `stopped with exit code ${exit.code}`;
  return `the training engine (the separate process that does the computing) ${how}${started ? '' : ' as it started'}`;
}

/** A host that died unasked: the error of each request it left unanswered, and what 'crashed' listeners get. */
export class EngineHostCrashed extends Error {
  override readonly name = 'EngineHostCrashed';
  readonly summary: string;
  constructor(readonly details: CrashDetails) {
    const summary = crashSummary(details);
    super(details.stderr.length > 0 ? `${summary}. Its last output:\n${details.stderr.join('\n')}` : summary);
    this.summary = summary;
  }
}

/** Passes the host's stderr on to ours and keeps its last lines. */
function stderrTail(stream: NodeJS.ReadableStream | null | undefined): () => string[] {
  const lines: string[] = [];
  let partial = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    process.stderr.write(chunk);
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    lines.splice(0, lines.length - STDERR_LINES);
  });
  return () => [...lines, ...(partial ? [partial] : [])].slice(-STDERR_LINES);
}

interface Pending {
  readonly kind: CommandKind;
  resolve(value: unknown): void;
  reject(error: Error): void;
  readonly onProgress?: (progress: Progress) => void;
  cleanup(): void;
}

/** One host process and the requests it owes answers to. */
interface Host {
  readonly transport: HostTransport;
  readonly pending: Map<number, Pending>;
  /** Messages held back until the host is ready. */
  readonly outbox: ToHost[];
  ready: boolean;
  /** We asked it to stop: its exit is no crash. */
  stopping: boolean;
  gone: boolean;
  crash?: EngineHostCrashed;
  readonly exited: Promise<void>;
}

export function startRuntime(options: StartOptions = {}): RuntimeClient {
  const spawn = options.host ?? (() => forkHost());
  const crashListeners = new Set<(crash: EngineHostCrashed) => void>();
  let nextId = 1;
  let terminated = false;

  const post = (h: Host, message: ToHost): void => {
    if (h.ready) h.transport.postMessage(message);
    else h.outbox.push(message);
  };

  const hostGone = (h: Host, exit: HostExit, stderr: string[]): void => {
    h.gone = true;
    const unanswered = [...h.pending.values()]; // in sending order, so the first is the one the host was running
    h.pending.clear();
    for (const p of unanswered) p.cleanup();
    if (h.stopping) {
      for (const p of unanswered) p.reject(new Error(`the engine host was stopped before "${p.kind}" finished`));
      return;
    }
    const running = h.ready ? unanswered[0]?.kind : undefined;
    const details = { exit, started: h.ready, running, stderr };
    h.crash = new EngineHostCrashed(details);
    unanswered.forEach((p, i) =>
      p.reject(i === 0 && running ? h.crash! : new EngineHostCrashed({ ...details, waiting: p.kind })),
    );
    for (const listener of crashListeners) listener(h.crash);
  };

  const launch = (): Host => {
    const transport = spawn();
    let exited!: () => void;
    const h: Host = {
      transport,
      pending: new Map(),
      outbox: [],
      ready: false,
      stopping: false,
      gone: false,
      exited: new Promise((resolve) => (exited = resolve)),
    };
    const tail = stderrTail(transport.stderr);
    transport.onMessage((message: FromHost) => {
      if (message.type === 'ready') {
        h.ready = true;
        for (const m of h.outbox.splice(0)) transport.postMessage(m);
        return;
      }
      const p = h.pending.get(message.id);
      if (!p) return;
      if (message.type === 'progress') {
        p.onProgress?.({ done: message.done, total: message.total });
        return;
      }
      h.pending.delete(message.id);
      p.cleanup();
      if (message.type === 'result') p.resolve(message.value);
      else p.reject(deserializeError(message.error));
    });
    transport.onExit((exit) => {
      hostGone(h, exit, tail());
      exited();
    });
    return h;
  };

  const send = <C extends Command>(
    h: Host,
    command: C,
    { signal, onProgress }: RequestOptions = {},
  ): Promise<Results[C['kind']]> => {
    if (signal?.aborted) return Promise.reject(cancelledError());
    const id = nextId++;
    return new Promise<Results[C['kind']]>((resolve, reject) => {
      const onAbort = () => post(h, { type: 'cancel', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      h.pending.set(id, {
        kind: command.kind,
        resolve: resolve as (value: unknown) => void,
        reject,
        onProgress,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      post(h, { type: 'request', id, command });
    });
  };

  /**
   * Cancels what is pending, asks the host to close its workspace, then ends it: at once if it has not closed within
   * the grace period (a batch in flight cannot be interrupted).
   */
  const stop = async (h: Host): Promise<void> => {
    if (h.gone || h.stopping) return h.exited;
    h.stopping = true;
    for (const id of h.pending.keys()) post(h, { type: 'cancel', id });
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)));
    await Promise.race([send(h, { kind: 'close' }).catch(() => {}), grace, h.exited]);
    clearTimeout(timer);
    if (!h.gone) h.transport.kill();
    await h.exited;
  };

  let host = launch();
  let restarting: Promise<void> | undefined;

  return {
    request(command, requestOptions) {
      if (terminated) return Promise.reject(new Error('the engine host was terminated'));
      if (host.crash) {
        return Promise.reject(
          new Error(`${host.crash.summary}; call restart() to start a new one`, { cause: host.crash }),
        );
      }
      if (host.stopping)
        return Promise.reject(new Error('the engine host is restarting; send requests once restart() has resolved'));
      return send(host, command, requestOptions);
    },
    onCrashed(listener) {
      crashListeners.add(listener);
      return () => crashListeners.delete(listener);
    },
    restart() {
      restarting ??= (async () => {
        await stop(host);
        terminated = false;
        host = launch();
      })().finally(() => (restarting = undefined));
      return restarting;
    },
    async terminate() {
      terminated = true;
      await stop(host);
    },
    hostPid: () => (host.gone ? undefined : host.transport.pid),
  };
}
