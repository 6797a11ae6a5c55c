// A workspace holds the engine's state (parameters, optimizer moments, step counters) on one execution provider,
// and runs programs against it. A program is an ONNX graph whose inputs are state tensors and batch tensors and whose
// outputs replace state tensors (params → params_next) or are read back (loss, metrics, probabilities).
// Training, evaluation and inference are separate programs over the same state.
//
// On the CPU the state is the workspace's own float arrays (it takes over the buffers it is given), fed to ORT without
// a copy, whole or as `views` (one input per parameter, so that no Slice copies them inside the graph).
// onnxruntime-node copies every output into a fresh buffer, so a program that would replace large state (the
// parameters and both Adam moments) instead outputs the gradient and names an `adamw` step, which the workspace
// applies to the state in place (optim/adamw.ts adamwInPlace): one gradient-sized output a step instead of three
// state-sized ones, and no second copy of the state while the old one waits for the garbage collector. Of a lookup
// table (word embeddings) the program outputs only the gradients of the rows the batch read. Pre-allocated outputs
// would not save the copy: onnxruntime-node 1.30 fills a given output tensor and still returns a fresh copy of it.
//
// On a GPU provider the state never leaves the device between runs: state outputs are requested as 'gpu-buffer'
// and fed straight back, and only the read outputs come back as 'cpu'. Every superseded device tensor is disposed
// at once, because onnxruntime-node 1.30 otherwise keeps its memory. Device state is uploaded and downloaded through
// identity sessions (getData() on a gpu-buffer tensor aborts the process in 1.30).
// Two more 1.30 quirks shape the code below:
// - preferredOutputLocation is applied by position in the fetch list, not by name, and a session that once returned
//   device outputs refuses a different fetch count ("Output count mismatch"). So a session with any device output
//   is always run fetching all its outputs, in the session's order; the unwanted ones are disposed at once.
// - a device tensor must be disposed before the session that produced it is released (else a segfault).
import * as ort from 'onnxruntime-node';
import { type Tensor, tensor } from '../../tensors/tensor.ts';
import { encodeModel, onnxOutputNames, valueInfo } from './onnx-model.ts';
import { fromOrtTensor, toOrtTensor } from './ort-tensor.ts';
import { type ProviderName, executionProviders, isGpuProvider } from './providers.ts';
import { ensureXdgRuntimeDir } from './xdg-runtime-dir.ts';
import {
  adamwInPlace,
  lookupGradient,
  type AdamWScalars,
  type GradientSegment,
  type RestingSpan,
} from '../optim/adamw.ts';

export interface SessionTuning {
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  readonly intraOpNumThreads?: number;
  /**
   * ORT's memory pattern: one block sized for all of a run's intermediate tensors, planned from the first run. Off by
   * default on the CPU, where it held about a third more than the arena alone (TinyBERT step: 1.40 → 1.02 GB peak RSS).
   */
  readonly memoryPattern?: boolean;
  /** Writes an ORT profile (JSON) per session, named from this path prefix (onnxruntime's profileFilePrefix). */
  readonly profileFilePrefix?: string;
}

/**
 * An ONNX model in a file, with its graph's outputs in order: a large model (an inference graph holds its weights)
 * loads from there, since its bytes sent to the engine host would leave the channel's copies in the host.
 */
export interface OnnxFile {
  readonly path: string;
  readonly outputs: readonly string[];
}

export interface ProgramSpec {
  /** ONNX ModelProto bytes, or the model's file. */
  readonly model: Uint8Array | OnnxFile;
  /** State name → the output that replaces it after each run, e.g. { w: 'w_next', 'adam.m.w': 'adam.m.w_next' }. */
  readonly updates?: Readonly<Record<string, string>>;
  /** Outputs brought back to the CPU after each run (loss, metrics, probabilities). */
  readonly read: readonly string[];
  readonly tuning?: SessionTuning;
  /** CPU only: model inputs fed as views of state tensors (no copy), e.g. each parameter of the flat buffer. */
  readonly views?: Readonly<Record<string, StateView>>;
  /** CPU only: an AdamW step the workspace applies in place after each run, from the program's gradient outputs. */
  readonly adamw?: HostAdamW;
}

/** Elements [offset, offset + size of shape) of a state tensor, as a tensor of that shape. */
export interface StateView {
  readonly state: string;
  readonly offset: number;
  readonly shape: readonly number[];
}

/** Names the step's buffers: the gradient output, the state it updates, and the scalar feeds it takes. */
export interface HostAdamW {
  readonly config: AdamWScalars;
  /** The first `decaySize` parameters get weight decay. */
  readonly decaySize: number;
  /**
   * The program's gradient outputs in the order of the flat parameters, each with where its gradient starts there;
   * together they cover them. A lookup table's gradient comes as the gradients of the rows a batch read.
   */
  readonly grads: readonly (DenseGradient | RowGradients)[];
  /** State names of the parameters and the two moments. */
  readonly params: string;
  readonly m: string;
  readonly v: string;
  /** Batch inputs (float32 scalars) the step takes instead of the program: learning rate and 1-based step number. */
  readonly lr: string;
  readonly step: string;
  /** The name under which a run returns the gradient's norm before clipping (when it is in `read`). */
  readonly gradNorm: string;
}

/** A gradient output shaped as its parameter. */
export interface DenseGradient {
  readonly output: string;
  readonly offset: number;
}

/** A lookup table's gradient [tableRows, width] as outputs `rows` [n, width] and their table rows `indices` (int64 [n]). */
export interface RowGradients {
  readonly rows: string;
  readonly indices: string;
  readonly offset: number;
  readonly tableRows: number;
  readonly width: number;
}

export interface Program {
  /** Model inputs fed from the workspace state. */
  readonly stateInputs: readonly string[];
  /** Model inputs the caller feeds on each run. */
  readonly batchInputs: readonly string[];
  /** Runs once: feeds state + batch, swaps in the updated state, returns the read outputs (CPU tensors). */
  run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  /**
   * A training program with an in-place AdamW step (the CPU's) only: one update from a batch given in micro-batches,
   * each run on its own (a fraction of the memory the whole batch's run needs) and their gradients summed before the
   * one AdamW step; all take the same lr and step. Returns each micro-batch's read outputs, the workspace's own (the
   * gradient norm) with the last. For the sum to be the whole batch's gradient, each micro-batch's loss must be its
   * share of the batch's (token-classification tasks: fed the whole batch's tokenCounts).
   */
  runMicroBatches(batches: readonly Readonly<Record<string, Tensor>>[]): Promise<Record<string, Tensor>[]>;
  release(): Promise<void>;
}

export interface Workspace {
  readonly provider: ProviderName;
  readonly stateNames: readonly string[];
  load(spec: ProgramSpec): Promise<Program>;
  /** Copies state to the CPU (all of it when `names` is omitted), e.g. for an export. */
  readState(names?: readonly string[]): Promise<Map<string, Tensor>>;
  /**
   * Calls `use` with the state on the CPU (all of it when `names` is omitted) while no program runs: on the CPU the
   * tensors are the live state, not copies, so `use` must not keep them (a checkpoint writes them out).
   */
  withState<T>(use: (state: ReadonlyMap<string, Tensor>) => Promise<T>, names?: readonly string[]): Promise<T>;
  /**
   * Replaces state tensors (e.g. from a checkpoint); names, dtypes and shapes must match the existing state. On the
   * CPU the workspace takes over their buffers (and may update them in place).
   */
  writeState(tensors: ReadonlyMap<string, Tensor>): Promise<void>;
  dispose(): Promise<void>;
}

interface StateSpec {
  readonly dtype: Tensor['dtype'];
  readonly shape: readonly number[];
}

function sessionOptions(
  provider: ProviderName,
  tuning: SessionTuning | undefined,
  preferredOutputLocation?: Record<string, ort.Tensor.DataLocation> | ort.Tensor.DataLocation,
): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: executionProviders(provider),
    graphOptimizationLevel: tuning?.graphOptimizationLevel ?? 'all',
    ...(provider === 'cpu' ? { enableMemPattern: tuning?.memoryPattern ?? false } : {}),
    ...(tuning?.intraOpNumThreads ? { intraOpNumThreads: tuning.intraOpNumThreads } : {}),
    ...(tuning?.profileFilePrefix ? { enableProfiling: true, profileFilePrefix: tuning.profileFilePrefix } : {}),
    // Only GPU providers have a place other than the CPU to leave outputs.
    ...(isGpuProvider(provider) && preferredOutputLocation ? { preferredOutputLocation } : {}),
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function disposeIfOnDevice(t: ort.Tensor): void {
  if (t.location === 'gpu-buffer') t.dispose();
}

/**
 * The gradient of one update, summed over the runs of its micro-batches in run order: dense outputs added into the
 * first run's buffers, a lookup table's rows and indices kept in run order and summed by lookupGradient (so the rows of
 * consecutive micro-batches are summed in the whole batch's token order).
 */
function gradientSum(a: HostAdamW): { add(out: ort.InferenceSession.ReturnType): void; segments(): GradientSegment[] } {
  const dense = new Map<string, Float32Array>();
  const rows = new Map<string, { rows: Float32Array[]; indices: BigInt64Array[] }>();
  const data = (out: ort.InferenceSession.ReturnType, name: string) => fromOrtTensor(out[name], name).data;
  return {
    add(out) {
      for (const gr of a.grads) {
        if ('output' in gr) {
          const g = data(out, gr.output) as Float32Array;
          const sum = dense.get(gr.output);
          if (!sum) dense.set(gr.output, g);
          else for (let i = 0; i < g.length; i++) sum[i] += g[i];
        } else {
          const parts = rows.get(gr.rows) ?? { rows: [], indices: [] };
          parts.rows.push(data(out, gr.rows) as Float32Array);
          parts.indices.push(data(out, gr.indices) as BigInt64Array);
          rows.set(gr.rows, parts);
        }
      }
    },
    segments: () =>
      a.grads.flatMap((gr) => {
        if ('output' in gr) return [{ offset: gr.offset, data: dense.get(gr.output)! }];
        const parts = rows.get(gr.rows)!;
        return lookupGradient(
          concat(parts.rows, Float32Array),
          concat(parts.indices, BigInt64Array),
          gr.tableRows,
          gr.width,
          gr.offset,
        );
      }),
  };
}

/** The parts end to end (the one part itself when there is one). */
function concat<T extends Float32Array | BigInt64Array>(parts: T[], Type: { new (n: number): T }): T {
  if (parts.length === 1) return parts[0];
  const all = new Type(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    (all as Float32Array).set(p as Float32Array, at);
    at += p.length;
  }
  return all;
}

/**
 * The rows of each lookup table of `a` whose moments are all zero and that get no gradient in this step, as resting
 * spans (see adamwInPlace). `zero` holds, per table, 1 for each row whose m and v are all zero: found by a scan of m
 * and v when it is not known yet, then kept as rows get gradients (which is the only way a row's moments leave zero).
 */
function restingSpans(
  a: HostAdamW,
  grad: readonly GradientSegment[],
  m: Float32Array,
  v: Float32Array,
  zero: Map<string, Uint8Array>,
): RestingSpan[] {
  const spans: RestingSpan[] = [];
  for (const gr of a.grads) {
    if ('output' in gr) continue;
    const { offset, tableRows, width } = gr;
    const key = `${a.m}:${offset}`;
    let rows = zero.get(key);
    if (!rows) {
      rows = new Uint8Array(tableRows);
      for (let r = 0; r < tableRows; r++) {
        let k = offset + r * width;
        const end = k + width;
        while (k < end && m[k] === 0 && v[k] === 0) k++;
        rows[r] = k === end ? 1 : 0;
      }
      zero.set(key, rows);
    }
    const end = offset + tableRows * width;
    for (const s of grad)
      if (s.offset >= offset && s.offset < end)
        rows.fill(0, (s.offset - offset) / width, (s.offset - offset + s.data.length) / width);
    for (let r = 0; r < tableRows; r++) {
      if (!rows[r]) continue;
      const from = r;
      while (r < tableRows && rows[r]) r++;
      spans.push({ from: offset + from * width, to: offset + r * width });
    }
  }
  return spans;
}

/**
 * Creates a workspace holding `initial` as its state on `provider` (uploaded to the device on GPU providers; on the CPU
 * the workspace takes over the buffers).
 */
export async function createWorkspace(
  provider: ProviderName,
  initial: ReadonlyMap<string, Tensor>,
  tuning?: SessionTuning,
): Promise<Workspace> {
  if (provider === 'webgpu') ensureXdgRuntimeDir();
  const names = [...initial.keys()];
  const specs = new Map<string, StateSpec>([...initial].map(([n, t]) => [n, { dtype: t.dtype, shape: [...t.shape] }]));
  const state = new Map<string, ort.Tensor>();
  const gpu = isGpuProvider(provider);
  // The session that produced each device tensor of the state (see the quirks above): releasing a program first
  // moves the state it produced to copies made by a transfer session.
  const owner = new Map<string, ort.InferenceSession>();
  // Which rows of each lookup table have all-zero Adam moments (see restingSpans); unknown again once state is written.
  const zeroMoments = new Map<string, Uint8Array>();

  // One run at a time across all programs: a run reads state that the previous run replaced (and disposed).
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn);
    queue = next.catch(() => {});
    return next;
  };

  // State moves on and off the device through identity graphs in_i → out_i, one per set of state names moved
  // together (a fixed fetch list per session, see the quirk above). Indices, since state names are arbitrary strings.
  const transfers = new Map<string, ort.InferenceSession>();
  const transferSession = async (subset: readonly string[], location: 'gpu-buffer' | 'cpu') => {
    const key = `${location}:${subset.join('\u0000')}`;
    let session = transfers.get(key);
    if (!session) {
      const model = encodeModel({
        name: 'state-transfer',
        node: subset.map((_, i) => ({ opType: 'Identity', input: [`in_${i}`], output: [`out_${i}`] })),
        input: subset.map((n, i) => valueInfo(`in_${i}`, specs.get(n)!.dtype, specs.get(n)!.shape)),
        output: subset.map((n, i) => valueInfo(`out_${i}`, specs.get(n)!.dtype, specs.get(n)!.shape)),
      });
      session = await ort.InferenceSession.create(model, sessionOptions(provider, tuning, location));
      transfers.set(key, session);
    }
    return session;
  };
  const transfer = async (values: ReadonlyMap<string, ort.Tensor>, location: 'gpu-buffer' | 'cpu') => {
    const subset = names.filter((n) => values.has(n));
    const session = await transferSession(subset, location);
    const out = await session.run(
      Object.fromEntries(subset.map((n, i) => [`in_${i}`, values.get(n)!])),
      session.outputNames,
    );
    return { session, copies: new Map(subset.map((n, i) => [n, out[`out_${i}`] as ort.Tensor])) };
  };

  /** Device copies of `values` (CPU or device tensors), owned by the transfer session that made them. */
  const upload = (values: ReadonlyMap<string, ort.Tensor>) => transfer(values, 'gpu-buffer');

  /** CPU copies of the named state tensors. */
  const download = async (wanted: readonly string[]) => {
    const { copies } = await transfer(new Map(wanted.map((n) => [n, state.get(n)!])), 'cpu');
    return new Map(wanted.map((n) => [n, fromOrtTensor(copies.get(n)!, n)]));
  };

  const replaceState = (values: ReadonlyMap<string, ort.Tensor>, producer: ort.InferenceSession): void => {
    for (const [n, t] of values) {
      const old = state.get(n);
      state.set(n, t);
      owner.set(n, producer);
      if (old) disposeIfOnDevice(old);
    }
  };

  const checkNames = (requested: Iterable<string>): void => {
    const unknown = [...requested].filter((n) => !specs.has(n));
    if (unknown.length > 0) throw new Error(`no state named ${unknown.map((n) => `"${n}"`).join(', ')}`);
  };

  const writeState = (tensors: ReadonlyMap<string, Tensor>) =>
    exclusive(async () => {
      checkNames(tensors.keys());
      const incoming = new Map<string, ort.Tensor>();
      for (const [n, t] of tensors) {
        const spec = specs.get(n)!;
        if (t.dtype !== spec.dtype || !sameShape(t.shape, spec.shape)) {
          throw new Error(
            `state "${n}" is ${spec.dtype} [${spec.shape.join(', ')}] but the new value is ${t.dtype} [${t.shape.join(', ')}]`,
          );
        }
        incoming.set(n, toOrtTensor(t, n));
      }
      zeroMoments.clear();
      if (!gpu) {
        for (const [n, t] of incoming) state.set(n, t);
        return;
      }
      const { session, copies } = await upload(incoming);
      replaceState(copies, session);
    });

  /** The named state on the CPU: downloaded copies on a GPU provider, the live tensors on the CPU. Call inside `exclusive`. */
  const stateOnCpu = (requested: readonly string[]) => {
    checkNames(requested);
    return gpu
      ? download(requested)
      : Promise.resolve(new Map(requested.map((n) => [n, fromOrtTensor(state.get(n)!, n)])));
  };
  const copyOf = (t: Tensor): Tensor => tensor(t.dtype, t.shape, t.data.slice() as Tensor['data']);
  const readState = (requested: readonly string[] = names) =>
    exclusive(async () => {
      const live = await stateOnCpu(requested);
      return gpu ? live : new Map([...live].map(([n, t]) => [n, copyOf(t)]));
    });
  const withState = <T>(
    use: (state: ReadonlyMap<string, Tensor>) => Promise<T>,
    requested: readonly string[] = names,
  ) => exclusive(async () => use(await stateOnCpu(requested)));

  // The initial state as CPU tensors first (so the transfer graph has every input), then onto the device.
  for (const [n, t] of initial) state.set(n, toOrtTensor(t, n));
  if (gpu && names.length > 0) await writeState(initial);

  const releaseSession = async (session: ort.InferenceSession): Promise<void> => {
    const owned = names.filter((n) => owner.get(n) === session);
    if (owned.length > 0) {
      const { session: uploader, copies } = await upload(new Map(owned.map((n) => [n, state.get(n)!])));
      replaceState(copies, uploader);
    }
    await session.release();
  };

  const sessions = new Set<ort.InferenceSession>();

  const load = async (spec: ProgramSpec): Promise<Program> => {
    const updates = Object.entries(spec.updates ?? {});
    checkNames(updates.map(([n]) => n));
    const adamw = spec.adamw;
    const views = Object.entries(spec.views ?? {});
    if (gpu && (adamw || views.length > 0))
      throw new Error(
        `state views and an in-place AdamW step are for the CPU; on ${provider} the graph takes and updates the state`,
      );
    if (adamw) checkNames([adamw.params, adamw.m, adamw.v]);
    checkNames(views.map(([, v]) => v.state));
    for (const [input, v] of views) {
      const end = v.offset + v.shape.reduce((a, b) => a * b, 1);
      const size = specs.get(v.state)!.shape.reduce((a, b) => a * b, 1);
      if (v.offset < 0 || end > size)
        throw new Error(
          `view "${input}" reaches [${v.offset}, ${end}) of state "${v.state}", which holds ${size} elements`,
        );
    }
    const gradOutputs = (adamw?.grads ?? []).flatMap((gr) => ('output' in gr ? [gr.output] : [gr.rows, gr.indices]));
    // Outputs the workspace makes itself rather than the model.
    const hostOutputs = adamw ? [adamw.gradNorm] : [];
    const stateOutputs = new Set(updates.map(([, out]) => out));
    const both = spec.read.filter((n) => stateOutputs.has(n));
    if (both.length > 0)
      throw new Error(`outputs ${both.join(', ')} are both state updates and read; read state with readState()`);
    // Read outputs come back to the CPU; everything else stays on the device (and is disposed unless it is state).
    const outputNames = spec.model instanceof Uint8Array ? onnxOutputNames(spec.model) : [...spec.model.outputs];
    const locations = Object.fromEntries(
      outputNames.map((n) => [n, spec.read.includes(n) ? 'cpu' : 'gpu-buffer'] as const),
    );
    const options = sessionOptions(provider, spec.tuning ?? tuning, locations);
    const session =
      spec.model instanceof Uint8Array
        ? await ort.InferenceSession.create(spec.model, options)
        : await ort.InferenceSession.create(spec.model.path, options);
    try {
      if (outputNames.join('\n') !== session.outputNames.join('\n')) {
        throw new Error(
          `onnxruntime reports outputs ${session.outputNames.join(', ')}, the model declares ${outputNames.join(', ')}`,
        );
      }
      const missing = [...stateOutputs, ...spec.read.filter((n) => !hostOutputs.includes(n)), ...gradOutputs].filter(
        (n) => !session.outputNames.includes(n),
      );
      if (missing.length > 0)
        throw new Error(`the model has no output ${missing.join(', ')} (it has ${session.outputNames.join(', ')})`);
      for (const [n, out] of updates) {
        const meta = session.outputMetadata.find((m) => m.name === out);
        const want = specs.get(n)!;
        if (meta?.isTensor) {
          const fixed = meta.shape.every((d) => typeof d === 'number');
          if (meta.type !== want.dtype || (fixed && !sameShape(meta.shape as number[], want.shape))) {
            throw new Error(
              `output "${out}" is ${meta.type} [${meta.shape.join(', ')}] but replaces state "${n}", which is ${want.dtype} [${want.shape.join(', ')}]`,
            );
          }
        }
      }
    } catch (e) {
      await session.release();
      throw e;
    }
    sessions.add(session);
    const viewOf = new Map(views);
    const stateInputs = session.inputNames.filter((n) => specs.has(n) || viewOf.has(n));
    const batchInputs = [
      ...session.inputNames.filter((n) => !stateInputs.includes(n)),
      ...(adamw ? [adamw.lr, adamw.step] : []),
    ];
    const modelRead = spec.read.filter((n) => !hostOutputs.includes(n));
    const fetches = gpu ? session.outputNames : [...new Set([...stateOutputs, ...modelRead, ...gradOutputs])];
    const stateFeed = (n: string): ort.Tensor => {
      const v = viewOf.get(n);
      if (!v) return state.get(n)!;
      const whole = state.get(v.state)!;
      const data = whole.data as Float32Array;
      const size = v.shape.reduce((a, b) => a * b, 1);
      return new ort.Tensor(whole.type as 'float32', data.subarray(v.offset, v.offset + size), [...v.shape]);
    };
    const scalar = (name: string, t: Tensor): number => {
      if (t.data.length !== 1) throw new Error(`input ${name} must be a scalar; got shape [${t.shape.join(', ')}]`);
      return Number(t.data[0]);
    };
    /** Applies the in-place AdamW step from `grad`; returns its outputs (the gradient norm). */
    const applyAdamW = (
      a: HostAdamW,
      grad: GradientSegment[],
      feeds: Readonly<Record<string, Tensor>>,
    ): Record<string, Tensor> => {
      const buffer = (n: string) => state.get(n)!.data as Float32Array;
      const [m, v] = [buffer(a.m), buffer(a.v)];
      const norm = adamwInPlace(
        { params: buffer(a.params), m, v },
        grad,
        scalar(a.lr, feeds[a.lr]),
        scalar(a.step, feeds[a.step]),
        a.decaySize,
        a.config,
        restingSpans(a, grad, m, v, zeroMoments),
      );
      return { [a.gradNorm]: tensor('float32', [], Float32Array.of(norm)) };
    };
    /** One run: feeds the state and the batch, swaps in the updated state; returns all fetched outputs. */
    const runOnce = async (feeds: Readonly<Record<string, Tensor>>) => {
      const missing = batchInputs.filter((n) => !(n in feeds));
      const extra = Object.keys(feeds).filter((n) => !batchInputs.includes(n));
      if (missing.length > 0 || extra.length > 0) {
        throw new Error(
          [
            missing.length ? `missing inputs ${missing.join(', ')}` : '',
            extra.length ? `unknown inputs ${extra.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join('; ') + ` (the program takes ${batchInputs.join(', ')})`,
        );
      }
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const n of stateInputs) ortFeeds[n] = stateFeed(n);
      for (const n of session.inputNames) if (!stateInputs.includes(n)) ortFeeds[n] = toOrtTensor(feeds[n], n);
      const out = await session.run(ortFeeds, fetches);
      replaceState(new Map(updates.map(([n, outName]) => [n, out[outName] as ort.Tensor])), session);
      for (const [n, t] of Object.entries(out)) if (!stateOutputs.has(n)) disposeIfOnDevice(t as ort.Tensor);
      return out;
    };
    /** The read outputs of a run: the model's, and the workspace's own (`made`) where given. */
    const readOf = (out: ort.InferenceSession.ReturnType, made: Record<string, Tensor> = {}) =>
      Object.fromEntries(
        spec.read
          .filter((n) => n in made || !hostOutputs.includes(n))
          .map((n) => [n, made[n] ?? fromOrtTensor(out[n], n)]),
      );

    return {
      stateInputs,
      batchInputs,
      run: (feeds) =>
        exclusive(async () => {
          const out = await runOnce(feeds);
          if (!adamw) return readOf(out);
          const sum = gradientSum(adamw);
          sum.add(out);
          return readOf(out, applyAdamW(adamw, sum.segments(), feeds));
        }),
      runMicroBatches: (batches) =>
        exclusive(async () => {
          if (!adamw)
            throw new Error(
              `only a training program that applies AdamW in place (on the CPU) runs micro-batches${gpu ? `, not one on ${provider}` : ''}`,
            );
          if (batches.length === 0) throw new Error('an update needs at least one micro-batch');
          const [first, last] = [batches[0], batches[batches.length - 1]];
          for (const n of [adamw.lr, adamw.step])
            if (batches.some((f) => n in f && n in first && scalar(n, f[n]) !== scalar(n, first[n])))
              throw new Error(`the micro-batches of one update take the same ${n}`);
          const sum = gradientSum(adamw);
          // A run's outputs are let go before the next run starts (a loop's `await` would hold them through it).
          const runPart = async (feeds: Readonly<Record<string, Tensor>>, i: number) => {
            const out = await runOnce(feeds);
            sum.add(out);
            return readOf(out, i === batches.length - 1 ? applyAdamW(adamw, sum.segments(), last) : {});
          };
          const reads: Record<string, Tensor>[] = [];
          for (const [i, feeds] of batches.entries()) reads.push(await runPart(feeds, i));
          return reads;
        }),
      release: () =>
        exclusive(async () => {
          if (sessions.delete(session)) await releaseSession(session);
        }),
    };
  };

  return {
    provider,
    stateNames: names,
    load,
    readState,
    withState,
    writeState,
    dispose: () =>
      exclusive(async () => {
        // Device buffers before the sessions that produced them (see `owner`).
        for (const t of state.values()) disposeIfOnDevice(t);
        state.clear();
        owner.clear();
        for (const s of sessions) await s.release();
        sessions.clear();
        for (const s of transfers.values()) await s.release();
        transfers.clear();
      }),
  };
}
