// TaughtNet's aggregation of teacher distributions (paper §III.B.3, eqs 9–11).
//
// Teacher i is specialised in entity type e_i and gives, for a token, [p_B, p_I, p_O]. Assuming the teachers
// independent, the probability of each label of Y_multi = [B-e1, I-e1, …, B-en, I-en, O] is
//   A(B-e_i) = p_B^i · Π_{k≠i} (p_I^k + p_O^k)      (eq. 9:  teacher i says B, no other teacher says B)
//   A(I-e_i) = p_I^i · Π_{k≠i} (p_B^k + p_O^k)      (eq. 10: teacher i says I, no other teacher says I)
//   A(O)     = Π_k p_O^k                             (eq. 11: every teacher says O)
// (The paper writes the teacher index of the products as j, which is also its token index; k here.)
//
// These 2n+1 events are not a partition, so the products do not sum to 1: one teacher saying B while another
// says I is counted under both B-e_i and I-e_k, two teachers both saying B under neither (for two teachers the
// sum is 1 + (p_B¹ − p_I¹)(p_I² − p_B²), below or above 1). The student's cross-entropy (eq. 14) needs a
// distribution, so they are normalised:
//   'sum'     divide by their sum, keeping their ratios. The paper's A read as a distribution.
//   'softmax' softmax over the products, as the authors' code does (generate_teachers_distributions.py). The
//             products lie in [0, 1], so exp() squeezes them into [1, e]: the running example's 0.68 becomes a
//             target of about 0.24 and every other label gets 0.12–0.13. Targets that flat teach the student
//             little beyond the argmax; kept only to reproduce the reference code.
//
// Teacher i is the teacher of the i-th corpus in the order the user gave the corpora (the order mergeCorpora
// gives Y_multi), never a directory listing. The authors' code took teachers in os.listdir() order while its
// label list was fixed, so which teacher fed which label columns depended on the file system.
import { parseLabel } from '../corpus/labels.ts';

export type Normalise = 'sum' | 'softmax';
export const NORMALISE_OPTIONS: readonly Normalise[] = ['sum', 'softmax'];

/** One token: teacher i's [p_B, p_I, p_O], teachers in corpus order. */
export type TeacherProbs = readonly (readonly [number, number, number])[];

/**
 * The aggregated distribution over Y_multi = [B-e1, I-e1, …, B-en, I-en, O] for one token.
 * normalise: 'sum' (the paper, the default), 'softmax' (the reference code), or 'none' for the raw products of
 * eqs 9–11 (what the paper's running example prints).
 */
export function aggregateToken(teachers: TeacherProbs, normalise: Normalise | 'none' = 'sum'): number[] {
  const n = teachers.length;
  if (n === 0) throw new Error('need at least one teacher');
  const flat = new Float64Array(n * 3);
  teachers.forEach((p, i) => {
    if (p.length !== 3) throw new Error(`teacher ${i + 1} gives ${p.length} probabilities, expected 3 (B, I, O)`);
    flat.set(p, i * 3);
  });
  const out = new Float64Array(2 * n + 1);
  aggregateInto(flat, 0, n, out, scratch(n), normalise);
  return [...out];
}

/**
 * The batched form: `probs` holds [tokens × teachers × 3] (each teacher's B, I, O, teachers in corpus order);
 * the result holds [tokens × (2·teachers + 1)] in Y_multi order. Computed in float64, stored as float32.
 */
export function aggregateBatch(probs: Float32Array, teachers: number, normalise: Normalise = 'sum'): Float32Array {
  if (!Number.isInteger(teachers) || teachers < 1) throw new Error(`need at least one teacher, got ${teachers}`);
  const width = teachers * 3;
  if (probs.length % width !== 0) {
    throw new Error(`${probs.length} probabilities do not divide into tokens of ${teachers} teachers × 3 labels`);
  }
  const tokens = probs.length / width;
  const labels = 2 * teachers + 1;
  const out = new Float32Array(tokens * labels);
  const row = new Float64Array(labels);
  const work = scratch(teachers);
  for (let t = 0; t < tokens; t++) {
    aggregateInto(probs, t * width, teachers, row, work, normalise);
    out.set(row, t * labels);
  }
  return out;
}

/**
 * Interleaves per-teacher outputs into aggregateBatch's [tokens × teachers × 3] layout, teachers in the order of
 * `types` (the corpus order). `byType[type]` holds that type's teacher's [tokens × 3] B, I, O probabilities. Keyed
 * by type, so which teacher feeds which labels is stated, not implied by an order.
 */
export function stackTeachers(byType: Readonly<Record<string, Float32Array>>, types: readonly string[]): Float32Array {
  if (types.length === 0) throw new Error('no entity types: need at least one teacher');
  if (new Set(types).size !== types.length) throw new Error(`entity types repeat: ${types.join(', ')}`);
  const extra = Object.keys(byType).filter((t) => !types.includes(t));
  if (extra.length > 0) throw new Error(`teacher outputs for types no corpus has: ${extra.join(', ')}`);
  const columns = types.map((type) => {
    const probs = byType[type];
    if (!probs) throw new Error(`no teacher outputs for type ${type}`);
    return probs;
  });
  const tokens = Math.floor(columns[0].length / 3);
  columns.forEach((probs, i) => {
    if (probs.length !== tokens * 3 || probs.length % 3 !== 0)
      throw new Error(
        `teacher ${types[i]} gives ${probs.length} probabilities, expected ${tokens} tokens × 3 (as teacher ${types[0]})`,
      );
  });
  const n = types.length;
  const out = new Float32Array(tokens * n * 3);
  for (let t = 0; t < tokens; t++) {
    for (let i = 0; i < n; i++) out.set(columns[i].subarray(3 * t, 3 * t + 3), 3 * (t * n + i));
  }
  return out;
}

/** Prefix and suffix products over the teachers; slot 2k is the "not B" factor, 2k+1 the "not I" factor. */
interface Scratch {
  prefix: Float64Array;
  suffix: Float64Array;
}
const scratch = (n: number): Scratch => ({ prefix: new Float64Array(2 * n + 2), suffix: new Float64Array(2 * n + 2) });

const shown = (p: ArrayLike<number>, at: number, n: number) =>
  Array.from({ length: 3 * n }, (_, j) => p[at + j]).join(', ');

/** Aggregates the token whose n teachers' B, I, O start at p[at] into out[0 .. 2n]. */
function aggregateInto(
  p: ArrayLike<number>,
  at: number,
  n: number,
  out: Float64Array,
  { prefix, suffix }: Scratch,
  normalise: Normalise | 'none',
): void {
  // Π_{k≠i} as prefix·suffix products, so no division (a teacher may give exactly 0).
  prefix[0] = prefix[1] = 1;
  for (let k = 0; k < n; k++) {
    const b = p[at + 3 * k];
    const i = p[at + 3 * k + 1];
    const o = p[at + 3 * k + 2];
    prefix[2 * k + 2] = prefix[2 * k] * (i + o);
    prefix[2 * k + 3] = prefix[2 * k + 1] * (b + o);
  }
  suffix[2 * n] = suffix[2 * n + 1] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const b = p[at + 3 * k];
    const i = p[at + 3 * k + 1];
    const o = p[at + 3 * k + 2];
    suffix[2 * k] = suffix[2 * k + 2] * (i + o);
    suffix[2 * k + 1] = suffix[2 * k + 3] * (b + o);
  }
  let allO = 1;
  for (let k = 0; k < n; k++) {
    out[2 * k] = p[at + 3 * k] * prefix[2 * k] * suffix[2 * k + 2];
    out[2 * k + 1] = p[at + 3 * k + 1] * prefix[2 * k + 1] * suffix[2 * k + 3];
    allO *= p[at + 3 * k + 2];
  }
  out[2 * n] = allO;
  const size = 2 * n + 1;
  if (normalise === 'sum') {
    let total = 0;
    for (let j = 0; j < size; j++) total += out[j];
    if (Number.isNaN(total)) throw new Error(`teacher probabilities hold NaN: [${shown(p, at, n)}]`);
    if (total === 0) {
      // Every product is 0 only when teachers contradict each other with certainty (two say B with p = 1,
      // a float32 softmax can saturate). No label is preferred: share the mass among the labels some teacher claims.
      for (let k = 0; k < n; k++) {
        out[2 * k] = p[at + 3 * k] > 0 ? 1 : 0;
        out[2 * k + 1] = p[at + 3 * k + 1] > 0 ? 1 : 0;
        total += out[2 * k] + out[2 * k + 1];
      }
      if (total === 0) throw new Error(`a teacher gives no probability to B, I or O: [${shown(p, at, n)}]`);
    }
    for (let j = 0; j < size; j++) out[j] /= total;
  } else if (normalise === 'softmax') {
    let total = 0;
    for (let j = 0; j < size; j++) total += out[j] = Math.exp(out[j]);
    for (let j = 0; j < size; j++) out[j] /= total;
  }
}

/**
 * Where a single-type teacher keeps B, I and O among its own labels (e.g. ['O', 'B-Disease', 'I-Disease'] gives
 * [1, 2, 0]), so its softmax outputs can be reordered into the [p_B, p_I, p_O] that aggregation takes.
 */
export function bioColumns(teacherLabels: readonly string[], teacher = 'teacher'): [number, number, number] {
  const at = { B: -1, I: -1, O: -1 };
  const types = new Set<string>();
  teacherLabels.forEach((label, index) => {
    const parts = parseLabel(label);
    if (!parts || !(parts.prefix in at)) throw new Error(`${teacher}: label '${label}' is not B, I or O (IOB2)`);
    const prefix = parts.prefix as keyof typeof at;
    if (at[prefix] >= 0)
      throw new Error(
        `${teacher}: two labels are ${prefix} ('${teacherLabels[at[prefix]]}', '${label}'); a teacher knows one entity type`,
      );
    at[prefix] = index;
    if (prefix !== 'O') types.add(parts.type);
  });
  if (teacherLabels.length !== 3 || at.B < 0 || at.I < 0 || at.O < 0 || types.size !== 1) {
    throw new Error(`${teacher}: labels [${teacherLabels.join(', ')}] are not one entity type's B, I and O`);
  }
  return [at.B, at.I, at.O];
}
