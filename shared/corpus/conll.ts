// CoNLL-style text: one token per line, the label in the last column, a blank line between sentences.
// Columns are tab-separated, or space-separated in lines without a tab; columns between the token and the
// label (POS tags, chunk tags…) are read past. -DOCSTART- lines end a sentence and are skipped.
import type { CorpusIssue, ParseOptions, ParseResult, Scheme, Sentence } from './types.ts';
import { parseLabel } from './labels.ts';
import { SCHEME_PREFIXES, detectScheme, toIob2 } from './schemes.ts';

interface RawSentence extends Sentence {
  bad: boolean;
}

/** FILE:LINE: message, or FILE: message for an issue about the whole file (line 0). */
/** Extensions a corpus file may have (or none). */
export const CORPUS_EXTENSIONS = ['.tsv', '.txt', '.conll', '.iob', '.bio'];

/** A dataset's default name: a folder's name, or a file's without its corpus extension. */
export function datasetNameOf(path: string): string {
  const last = path.split(/[\\/]/).filter(Boolean).pop() ?? '';
  const ext = CORPUS_EXTENSIONS.find((e) => last.toLowerCase().endsWith(e));
  return ext ? last.slice(0, -ext.length) : last;
}

export function formatIssue(issue: CorpusIssue): string {
  return issue.line > 0 ? `${issue.file}:${issue.line}: ${issue.message}` : `${issue.file}: ${issue.message}`;
}

/** How much of a bad token or label an error shows: a line of binary garbage must not flood the terminal. */
const SHOWN_CHARACTERS = 40;

/** Text from the file as an error quotes it: cut to SHOWN_CHARACTERS, control characters escaped. */
function quoted(text: string): string {
  const escape = (s: string) =>
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
    s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const chars = [...text];
  if (chars.length <= SHOWN_CHARACTERS) return `'${escape(text)}'`;
  return `'${escape(chars.slice(0, SHOWN_CHARACTERS).join(''))}…' (${chars.length} characters)`;
}

/** Collects issues up to a cap while counting them all. */
function issueList(file: string, cap: number) {
  const list: CorpusIssue[] = [];
  let count = 0;
  return {
    list,
    get count() {
      return count;
    },
    add(line: number, message: string) {
      count++;
      if (list.length < cap) list.push({ file, line, message });
    },
  };
}

/** Splits a trimmed line into its columns: on tabs when it has any, else on runs of spaces. */
export function columns(line: string): string[] {
  const tab = line.indexOf('\t');
  if (tab < 0) return line.split(' ').filter((c) => c !== '');
  // The common case, TOKEN<TAB>LABEL, without the allocations of split/map/filter (BC2GM has 368k lines).
  if (line.indexOf('\t', tab + 1) < 0) {
    const token = line.slice(0, tab).trim();
    const label = line.slice(tab + 1).trim();
    if (token !== '' && label !== '') return [token, label];
  }
  return line
    .split('\t')
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

/**
 * Reads CoNLL text into sentences with IOB2 labels. Tolerates CRLF, a UTF-8 BOM and trailing spaces.
 * Every problem is collected (up to maxIssues) with its line; see RepairPolicy for what counts as a repair.
 */
export function parseConll(text: string, options: ParseOptions): ParseResult {
  const { file, repair = 'fix', maxIssues = 100 } = options;
  const errors = issueList(file, maxIssues);
  const repairs = issueList(file, maxIssues);

  const raw: RawSentence[] = [];
  let current: RawSentence | null = null;
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trimEnd();
    if (line === '' || line.startsWith('-DOCSTART-')) {
      current = null;
      continue;
    }
    const cols = columns(line);
    if (!current) raw.push((current = { tokens: [], labels: [], line: i + 1, bad: false }));
    if (line.includes('\0')) {
      // A NUL is never text: a binary file, or one saved as UTF-16.
      errors.add(i + 1, 'a NUL byte (\\0) in the line: this is not a text file in UTF-8 (binary, or saved as UTF-16?)');
      current.bad = true;
    } else if (cols.length < 2) {
      errors.add(
        i + 1,
        `missing label column: expected TOKEN and LABEL separated by a tab, found only ${quoted(cols[0])}`,
      );
      current.bad = true;
    } else if (!parseLabel(cols[cols.length - 1])) {
      errors.add(
        i + 1,
        `bad label ${quoted(cols[cols.length - 1])}: expected O, or B-/I- (E-/S- in BIOES) followed by an entity type`,
      );
      current.bad = true;
    }
    current.tokens.push(cols[0]);
    current.labels.push(cols[cols.length - 1]);
  }

  const good = raw.filter((s) => !s.bad);
  const scheme: Scheme =
    !options.scheme || options.scheme === 'auto' ? detectScheme(good.map((s) => s.labels)) : options.scheme;
  const allowed = SCHEME_PREFIXES[scheme];
  for (const s of good) {
    s.labels.forEach((label, i) => {
      const prefix = parseLabel(label)!.prefix;
      if (!allowed.includes(prefix)) {
        errors.add(
          s.line + i,
          `label '${label}' is not ${scheme.toUpperCase()} (${prefix}- belongs to BIOES; choose the bioes scheme)`,
        );
        s.bad = true;
      }
    });
  }

  const sentences: Sentence[] = [];
  for (const s of good) {
    if (s.bad) continue;
    const converted = toIob2(s.labels, scheme, repair);
    for (const r of converted.repairs) (repair === 'error' ? errors : repairs).add(s.line + r.index, r.message);
    if (repair === 'error' && converted.repairs.length > 0) continue;
    sentences.push({ tokens: s.tokens, labels: converted.labels, line: s.line });
  }
  if (raw.length === 0) errors.add(1, 'empty file: no sentences (expected one TOKEN<TAB>LABEL line per token)');

  return {
    sentences,
    scheme,
    errors: errors.list.sort((a, b) => a.line - b.line),
    errorCount: errors.count,
    repairs: repairs.list,
    repairCount: repairs.count,
  };
}

/** Writes sentences as TOKEN<TAB>LABEL lines with a blank line after each sentence. */
export function formatConll(sentences: readonly Pick<Sentence, 'tokens' | 'labels'>[]): string {
  return sentences.map((s) => s.tokens.map((t, i) => `${t}\t${s.labels[i]}\n`).join('') + '\n').join('');
}
