// `taughtnet runs …`: the runs in the experiment store, and everything recorded about one of them.
import { RUN_STATUSES, type Evaluation, type Model, type Run, type RunMetric, type RunStatus } from '../../shared/store-types.ts';
import { getDataset } from '../store/datasets.ts';
import { listEvaluations } from '../store/evaluations.ts';
import { listMetrics } from '../store/metrics.ts';
import { getModel, listModels } from '../store/models.ts';
import { getRun, listRuns } from '../store/runs.ts';
import { UsageError, idArgument, oneOf, output, parseCommandArgs, table, type Command, type CommandGroup } from './command.ts';
import { DATA_DIR_HELP, DATA_DIR_OPTION, withStore } from './store.ts';

const LIST_USAGE = `usage: taughtnet runs list [options]

Lists the runs in the experiment store, oldest first. A run left 'running' by a process that is gone is
marked 'interrupted' first (as the app does at start-up).

options:
  --status ${RUN_STATUSES.join('|')}
                                  only runs with this status
${DATA_DIR_HELP}
  --json                          print JSON: [{"id", "name", "status", "phase", "device", "error", "config",
                                  "createdAt", "startedAt", "finishedAt", "updatedAt", "interruptedAt", "ownerPid"}]
`;

const orDash = (value: string | null) => value ?? '-';

function renderList(runs: Run[]): string {
  if (runs.length === 0) return 'no runs\n';
  return table([
    ['id', 'name', 'status', 'phase', 'device', 'created', 'finished'],
    ...runs.map((r) => [r.id, r.name, r.status, orDash(r.phase), orDash(r.device), r.createdAt, orDash(r.finishedAt)]),
  ]);
}

const list: Command = {
  summary: 'lists the runs, optionally of one status',
  usage: LIST_USAGE,
  async run(args) {
    const { values } = parseCommandArgs(args, { status: { type: 'string' }, ...DATA_DIR_OPTION });
    const status = oneOf<RunStatus>('status', values.status, RUN_STATUSES);
    const runs = await withStore(values['data-dir'], (store) => listRuns(store, { status }), { readOnly: true });
    output(values.json, runs, renderList);
  },
};

const SHOW_USAGE = `usage: taughtnet runs show ID [options]

Prints one run: its configuration, status, phase, times, device and error, a summary of its training curves
(per phase and figure: how many points, the last value, the lowest and highest), the models it made, and its
evaluations.

options:
${DATA_DIR_HELP}
  --json                          print JSON: {"run", "metrics": [{"phase", "name", "per", "points", "last",
                                  "min", "max"}], "models": [...], "evaluations": [... with "modelName",
                                  "datasetName"]}
`;

/** One curve of a run: a figure of a phase, recorded per epoch or per step. */
export interface MetricSummary {
  phase: string;
  name: string;
  per: 'epoch' | 'step';
  points: number;
  last: { epoch: number; step: number | null; value: number };
  min: number;
  max: number;
}

export interface RunReport {
  run: Run;
  metrics: MetricSummary[];
  models: Model[];
  evaluations: (Evaluation & { modelName: string; datasetName: string })[];
}

/** Summarises each curve; metrics come in training order, so the last one seen is the latest. */
export function summariseMetrics(metrics: readonly RunMetric[]): MetricSummary[] {
  const curves = new Map<string, MetricSummary>();
  for (const m of metrics) {
    const per = m.step === null ? 'epoch' : 'step';
    const key = JSON.stringify([m.phase, m.name, per]);
    const last = { epoch: m.epoch, step: m.step, value: m.value };
    const curve = curves.get(key);
    if (!curve) curves.set(key, { phase: m.phase, name: m.name, per, points: 1, last, min: m.value, max: m.value });
    else Object.assign(curve, { points: curve.points + 1, last, min: Math.min(curve.min, m.value), max: Math.max(curve.max, m.value) });
  }
  return [...curves.values()];
}

const figure = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(4));
const pct = (x: number) => (100 * x).toFixed(2);

function renderShow({ run, metrics, models, evaluations }: RunReport): string {
  const fields = table([
    ['run', `${run.id} "${run.name}"`],
    ['status', run.status],
    ['phase', orDash(run.phase)],
    ['device', orDash(run.device)],
    ['created', run.createdAt],
    ['started', orDash(run.startedAt)],
    ['finished', orDash(run.finishedAt)],
    ['interrupted', orDash(run.interruptedAt)],
    ['updated', run.updatedAt],
  ]);
  const parts = [fields + (run.error ? `error: ${run.error}\n` : ''), `config:\n${JSON.stringify(run.config, null, 2)}\n`];
  parts.push(
    metrics.length === 0
      ? 'no metrics recorded\n'
      : 'metrics:\n' +
          table([
            ['phase', 'figure', 'per', 'points', 'last at', 'last', 'min', 'max'],
            ...metrics.map((m) => [
              m.phase,
              m.name,
              m.per,
              m.points,
              m.per === 'step' ? `step ${m.last.step}` : `epoch ${m.last.epoch}`,
              figure(m.last.value),
              figure(m.min),
              figure(m.max),
            ]),
          ]),
  );
  if (models.length > 0) {
    parts.push('models:\n' + table([['id', 'name', 'kind', 'parameters'], ...models.map((m) => [m.id, m.name, m.kind, m.parameterCount])]));
  }
  parts.push(
    evaluations.length === 0
      ? 'no evaluations\n'
      : 'evaluations:\n' +
          table([
            ['model', 'dataset', 'split', 'mode', 'precision %', 'recall %', 'f1 %', 'support'],
            ...evaluations.map((e) => [
              e.modelName,
              e.datasetName,
              e.split,
              e.mode,
              pct(e.precision),
              pct(e.recall),
              pct(e.f1),
              e.support,
            ]),
          ]),
  );
  return parts.join('\n');
}

const show: Command = {
  summary: 'shows one run: config, status, times, metrics summary, models and evaluations',
  usage: SHOW_USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, DATA_DIR_OPTION, 1);
    if (!positionals[0]) throw new UsageError('ID is required');
    const runId = idArgument('ID', positionals[0], 'run');
    const report = await withStore(values['data-dir'], (store): RunReport => {
      const run = getRun(store, runId);
      if (!run) throw new Error(`there is no run ${runId} in ${store.dataDir} (see taughtnet runs list)`);
      return {
        run,
        metrics: summariseMetrics(listMetrics(store, runId)),
        models: listModels(store, { runId }),
        evaluations: listEvaluations(store, { runId }).map((e) => ({
          ...e,
          // Foreign keys keep both; the fallbacks only name them if that ever changes.
          modelName: getModel(store, e.modelId)?.name ?? `model ${e.modelId}`,
          datasetName: getDataset(store, e.datasetId)?.name ?? `dataset ${e.datasetId}`,
        })),
      };
    }, { readOnly: true });
    output(values.json, report, renderShow);
  },
};

export const runs: CommandGroup = {
  summary: 'runs in the experiment store: runs list, runs show ID',
  subcommands: { list, show },
};
