// A label is 'O' or PREFIX-TYPE (B-Disease), or a bare prefix (B) in single-entity corpora that leave the type out.

export type Prefix = 'O' | 'B' | 'I' | 'E' | 'S' | 'L' | 'U';

/** The type of an untyped label (B, I), as seqeval names it. */
export const UNTYPED = '_';

export interface LabelParts {
  prefix: Prefix;
  /** UNTYPED for 'O' and for bare prefixes. */
  type: string;
}

const LABEL = /^([BIESLU])(?:-(.+))?$/;

/** Splits a label into prefix and type, or returns null when it is no label. The type is everything after the first '-'. */
export function parseLabel(label: string): LabelParts | null {
  if (label === 'O') return { prefix: 'O', type: UNTYPED };
  const m = LABEL.exec(label);
  return m ? { prefix: m[1] as Prefix, type: m[2] ?? UNTYPED } : null;
}

/** Builds a label from a prefix and a type, leaving the type out when it is UNTYPED. */
export function makeLabel(prefix: Prefix, type: string): string {
  return prefix === 'O' ? 'O' : type === UNTYPED ? prefix : `${prefix}-${type}`;
}
