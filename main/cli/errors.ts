// `taughtnet errors`: the paper's error categories (Table VI) of a prediction file against a single-type gold file.
import type { CorpusIssue, Sentence } from '../../shared/corpus/types.ts';
import { parseLabel, UNTYPED } from '../../shared/corpus/labels.ts';
import { analyseErrors, ERROR_CATEGORY_INFO } from '../../shared/method/errors.ts';
import { ERROR_CATEGORIES, type ErrorCategory } from '../../shared/store-types.ts';
import { CorpusError, readAlignedFiles } from '../corpus/dataset.ts';
import { output, parseCommandArgs, required, schemeOption, table, type Command } from './command.ts';

const USAGE = `usage: taughtnet errors --gold FILE --pred FILE --type T [options]

Counts errors as the TaughtNet paper does (Table VI), entities chunked as seqeval's default (lenient) mode.
The gold file annotates one type T (labels B-T/I-T, or bare B/I); the predictions may hold any types.
Each annotated mention is one of
  CORRECT  found with its exact span and type T
  CFN      no prediction overlaps it
  WLRS     predictions cover exactly its span, one of them of another type
  RLOS     predictions of type T overlap it on another span (or split it in pieces)
  WLOS     only predictions of other types overlap it, on another span
so these five add up to the gold mentions; each predicted entity that overlaps none is
  CFP      of type T
  NEW      of another type (a type the corpus does not annotate)
Both files must hold the same tokens in the same sentences.

options:
  --scheme iob2|iob1|bioes     label scheme of both files (default iob2); others are converted to IOB2
  --json                       print JSON: {"type", "goldMentions", "counts": {CATEGORY: count}}
`;

interface Report {
  type: string;
  goldMentions: number;
  counts: Record<ErrorCategory, number>;
}

const render = (r: Report) =>
  `type: ${r.type}, ${r.goldMentions} gold mentions\n` +
  table([
    ['category', 'count', 'meaning'],
    ...ERROR_CATEGORIES.map((c) => [c, r.counts[c], ERROR_CATEGORY_INFO[c].name]),
  ]);

const MAX_ISSUES = 20;

/** Every label of `sentences` that `problem` finds fault with, as FILE:LINE issues; throws them as a CorpusError. */
function checkLabels(file: string, sentences: readonly Sentence[], problem: (label: string) => string | null): void {
  const issues: CorpusIssue[] = [];
  let count = 0;
  for (const s of sentences) {
    s.labels.forEach((label, i) => {
      const message = problem(label);
      if (message && ++count <= MAX_ISSUES) issues.push({ file, line: s.line + i, message });
    });
  }
  if (count > 0) throw new CorpusError(issues, count);
}

export const errors: Command = {
  summary: "counts the paper's error categories (CORRECT, NEW, CFP, CFN, WLRS, WLOS, RLOS)",
  usage: USAGE,
  async run(args) {
    const { values } = parseCommandArgs(args, {
      gold: { type: 'string' },
      pred: { type: 'string' },
      type: { type: 'string' },
      scheme: { type: 'string' },
    });
    const goldFile = required('gold', values.gold);
    const predFile = required('pred', values.pred);
    const type = required('type', values.type);
    const [gold, pred] = await readAlignedFiles(goldFile, predFile, { scheme: schemeOption(values.scheme, 'iob2') });
    checkLabels(goldFile, gold, (label) => {
      const t = parseLabel(label)!.type;
      return t === UNTYPED || t === type
        ? null
        : `'${label}' is not of type ${type}: the gold file must annotate ${type} only (B-${type}/I-${type} or B/I)`;
    });
    checkLabels(predFile, pred, (label) =>
      label !== 'O' && parseLabel(label)!.type === UNTYPED
        ? `'${label}' has no type: predicted labels must name theirs (B-${type}, B-Chemical, …)`
        : null,
    );
    const { goldMentions, counts } = analyseErrors(
      gold,
      type,
      pred.map((s) => s.labels),
      { examplesPerCategory: 0 },
    );
    output(values.json, { type, goldMentions, counts }, render);
  },
};
