// Test helpers: run graphs in real ONNX Runtime CPU sessions and compare autodiff gradients with float64
// central finite differences.
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { Graph, type DType, type Tensor } from '../../main/engine/graph/graph.ts';
import { grad } from '../../main/engine/graph/autodiff.ts';
import { toOnnx } from '../../main/engine/graph/onnx.ts';
import { mul } from '../../main/engine/ops/elementwise.ts';
import { reduceSum } from '../../main/engine/ops/reduce.ts';
import { seededRandom } from '../../shared/random.ts';
import { parseEncoderConfig } from '../../shared/models/config.ts';

export type Feed = { dtype: DType; shape: number[]; data: Float64Array | Float32Array | BigInt64Array | Uint8Array };
export type Feeds = Record<string, Feed>;

export async function session(
  g: Graph,
  outputs: Record<string, Tensor>,
): Promise<(feeds: Feeds, fetch?: string[]) => Promise<Record<string, Float64Array>>> {
  const model = toOnnx(g, outputs);
  const s = await ort.InferenceSession.create(model.bytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
  });
  return async (feeds, fetch) => {
    const t: Record<string, ort.Tensor> = {};
    for (const i of model.inputs) {
      const f = feeds[i.name];
      if (!f) throw new Error(`missing feed ${i.name}`);
      t[i.name] = new ort.Tensor(
        f.dtype === 'float64' ? 'float64' : f.dtype === 'float32' ? 'float32' : f.dtype === 'int64' ? 'int64' : 'bool',
        f.data,
        f.shape,
      );
    }
    const r = await s.run(t, fetch ?? Object.keys(outputs));
    return Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, Float64Array.from(v.data as ArrayLike<number>, Number)]),
    );
  };
}

/** Deterministic pseudo-random numbers, so failures reproduce. */
export const rng = seededRandom;

export function randn(r: () => number, shape: number[], scale = 1, dtype: 'float64' | 'float32' = 'float64'): Feed {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = scale * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return { dtype, shape, data };
}

export const ints = (shape: number[], values: number[]): Feed => ({
  dtype: 'int64',
  shape,
  data: BigInt64Array.from(values.map(BigInt)),
});

export interface GradCheckOptions {
  /** Coordinates checked per input (all when the input is smaller). */
  coords?: number;
  h?: number;
  atol?: number;
  rtol?: number;
  seed?: number;
}

/**
 * Checks d(loss)/d(wrt) of a float64 graph against central differences. `build` declares the inputs and returns
 * a tensor; the loss is Σ(y·w) with fixed random weights w so every output element matters with its own weight.
 */
export async function gradCheck(
  build: (g: Graph) => { y: Tensor; wrt: Tensor[] },
  feeds: Feeds,
  o: GradCheckOptions = {},
): Promise<{ maxError: number; checked: number }> {
  const { coords = 1e9, h = 1e-6, atol = 1e-7, rtol = 1e-6, seed = 7 } = o;
  const g = new Graph();
  const { y, wrt } = build(g);
  const r = rng(seed);
  const w = g.input('loss_weights', y.dtype, y.shape);
  const yShape = y.shape as number[];
  const loss = reduceSum(g, mul(g, y, w), [...y.shape.keys()]);
  const grads = grad(g, loss, wrt);
  const outputs: Record<string, Tensor> = { loss };
  wrt.forEach((x, k) => (outputs[`grad_${k}`] = grads[k]));
  const run = await session(g, outputs);
  const all: Feeds = { ...feeds, loss_weights: randn(r, yShape, 1, y.dtype as 'float64') };
  const analytic = await run(all);

  let maxError = 0;
  let checked = 0;
  for (const [k, x] of wrt.entries()) {
    const base = all[x.name].data as Float64Array;
    const picks =
      base.length <= coords ? [...base.keys()] : Array.from({ length: coords }, () => Math.floor(r() * base.length));
    for (const j of picks) {
      const at = async (d: number): Promise<number> => {
        const data = Float64Array.from(base);
        data[j] += d;
        return (await run({ ...all, [x.name]: { ...all[x.name], data } }, ['loss'])).loss[0];
      };
      const numeric = ((await at(h)) - (await at(-h))) / (2 * h);
      const a = analytic[`grad_${k}`][j];
      const err = Math.abs(a - numeric);
      maxError = Math.max(maxError, err / (atol + rtol * Math.abs(numeric)));
      assert.ok(
        err <= atol + rtol * Math.abs(numeric),
        `d loss/d ${x.name}[${j}]: autodiff ${a} vs finite difference ${numeric}`,
      );
      checked++;
    }
  }
  return { maxError, checked };
}

/** A tiny BERT token classifier (2 layers, hidden 32, 3 labels, dropout on) for training-graph tests. */
export const TINY_TRAIN_CONFIG = parseEncoderConfig({
  model_type: 'bert',
  vocab_size: 24,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 64,
  max_position_embeddings: 16,
  type_vocab_size: 2,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  num_labels: 3,
});
