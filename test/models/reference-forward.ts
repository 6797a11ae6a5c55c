// An independent float64 forward pass of a Hugging Face …ForTokenClassification (BERT, RoBERTa, DistilBERT,
// ELECTRA) in plain loops, written from HF's modeling code rather than from our graph builder, so the engine's
// graphs can be checked against it. Slow (triple loops): for tiny configs only.
import type { EncoderConfig } from '../../shared/models/config.ts';
import type { Tensor } from '../../main/tensors/tensor.ts';

type Matrix = Float64Array[]; // rows

export interface ReferenceInputs {
  inputIds: number[][];
  attentionMask: number[][];
  tokenTypeIds?: number[][];
}

/** Logits [batch][seq][labels] from canonical weights (as loadModelFolder returns them). */
export function referenceLogits(
  c: EncoderConfig,
  weights: ReadonlyMap<string, Tensor>,
  x: ReferenceInputs,
): number[][][] {
  const w = (name: string): Float64Array => {
    const t = weights.get(name);
    if (!t) throw new Error(`reference forward: no weight "${name}"`);
    return Float64Array.from(t.data as Float32Array);
  };
  const rowOf = (name: string, row: number, width: number) => w(name).subarray(row * width, (row + 1) * width);
  const dense = (name: string, xs: Matrix): Matrix => {
    const weight = weights.get(`${name}.weight`)!;
    const [out, inp] = weight.shape;
    const W = w(`${name}.weight`);
    const b = w(`${name}.bias`);
    return xs.map((v) => {
      const y = new Float64Array(out);
      for (let o = 0; o < out; o++) {
        let s = b[o];
        for (let i = 0; i < inp; i++) s += W[o * inp + i] * v[i];
        y[o] = s;
      }
      return y;
    });
  };
  const layerNorm = (name: string, xs: Matrix): Matrix => {
    const gamma = w(`${name}.weight`);
    const beta = w(`${name}.bias`);
    return xs.map((v) => {
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
      return v.map((e, i) => ((e - mean) / Math.sqrt(variance + c.layerNormEps)) * gamma[i] + beta[i]);
    });
  };
  const plus = (a: Matrix, b: Matrix): Matrix => a.map((v, t) => v.map((e, i) => e + b[t][i]));

  return x.inputIds.map((ids, row) => {
    const mask = x.attentionMask[row];
    const E = c.embeddingSize;
    // Position ids (HF create_position_ids_from_input_ids for RoBERTa: count the non-padding ids from padding_idx + 1).
    let count = 0;
    const positions = ids.map((id, t) => {
      if (c.positionOffset === 0) return t;
      if (id === c.padTokenId) return c.padTokenId;
      return c.padTokenId + ++count;
    });
    let h: Matrix = ids.map((id, t) => {
      const v = Float64Array.from(rowOf('embeddings.word_embeddings.weight', id, E));
      const p = rowOf('embeddings.position_embeddings.weight', positions[t], E);
      for (let i = 0; i < E; i++) v[i] += p[i];
      if (c.typeVocabSize > 0) {
        const tt = rowOf('embeddings.token_type_embeddings.weight', x.tokenTypeIds?.[row][t] ?? 0, E);
        for (let i = 0; i < E; i++) v[i] += tt[i];
      }
      return v;
    });
    h = layerNorm('embeddings.LayerNorm', h);
    if (E !== c.hiddenSize) h = dense('embeddings_project', h);

    const H = c.hiddenSize;
    const dh = H / c.numHeads;
    for (let n = 0; n < c.numLayers; n++) {
      const l = `encoder.layer.${n}`;
      const [q, k, v] = ['query', 'key', 'value'].map((m) => dense(`${l}.attention.self.${m}`, h));
      const context: Matrix = h.map(() => new Float64Array(H));
      for (let head = 0; head < c.numHeads; head++) {
        const at = head * dh;
        for (let i = 0; i < ids.length; i++) {
          // Padding keys are left out entirely (HF adds the dtype's minimum: their weight is exactly 0).
          const scores = ids.map((_, j) => {
            if (mask[j] === 0) return -Infinity;
            let s = 0;
            for (let d = 0; d < dh; d++) s += q[i][at + d] * k[j][at + d];
            return s / Math.sqrt(dh);
          });
          const top = Math.max(...scores);
          const e = scores.map((s) => Math.exp(s - top));
          const z = e.reduce((a, b) => a + b, 0);
          for (let j = 0; j < ids.length; j++)
            for (let d = 0; d < dh; d++) context[i][at + d] += (e[j] / z) * v[j][at + d];
        }
      }
      const attended = layerNorm(
        `${l}.attention.output.LayerNorm`,
        plus(dense(`${l}.attention.output.dense`, context), h),
      );
      const inner = dense(`${l}.intermediate.dense`, attended).map((u) => u.map((e) => act(c.hiddenAct, e)));
      h = layerNorm(`${l}.output.LayerNorm`, plus(dense(`${l}.output.dense`, inner), attended));
    }
    return dense('classifier', h).map((u) => Array.from(u));
  });
}

function act(name: EncoderConfig['hiddenAct'], x: number): number {
  switch (name) {
    case 'gelu':
      return 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'gelu_new':
      return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    case 'relu':
      return Math.max(x, 0);
    case 'silu':
      return x / (1 + Math.exp(-x));
    case 'tanh':
      return Math.tanh(x);
  }
}

/** erf to ~1e-15: Maclaurin series for |x| < 2.5, else 1 − erfc from its continued fraction. */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 80; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(a) = e^(−a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + …)))), evaluated from the tail.
  let t = a;
  for (let k = 80; k >= 1; k--) t = a + k / 2 / t;
  const erfc = Math.exp(-a * a) / (Math.sqrt(Math.PI) * t);
  return Math.sign(x) * (1 - erfc);
}
