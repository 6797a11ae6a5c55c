// The feed-forward activations a config.json may name (hidden_act / activation), as HF's ACT2FN defines them,
// composed from ops that carry gradients.
import type { Graph, Tensor } from '../graph/graph.ts';
import { add, div, exp, gelu, mul, neg, pow, tanh, where } from '../ops/elementwise.ts';
import type { HiddenAct } from '../../../shared/models/config.ts';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export function activation(g: Graph, act: HiddenAct, x: Tensor): Tensor {
  switch (act) {
    case 'gelu':
      return gelu(g, x); // exact, erf-based
    case 'gelu_new':
      // The tanh approximation (GPT-2's, HF NewGELUActivation): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
      return g.scope('gelu_new', () =>
        mul(g, mul(g, x, 0.5), add(g, tanh(g, mul(g, add(g, x, mul(g, pow(g, x, 3), 0.044715)), SQRT_2_OVER_PI)), 1)),
      );
    case 'relu': {
      const positive = g.op('Greater', [x, g.scalar(0, x.dtype)]);
      return where(g, positive, x, 0);
    }
    case 'silu':
      return g.scope('silu', () => div(g, x, add(g, exp(g, neg(g, x)), 1))); // x·σ(x)
    case 'tanh':
      return tanh(g, x);
  }
}
