// The data of the paper's kappa heatmaps (Fig. 2): token-level Cohen's kappa between every pair of labellings
// of the same tokens (ground truth, teachers, students).
//
// Each labelling says which entity types it covers. A pair is compared on the types both cover, every other
// type's labels mapped to O: the paper's footnote 5 (a teacher of type T against a student: the student's
// other types become O), and likewise the single-type ground truth against a student. Two labellings with no
// type in common (teachers of different types) have nothing to agree on: their kappa is null.
import { cohenKappa } from '../metrics/kappa.ts';
import { parseLabel, UNTYPED } from '../corpus/labels.ts';
import { keepTypes, typeLabels, type Coverage } from './type-view.ts';

export interface Labelling {
  /** Row and column name, e.g. 'ground truth', 'teacher', 'Large'. */
  name: string;
  /** The entity types it covers; a single-type labelling may use bare B/I labels. */
  covers: Coverage;
  /** One label per token, all sentences of the split in order (sentences flattened). */
  labels: readonly string[];
}

export interface AgreementMatrix {
  names: string[];
  /** matrix[i][j]: kappa between labellings i and j; null when they cover no type in common. Symmetric. */
  matrix: (number | null)[][];
  /** comparedOn[i][j]: the types the pair was compared on. */
  comparedOn: string[][][];
}

/** Checks a labelling's labels against its coverage and gives bare B/I their type when it covers one type. */
function typed({ name, covers, labels }: Labelling): string[] {
  if (covers.length === 0) throw new Error(`${name}: covers no entity type`);
  if (covers.length === 1) return typeLabels(labels, covers[0], name);
  labels.forEach((label, i) => {
    const p = parseLabel(label);
    if (!p) throw new Error(`${name}, token ${i + 1}: '${label}' is not a label`);
    if (p.prefix !== 'O' && (p.type === UNTYPED || !covers.includes(p.type))) {
      throw new Error(`${name}, token ${i + 1}: '${label}' is not of a type it covers (${covers.join(', ')})`);
    }
  });
  return [...labels];
}

export function agreementMatrix(labellings: readonly Labelling[]): AgreementMatrix {
  const names = labellings.map((l) => l.name);
  if (new Set(names).size !== names.length) throw new Error(`labelling names must differ: ${names.join(', ')}`);
  const labels = labellings.map(typed);
  const n = labellings.length;
  const matrix: (number | null)[][] = Array.from({ length: n }, () => new Array<number | null>(n).fill(null));
  const comparedOn: string[][][] = Array.from({ length: n }, () => Array.from({ length: n }, () => []));
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const common = labellings[i].covers.filter((t) => labellings[j].covers.includes(t));
      comparedOn[i][j] = comparedOn[j][i] = common;
      if (common.length === 0) continue;
      if (labels[i].length !== labels[j].length) {
        throw new Error(`${names[i]} labels ${labels[i].length} tokens, ${names[j]} ${labels[j].length}`);
      }
      const a = keepTypes(labels[i], common, names[i]);
      const b = keepTypes(labels[j], common, names[j]);
      matrix[i][j] = matrix[j][i] = cohenKappa(a, b).kappa;
    }
  }
  return { names, matrix, comparedOn };
}
