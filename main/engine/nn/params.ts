// Parameters live in ONE flat float buffer (and Adam's m and v likewise), so the optimizer update is a dozen
// elementwise ops over one tensor instead of a dozen per parameter. The forward pass sees each parameter as a
// Slice+Reshape view of the buffer; the flat gradient is the Concat of the views' gradients. (On the CPU the gradient
// graph takes each parameter as an input of its own instead, fed a view of the buffer: see paramInputs.)
// Names are the canonical ones of shared/models/weight-names.ts, so a loaded folder's weights drop straight in.
import type { DType, Graph, Tensor } from '../graph/graph.ts';
import { grad } from '../graph/autodiff.ts';
import { concat, reshape, slice } from '../ops/shape.ts';
import { tensor, type Tensor as Weights } from '../../tensors/tensor.ts';
import { seededRandom } from '../../../shared/random.ts';

/** How a parameter starts, as Hugging Face's _init_weights does it. */
export type Init =
  /** normal(0, std); an embedding's padding row (padding_idx) is then zeroed. */
  | { normal: number; zeroRow?: number }
  | { constant: number }
  /** DistilBERT's fixed sinusoidal position table (create_sinusoidal_embeddings). */
  | { sinusoidal: true };

export interface ParamSpec {
  name: string;
  shape: readonly number[];
  init: Init;
}

export interface ParamEntry extends ParamSpec {
  offset: number;
  size: number;
  decay: boolean;
}

export interface ParamLayout {
  entries: ParamEntry[];
  size: number;
  /** Decayed parameters come first: elements [0, decaySize) get weight decay, the rest do not. */
  decaySize: number;
}

/** Orders the parameters (decayed group first, each group in declaration order) and assigns offsets. */
export function layoutParams(specs: readonly ParamSpec[], decays: (name: string) => boolean): ParamLayout {
  const decayed = specs.filter((s) => decays(s.name));
  const rest = specs.filter((s) => !decays(s.name));
  let offset = 0;
  const entries = [...decayed, ...rest].map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const e: ParamEntry = { ...s, offset, size, decay: decayed.includes(s) };
    offset += size;
    return e;
  });
  return { entries, size: offset, decaySize: decayed.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0) };
}

/**
 * The flat Float32Array in layout order: each parameter copied from `from` (a loaded folder's canonical weights)
 * when present there, else initialised by its spec with normal draws from a generator seeded with `seed`.
 */
export function initParams(
  layout: ParamLayout,
  seed: number,
  from: ReadonlyMap<string, Weights> = new Map(),
): Float32Array {
  const flat = new Float32Array(layout.size);
  const uniform = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  for (const e of layout.entries) {
    const view = flat.subarray(e.offset, e.offset + e.size);
    const given = from.get(e.name);
    if (given) {
      if (given.dtype !== 'float32') throw new Error(`parameter "${e.name}" is ${given.dtype}, expected float32`);
      if (given.shape.length !== e.shape.length || given.shape.some((d, i) => d !== e.shape[i])) {
        throw new Error(
          `parameter "${e.name}" has shape [${given.shape.join(', ')}], the model needs [${e.shape.join(', ')}]`,
        );
      }
      view.set(given.data as Float32Array);
    } else if ('constant' in e.init) {
      view.fill(e.init.constant);
    } else if ('normal' in e.init) {
      for (let i = 0; i < e.size; i++) view[i] = e.init.normal * normal();
      if (e.init.zeroRow !== undefined) view.fill(0, e.init.zeroRow * e.shape[1], (e.init.zeroRow + 1) * e.shape[1]);
    } else {
      view.set(sinusoidalPositions(e.shape[0], e.shape[1]));
    }
  }
  return flat;
}

function cutParams(
  layout: ParamLayout,
  flat: Float32Array,
  part: (from: number, to: number) => Float32Array,
): Map<string, Weights> {
  if (flat.length !== layout.size)
    throw new Error(`the parameter buffer holds ${flat.length} values, the layout ${layout.size}`);
  return new Map(layout.entries.map((e) => [e.name, tensor('float32', e.shape, part(e.offset, e.offset + e.size))]));
}

/** The flat buffer cut back into named tensors (copies), e.g. to save a model folder. */
export const paramsToWeights = (layout: ParamLayout, flat: Float32Array): Map<string, Weights> =>
  cutParams(layout, flat, (from, to) => flat.slice(from, to));

/** Named views of the flat buffer, no copy: for what reads them at once (a graph's initializers), not to keep. */
export const weightViews = (layout: ParamLayout, flat: Float32Array): Map<string, Weights> =>
  cutParams(layout, flat, (from, to) => flat.subarray(from, to));

/** HF create_sinusoidal_embeddings: even columns sin(pos / 10000^(j/dim)), odd columns cos of the same angle. */
function sinusoidalPositions(positions: number, dim: number): Float32Array {
  const out = new Float32Array(positions * dim);
  for (let pos = 0; pos < positions; pos++) {
    for (let j = 0; j < dim; j++) {
      const angle = pos / 10000 ** ((2 * Math.floor(j / 2)) / dim);
      out[pos * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}

/** Named views (Slice + Reshape) of the flat parameter tensor. */
export function paramViews(g: Graph, layout: ParamLayout, flat: Tensor): Record<string, Tensor> {
  return Object.fromEntries(
    layout.entries.map((e) => [
      e.name,
      g.scope(e.name, () => reshape(g, slice(g, flat, [e.offset], [e.offset + e.size], [0]), [...e.shape])),
    ]),
  );
}

/**
 * One graph input per parameter, named `${prefix}${name}`: fed views of the flat buffer on the CPU, so the parameters
 * are not copied into ORT (as paramViews' Slices copy them) every run.
 */
export function paramInputs(g: Graph, layout: ParamLayout, dtype: DType, prefix: string): Record<string, Tensor> {
  return Object.fromEntries(layout.entries.map((e) => [e.name, g.input(`${prefix}${e.name}`, dtype, e.shape)]));
}

/** d loss / d flat parameters, as one flat tensor in layout order. */
export function flatGradient(g: Graph, layout: ParamLayout, views: Record<string, Tensor>, loss: Tensor): Tensor {
  const grads = grad(
    g,
    loss,
    layout.entries.map((e) => views[e.name]),
  );
  return g.scope('grad/flat', () =>
    concat(
      g,
      grads.map((d) => reshape(g, d, [-1])),
      0,
    ),
  );
}
