// `npm run bench -- engine [--models tiny,base,large] [--vs-torch] [--json] [--webgpu] [--warmup N] [--steps N] [--threads N]
// [--micro-batch N] [--length N] [--nodes] [--no-profile]` (--no-profile leaves out ORT's profile and the matmul time, which cost a
// few more steps; --micro-batch N runs each step's batch in micro-batches of N rows, CPU only, to show their memory):
// one fused training step (forward + backward + clipping + AdamW, dropout on) of a token classifier, batch 8 × 128, on
// each provider that works here: its wall time through a Workspace (median and spread after warmup), tokens/s, peak
// RSS, minor page faults and kernel (sys) time per step, the eval() forward (labelling) time, and from ORT's profile the
// kernel time per op type, so that the step can be compared with its matmuls (target on CPU: step ≤ 1.5 × MatMul+Gemm).
// With --vs-torch, PyTorch runs the same step and forward (test/bench/torch_step.py, Debian's /usr/bin/python3 or
// $TORCH_PYTHON) after ours, and both are printed side by side with their ratios. Each (model, provider) and each
// PyTorch run is a child process of its own, so that peak RSS is its own. --json prints one object on stdout,
// {"rows": [{"model", "ours": {"stepMs", "peakRssMB", "matmulMs", …}, "torch": {"stepMs", "peakRssMB", …} | null}]},
// and the readable report on stderr. WebGPU runs only with --webgpu: on machines without a GPU it runs on lavapipe
// (Vulkan on the CPU) and is slow.
import ort from 'onnxruntime-node';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { presetConfig, SHIPPED_VOCAB, sizePreset } from '../../shared/models/presets.ts';
import type { EncoderConfig } from '../../shared/models/config.ts';
import { initParams } from '../../main/engine/nn/params.ts';
import {
  BATCH,
  goldFeeds,
  tokenClassificationTask,
  tokenClassifierLayout,
} from '../../main/engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { IO } from '../../main/engine/optim/train-graphs.ts';
import { evalProgram, trainProgram } from '../../main/engine/runtime/train-program.ts';
import {
  createWorkspace,
  type Program,
  type ProgramSpec,
  type Workspace,
} from '../../main/engine/runtime/workspace.ts';
import { listProviders, type ProviderName } from '../../main/engine/runtime/providers.ts';
import { HOST_MALLOC_ENV } from '../../main/engine/runtime/transport.ts';
import { numel, tensor, type Tensor } from '../../main/tensors/tensor.ts';

const BATCH_SIZE = 8;
const LABELS = ['O', 'B-Disease', 'I-Disease', 'B-Chemical', 'I-Chemical', 'B-Gene', 'I-Gene'];
const tiny = presetConfig(sizePreset('tiny'), SHIPPED_VOCAB, LABELS);
/** Micro (BERT 2L-128H), TinyBERT-4L-312D, BERT-base's shape with the same (BERT) vocabulary, and RoBERTa-large with its own (355 M parameters). */
const MODELS: Record<string, { config: EncoderConfig; warmup: number; steps: number }> = {
  micro: { config: presetConfig(sizePreset('micro'), SHIPPED_VOCAB, LABELS), warmup: 3, steps: 10 },
  tiny: { config: tiny, warmup: 3, steps: 10 },
  base: {
    config: { ...tiny, hiddenSize: 768, embeddingSize: 768, numLayers: 12, numHeads: 12, intermediateSize: 3072 },
    warmup: 1,
    steps: 3,
  },
  large: { config: presetConfig(sizePreset('large'), { size: 50265, padTokenId: 1 }, LABELS), warmup: 1, steps: 2 },
};
const MATMUL_OPS = new Set(['MatMul', 'Gemm', 'FusedMatMul', 'FusedGemm']);

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? undefined : (args[i + 1] ?? '');
};
/** Subwords per window: 128, or --length N (the step's memory grows with its square in attention). */
const SEQ = Number(flag('length') ?? 128);

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number): string => `${x.toFixed(1)} ms`;
const json = args.includes('--json');
/** The readable report: stdout, or stderr when stdout carries the JSON. */
const say = (line: string): void => void (json ? process.stderr : process.stdout).write(line + '\n');
/** A child's machine-readable result: the one stdout line that starts with this. */
const RESULT = 'RESULT ';

interface Ours {
  stepMs: number;
  peakRssMB: number;
  /** From ORT's profile; null with --no-profile. */
  matmulMs: number | null;
  /** See Profile. */
  stepOverMatmul: number | null;
  kernelsMs: number | null;
  ortRunMs: number | null;
  inferMs: number;
  /** Minor page faults and kernel (sys) CPU time per timed step: the cost of fresh output buffers. */
  pageFaultsPerStep: number;
  sysMsPerStep: number;
  /**
   * Per timed step, measured in the same steps: wall time inside onnxruntime-node's run (the binding's output copies
   * included), and wall and CPU time outside it (feeds, the gradient's sums, AdamW).
   */
  inRunMs: number;
  outsideRunMs: number;
  outsideRunCpuMs: number;
  parameters: number;
}

interface Torch {
  stepMs: number;
  peakRssMB: number;
  inferMs: number;
  threads: number;
  blas: string[];
  torch: string;
}

/** A fixed batch: ids spread over the vocabulary, no padding, labels cycling through the label set. */
function batchFeeds(c: EncoderConfig): Record<string, Tensor> {
  const n = BATCH_SIZE * SEQ;
  const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7919) % c.vocabSize));
  const shape = [BATCH_SIZE, SEQ];
  return {
    [BATCH.inputIds]: tensor('int64', shape, ids),
    [BATCH.tokenTypeIds]: tensor('int64', shape, new BigInt64Array(n)),
    [BATCH.attentionMask]: tensor('float32', shape, new Float32Array(n).fill(1)),
    ...goldFeeds(
      Array.from(ids, (x) => Number(x % BigInt(LABELS.length))),
      shape,
    ),
  };
}

const scalar = (x: number): Tensor => tensor('float32', [], Float32Array.of(x));
/** The feeds a program or session takes (a RoBERTa has no token types; a gradient graph no optimizer inputs). */
const only = <T>(names: readonly string[], feeds: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(feeds).filter(([k]) => names.includes(k)));

/** Rows [from, to) of every batch tensor (those with a batch dimension); scalars as they are. */
const rows = (feeds: Record<string, Tensor>, from: number, to: number): Record<string, Tensor> =>
  Object.fromEntries(
    Object.entries(feeds).map(([k, t]) => {
      if (t.shape.length === 0) return [k, t];
      const per = numel(t.shape) / t.shape[0];
      return [k, tensor(t.dtype, [to - from, ...t.shape.slice(1)], t.data.slice(from * per, to * per) as Float32Array)];
    }),
  );

interface Profile {
  /** Kernel time per op type, ms per step. */
  byOp: Map<string, number>;
  /** Kernel time per node (op type and name), ms per step. */
  byNode: Map<string, number>;
  /** ORT's own time per step (its model_runs), ms, median. */
  run: number;
  /** Nodes per execution provider. */
  placement: Map<string, number>;
  /**
   * Median over pairs of steps of the timed step's wall time over the profiled one's matmul time (see profiledSteps);
   * null where a profiled step ran no matmul kernel (a provider whose kernels the profile does not show).
   */
  stepOverMatmul: number | null;
}

/**
 * `warmup + counted` pairs of steps of `spec` through the workspace: a timed one, then one with ORT's profiler on.
 * Returns the kernel times of the last `counted` profiled steps, and the time of each timed step over the matmul time
 * of the profiled step after it: the one unslowed by the profiler, the other measured next to it, so that a machine
 * whose speed drifts (a shared VM) does not skew their ratio.
 */
async function profiledSteps(
  ws: Workspace,
  spec: ProgramSpec,
  step: (program: Program, t: number) => Promise<unknown>,
  runsPerStep: number,
  warmup: number,
  counted: number,
): Promise<Profile> {
  const dir = mkdtempSync(join(tmpdir(), 'engine-bench-'));
  const timed = await ws.load(spec);
  const program = await ws.load({ ...spec, tuning: { ...spec.tuning, profileFilePrefix: join(dir, 'profile') } });
  const walls: number[] = [];
  for (let t = 1; t <= warmup + counted; t++) {
    const start = performance.now();
    await step(timed, 2 * t - 1);
    if (t > warmup) walls.push(performance.now() - start);
    await step(program, 2 * t);
  }
  await timed.release();
  await program.release(); // releasing the session writes its profile
  const events = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8')) as {
    cat: string;
    name: string;
    ts: number;
    dur: number;
    args?: { op_name?: string; provider?: string };
  }[];
  rmSync(dir, { recursive: true });
  const runs = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run')
    .sort((a, b) => a.ts - b.ts)
    .slice(-counted * runsPerStep);
  /** The counted step whose runs hold time `ts`, or -1. */
  const stepAt = (ts: number): number => {
    const i = runs.findIndex((r) => ts >= r.ts && ts <= r.ts + r.dur);
    return i < 0 ? -1 : Math.floor(i / runsPerStep);
  };
  const byOp = new Map<string, number>();
  const byNode = new Map<string, number>();
  const placement = new Map<string, number>();
  const matmul = new Array<number>(counted).fill(0);
  const ortRun = new Array<number>(counted).fill(0);
  runs.forEach((r, i) => (ortRun[Math.floor(i / runsPerStep)] += r.dur / 1000));
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const k = stepAt(e.ts);
    if (k < 0) continue;
    const op = e.args?.op_name ?? '?';
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur / 1000 / counted);
    const node = `${op} ${e.name.slice(0, -'_kernel_time'.length)}`;
    byNode.set(node, (byNode.get(node) ?? 0) + e.dur / 1000 / counted);
    const ep = (e.args?.provider ?? '?').replace('ExecutionProvider', '');
    placement.set(ep, (placement.get(ep) ?? 0) + 1 / counted / runsPerStep);
    if (MATMUL_OPS.has(op)) matmul[k] += e.dur / 1000;
  }
  return {
    byOp,
    byNode,
    run: median(ortRun),
    placement,
    stepOverMatmul: matmul.every((t) => t > 0) ? median(walls.map((w, k) => w / matmul[k])) : null,
  };
}

/** One (model, provider): timed steps through a Workspace, then profiled ones. Runs in its own process. */
async function benchOne(modelName: string, provider: ProviderName): Promise<void> {
  const { config, warmup: defaultWarmup, steps: defaultSteps } = MODELS[modelName];
  const warmup = Number(flag('warmup') ?? defaultWarmup);
  const steps = Number(flag('steps') ?? defaultSteps);
  const threads = flag('threads') ? Number(flag('threads')) : undefined;
  const microBatch = Number(flag('micro-batch') ?? BATCH_SIZE);
  const tuning = threads ? { intraOpNumThreads: threads } : undefined;
  const layout = tokenClassifierLayout(config, ADAMW_DEFAULTS);
  const t0 = performance.now();
  const spec = trainProgram(tokenClassificationTask(config, layout), ADAMW_DEFAULTS, provider, [IO.loss, IO.gradNorm]);
  const built = performance.now() - t0;
  const batch = batchFeeds(config);
  const n = layout.size;
  const ws = await createWorkspace(
    provider,
    new Map([
      [IO.params, tensor('float32', [n], initParams(layout, 1))],
      [IO.m, tensor('float32', [n], new Float32Array(n))],
      [IO.v, tensor('float32', [n], new Float32Array(n))],
    ]),
    tuning,
  );
  const program = await ws.load(spec);
  const feedsAt = (t: number): Record<string, Tensor> => ({
    ...only(program.batchInputs, batch),
    [IO.lr]: scalar(1e-4),
    [IO.step]: scalar(t),
    [IO.dropoutSeed]: tensor('int64', [], BigInt64Array.of(BigInt(t))),
  });
  // With --micro-batch N, each step runs its batch in micro-batches of N rows (their own dropout seeds, the whole
  // batch's token counts) and applies one update.
  const parts = Math.ceil(BATCH_SIZE / microBatch);
  const microFeeds = (t: number): Record<string, Tensor>[] =>
    Array.from({ length: parts }, (_, k) => ({
      ...rows(feedsAt(t), k * microBatch, Math.min(BATCH_SIZE, (k + 1) * microBatch)),
      [IO.dropoutSeed]: tensor('int64', [], BigInt64Array.of(BigInt((t - 1) * parts + k + 1))),
    }));
  const step = async (on: Program, t: number) =>
    parts === 1 ? [await on.run(feedsAt(t))] : await on.runMicroBatches(microFeeds(t));
  // The workspace's calls of onnxruntime's run, timed: what a step spends inside and outside it.
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const inRun = { wall: 0, cpu: 0 };
  const sessions = (ort.InferenceSession as unknown as { prototype: ort.InferenceSession }).prototype;
  const ortRun = sessions.run;
  sessions.run = async function (this: ort.InferenceSession, ...a: Parameters<typeof ortRun>) {
    const [wall, cpu] = [performance.now(), cpuMs()];
    try {
      return await ortRun.apply(this, a);
    } finally {
      inRun.wall += performance.now() - wall;
      inRun.cpu += cpuMs() - cpu;
    }
  } as typeof ortRun;
  const times: number[] = [];
  const split: { inside: number; outside: number; outsideCpu: number }[] = [];
  let loss = NaN;
  let before = process.resourceUsage();
  for (let t = 1; t <= warmup + steps; t++) {
    if (t === warmup + 1) before = process.resourceUsage();
    const [start, startCpu] = [performance.now(), cpuMs()];
    Object.assign(inRun, { wall: 0, cpu: 0 });
    const outs = await step(program, t);
    const took = performance.now() - start;
    if (t > warmup) {
      times.push(took);
      split.push({ inside: inRun.wall, outside: took - inRun.wall, outsideCpu: cpuMs() - startCpu - inRun.cpu });
    }
    loss = outs.reduce((sum, out) => sum + Number(out[IO.loss].data[0]), 0);
  }
  sessions.run = ortRun;
  const after = process.resourceUsage();
  const peakRss = after.maxRSS / 1024;
  const pageFaults = (after.minorPageFault - before.minorPageFault) / steps;
  const sysMs = (after.systemCPUTime - before.systemCPUTime) / 1000 / steps;
  await program.release();
  // Labelling: the eval() forward (no dropout, no loss) over the same batch, after the training step's peak was taken.
  const infer = await ws.load(
    evalProgram(tokenClassificationTask(config, layout), provider, [BATCH.probs], { withLoss: false }),
  );
  const inputs = only(infer.batchInputs, batch);
  const inferTimes: number[] = [];
  for (let i = 0; i < 1 + Math.max(1, steps); i++) {
    const start = performance.now();
    await infer.run(inputs);
    if (i > 0) inferTimes.push(performance.now() - start);
  }
  await infer.release();
  // ORT's profile of more steps of the same program (micro-batches: `parts` runs a step).
  const counted = Math.max(2, Math.min(steps, 10));
  const p = args.includes('--no-profile')
    ? null
    : await profiledSteps(ws, { ...spec, tuning: spec.tuning ?? tuning }, step, parts, 1, counted);
  await ws.dispose();

  const step50 = median(times);
  const tokens = BATCH_SIZE * SEQ;
  const kernels = p && [...p.byOp.values()].reduce((a, b) => a + b, 0);
  const matmul = p && [...p.byOp].filter(([op]) => MATMUL_OPS.has(op)).reduce((a, [, t]) => a + t, 0);
  const result: Ours = {
    stepMs: step50,
    peakRssMB: peakRss,
    matmulMs: matmul,
    stepOverMatmul: p?.stepOverMatmul ?? null,
    kernelsMs: kernels,
    ortRunMs: p?.run ?? null,
    inferMs: median(inferTimes),
    pageFaultsPerStep: pageFaults,
    sysMsPerStep: sysMs,
    inRunMs: median(split.map((x) => x.inside)),
    outsideRunMs: median(split.map((x) => x.outside)),
    outsideRunCpuMs: median(split.map((x) => x.outsideCpu)),
    parameters: n,
  };
  console.log(
    `\n== ${modelName} (${config.numLayers}L ${config.hiddenSize}D ${config.numHeads}h ${config.intermediateSize}FF, vocab ${config.vocabSize}, ${(n / 1e6).toFixed(1)}M params) on ${provider}, batch ${BATCH_SIZE}×${SEQ}${parts > 1 ? ` in micro-batches of ${microBatch}` : ''}`,
  );
  console.log(
    `graph ${(spec.model.byteLength / 2 ** 20).toFixed(1)} MiB${spec.adamw ? ' (forward + backward; AdamW in place outside ORT)' : ''}, built in ${ms(built)}; loss ${loss.toFixed(3)}`,
  );
  console.log(
    `step ${ms(step50)} median of ${times.length} (min ${ms(Math.min(...times))}, max ${ms(Math.max(...times))}) → ${Math.round((tokens / step50) * 1000)} tokens/s; peak RSS ${peakRss.toFixed(0)} MB`,
  );
  console.log(
    `per step: ${Math.round(pageFaults)} minor page faults, ${ms(sysMs)} kernel (sys) time; eval() forward ${ms(result.inferMs)}`,
  );
  console.log(
    `per step (medians): ${ms(result.inRunMs)} in onnxruntime's run, ${ms(result.outsideRunMs)} outside it (${ms(result.outsideRunCpuMs)} CPU: feeds, gradient sums, AdamW)`,
  );
  console.log(RESULT + JSON.stringify(result));
  if (!p || kernels === null || matmul === null) return;
  console.log(
    `profiled: ORT run ${ms(p.run)}, kernels ${ms(kernels)}, of which matmul ${ms(matmul)}; outside matmul ${((1 - matmul / kernels) * 100).toFixed(0)}% of kernel time`,
  );
  if (p.stepOverMatmul !== null)
    console.log(
      `step / matmul = ${p.stepOverMatmul.toFixed(2)}×, median over ${counted} pairs of a timed step and a profiled one (ORT run / matmul = ${(p.run / matmul).toFixed(2)}×)`,
    );
  console.log(`nodes per provider: ${[...p.placement].map(([ep, k]) => `${ep} ${Math.round(k)}`).join(', ')}`);
  console.log('kernel time by op type (ms per step, share of kernel time):');
  for (const [op, t] of [...p.byOp].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    console.log(`  ${op.padEnd(22)} ${t.toFixed(2).padStart(8)}  ${((t / kernels) * 100).toFixed(1).padStart(5)}%`);
  }
  if (args.includes('--nodes')) {
    console.log('costliest nodes outside matmul:');
    for (const [node, t] of [...p.byNode]
      .filter(([k]) => !MATMUL_OPS.has(k.split(' ')[0]))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 30)) {
      console.log(`  ${t.toFixed(2).padStart(8)} ms  ${node}`);
    }
  }
}

/** The Python that runs the PyTorch side: $TORCH_PYTHON, else Debian's (python3-torch installs there, not in a pyenv). */
const torchPython = (): string => process.env.TORCH_PYTHON ?? '/usr/bin/python3';

/** Why PyTorch cannot run here, or null when it can. */
function torchMissing(): string | null {
  const python = torchPython();
  if (!existsSync(python)) return `${python} does not exist (set TORCH_PYTHON)`;
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return `${python} has no torch module (apt-get install python3-torch libopenblas0-pthread)`;
  return null;
}

/** PyTorch's step and forward for `config`, in a process of its own. */
function runTorch(config: EncoderConfig, warmup: number, steps: number, threads?: number): Torch {
  const shape = {
    vocab: config.vocabSize,
    hidden: config.hiddenSize,
    layers: config.numLayers,
    heads: config.numHeads,
    intermediate: config.intermediateSize,
    positions: config.maxPositionEmbeddings,
    typeVocab: config.typeVocabSize,
    layerNormEps: config.layerNormEps,
    labels: LABELS.length,
    batch: BATCH_SIZE,
    seq: SEQ,
    warmup,
    steps,
    threads,
  };
  const script = fileURLToPath(new URL('torch_step.py', import.meta.url));
  const child = spawnSync(torchPython(), [script, JSON.stringify(shape)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0)
    throw new Error(
      `PyTorch step failed (exit ${child.status ?? child.signal}): ${child.stderr.trim().split('\n').slice(-5).join('\n')}`,
    );
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Torch;
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

async function main(): Promise<void> {
  const one = flag('one');
  if (one !== undefined) {
    const [model, provider] = one.split(':');
    return benchOne(model, provider as ProviderName);
  }
  const cpu = cpus();
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const loadAtStart = loadavg();
  say(
    `machine: ${cpu[0]?.model ?? '?'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${load()}`,
  );
  say(`node ${process.version}, onnxruntime-node ${ort.env.versions.common}`);
  const statuses = await listProviders();
  const providers = statuses.filter((s) => s.available && (s.name !== 'webgpu' || args.includes('--webgpu')));
  for (const s of statuses)
    if (!providers.includes(s))
      say(`skipping ${s.name}: ${s.available ? 'pass --webgpu to run it (' + s.reason + ')' : s.reason}`);
  const models = (flag('models') ?? 'tiny,base').split(',');
  for (const model of models)
    if (!MODELS[model]) throw new Error(`unknown model "${model}" (expected ${Object.keys(MODELS).join(', ')})`);
  const vsTorch = args.includes('--vs-torch');
  const noTorch = vsTorch ? torchMissing() : null;
  if (noTorch) say(`PyTorch is missing, so ours is printed alone: ${noTorch}`);
  const self = fileURLToPath(import.meta.url);
  const valued = ['--steps', '--warmup', '--threads', '--micro-batch', '--length'];
  const passOn = args.filter(
    (a, i) => valued.includes(args[i - 1] ?? '') || [...valued, '--nodes', '--no-profile'].includes(a),
  );
  const rows: { model: string; provider: string; ours: Ours | null; torch: Torch | null }[] = [];
  for (const model of models) {
    for (const { name } of providers) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--one', `${model}:${name}`, ...passOn], {
        env: { ...HOST_MALLOC_ENV, ...process.env }, // as an engine host runs
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      });
      const lines = child.stdout.split('\n');
      for (const line of lines) if (line && !line.startsWith(RESULT)) say(line);
      const found = lines.find((l) => l.startsWith(RESULT));
      if (child.status !== 0 || !found) say(`${model} on ${name} failed (exit ${child.status ?? child.signal})`);
      rows.push({
        model,
        provider: name,
        ours: found ? (JSON.parse(found.slice(RESULT.length)) as Ours) : null,
        torch: null,
      });
    }
    if (vsTorch && !noTorch) {
      const { config, warmup, steps } = MODELS[model];
      const t = runTorch(
        config,
        Number(flag('warmup') ?? warmup),
        Number(flag('steps') ?? steps),
        flag('threads') ? Number(flag('threads')) : undefined,
      );
      say(
        `\n== ${model} in PyTorch ${t.torch} (${t.threads} threads, BLAS ${t.blas.join(', ') || 'none found in /proc/self/maps'})`,
      );
      say(`step ${ms(t.stepMs)} median, peak RSS ${t.peakRssMB.toFixed(0)} MB; eval() forward ${ms(t.inferMs)}`);
      for (const row of rows.filter((r) => r.model === model)) {
        row.torch = t;
        if (!row.ours) continue;
        const o = row.ours;
        say(
          `ours (${row.provider}) / PyTorch: step ${ratio(o.stepMs, t.stepMs)}, peak RSS ${ratio(o.peakRssMB, t.peakRssMB)}, eval() forward ${ratio(o.inferMs, t.inferMs)}`,
        );
      }
    }
  }
  say(`\nload average at the end ${load()}`);
  if (json) console.log(JSON.stringify({ load: { start: loadAtStart, end: loadavg() }, rows }));
}

await main();
