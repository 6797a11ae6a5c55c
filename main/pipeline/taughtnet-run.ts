// A TaughtNet run, end to end (paper §III), read in the order it happens (main/pipeline/phases/):
//   1. prepare        the corpora are read and merged into one typed corpus (the students' labels);
//   2. teachers       one teacher per corpus is fine-tuned, or taken from the store as it is;
//   3. distributions  the teachers' per-word B/I/O distributions over the merged training set, aggregated (eqs 9–11),
//                     computed once and cached in the store for any later run with the same teachers and corpora;
//   4. students       each student trained on λ·KD + (1−λ)·GT (λ = 0: the Merged baseline, no distributions);
//   5. evaluate       every model scored on each corpus's test split (P/R/F1, kappa, error categories).
// Every phase leaves its result in the store or the data folder before the next starts, and fine-tuning
// checkpoints each epoch, so resuming an interrupted run skips what is done and continues where it was.
// One student failing does not stop the others: they are trained and scored, and the run then ends 'failed' with
// the failed students named; resuming it (a failed run can be retried) trains only those. A student the user skips
// (skipStudent) stops alone in the same way, and the run ends 'interrupted', saying so, for resuming to train it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { crashForUser, engineCrashOf, type RuntimeClient } from '../engine/runtime/client.ts';
import { CANCELLED } from '../engine/runtime/protocol.ts';
import { diskFullError, isDiskFull, releaseSpaceReserve } from '../store/disk-full.ts';
import { HEARTBEAT_INTERVAL_MS } from '../store/owner.ts';
import { checkModelFolder } from '../models/model-folder.ts';
import { listModels } from '../store/models.ts';
import { clearStudentSkips, requestStudentSkip } from '../store/student-skips.ts';
import {
  beatHeartbeat,
  createRun,
  getRun,
  ownsRun,
  requeueRun,
  setRunPhase,
  setRunStatus,
  type RunStatusChange,
} from '../store/runs.ts';
import {
  isMergedBaseline,
  parseRunConfig,
  parseStudentConfig,
  teacherLabel,
  teacherName,
  teacherSeedsInCorpusOrder,
  type ModelSource,
  type TrainingSettings,
} from '../../shared/method/run-config.ts';
import type { Sentence } from '../../shared/corpus/types.ts';
import { presetConfig, SHIPPED_VOCAB, sizePreset } from '../../shared/models/presets.ts';
import { stepCost } from '../../shared/models/step-cost.ts';
import type { Normalise } from '../../shared/method/aggregate.ts';
import { RUN_TRANSITIONS, type Run } from '../../shared/store-types.ts';
import { teacherDistributions, type Targets } from './phases/distributions.ts';
import { evaluate } from './phases/evaluate.ts';
import { prepare, type Prepared } from './phases/prepare.ts';
import { finishedStudent, studentPhase, trainStudent, type Student } from './phases/student.ts';
import { teacherPhase, trainTeachers } from './phases/teachers.ts';
import type { PipelineContext, RunHooks, RunScope } from './scope.ts';
import { errorMessage } from '../../shared/error-message.ts';

export type { PipelineContext, RunEvent, RunHooks } from './scope.ts';

export interface StartRun {
  readonly config: unknown;
  readonly name?: string;
}

/** Creates the run row (status queued) from a config, checked first. */
export function createTaughtNetRun(ctx: PipelineContext, { config, name }: StartRun): Run {
  const parsed = parseRunConfig(config);
  return createRun(ctx.store, {
    name: name ?? `TaughtNet ${parsed.corpora.map((c) => c.type).join(' + ')}`,
    config: parsed,
  });
}

/**
 * Adds a student (one per seed where it lists "seeds") to a completed, failed or cancelled run and queues it again:
 * executing it then trains only the new students (the teachers, their distributions and the other students are
 * kept) and scores every model again.
 */
export function addStudentToRun(ctx: PipelineContext, runId: number, student: unknown): Run {
  const run = getRun(ctx.store, runId);
  if (!run) throw new Error(`there is no run ${runId}`);
  const config = parseRunConfig(run.config, `run ${runId}'s config`);
  const added = parseStudentConfig(student, config.students);
  return requeueRun(ctx.store, runId, { ...config, students: [...config.students, ...added] });
}

/**
 * Asks the process training run `runId` (this one or another: the request goes through the store) to skip student
 * `name`: it stops at its next step, its last finished epoch kept, the other students go on and are scored, and the
 * run then ends interrupted, so that resuming it trains the skipped student. A student not started yet is skipped
 * when the run reaches it. Returns false when that student's skip was already asked for.
 */
export function skipStudent(ctx: PipelineContext, runId: number, name: string): boolean {
  const run = getRun(ctx.store, runId);
  if (!run) throw new Error(`there is no run ${runId}`);
  if (run.status !== 'running')
    throw new Error(
      `run ${runId} is ${run.status}, not training: only a student of a run that is training can be skipped`,
    );
  const { students } = parseRunConfig(run.config, `run ${runId}'s config`);
  if (!students.some((s) => s.name === name))
    throw new Error(
      `run ${runId} has no student "${name}"; its students are ${students.map((s) => `"${s.name}"`).join(', ')}`,
    );
  if (listModels(ctx.store, { runId, kind: 'student' }).some((m) => m.name === name))
    throw new Error(`"${name}" of run ${runId} has finished training: there is nothing to skip`);
  return requestStudentSkip(ctx.store, runId, name);
}

/**
 * Runs (or resumes) run `runId` to the end: queued or interrupted → running → completed, failed or cancelled.
 * Returns the finished run.
 */
export async function executeRun(
  ctx: PipelineContext,
  client: RuntimeClient,
  runId: number,
  hooks: RunHooks = {},
): Promise<Run> {
  const run = getRun(ctx.store, runId);
  if (!run) throw new Error(`there is no run ${runId}`);
  const config = parseRunConfig(run.config, `run ${runId}'s config`);
  // Cancelled by the user (hooks.signal), or stopped because another process took the run over (see the heartbeat).
  const lost = new AbortController();
  const signal = hooks.signal ? AbortSignal.any([hooks.signal, lost.signal]) : lost.signal;
  // The engine's provider choice, made by the engine host (onnxruntime never loads in the caller's process).
  let choice;
  try {
    choice = await client.request({ kind: 'open', provider: config.device, state: {} }, { signal });
  } catch (e) {
    // Recorded where the user looks; a failed run can be retried once the device works.
    const end: RunStatusChange = isAbort(e)
      ? { runId, status: 'cancelled' }
      : { runId, status: 'failed', error: `the engine cannot start: ${errorMessage(e)}` };
    if (RUN_TRANSITIONS[run.status].includes(end.status)) setRunStatus(ctx.store, end);
    throw e;
  }
  clearStudentSkips(ctx.store, runId); // a resumed run trains the students skipped before
  setRunStatus(ctx.store, { runId, status: 'running', device: choice.name });
  const scope: RunScope = {
    ctx,
    client,
    run,
    config,
    device: choice.name,
    work: join(ctx.store.dataDir, 'runs', String(runId)),
    hooks,
    signal,
    plan: new Map(),
    emit: (phase, message, extra) => hooks.onEvent?.({ phase, message, ...extra }),
  };
  // Other machines sharing the data folder tell a live run from a dead one by this. A machine that judged this one
  // dead (asleep, cut off) may have resumed the run: then this process stops and leaves the run to it.
  const heartbeat = setInterval(() => {
    try {
      if (!beatHeartbeat(ctx.store, runId))
        lost.abort(new Error(`run ${runId} was taken over by another process after its heartbeat went stale`));
    } catch (e) {
      // A busy or unreachable shared drive: the next beat tries again.
      process.stderr.write(`run ${runId}: the heartbeat could not be recorded (${errorMessage(e)})\n`);
    }
  }, HEARTBEAT_INTERVAL_MS);
  heartbeat.unref();
  try {
    const { failed, skipped } = await runPhases(scope);
    if (!ownsRun(ctx.store, runId)) throw lost.signal.reason ?? new Error(`run ${runId} is no longer this process's`);
    if (failed.length > 0) {
      const which = failed.map((f) => `${f.name}: ${f.error.message}`).join('; ');
      const [alsoSkipped, notTrained] =
        skipped.length > 0 ? [` (and ${skippedWords(skipped)})`, 'failed and skipped'] : ['', 'failed'];
      throw new Error(
        `${failed.length} of ${config.students.length} students failed (${which})${alsoSkipped}; the other models' results are stored, and resuming the run trains only the ${notTrained} students`,
      );
    }
    if (skipped.length > 0) {
      // Nothing went wrong: the run stops short of complete, as an interrupted run does, and resuming finishes it.
      const error = `${skippedWords(skipped)}; the other models' results are stored, and resuming the run trains ${skipped.length === 1 ? 'it' : 'them'}`;
      scope.emit('done', error);
      setRunPhase(ctx.store, runId, studentPhase(skipped[0])); // where it stands: where resuming goes on
      return setRunStatus(ctx.store, { runId, status: 'interrupted', error });
    }
    rmSync(scope.work, { recursive: true, force: true }); // checkpoints are only for resuming
    scope.emit('done', 'the run is complete');
    return setRunStatus(ctx.store, { runId, status: 'completed' });
  } catch (e) {
    const { status, error } = runFailure(ctx, e);
    try {
      // A run marked interrupted meanwhile (the app quitting, see services/runs.ts) or taken over stays as it is.
      if (ownsRun(ctx.store, runId))
        setRunStatus(ctx.store, isAbort(e) ? { runId, status: 'cancelled' } : { runId, status, error: error.message });
    } catch (statusError) {
      // Still no room: the next start-up marks the run interrupted, as it does for any run whose process is gone.
      error.message += ` (and the run could not be marked ${status} yet: ${errorMessage(statusError)})`;
    }
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
}

const isAbort = (e: unknown) => (e as Error).name === CANCELLED;

/** 'student "a" was skipped at your request', or 'students "a" and "b" were …'. */
function skippedWords(names: readonly string[]): string {
  const quoted = names.map((n) => `"${n}"`);
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
  return `${names.length === 1 ? 'student' : 'students'} ${list} ${names.length === 1 ? 'was' : 'were'} skipped at your request`;
}

/**
 * How a run that stopped on `e` is recorded, in words for the user: a full disk leaves it interrupted (nothing is
 * wrong with the run, and the space it needs for that is kept aside, see disk-full.ts); an engine that died is said so.
 */
function runFailure(ctx: PipelineContext, e: unknown): { status: 'failed' | 'interrupted'; error: Error } {
  if (isDiskFull(e, ctx.store.dataDir)) {
    releaseSpaceReserve(ctx.store.paths);
    return { status: 'interrupted', error: diskFullError(ctx.store.dataDir, e) };
  }
  const crash = engineCrashOf(e);
  if (crash)
    return {
      status: 'failed',
      error: new Error(
        `${crashForUser(crash)}; what the run had finished is kept, and it can be resumed from its last finished epoch`,
        { cause: e },
      ),
    };
  return { status: 'failed', error: e as Error };
}

/**
 * The phases in order; returns the students that failed and those the user skipped (the others are trained and
 * scored all the same).
 */
async function runPhases(scope: RunScope): Promise<{ failed: { name: string; error: Error }[]; skipped: string[] }> {
  const prepared = await prepare(scope);
  await planTraining(scope, prepared);
  // Every corpus's teachers by seed; the students learn from the first seed's.
  const teacherSeeds = await trainTeachers({ ...scope, ...prepared });
  const teachers = teacherSeeds.map((seeded) => seeded[0]);

  // Distributions only for the aggregations of students still to distil (a λ = 0 student needs none).
  const toDistil = scope.config.students.filter((s) => !isMergedBaseline(s) && !finishedStudent(scope, s.name));
  const aggregations = [...new Set(toDistil.map((s) => s.aggregation))] as Normalise[];
  const targets: Map<Normalise, Targets> =
    aggregations.length > 0 ? await teacherDistributions({ ...scope, ...prepared, teachers, aggregations }) : new Map();

  const students: Student[] = [];
  const failed: { name: string; error: Error }[] = [];
  const skipped: string[] = [];
  for (const student of scope.config.students) {
    try {
      const outcome = await trainStudent({ ...scope, ...prepared, student, targets: targets.get(student.aggregation) });
      if ('trained' in outcome) students.push(outcome.trained);
      else skipped.push(outcome.skipped.name);
    } catch (e) {
      // A cancel, a full disk or a dead engine stop the run; a failure of this student's own stops only it.
      if (isAbort(e) || scope.signal.aborted || isDiskFull(e, scope.ctx.store.dataDir) || engineCrashOf(e)) throw e;
      failed.push({ name: student.name, error: e as Error });
      scope.plan.delete(studentPhase(student.name));
      scope.emit(studentPhase(student.name), `${student.name} failed: ${errorMessage(e)}; the other students go on`);
    }
  }
  await evaluate({ ...scope, ...prepared, teachers: teacherSeeds, students });
  return { failed, skipped };
}

/** The optimizer steps each model still to train will take (windows ≈ sentences), and their cost, for the whole
 *  run's ETA. */
async function planTraining(scope: RunScope, { corpora, merged }: Prepared): Promise<void> {
  const plan = async (sentences: Sentence[], s: TrainingSettings, model: ModelSource, labels: number) => {
    const config =
      'folder' in model ? await checkModelFolder(model.folder) : presetConfig(sizePreset(model.preset), SHIPPED_VOCAB);
    const words = sentences.reduce((n, x) => n + x.tokens.length, 0) / Math.max(sentences.length, 1);
    return {
      steps: s.epochs * Math.ceil(sentences.length / s.batchSize),
      stepCost: stepCost(config, labels, s.batchSize * words),
    };
  };
  const trained = new Set(listModels(scope.ctx.store, { runId: scope.run.id }).map((m) => m.name));
  for (const [i, seeded] of teacherSeedsInCorpusOrder(scope.config).entries()) {
    for (const t of seeded) {
      if (!('trained' in t.model) && !trained.has(teacherName(scope.config, t)))
        scope.plan.set(teacherPhase(teacherLabel(scope.config, t)), await plan(corpora[i].train, t, t.model, 3));
    }
  }
  for (const s of scope.config.students) {
    if (!trained.has(s.name))
      scope.plan.set(studentPhase(s.name), await plan(merged.train.sentences, s, s.model, merged.train.labels.length));
  }
}
