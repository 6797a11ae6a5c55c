// Runs from the window: start, watch, cancel, resume and delete TaughtNet runs. This process executes one run
// at a time (a workstation trains one model at a time), in the background: its progress goes to the windows as
// events, and the store holds everything it records. The pipeline itself is main/pipeline/taughtnet-run.ts.
// The CLI's `runs` commands read runs through these functions too.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  CrossRunKappa,
  ParsedArgs,
  RunDetails,
  RunEstimate,
  RunProgress,
  RunSummary,
  TrainedTeacher,
} from '../../shared/ipc/contract.ts';
import { runConfigSchema, type RunConfig } from '../../shared/method/run-config.ts';
import type { Run, RunMetric } from '../../shared/store-types.ts';
import { estimateRun } from '../pipeline/estimate.ts';
import { testPredictionsName } from '../pipeline/phases/evaluate.ts';
import { loadDataset } from '../corpus/dataset.ts';
import { artifactFile, listArtifacts } from '../store/artifacts.ts';
import { agreementMatrix, type Labelling } from '../../shared/method/agreement.ts';
import { readFile } from 'node:fs/promises';
import {
  addStudentToRun,
  createTaughtNetRun,
  executeRun,
  skipStudent,
  type RunEvent,
} from '../pipeline/taughtnet-run.ts';
import { listAgreements } from '../store/agreements.ts';
import { getDataset } from '../store/datasets.ts';
import { listErrorAnalyses } from '../store/error-analyses.ts';
import { listEvaluations } from '../store/evaluations.ts';
import { listMetrics } from '../store/metrics.ts';
import { getModel, listModels } from '../store/models.ts';
import { deleteRun as deleteStoredRun, getRun, listRuns, markInterruptedRuns, setRunStatus } from '../store/runs.ts';
import { processIsAlive } from '../files/process-alive.ts';
import { listStudentSkips } from '../store/student-skips.ts';
import type { ExecutingRun, ServiceContext } from './context.ts';

/** Progress events reach the windows at most this often (a training step can take a few milliseconds). */
const PROGRESS_INTERVAL_MS = 250;

/** Marks runs whose process died (a killed `taughtnet run`) or whose machine went silent as interrupted, and says so. */
function noticeInterrupted(ctx: ServiceContext): void {
  for (const run of markInterruptedRuns(ctx.store, processIsAlive)) ctx.emit('runs:changed', { runId: run.id });
}

function storedRun(ctx: ServiceContext, runId: number): Run {
  noticeInterrupted(ctx);
  const run = getRun(ctx.store, runId);
  if (!run) throw new Error(`there is no run ${runId}`);
  return run;
}

/** Refuses a second run while one executes here. */
function assertIdle(ctx: ServiceContext): void {
  for (const { runId } of ctx.executing.values()) {
    throw new Error(
      `run ${runId} (${storedRun(ctx, runId).name}) is training: wait for it to finish, or cancel it first`,
    );
  }
}

function toProgress(runId: number, e: RunEvent): RunProgress {
  const t = e.training;
  return {
    runId,
    phase: e.phase,
    message: e.message,
    training: t
      ? {
          epoch: t.epoch,
          epochs: t.epochs,
          step: t.step,
          totalSteps: t.totalSteps,
          loss: t.loss,
          etaSeconds: t.etaSeconds,
        }
      : null,
    runEtaSeconds: e.runEtaSeconds ?? null,
  };
}

/** Executes run `runId` in the background with an engine host of its own; the returned entry is in ctx.executing until it ends. */
function launch(ctx: ServiceContext, runId: number): ExecutingRun {
  const client = ctx.startRuntime(); // first: if the host cannot even be spawned, nothing is left marked executing
  const entry: ExecutingRun = { runId, controller: new AbortController(), progress: null, done: Promise.resolve() };
  ctx.executing.set(runId, entry);
  let lastStepSent = 0;
  const onEvent = (e: RunEvent) => {
    const phaseChanged = entry.progress?.phase !== e.phase;
    entry.progress = toProgress(runId, e);
    // Only training steps are throttled: messages (an epoch's summary, a phase) always go.
    const now = Date.now();
    const lastStep = e.training !== undefined && e.training.step === e.training.totalSteps;
    if (!e.training || phaseChanged || lastStep || now - lastStepSent >= PROGRESS_INTERVAL_MS) {
      if (e.training) lastStepSent = now;
      ctx.emit('runs:progress', entry.progress);
    }
    if (phaseChanged) ctx.emit('runs:changed', { runId }); // the run's phase column changed
  };
  const onDatasetAdded = (name: string) => ctx.emit('datasets:changed', { name });
  entry.done = executeRun(ctx, client, runId, { signal: entry.controller.signal, onEvent, onDatasetAdded })
    // The outcome (completed, failed with its error, cancelled) is in the run's row; the window reads it there.
    .then(
      () => undefined,
      () => undefined,
    )
    .finally(async () => {
      ctx.executing.delete(runId);
      ctx.emit('runs:changed', { runId }); // before the host's stop, which may wait out a batch
      await client.terminate().catch(() => {}); // a host that is already gone is stopped enough
    });
  ctx.emit('runs:changed', { runId });
  return entry;
}

export function startRun(ctx: ServiceContext, { name, config }: ParsedArgs<'runs:start'>): Run {
  assertIdle(ctx);
  const run = createTaughtNetRun(ctx, { config, name });
  launch(ctx, run.id);
  return run;
}

/** Continues an interrupted, failed or queued run from its last finished epoch. */
export function resumeRun(ctx: ServiceContext, runId: number): Run {
  const run = storedRun(ctx, runId);
  if (!['interrupted', 'failed', 'queued'].includes(run.status)) {
    throw new Error(`run ${runId} is ${run.status}: only an interrupted, failed or queued run can be resumed`);
  }
  assertIdle(ctx);
  launch(ctx, runId);
  return run;
}

/** Adds a student to a completed, failed or cancelled run and trains it in the background (see addStudentToRun). */
export function addStudent(ctx: ServiceContext, { runId, student }: ParsedArgs<'runs:add-student'>): Run {
  storedRun(ctx, runId);
  assertIdle(ctx);
  const run = addStudentToRun(ctx, runId, student);
  ctx.emit('runs:changed', { runId });
  launch(ctx, runId);
  return run;
}

/**
 * Cancels a run: the executing one stops after its current step (it ends 'cancelled'); a queued or
 * interrupted one is marked cancelled at once.
 */
export function cancelRun(ctx: ServiceContext, runId: number): Run {
  const run = storedRun(ctx, runId);
  const executing = ctx.executing.get(runId);
  if (executing) {
    executing.controller.abort();
    return run;
  }
  if (run.status === 'running') {
    throw new Error(
      `run ${runId} is training in another process (pid ${run.ownerPid} on ${run.ownerHost}): cancel it there`,
    );
  }
  const cancelled = setRunStatus(ctx.store, { runId, status: 'cancelled' });
  ctx.emit('runs:changed', { runId });
  return cancelled;
}

/**
 * Skips a student of a training run, whichever process trains it (the request goes through the store, see
 * skipStudent): it stops at its next step, the others go on, and resuming the run trains it.
 */
export function skipStudentOfRun(
  ctx: ServiceContext,
  { runId, student }: ParsedArgs<'runs:skip-student'>,
): { requested: boolean } {
  storedRun(ctx, runId);
  return { requested: skipStudent(ctx, runId, student) };
}

/** Deletes a run that is not training, with its figures and its resume checkpoints; its models stay. */
export async function deleteRun(ctx: ServiceContext, runId: number): Promise<{ deleted: boolean }> {
  const run = storedRun(ctx, runId);
  if (ctx.executing.has(runId) || run.status === 'running')
    throw new Error(`run ${runId} is training: cancel it before deleting it`);
  const deleted = deleteStoredRun(ctx.store, runId);
  ctx.emit('runs:changed', { runId });
  // Gigabytes on a network drive take a while: the window does not wait for them.
  await rm(join(ctx.store.dataDir, 'runs', String(runId)), { recursive: true, force: true });
  return { deleted };
}

const summary = (ctx: ServiceContext, run: Run): RunSummary => ({
  run,
  executing: ctx.executing.has(run.id),
  progress: ctx.executing.get(run.id)?.progress ?? null,
});

/** The runs, newest first (or only those of one status). */
export function listRunSummaries(ctx: ServiceContext, filter: { status?: Run['status'] } = {}): RunSummary[] {
  noticeInterrupted(ctx);
  return listRuns(ctx.store, filter)
    .reverse()
    .map((run) => summary(ctx, run));
}

export function showRun(ctx: ServiceContext, runId: number): RunDetails {
  const run = storedRun(ctx, runId);
  const evaluations = listEvaluations(ctx.store, { runId });
  const agreements = listAgreements(ctx.store, { runId });
  const errorAnalyses = listErrorAnalyses(ctx.store, { runId });
  const datasetIds = [...new Set([...evaluations, ...agreements, ...errorAnalyses].map((r) => r.datasetId))];
  // Its own models, and the trained teachers it took from other runs (scored here too).
  const own = listModels(ctx.store, { runId });
  const taken = [...new Set(evaluations.map((e) => e.modelId))]
    .filter((id) => !own.some((m) => m.id === id))
    .flatMap((id) => getModel(ctx.store, id) ?? []);
  return {
    ...summary(ctx, run),
    metrics: listMetrics(ctx.store, runId, { perStep: false }),
    models: [...taken, ...own],
    evaluations,
    agreements,
    errorAnalyses,
    datasets: datasetIds.flatMap((id) => {
      const d = getDataset(ctx.store, id);
      return d ? [{ id: d.id, name: d.name, entityTypes: d.entityTypes }] : [];
    }),
    skippedStudents: listStudentSkips(ctx.store, runId).flatMap((s) => (s.skippedAt ? [s.student] : [])),
  };
}

/** How long a config would take here, timed in an engine host of its own (never in this process). */
export async function estimateRunTime(ctx: ServiceContext, config: RunConfig): Promise<RunEstimate> {
  for (const { runId } of ctx.executing.values()) {
    throw new Error(
      `run ${runId} is training: the time could not be measured fairly now; estimate once it has finished`,
    );
  }
  const client = ctx.startRuntime();
  try {
    return await estimateRun(ctx, client, config);
  } finally {
    await client.terminate().catch(() => {});
  }
}

/** The teachers runs trained (the pipeline names each "teacher TYPE"), with their type and lenient test F1. */
export function listTrainedTeachers(ctx: ServiceContext): TrainedTeacher[] {
  return listModels(ctx.store, { kind: 'teacher' })
    .reverse()
    .flatMap((model) => {
      const run = model.runId === null ? undefined : getRun(ctx.store, model.runId);
      const type =
        run &&
        runConfigSchema.safeParse(run.config).data?.teachers.find((t) => model.name === `teacher ${t.type}`)?.type;
      if (!run || !type) return [];
      const own = listEvaluations(ctx.store, { runId: run.id }).find(
        (e) => e.modelId === model.id && e.mode === 'lenient',
      );
      return [{ model, type, runName: run.name, testF1: own?.f1 ?? null }];
    });
}

/**
 * Fig. 2 across runs: for each dataset that two or more of the runs were scored on, kappa over its test split's
 * ground truth and every model of those runs, from their stored predictions. A teacher covers its corpus's type, a
 * student every type its run was scored on (another type's mentions count as O against a corpus, footnote 5).
 */
export async function crossRunKappa(ctx: ServiceContext, runIds: number[]): Promise<CrossRunKappa[]> {
  const runs = [...new Set(runIds)].map((id) => storedRun(ctx, id));
  const scored = runs.map((run) => ({
    run,
    evaluations: listEvaluations(ctx.store, { runId: run.id }).filter((e) => e.mode === 'lenient'),
  }));
  const datasetIds = [...new Set(scored.flatMap((s) => s.evaluations.map((e) => e.datasetId)))];
  const out: CrossRunKappa[] = [];
  for (const datasetId of datasetIds) {
    const sharing = scored.filter((s) => s.evaluations.some((e) => e.datasetId === datasetId));
    const dataset = getDataset(ctx.store, datasetId);
    if (sharing.length < 2 || !dataset) continue;
    const type = Object.keys(sharing[0].evaluations.find((e) => e.datasetId === datasetId)!.perType)[0];
    const gold = (await loadDataset(dataset.source, { split: dataset.split ?? undefined })).splits.test?.sentences;
    if (!gold) continue;
    const labellings: Labelling[] = [{ name: 'ground truth', covers: [type], labels: gold.flatMap((s) => s.labels) }];
    const missing: string[] = [];
    for (const { run, evaluations } of sharing) {
      const typeOf = (id: number) => Object.keys(evaluations.find((e) => e.datasetId === id)!.perType)[0];
      for (const e of evaluations.filter((x) => x.datasetId === datasetId)) {
        const model = getModel(ctx.store, e.modelId);
        const name = `${run.name}: ${model?.name ?? `model ${e.modelId}`}`;
        const stored = listArtifacts(ctx.store, { runId: run.id, modelId: e.modelId, kind: 'predictions' }).find(
          (a) => a.name === testPredictionsName(datasetId),
        );
        const labels =
          stored &&
          (JSON.parse(await readFile(artifactFile(ctx.store, stored), 'utf8')) as { labels: string[][] }).labels.flat();
        // A run that dropped long sentences labelled fewer tokens than the split holds: not comparable token by token.
        if (!labels || labels.length !== labellings[0].labels.length || labellings.some((l) => l.name === name)) {
          missing.push(name);
          continue;
        }
        const covers =
          model?.kind === 'student'
            ? [...new Set(evaluations.filter((x) => x.modelId === e.modelId).map((x) => typeOf(x.datasetId)))]
            : [type];
        labellings.push({ name, covers, labels });
      }
    }
    const { names, matrix } = agreementMatrix(labellings);
    out.push({ datasetId, corpus: dataset.name, type, labels: names, matrix, missing });
  }
  return out;
}

/** Every figure a run recorded, per-step ones included, in training order. */
export function listRunMetrics(ctx: ServiceContext, runId: number): RunMetric[] {
  storedRun(ctx, runId);
  return listMetrics(ctx.store, runId);
}

/**
 * For the app's quit: the runs executing here become 'interrupted' at once (resumable at the next start)
 * rather than at the next start-up's check. Their engine hosts end with this process.
 */
export function interruptExecutingRuns(ctx: ServiceContext): void {
  for (const { runId, controller } of ctx.executing.values()) {
    // Marked first: the pipeline leaves an interrupted run as it is when the abort reaches it.
    if (getRun(ctx.store, runId)?.status === 'running') setRunStatus(ctx.store, { runId, status: 'interrupted' });
    controller.abort();
  }
  ctx.executing.clear();
}
