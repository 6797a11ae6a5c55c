// The data a corpus becomes once read: sentences of tokens with IOB2 labels, plus what went wrong while reading.
// Everything here is plain data so it crosses the Electron IPC boundary and JSON unchanged.

/** Labelling schemes we read. Everything is converted to IOB2 on the way in; BILOU is read as BIOES (L = E, U = S). */
export type Scheme = 'iob2' | 'iob1' | 'bioes';
export const SCHEMES: readonly Scheme[] = ['iob2', 'iob1', 'bioes'];

/**
 * What to do with a label sequence the scheme forbids (a stray I-X after O or after another type,
 * a BIOES entity that never reaches its E-X):
 * - 'fix'   read it the way conlleval and seqeval's default mode read it (a stray I-X starts an entity, as B-X),
 *           and report every such change as a repair. The default: public corpora carry a few of these, and a
 *           user expects such a corpus to load, with the changes listed where they can see them.
 * - 'error' report each one as an error, so the file does not load.
 * - 'keep'  leave the labels as written, reporting nothing. For predictions under evaluation, where the
 *           metric's mode (lenient or strict) decides what a stray I-X means.
 */
export type RepairPolicy = 'fix' | 'error' | 'keep';

/** One sentence. Its tokens sit on consecutive lines, so token i was read from line `line + i` (1-based). */
export interface Sentence {
  tokens: string[];
  labels: string[];
  line: number;
}

/** A problem or a repair, located at a line of a file (1-based; 0 when it concerns the whole file or folder). */
export interface CorpusIssue {
  file: string;
  line: number;
  message: string;
}

export interface ParseOptions {
  /** Shown in every issue; a path or just a name. */
  file: string;
  /** 'auto' (the default) detects the scheme from the labels; see detectScheme. */
  scheme?: Scheme | 'auto';
  repair?: RepairPolicy;
  /** At most this many errors and this many repairs are kept (the counts stay exact). Default 100. */
  maxIssues?: number;
}

export interface ParseResult {
  /** Sentences with IOB2 labels. Sentences holding an error are left out, so check `errors` first. */
  sentences: Sentence[];
  /** The scheme the file was read in (detected or given). */
  scheme: Scheme;
  errors: CorpusIssue[];
  errorCount: number;
  repairs: CorpusIssue[];
  repairCount: number;
}

/** Sentence-length distribution, in tokens. The median of an even count is the mean of the middle two; p95 is nearest-rank. */
export interface LengthStats {
  min: number;
  median: number;
  p95: number;
  max: number;
  mean: number;
  /** Equal-width bins [from, to] (inclusive) covering 1..max; the width is 1, 2 or 5 times a power of ten, at most 20 bins. */
  histogram: { from: number; to: number; count: number }[];
}

export interface CorpusStats {
  sentences: number;
  tokens: number;
  /** Entity mentions (IOB2 entities: a B-X and the I-X tokens after it). */
  mentions: number;
  /** Mentions per entity type, types in first-seen order. */
  types: Record<string, number>;
  lengths: LengthStats;
}

/** A single-entity corpus as given to mergeCorpora: `type` is the entity type its labels stand for. */
export interface TypedCorpus {
  /** Shown in provenance and errors, e.g. 'NCBI-disease'. */
  name: string;
  type: string;
  sentences: Sentence[];
}

/** The TaughtNet aggregated corpus D_S (paper eq. 4). */
export interface MergedCorpus {
  /** X'_S = X_1 + X_2 + … in the order the corpora were given, labels typed. */
  sentences: Sentence[];
  /** provenance[i] is the index (in the given corpora) of the corpus sentence i came from. */
  provenance: number[];
  /** Each corpus's range of sentences: sentences[start, end). */
  sources: { name: string; type: string; start: number; end: number }[];
  /** Y_multi = [B-e1, I-e1, …, B-en, I-en, O] in corpus order (paper eq. 2), a type listed once. */
  labels: string[];
}
