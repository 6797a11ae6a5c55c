// Token-level Cohen's kappa between two labellings of the same tokens (e.g. two annotators, or two models).
//   p_o = share of tokens given the same label, p_e = Σ_label share_a(label) · share_b(label),
//   kappa = (p_o − p_e) / (1 − p_e).
// Degenerate case: p_e = 1 only when both labellings use one and the same label everywhere, so they agree on
// every token; kappa is then defined as 1 (where sklearn's formula would give 0/0).

export interface Kappa {
  kappa: number;
  observed: number;
  expected: number;
  tokens: number;
}

export function cohenKappa(a: readonly string[], b: readonly string[]): Kappa {
  if (a.length !== b.length) throw new Error(`cannot compare ${a.length} labels with ${b.length}`);
  if (a.length === 0) throw new Error('cannot compute kappa over zero tokens');
  const n = a.length;
  const countA = new Map<string, number>();
  const countB = new Map<string, number>();
  let agree = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) agree++;
    countA.set(a[i], (countA.get(a[i]) ?? 0) + 1);
    countB.set(b[i], (countB.get(b[i]) ?? 0) + 1);
  }
  let expected = 0;
  for (const [label, ca] of countA) expected += (ca / n) * ((countB.get(label) ?? 0) / n);
  const observed = agree / n;
  // Rounding can leave p_e a hair from 1 in the degenerate case; test the definition, not the float.
  const degenerate = countA.size === 1 && countB.size === 1 && agree === n;
  return {
    kappa: degenerate ? 1 : (observed - expected) / (1 - expected),
    observed,
    expected: degenerate ? 1 : expected,
    tokens: n,
  };
}
