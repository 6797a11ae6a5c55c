// A labelling seen through the entity types a comparison is about.
//
// A single-entity corpus annotates one type; a teacher predicts one type; the student predicts them all. To
// compare any two of them fairly, each is first restricted to the types both speak about: a label of any other
// type becomes O. This is the paper's rule for kappa between a teacher and a student (§IV-E.3, footnote 5) and
// the authors' per-corpus evaluation of the student (train_student.py maps other types' label ids to O).
import { makeLabel, parseLabel, UNTYPED } from '../corpus/labels.ts';

/** The entity types a labelling (gold, teacher or student) covers, e.g. ['Disease'] or ['Disease', 'Chemical']. */
export type Coverage = readonly string[];

/**
 * The labels with bare B/I (a single-entity corpus or teacher that leaves the type out) given `type`; typed
 * labels are checked to be of `type`.
 */
export function typeLabels(labels: readonly string[], type: string, what = 'labels'): string[] {
  return labels.map((label, i) => {
    const p = parseLabel(label);
    if (!p) throw new Error(`${what}, token ${i + 1}: '${label}' is not a label`);
    if (p.prefix === 'O') return 'O';
    if (p.type !== UNTYPED && p.type !== type)
      throw new Error(`${what}, token ${i + 1}: '${label}' is not of type ${type}`);
    return makeLabel(p.prefix, type);
  });
}

/** The labels with every label of a type outside `types` replaced by O. */
export function keepTypes(labels: readonly string[], types: Coverage, what = 'labels'): string[] {
  const keep = new Set(types);
  return labels.map((label, i) => {
    const p = parseLabel(label);
    if (!p) throw new Error(`${what}, token ${i + 1}: '${label}' is not a label`);
    return p.prefix === 'O' || keep.has(p.type) ? label : 'O';
  });
}
