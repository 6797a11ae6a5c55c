// `taughtnet dataset …`: looking at corpora before training on them.
import { formatIssue } from '../../shared/corpus/conll.ts';
import { corpusStats } from '../../shared/corpus/stats.ts';
import type { CorpusStats, RepairPolicy, Scheme } from '../../shared/corpus/types.ts';
import { loadDataset, type LoadOptions } from '../corpus/dataset.ts';
import { UsageError, oneOf, output, parseCommandArgs, schemeOption, table, type Command, type CommandGroup } from './command.ts';

const INSPECT_USAGE = `usage: taughtnet dataset inspect PATH [options]

Reads a dataset and prints, per split, sentences, tokens, entity mentions per type and sentence lengths.
PATH is a folder with train / dev (or devel) / test files (.tsv .txt .conll .iob .bio or no extension),
or one CoNLL file (reported under its own name, or cut into train/dev/test with --split).

options:
  --scheme auto|iob2|iob1|bioes   label scheme (default auto: detected per file; bilou reads as bioes)
  --repair fix|error              a stray I-X after O or another type: read it as B-X and warn (fix, the
                                  default), or refuse the file (error)
  --split TRAIN/DEV/TEST          cut a single file by these ratios with a seeded shuffle, e.g. 80/10/10
  --seed N                        seed of that shuffle (default 42)
  --json                          print JSON: {"name", "splits": {SPLIT: {"sentences", "tokens", "mentions",
                                  "types", "lengths", "file", "scheme"}}, "warnings": [...], "warningCount"}
`;

export interface InspectReport {
  name: string;
  splits: Record<string, CorpusStats & { file: string; scheme: Scheme }>;
  warnings: string[];
  warningCount: number;
}

function parseSplit(value: string | undefined, seed: string | undefined): LoadOptions['split'] {
  if (value === undefined) {
    if (seed !== undefined) throw new UsageError('--seed needs --split');
    return undefined;
  }
  const ratios = value.split('/').map(Number);
  if (ratios.length !== 3 || !ratios.every((r) => Number.isFinite(r) && r >= 0) || ratios[0] + ratios[1] + ratios[2] <= 0) {
    throw new UsageError(`--split must be three non-negative numbers like 80/10/10; got '${value}'`);
  }
  if (seed !== undefined && !/^\d+$/.test(seed)) throw new UsageError(`--seed must be a whole number; got '${seed}'`);
  return { ratios: ratios as [number, number, number], seed: seed === undefined ? undefined : Number(seed) };
}

function renderInspect(report: InspectReport): string {
  const splits = Object.entries(report.splits);
  const types = [...new Set(splits.flatMap(([, s]) => Object.keys(s.types)))];
  const counts = table([
    ['split', 'file', 'scheme', 'sentences', 'tokens', 'mentions', ...types],
    ...splits.map(([name, s]) => [name, s.file, s.scheme, s.sentences, s.tokens, s.mentions, ...types.map((t) => s.types[t] ?? 0)]),
  ]);
  const lengths = table([
    ['length (tokens)', 'min', 'median', 'p95', 'max', 'mean'],
    ...splits.map(([name, s]) => [name, s.lengths.min, s.lengths.median, s.lengths.p95, s.lengths.max, s.lengths.mean.toFixed(1)]),
  ]);
  const histograms = splits.map(([name, s]) => {
    const most = Math.max(1, ...s.lengths.histogram.map((b) => b.count));
    const rows = s.lengths.histogram.map((b) => [`${b.from}-${b.to}`, b.count, '#'.repeat(Math.ceil((40 * b.count) / most))]);
    return `${name} sentence lengths\n` + (rows.length ? table(rows) : '(no sentences)\n');
  });
  return [`${report.name}\n\n${counts}`, lengths, ...histograms].join('\n');
}

const inspect: Command = {
  summary: 'counts sentences, tokens, mentions and sentence lengths of a dataset',
  usage: INSPECT_USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      { scheme: { type: 'string' }, repair: { type: 'string' }, split: { type: 'string' }, seed: { type: 'string' } },
      1,
    );
    const path = positionals[0];
    if (!path) throw new UsageError('PATH is required');
    const scheme = schemeOption(values.scheme, 'auto');
    const repair = oneOf<RepairPolicy>('repair', values.repair, ['fix', 'error'], 'fix');
    const dataset = await loadDataset(path, { scheme, repair, split: parseSplit(values.split, values.seed) });
    const report: InspectReport = {
      name: dataset.name,
      splits: Object.fromEntries(
        Object.entries(dataset.splits).map(([name, s]) => [name, { ...corpusStats(s.sentences), file: s.file, scheme: s.scheme }]),
      ),
      warnings: dataset.repairs.map(formatIssue),
      warningCount: dataset.repairCount,
    };
    if (!values.json) {
      for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
      const more = report.warningCount - report.warnings.length;
      if (more > 0) process.stderr.write(`warning: … and ${more} more repairs\n`);
    }
    output(values.json, report, renderInspect);
  },
};

export const dataset: CommandGroup = {
  summary: 'look at corpora: dataset inspect PATH',
  subcommands: { inspect },
};
