// `npm run bench -- engine-host [MB] [reps]`: what running the engine in a child process costs next to a
// worker thread (the runtime's earlier home, rebuilt here on the same HostTransport) and next to calling the
// workspace in-process: host start-up, `open` with an MB-sized state, readState of that whole state (time, and
// the longest stall of the caller's event loop, which in the app is Electron's main process), and the round trip
// of a small training step.
import { Worker } from 'node:worker_threads';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type RuntimeClient, startRuntime } from '../../main/engine/runtime/client.ts';
import { type HostTransport, forkHost } from '../../main/engine/runtime/transport.ts';
import { createWorkspace } from '../../main/engine/runtime/workspace.ts';
import { type Tensor, tensor } from '../../main/tensors/tensor.ts';
import { TRAIN_UPDATES, batch, initialState, numbers, trainModel } from '../engine/runtime/linear-adam.ts';

const MB = Number(process.argv[2] ?? 50);
const REPS = Number(process.argv[3] ?? 5);
const STEPS = 200;

/** The engine host's loop in a worker thread of this process (structured clone within one process). */
function workerThreadHost(): HostTransport {
  const tsx = import.meta.resolve('tsx/esm/api');
  const host = new URL('../../main/engine/runtime/engine-host.ts', import.meta.url).href;
  const source = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(tsx)})
      .then(({ register }) => { register(); return import(${JSON.stringify(host)}); })
      .then(({ serveEngine }) => serveEngine({ post: (m) => parentPort.postMessage(m), onMessage: (l) => parentPort.on('message', l) }));`;
  const worker = new Worker(source, { eval: true });
  return {
    postMessage: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.on('message', listener),
    onExit: (listener) => worker.once('exit', (code) => listener({ code, signal: null })),
    kill: () => void worker.terminate(),
  };
}

/** Three float32 tensors (like params, Adam m and v) of MB megabytes in all. */
const n = Math.round((MB * 1e6) / 4 / 3);
const bigState: Record<string, Tensor> = Object.fromEntries(
  ['params', 'm', 'v'].map((name, i) => [name, tensor('float32', [n], numbers(i, n))]),
);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** Runs `fn` REPS times: median wall time and the longest event-loop stall seen during any run. */
async function measure(fn: () => Promise<unknown>): Promise<{ time: number; stall: number }> {
  const times: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  delay.disable();
  return { time: median(times), stall: delay.max / 1e6 };
}

async function viaHost(label: string, host: () => HostTransport): Promise<void> {
  const t0 = performance.now();
  const runtime: RuntimeClient = startRuntime({ host });
  await runtime.request({ kind: 'close' }); // answered once the host is up
  const startup = performance.now() - t0;
  try {
    const open = await measure(() => runtime.request({ kind: 'open', provider: 'cpu', state: bigState }));
    const read = await measure(() => runtime.request({ kind: 'readState' }));
    await runtime.request({ kind: 'open', provider: 'cpu', state: Object.fromEntries(initialState(16)) });
    await runtime.request({
      kind: 'load',
      program: 'train',
      spec: { model: trainModel(16), updates: TRAIN_UPDATES, read: ['loss'] },
    });
    const t1 = performance.now();
    for (let i = 0; i < STEPS; i++) await runtime.request({ kind: 'step', program: 'train', feeds: batch(16, i) });
    const step = (performance.now() - t1) / STEPS;
    console.log(
      `${label.padEnd(14)} start ${ms(startup).padStart(9)} | open ${ms(open.time).padStart(9)} (stall ${ms(open.stall)})` +
        ` | readState ${ms(read.time).padStart(9)} (stall ${ms(read.stall)}) | step ${step.toFixed(2)} ms`,
    );
  } finally {
    await runtime.terminate();
  }
}

async function inProcess(): Promise<void> {
  const ws = await createWorkspace('cpu', new Map(Object.entries(bigState)));
  const read = await measure(() => ws.readState());
  await ws.dispose();
  const small = await createWorkspace('cpu', initialState(16));
  const train = await small.load({ model: trainModel(16), updates: TRAIN_UPDATES, read: ['loss'] });
  const t1 = performance.now();
  for (let i = 0; i < STEPS; i++) await train.run(batch(16, i));
  const step = (performance.now() - t1) / STEPS;
  await small.dispose();
  console.log(
    `${'in-process'.padEnd(14)} readState ${ms(read.time)} (no copy: the workspace's own arrays) | step ${step.toFixed(2)} ms`,
  );
}

console.log(`state ${MB} MB (3 float32 tensors), median of ${REPS}; step: linear model, mean of ${STEPS}`);
await viaHost('child process', () => forkHost());
await viaHost('worker thread', workerThreadHost);
await inProcess();
