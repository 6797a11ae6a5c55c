// Reverse-mode autodiff over the graph's tape: gradients of a scalar (or of seeded outputs) with respect to any
// tensors — parameters, parameter views, or inputs such as input embeddings (Integrated Gradients needs those).
import type { Graph, Tensor } from './graph.ts';
import { add } from '../ops/elementwise.ts';
import { onesLike, zerosLike } from '../ops/shape.ts';

export interface Seed {
  /** An output of the graph. */
  y: Tensor;
  /** dL/dy; defaults to ones (so a scalar loss gets the usual gradient). */
  dy?: Tensor;
}

/**
 * Emits the backward pass into `g` and returns dL/dx for each x in `wrt` (zeros where x does not reach L).
 * `of` is the loss tensor, or several seeded outputs whose gradients are summed.
 */
export function grad(g: Graph, of: Tensor | readonly Seed[], wrt: readonly Tensor[]): Tensor[] {
  const seeds: readonly Seed[] = 'name' in of ? [{ y: of }] : of;

  // Only entries on a path from some wrt tensor to the loss need their rules applied.
  const dependsOnWrt = new Set(wrt.map((t) => t.name));
  for (const e of g.tape) if (e.inputs.some((t) => dependsOnWrt.has(t.name))) dependsOnWrt.add(e.output.name);

  const grads = new Map<string, Tensor>();
  const accumulate = (t: Tensor, d: Tensor): void => {
    const prev = grads.get(t.name);
    grads.set(t.name, prev ? add(g, prev, d) : d);
  };
  g.scope('grad/seed', () => seeds.forEach((s) => accumulate(s.y, s.dy ?? onesLike(g, s.y))));
  const forward = g.tape.slice(); // the backward pass records its own entries; replay only the forward ones
  for (const e of forward.reverse()) {
    const dy = grads.get(e.output.name);
    if (!dy || !dependsOnWrt.has(e.output.name)) continue;
    g.scope(`grad/${e.name}`, () =>
      e.inputs.forEach((x, i) => {
        const rule = e.grads[i];
        if (rule && dependsOnWrt.has(x.name)) accumulate(x, rule(dy, e.output));
      }),
    );
  }
  return wrt.map((x) => grads.get(x.name) ?? zerosLike(g, x));
}
