// `taughtnet dataset …`: looking at corpora before training on them, registering them in the store, listing them.
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { datasetNameOf, formatIssue } from '../../shared/corpus/conll.ts';
import { corpusStats } from '../../shared/corpus/stats.ts';
import { DEFAULT_SPLIT } from '../../shared/corpus/split.ts';
import type { CorpusStats, RepairPolicy, Scheme } from '../../shared/corpus/types.ts';
import { datasetRegistrationRequest, type DatasetEntry } from '../../shared/corpus/datasets.ts';
import type { Dataset as StoredDataset } from '../../shared/store-types.ts';
import { loadDataset, type LoadOptions } from '../corpus/dataset.ts';
import { listAllDatasets, registerDataset } from '../services/datasets.ts';
import { getDataset } from '../store/datasets.ts';
import {
  UsageError,
  oneOf,
  output,
  parseCommandArgs,
  schemeOption,
  table,
  type Command,
  type CommandGroup,
} from './command.ts';
import { DATA_DIR_HELP, DATA_DIR_OPTION, serviceContext, withStore } from './store.ts';

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
  if (
    ratios.length !== 3 ||
    !ratios.every((r) => Number.isFinite(r) && r >= 0) ||
    ratios[0] + ratios[1] + ratios[2] <= 0
  ) {
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
    ...splits.map(([name, s]) => [
      name,
      s.file,
      s.scheme,
      s.sentences,
      s.tokens,
      s.mentions,
      ...types.map((t) => s.types[t] ?? 0),
    ]),
  ]);
  const lengths = table([
    ['length (tokens)', 'min', 'median', 'p95', 'max', 'mean'],
    ...splits.map(([name, s]) => [
      name,
      s.lengths.min,
      s.lengths.median,
      s.lengths.p95,
      s.lengths.max,
      s.lengths.mean.toFixed(1),
    ]),
  ]);
  const histograms = splits.map(([name, s]) => {
    const most = Math.max(1, ...s.lengths.histogram.map((b) => b.count));
    const rows = s.lengths.histogram.map((b) => [
      `${b.from}-${b.to}`,
      b.count,
      '#'.repeat(Math.ceil((40 * b.count) / most)),
    ]);
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
        Object.entries(dataset.splits).map(([name, s]) => [
          name,
          { ...corpusStats(s.sentences), file: s.file, scheme: s.scheme },
        ]),
      ),
      warnings: dataset.repairs.map(formatIssue),
      warningCount: dataset.repairCount,
    };
    if (!values.json) warnRepairs(report);
    output(values.json, report, renderInspect);
  },
};

const ADD_USAGE = `usage: taughtnet dataset add PATH [options]

Reads a dataset (a folder with train / dev (or devel) / test files, or one CoNLL file) and registers it in the
experiment store with its splits' sizes and entity types. A dataset that does not read cleanly is refused with
every problem as FILE:LINE, and nothing is stored. The same content under the same name is registered once:
adding it again reports the dataset already there.

A single file is cut into train/dev/test with a seeded shuffle (80/10/10, seed 42 unless --split/--seed say
otherwise); the cut is stored with the dataset, so every run and inspection cuts it the same way. Repairs
made while reading (a stray I-X read as B-X) are printed as warnings, FILE:LINE each.

options:
  --name NAME                     the name it is listed under (default: the folder or file name)
  --entity-type TYPE              the type bare B / I labels stand for (e.g. Disease); needed only for such files
  --split TRAIN/DEV/TEST          for a single file: the ratios it is cut by, e.g. 70/15/15
  --seed N                        for a single file: the seed of the shuffle
${DATA_DIR_HELP}
  --json                          print JSON: {"added": true|false, "dataset": {"id", "name", "source",
                                  "entityTypes", "contentHash", "createdAt", "split": null | {"ratios",
                                  "seed"}, "splits": [{"name", "sentences", "tokens", "mentions"}]},
                                  "warnings": [...], "warningCount"}
`;

export interface AddReport {
  /** false when the same content was registered under this name before: `dataset` is that one. */
  added: boolean;
  dataset: StoredDataset;
  /** The repairs made while reading, FILE:LINE each (capped per file); warningCount counts them all. */
  warnings: string[];
  warningCount: number;
}

/** What each field of the app's register call is on this command line. */
const ADD_ARGUMENT: Record<string, string> = {
  folder: 'PATH',
  name: '--name',
  entityType: '--entity-type',
  split: '--split',
};

/** Prints the repairs made while reading on stderr, so they are never silent (--json carries them instead). */
function warnRepairs(report: { warnings: string[]; warningCount: number }): void {
  for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
  const more = report.warningCount - report.warnings.length;
  if (more > 0) process.stderr.write(`warning: … and ${more} more repairs\n`);
}

/** A folder's name, or a file's without its corpus extension: the name the app's form gives it too. */
async function defaultName(path: string): Promise<string> {
  // A path that is not there keeps its whole name; registering it then says what is missing.
  const isFolder = await stat(path).then(
    (s) => s.isDirectory(),
    () => true,
  );
  return isFolder ? basename(path) : datasetNameOf(path);
}

function describe(d: StoredDataset): string {
  const splits = d.splits.map((s) => `${s.name} ${s.sentences}`).join(', ');
  return `#${d.id} "${d.name}" (${d.entityTypes.join(', ')}; sentences: ${splits})`;
}

const add: Command = {
  summary: 'checks a dataset and registers it in the experiment store',
  usage: ADD_USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        name: { type: 'string' },
        'entity-type': { type: 'string' },
        split: { type: 'string' },
        seed: { type: 'string' },
        ...DATA_DIR_OPTION,
      },
      1,
    );
    if (!positionals[0]) throw new UsageError('PATH is required');
    const path = resolve(positionals[0]);
    const split = parseSplit(values.split, values.seed);
    // The app's own checks on what it registers (trimmed name, entity type a single word).
    const parsed = datasetRegistrationRequest.safeParse({
      folder: path,
      name: values.name ?? (await defaultName(path)),
      entityType: values['entity-type'],
      split: split && { ratios: split.ratios, seed: split.seed ?? DEFAULT_SPLIT.seed },
    });
    if (!parsed.success) {
      // The split's seed and ratios are two options here.
      const option = (path: PropertyKey[]) =>
        path[0] === 'split' && path[1] === 'seed' ? '--seed' : ADD_ARGUMENT[String(path[0])];
      throw new UsageError(parsed.error.issues.map((i) => `${option(i.path)}: ${i.message}`).join('; '));
    }
    const report = await withStore(values['data-dir'], async (store): Promise<AddReport> => {
      const { entry, added, repairs, repairCount } = await registerDataset(serviceContext(store), parsed.data);
      const stored = entry.ref.source === 'user' ? getDataset(store, entry.ref.id) : undefined;
      if (!stored) throw new Error(`registering ${path} gave no stored dataset`);
      return { added, dataset: stored, warnings: repairs.map(formatIssue), warningCount: repairCount };
    });
    if (!values.json) warnRepairs(report);
    output(values.json, report, (r) =>
      r.added
        ? `registered dataset ${describe(r.dataset)}\n`
        : `already registered as dataset ${describe(r.dataset)}: nothing added\n`,
    );
  },
};

const LIST_USAGE = `usage: taughtnet dataset list [options]

Lists the corpora shipped with the workbench (in its resources folder: always there, also offline on a fresh
install) and then the datasets registered in the experiment store.

options:
${DATA_DIR_HELP}
  --json                          print JSON: [{"ref": {"source": "shipped", "name"} | {"source": "user", "id"},
                                  "name", "folder", "entityTypes", and for registered ones "contentHash",
                                  "createdAt", "splits"}]
`;

/** A listed dataset: as the app lists it, with the store's record for a registered one. */
export type ListedDataset = DatasetEntry & Partial<Pick<StoredDataset, 'contentHash' | 'createdAt' | 'splits'>>;

function renderList(datasets: ListedDataset[]): string {
  return table([
    ['source', 'id', 'name', 'entity types', 'sentences (per split)', 'folder'],
    ...datasets.map((d) => [
      d.ref.source === 'shipped' ? 'shipped' : 'registered',
      d.ref.source === 'user' ? String(d.ref.id) : '-',
      d.name,
      d.entityTypes.join(',') || '-',
      d.splits?.map((s) => `${s.name} ${s.sentences}`).join(', ') ?? '-',
      d.folder,
    ]),
  ]);
}

const list: Command = {
  summary: 'lists the shipped corpora and the registered datasets',
  usage: LIST_USAGE,
  async run(args) {
    const { values } = parseCommandArgs(args, DATA_DIR_OPTION);
    const datasets = await withStore(
      values['data-dir'],
      async (store) =>
        (await listAllDatasets(serviceContext(store))).map((entry): ListedDataset => {
          if (entry.ref.source !== 'user') return entry;
          const { contentHash, createdAt, splits } = getDataset(store, entry.ref.id)!;
          return { ...entry, contentHash, createdAt, splits };
        }),
      { readOnly: true },
    );
    output(values.json, datasets, renderList);
  },
};

export const dataset: CommandGroup = {
  summary: 'corpora: dataset inspect PATH, dataset add PATH, dataset list',
  subcommands: { inspect, add, list },
};
