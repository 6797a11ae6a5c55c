import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregateBatch,
  aggregateToken,
  bioColumns,
  stackTeachers,
  type TeacherProbs,
} from '../../shared/method/aggregate.ts';

const close = (actual: readonly number[] | Float32Array, expected: readonly number[], tol = 1e-12) => {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) <= tol, `[${i}] ${actual[i]} ≠ ${e}`));
};

// The paper's running example (§III.B.3): teachers for disease, gene, drug, each [B, I, O].
const example: TeacherProbs = [
  [0.8, 0.1, 0.1],
  [0.05, 0.05, 0.9],
  [0.1, 0.1, 0.8],
];
// By hand, labels [B-disease, I-disease, B-gene, I-gene, B-drug, I-drug, O]:
//   0.8·(0.05+0.9)·(0.1+0.8) = 0.684     0.1·(0.05+0.9)·(0.1+0.8) = 0.0855
//   0.05·(0.1+0.1)·(0.1+0.8) = 0.009     0.05·(0.8+0.1)·(0.1+0.8) = 0.0405
//   0.1·(0.1+0.1)·(0.05+0.9) = 0.019     0.1·(0.8+0.1)·(0.05+0.9) = 0.0855
//   0.1·0.9·0.8 = 0.072                  sum 0.9955
// Rounded to 2 decimals these are exactly the paper's {0.68, 0.09, 0.01, 0.04, 0.02, 0.09, 0.07}: no
// discrepancy. Note the paper prints the raw products, which sum to 0.9955, not 1.
const exampleProducts = [0.684, 0.0855, 0.009, 0.0405, 0.019, 0.0855, 0.072];

test("the paper's running example: raw products of eqs 9–11, and the paper's rounding", () => {
  const raw = aggregateToken(example, 'none');
  close(raw, exampleProducts);
  assert.deepEqual(
    raw.map((x) => x.toFixed(2)),
    ['0.68', '0.09', '0.01', '0.04', '0.02', '0.09', '0.07'],
  );
  close([raw.reduce((s, x) => s + x, 0)], [0.9955]);
});

test("'sum' (the paper, the default) divides by the sum and gives a distribution", () => {
  const a = aggregateToken(example);
  close(
    a,
    exampleProducts.map((x) => x / 0.9955),
  );
  close([a.reduce((s, x) => s + x, 0)], [1]);
  close(a.slice(0, 1), [0.684 / 0.9955]); // ≈ 0.6871
});

test("'softmax' (the reference code) flattens the targets: 0.684 becomes about 0.239", () => {
  const a = aggregateToken(example, 'softmax');
  const exps = exampleProducts.map(Math.exp);
  const total = exps.reduce((s, x) => s + x, 0);
  close(
    a,
    exps.map((x) => x / total),
  );
  assert.ok(Math.abs(a[0] - 0.2386) < 5e-4, `${a[0]}`);
  assert.ok(
    a.slice(1).every((x) => x > 0.12 && x < 0.132),
    a.join(', '),
  );
});

test('two teachers: the products can sum to more than 1 (1 + (pB1 − pI1)(pI2 − pB2) = 1.06)', () => {
  // B1 = 0.6·(0.3+0.6) = 0.54, I1 = 0.3·(0.1+0.6) = 0.21, B2 = 0.1·(0.3+0.1) = 0.04, I2 = 0.3·(0.6+0.1) = 0.21, O = 0.1·0.6 = 0.06
  const t: TeacherProbs = [
    [0.6, 0.3, 0.1],
    [0.1, 0.3, 0.6],
  ];
  close(aggregateToken(t, 'none'), [0.54, 0.21, 0.04, 0.21, 0.06]);
  close(
    aggregateToken(t),
    [0.54, 0.21, 0.04, 0.21, 0.06].map((x) => x / 1.06),
  );
});

test('one teacher: aggregation is the identity', () => {
  close(aggregateToken([[0.7, 0.2, 0.1]], 'none'), [0.7, 0.2, 0.1]);
  close(aggregateToken([[0.7, 0.2, 0.1]]), [0.7, 0.2, 0.1]);
});

test('permuting the teachers permutes the outputs the same way', () => {
  const [d, g, c] = example;
  const a = aggregateToken(example);
  const b = aggregateToken([g, c, d]);
  close(b, [a[2], a[3], a[4], a[5], a[0], a[1], a[6]]);
});

test('teachers certainly contradicting each other share the mass among what they claim', () => {
  // Both say B with p = 1: every product is 0.
  close(
    aggregateToken([
      [1, 0, 0],
      [1, 0, 0],
    ]),
    [0.5, 0, 0.5, 0, 0],
  );
  assert.throws(
    () =>
      aggregateToken([
        [0, 0, 0],
        [0, 0, 1],
      ]),
    /no probability/,
  );
  assert.throws(() => aggregateToken([[NaN, 0, 1]]), /NaN/);
  assert.throws(() => aggregateToken([]), /at least one teacher/);
});

test('the batch form agrees with the token form, in float32', () => {
  const tokens: TeacherProbs[] = [
    example,
    [
      [0.2, 0.3, 0.5],
      [0.6, 0.1, 0.3],
      [0, 0, 1],
    ],
    [
      [0, 0, 1],
      [0, 0, 1],
      [0, 0, 1],
    ],
  ];
  const flat = new Float32Array(tokens.flatMap((t) => t.flat()));
  for (const normalise of ['sum', 'softmax'] as const) {
    const batch = aggregateBatch(flat, 3, normalise);
    assert.equal(batch.length, 3 * 7);
    tokens.forEach((t, i) => {
      // The token form from the same float32 inputs, rounded to float32.
      const f32 = t.map((p) => [...Float32Array.from(p)] as [number, number, number]);
      close(batch.subarray(i * 7, (i + 1) * 7), [...Float32Array.from(aggregateToken(f32, normalise))], 0);
    });
  }
  close(aggregateBatch(flat, 3).subarray(14, 21), [0, 0, 0, 0, 0, 0, 1]);
  assert.throws(() => aggregateBatch(new Float32Array(10), 3), /do not divide/);
  assert.throws(() => aggregateBatch(new Float32Array(9), 0), /at least one teacher/);
});

test("bioColumns finds B, I and O among a teacher's labels", () => {
  assert.deepEqual(bioColumns(['B', 'I', 'O']), [0, 1, 2]);
  assert.deepEqual(bioColumns(['O', 'B-Disease', 'I-Disease']), [1, 2, 0]);
  assert.throws(() => bioColumns(['O', 'B-Disease', 'I-Chemical']), /one entity type/);
  assert.throws(() => bioColumns(['O', 'B-A', 'I-A', 'B-B', 'I-B']), /two labels are B/);
  assert.throws(() => bioColumns(['O', 'B', 'E']), /not B, I or O/);
});

test('stackTeachers lays out teachers by type, in corpus order', () => {
  const disease = Float32Array.from([0.8, 0.1, 0.1, 0.2, 0.2, 0.6]);
  const gene = Float32Array.from([0.05, 0.05, 0.9, 0.3, 0.3, 0.4]);
  // The keys' order does not matter; `types` does.
  const stacked = stackTeachers({ Gene: gene, Disease: disease }, ['Disease', 'Gene']);
  close(stacked, [...Float32Array.from([0.8, 0.1, 0.1, 0.05, 0.05, 0.9, 0.2, 0.2, 0.6, 0.3, 0.3, 0.4])], 0);
  const first: TeacherProbs = [
    [disease[0], disease[1], disease[2]],
    [gene[0], gene[1], gene[2]],
  ];
  close(aggregateBatch(stacked, 2).subarray(0, 5), [...Float32Array.from(aggregateToken(first))], 0);
  assert.throws(() => stackTeachers({ Disease: disease }, ['Disease', 'Gene']), /no teacher outputs for type Gene/);
  assert.throws(
    () => stackTeachers({ Disease: disease, Gene: gene, Drug: gene }, ['Disease', 'Gene']),
    /types no corpus has: Drug/,
  );
  assert.throws(
    () => stackTeachers({ Disease: disease, Gene: gene.subarray(0, 3) }, ['Disease', 'Gene']),
    /teacher Gene gives 3 probabilities, expected 2 tokens/,
  );
  assert.throws(() => stackTeachers({}, []), /at least one teacher/);
});
