// `taughtnet eval`: entity-level precision, recall and F1 of a prediction file against a gold file.
import { prf, type PrfReport } from '../../shared/metrics/prf.ts';
import { ENTITY_MODES, type EntityMode } from '../../shared/metrics/entities.ts';
import { readAlignedFiles } from '../corpus/dataset.ts';
import { oneOf, output, parseCommandArgs, required, schemeOption, table, type Command } from './command.ts';

const USAGE = `usage: taughtnet eval --gold FILE --pred FILE [options]

Scores predicted entities against gold ones (as seqeval): micro-averaged and per type precision, recall,
F1, and support (the number of gold entities). Both files must hold the same tokens in the same sentences.

options:
  --mode lenient|strict        lenient (default, seqeval's default): a stray I-X after O starts an entity;
                               strict (seqeval strict IOB2): an entity is B-X then I-X, a stray I-X is none
  --scheme iob2|iob1|bioes     label scheme of both files (default iob2); others are converted to IOB2
  --json                       print JSON: {"mode", "micro": {"precision", "recall", "f1", "support"},
                               "per_type": {TYPE: {...}}}, values as fractions
`;

const pct = (x: number) => (100 * x).toFixed(2);

function render(report: PrfReport): string {
  const row = (name: string, s: PrfReport['micro']) => [name, pct(s.precision), pct(s.recall), pct(s.f1), s.support];
  return (
    `mode: ${report.mode}\n` +
    table([
      ['type', 'precision %', 'recall %', 'f1 %', 'support'],
      ...Object.entries(report.per_type).map(([type, s]) => row(type, s)),
      row('micro avg', report.micro),
    ])
  );
}

export const evaluate: Command = {
  summary: 'scores predictions against gold labels (entity-level P/R/F1)',
  usage: USAGE,
  async run(args) {
    const { values } = parseCommandArgs(args, {
      gold: { type: 'string' },
      pred: { type: 'string' },
      mode: { type: 'string' },
      scheme: { type: 'string' },
    });
    const gold = required('gold', values.gold);
    const pred = required('pred', values.pred);
    const mode = oneOf<EntityMode>('mode', values.mode, ENTITY_MODES, 'lenient');
    const [goldSentences, predSentences] = await readAlignedFiles(gold, pred, {
      scheme: schemeOption(values.scheme, 'iob2'),
    });
    const report = prf(
      goldSentences.map((s) => s.labels),
      predSentences.map((s) => s.labels),
      mode,
    );
    output(values.json, report, render);
  },
};
