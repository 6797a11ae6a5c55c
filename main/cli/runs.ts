// `taughtnet runs …`: the runs in the experiment store, and everything recorded about one of them. Read through
// the runs service, as the window reads them.
import { formatDuration } from '../../shared/duration.ts';
import { runConfigSchema } from '../../shared/method/run-config.ts';
import type { Spread } from '../../shared/metrics/spread.ts';
import { summariseRun, type ModelTest, type RunResults, type TestSpread } from '../../shared/method/run-summary.ts';
import {
  ERROR_CATEGORIES,
  RUN_STATUSES,
  type ErrorCategory,
  type Evaluation,
  type Model,
  type Run,
  type RunMetric,
  type RunStatus,
} from '../../shared/store-types.ts';
import { listRunMetrics, listRunSummaries, showRun, skipStudentOfRun } from '../services/runs.ts';
import {
  UsageError,
  idArgument,
  oneOf,
  output,
  parseCommandArgs,
  table,
  type Command,
  type CommandGroup,
} from './command.ts';
import { DATA_DIR_HELP, DATA_DIR_OPTION, serviceContext, withStore } from './store.ts';

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
    const runs = await withStore(
      values['data-dir'],
      (store) =>
        listRunSummaries(serviceContext(store), { status })
          .map((r) => r.run)
          .reverse(),
      { readOnly: true },
    );
    output(values.json, runs, renderList);
  },
};

const SHOW_USAGE = `usage: taughtnet runs show ID [options]

Prints one run: its configuration, status, phase, times, device and error, a summary of its training curves
(per phase and figure: how many points, the last value, the lowest and highest), each phase's duration, the
models it made or used, their test scores (P/R/F1), for models trained with several seeds each score's mean ±
sample standard deviation over them, each student's size, speeds and peak memory, the kappa matrices per corpus
and every model's error categories.

options:
${DATA_DIR_HELP}
  --json                          print JSON: {"run", "metrics": [{"phase", "name", "per", "points", "last",
                                  "min", "max"}], "models": [...], "evaluations": [... with "modelName",
                                  "datasetName"], "summary": {"teachers": [{"type", "modelId", "trained",
                                  "test": {"lenient": {"precision", "recall", "f1"}, "strict"}, "errors"}],
                                  "distributions": {"reused"}, "students": [{"modelId", "name", "group", "seed",
                                  "lambda", "architecture", "parameters", "sizeMB", "trainSamplesPerSecond",
                                  "inferSamplesPerSecond", "peakMemoryMB", "test": {TYPE: {"lenient",
                                  "strict"}}, "errors": {TYPE: {CATEGORY: count}}}], "groups": {"teachers":
                                  [{"type", "modelIds", "test": {"lenient": {"precision": {"n", "mean", "sd"},
                                  "recall", "f1"}, "strict"}}], "students": [{"name", "lambda", "seeds",
                                  "modelIds", "test": {TYPE: {"lenient", "strict"}}}]} (over seeds: sd is the
                                  sample standard deviation, null when n = 1), "untrainedStudents",
                                  "skippedStudents" (those the user skipped; resuming the run trains them),
                                  "kappa": {TYPE: {"labels", "matrix"}}, "phases": [{"phase", "seconds"}]}
                                  (summary is null when this version cannot read the run's config)
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
  summary: RunResults | null;
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
    else
      Object.assign(curve, {
        points: curve.points + 1,
        last,
        min: Math.min(curve.min, m.value),
        max: Math.max(curve.max, m.value),
      });
  }
  return [...curves.values()];
}

const figure = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(4));
const pct = (x: number) => (100 * x).toFixed(2);

/** "46.55 ± 0.83" in %; the mean alone for one seed. */
const meanSd = (s: Spread) => (s.sd === null ? pct(s.mean) : `${pct(s.mean)} ± ${pct(s.sd)}`);
const spreadCells = (t: TestSpread) => [
  `P ${meanSd(t.lenient.precision)}`,
  `R ${meanSd(t.lenient.recall)}`,
  `F1 ${meanSd(t.lenient.f1)} (n = ${t.lenient.f1.n})`,
  `strict F1 ${meanSd(t.strict.f1)}`,
];

const scores = (t: ModelTest) => [pct(t.lenient.precision), pct(t.lenient.recall), pct(t.lenient.f1), pct(t.strict.f1)];
const orNone = (x: number | null, digits: number) => (x === null ? '-' : x.toFixed(digits));

/** The paper's comparison: teachers and students per entity type, students' costs, kappa, error categories, durations. */
function renderSummary(s: RunResults): string[] {
  const parts: string[] = [];
  const rows = [
    ...s.teachers.map((t) => [t.name, t.type, ...scores(t.test)]),
    ...s.students.flatMap((st) => Object.entries(st.test).map(([type, test]) => [st.name, type, ...scores(test)])),
  ];
  if (rows.length > 0)
    parts.push('test scores (%):\n' + table([['model', 'type', 'P', 'R', 'F1', 'strict F1'], ...rows]));
  if (s.students.length > 0) {
    parts.push(
      `students (distributions ${s.distributions.reused ? 'reused from an earlier run' : 'computed by this run'}):\n` +
        table([
          ['student', 'λ', 'architecture', 'parameters', 'MB', 'train samples/s', 'infer samples/s', 'peak MB'],
          ...s.students.map((st) => [
            st.name,
            st.lambda,
            st.architecture,
            st.parameters,
            st.sizeMB.toFixed(1),
            orNone(st.trainSamplesPerSecond, 1),
            orNone(st.inferSamplesPerSecond, 1),
            orNone(st.peakMemoryMB, 0),
          ]),
        ]),
    );
  }
  const { groups } = s;
  if (
    [...groups.teachers.map((g) => g.test), ...groups.students.flatMap((g) => Object.values(g.test))].some(
      (t) => t.lenient.f1.n > 1,
    )
  ) {
    parts.push(
      'over seeds (mean ± sample standard deviation, %):\n' +
        table([
          ...groups.teachers.map((g) => [`teacher ${g.type}`, g.type, ...spreadCells(g.test)]),
          ...groups.students.flatMap((g) =>
            Object.entries(g.test).map(([type, test]) => [g.name, type, ...spreadCells(test)]),
          ),
        ]),
    );
  }
  if (s.skippedStudents.length > 0)
    parts.push(`skipped at your request (resuming the run trains them): ${s.skippedStudents.join(', ')}\n`);
  const notSkipped = s.untrainedStudents.filter((n) => !s.skippedStudents.includes(n));
  if (notSkipped.length > 0) parts.push(`students not trained (yet): ${notSkipped.join(', ')}\n`);
  for (const [type, k] of Object.entries(s.kappa)) {
    parts.push(
      `Cohen's kappa, ${type} test split:\n` +
        table([['', ...k.labels], ...k.matrix.map((row, i) => [k.labels[i], ...row.map((x) => x.toFixed(3))])]),
    );
  }
  const errorRows = [
    ...s.teachers.map((t) => [t.name, t.type, t.errors] as const),
    ...s.students.flatMap((st) => Object.entries(st.errors).map(([type, counts]) => [st.name, type, counts] as const)),
  ];
  if (errorRows.length > 0) {
    parts.push(
      'error categories:\n' +
        table([
          ['model', 'type', ...ERROR_CATEGORIES],
          ...errorRows.map(([name, type, counts]) => [
            name,
            type,
            ...ERROR_CATEGORIES.map((c: ErrorCategory) => counts[c] ?? 0),
          ]),
        ]),
    );
  }
  if (s.phases.length > 0)
    parts.push(
      'phases:\n' + table([['phase', 'duration'], ...s.phases.map((p) => [p.phase, formatDuration(p.seconds)])]),
    );
  return parts;
}

function renderShow({ run, metrics, models, evaluations, summary }: RunReport): string {
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
  const parts = [
    fields + (run.error ? `${run.status === 'failed' ? 'error' : 'why it stopped'}: ${run.error}\n` : ''),
    `config:\n${JSON.stringify(run.config, null, 2)}\n`,
  ];
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
    parts.push(
      'models:\n' +
        table([['id', 'name', 'kind', 'parameters'], ...models.map((m) => [m.id, m.name, m.kind, m.parameterCount])]),
    );
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
  if (summary) parts.push(...renderSummary(summary));
  return parts.join('\n');
}

const show: Command = {
  summary: 'shows one run: config, status, times, metrics, models, scores, kappa, error categories, durations',
  usage: SHOW_USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, DATA_DIR_OPTION, 1);
    if (!positionals[0]) throw new UsageError('ID is required');
    const runId = idArgument('ID', positionals[0], 'run');
    const report = await withStore(
      values['data-dir'],
      (store): RunReport => {
        const ctx = serviceContext(store);
        if (!listRunSummaries(ctx).some((r) => r.run.id === runId))
          throw new Error(`there is no run ${runId} in ${store.dataDir} (see taughtnet runs list)`);
        const details = showRun(ctx, runId);
        return {
          run: details.run,
          metrics: summariseMetrics(listRunMetrics(ctx, runId)),
          models: details.models,
          evaluations: details.evaluations.map((e) => ({
            ...e,
            // Foreign keys keep both; the fallbacks only name them if that ever changes.
            modelName: details.models.find((m) => m.id === e.modelId)?.name ?? `model ${e.modelId}`,
            datasetName: details.datasets.find((d) => d.id === e.datasetId)?.name ?? `dataset ${e.datasetId}`,
          })),
          // Runs written by older versions (or by hand) may hold a config this version cannot read.
          summary: runConfigSchema.safeParse(details.run.config).success ? summariseRun(details) : null,
        };
      },
      { readOnly: true },
    );
    output(values.json, report, renderShow);
  },
};

const SKIP_USAGE = `usage: taughtnet runs skip-student ID NAME [options]

Skips student NAME of run ID while the run trains (here or in another terminal or window on this data folder):
the student stops at its next step, its last finished epoch kept; the run goes on with the other students, scores
the finished ones and ends interrupted, and taughtnet run --resume ID later trains the skipped student. A student
the run has not reached yet is skipped when it gets there. NAME is the student's name as runs show ID lists it
(in the config's "students", e.g. "student 2" or "tiny (seed 2)").

options:
${DATA_DIR_HELP}
  --json                          print JSON: {"runId", "student", "requested"} (false: it was already asked for)
`;

const skipStudentCommand: Command = {
  summary: 'skips one student of a run that is training; the others go on',
  usage: SKIP_USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, DATA_DIR_OPTION, 2);
    if (!positionals[0] || !positionals[1]) throw new UsageError('ID and NAME are required');
    const runId = idArgument('ID', positionals[0], 'run');
    const name = positionals[1];
    const { requested } = await withStore(values['data-dir'], (store) =>
      skipStudentOfRun(serviceContext(store), { runId, student: name }),
    );
    output(values.json, { runId, student: name, requested }, () =>
      requested
        ? `run ${runId}: "${name}" stops at its next step and the other students go on; taughtnet run --resume ${runId} trains it later\n`
        : `run ${runId}: skipping "${name}" was already asked for\n`,
    );
  },
};

export const runs: CommandGroup = {
  summary: 'runs in the experiment store: runs list, runs show ID, runs skip-student ID NAME',
  subcommands: { list, show, 'skip-student': skipStudentCommand },
};
