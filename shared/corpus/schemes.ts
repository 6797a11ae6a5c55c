// Labelling schemes and their conversion to IOB2, the one scheme the rest of the workbench sees.
//   IOB2:  every entity starts with B-X, continues with I-X.
//   IOB1:  entities start with I-X; B-X only starts an entity that directly follows one of the same type.
//   BIOES: B-X … E-X for multi-token entities, S-X for one token (BILOU writes L for E and U for S).
import type { RepairPolicy, Scheme } from './types.ts';
import { makeLabel, parseLabel, type LabelParts, type Prefix } from './labels.ts';

export const SCHEME_PREFIXES: Record<Scheme, readonly Prefix[]> = {
  iob2: ['O', 'B', 'I'],
  iob1: ['O', 'B', 'I'],
  bioes: ['O', 'B', 'I', 'E', 'S', 'L', 'U'],
};

/** A change made to one sentence's labels: the token's index in the sentence and what was done. */
export interface LabelRepair {
  index: number;
  message: string;
}

const OUTSIDE: LabelParts = { prefix: 'O', type: '' };

function continues(prev: LabelParts, cur: LabelParts): boolean {
  return (prev.prefix === 'B' || prev.prefix === 'I') && prev.type === cur.type;
}

function parts(labels: readonly string[]): LabelParts[] {
  return labels.map((l) => {
    const p = parseLabel(l);
    if (!p) throw new Error(`not a label: '${l}'`);
    return p;
  });
}

/**
 * Guesses the scheme of a file from its labels: any E/S/L/U prefix means BIOES; otherwise IOB1 when more
 * entities start with I- than with B- (IOB1's signature), else IOB2 (whose stray I- are then repairs).
 */
export function detectScheme(sentences: Iterable<readonly string[]>): Scheme {
  let bStarts = 0;
  let iStarts = 0;
  for (const labels of sentences) {
    let prev = OUTSIDE;
    for (const cur of parts(labels)) {
      if ('ESLU'.includes(cur.prefix)) return 'bioes';
      if (cur.prefix === 'B') bStarts++;
      else if (cur.prefix === 'I' && !continues(prev, cur)) iStarts++;
      prev = cur;
    }
  }
  return iStarts > bStarts ? 'iob1' : 'iob2';
}

/**
 * Converts one sentence's labels (valid labels of `scheme`) to IOB2. Sequences the scheme forbids are
 * changed and reported under 'fix' and 'error' (the caller turns the reports into errors), left alone under 'keep'.
 */
export function toIob2(
  labels: readonly string[],
  scheme: Scheme,
  policy: RepairPolicy,
): { labels: string[]; repairs: LabelRepair[] } {
  const input = parts(labels);
  const out = labels.slice();
  const repairs: LabelRepair[] = [];
  const fix = policy !== 'keep';
  const before = (i: number) => (i === 0 ? 'at the start of a sentence' : `after ${labels[i - 1]}`);
  const stray = (i: number) =>
    `stray ${labels[i]} ${before(i)}: ` +
    (policy === 'error' ? `an entity starts with B- (or S-)` : `read as ${out[i]}`);

  if (scheme !== 'bioes') {
    input.forEach((cur, i) => {
      const prev = i === 0 ? OUTSIDE : input[i - 1];
      if (cur.prefix !== 'I' || continues(prev, cur)) return;
      // An I-X that starts an entity: IOB1's normal start, IOB2's stray.
      if (scheme === 'iob1') out[i] = makeLabel('B', cur.type);
      else if (fix) {
        out[i] = makeLabel('B', cur.type);
        repairs.push({ index: i, message: stray(i) });
      }
    });
    return { labels: out, repairs };
  }

  // BIOES: walk with the type of the entity left open by B-/I- (null when none is open).
  let open: string | null = null;
  const unclosed = (i: number) => {
    if (open !== null && fix) {
      const what =
        policy === 'error' ? 'an entity ends with E- (or is one S- token)' : 'the entity is read as ending here';
      repairs.push({ index: i, message: `${labels[i]} is not followed by I- or E- of its type: ${what}` });
    }
  };
  input.forEach((cur, i) => {
    const p = cur.prefix === 'L' ? 'E' : cur.prefix === 'U' ? 'S' : cur.prefix;
    const inside = open === cur.type && (p === 'I' || p === 'E');
    if (open !== null && !inside) unclosed(i - 1);
    if (p === 'O') {
      open = null;
    } else if (p === 'B' || p === 'S') {
      out[i] = makeLabel('B', cur.type);
      open = p === 'B' ? cur.type : null;
    } else if (inside) {
      out[i] = makeLabel('I', cur.type);
      open = p === 'I' ? cur.type : null;
    } else {
      // A stray I-X or E-X: under 'fix' it starts an entity, as conlleval reads it.
      out[i] = makeLabel(fix ? 'B' : 'I', cur.type);
      if (fix) repairs.push({ index: i, message: stray(i) });
      open = p === 'I' ? cur.type : null;
    }
  });
  if (open !== null) unclosed(labels.length - 1);
  return { labels: out, repairs };
}
