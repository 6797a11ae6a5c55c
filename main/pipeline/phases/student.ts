// Phase 4, once per student: trained on λ·KD + (1−λ)·GT over the merged training set (paper eqs 12–15), its
// checkpoint chosen by the mean F1 over the corpora on dev. A student with λ = 0 is the paper's Merged baseline:
// it learns from the merged gold labels only and needs no teachers. Each student checkpoints in its own folder,
// so an interrupted one resumes at its last finished epoch and the students before it are not trained again.
// A student the user asks to skip (main/store/student-skips.ts: from the window or another terminal) stops at its next
// step, its last finished epoch kept, and the run goes on without it; resuming the run trains it.
import { join } from 'node:path';
import { listModels } from '../../store/models.ts';
import { recordMetrics } from '../../store/metrics.ts';
import { markStudentSkipped, studentSkipRequested } from '../../store/student-skips.ts';
import { lossWeights } from '../../../shared/method/loss-config.ts';
import { meanF1, scoreOnCorpus } from '../../../shared/method/per-corpus.ts';
import { isMergedBaseline, studentLossConfig, type StudentConfig } from '../../../shared/method/run-config.ts';
import type { Model } from '../../../shared/store-types.ts';
import { encodeSentences } from '../../../shared/tokenizers/encode.ts';
import { fineTune, hasCheckpoint, type FineTuneHooks } from '../fine-tune.ts';
import { peakMemoryMB, resetPeakMemory } from '../host-memory.ts';
import {
  labelled,
  saveRunModel,
  selection,
  startingModel,
  storedModelFolder,
  windowsFor,
  type Starting,
} from '../run-models.ts';
import { freshEngineHost, inPhase, trainingHooks, type RunScope } from '../scope.ts';
import type { Targets } from './distributions.ts';
import { sliceOf, typed, type Prepared } from './prepare.ts';

export interface Student {
  readonly settings: StudentConfig;
  readonly model: Model;
  readonly start: Starting;
}

export const studentPhase = (name: string) => `student:${name}`;

/** The stored model of a student this run finished, if any. */
export const finishedStudent = (scope: RunScope, name: string): Model | undefined =>
  listModels(scope.ctx.store, { runId: scope.run.id, kind: 'student' }).find((m) => m.name === name);

/** What a student learns from, in the words the run's progress uses. */
export const studentRecipe = (s: StudentConfig, teachers: number): string =>
  isMergedBaseline(s)
    ? 'trained on the merged gold labels (the Merged baseline)'
    : `distilled from ${teachers} teachers (λ = ${s.lambda})`;

/** A student trained (or found trained), or one the user skipped. */
export type StudentOutcome = { readonly trained: Student } | { readonly skipped: StudentConfig };

type StudentScope = RunScope & Prepared & { student: StudentConfig; targets?: Targets };

export async function trainStudent(scope: StudentScope): Promise<StudentOutcome> {
  const { ctx, merged, student } = scope;
  const phase = studentPhase(student.name);
  const done = finishedStudent(scope, student.name);
  if (done) {
    scope.plan.delete(phase);
    const folder = storedModelFolder(ctx, done);
    const start = await startingModel(ctx, student.name, { folder }, merged.train.labels, student);
    return { trained: { settings: student, model: done, start } };
  }
  // Read between two steps: a skip asked for from anywhere reaches this process at the next one.
  const skip = new AbortController();
  const skipAsked = () => studentSkipRequested(ctx.store, scope.run.id, student.name);
  const hooks = trainingHooks(scope, phase);
  try {
    if (!skipAsked()) {
      const trained = await fineTuneStudent(scope, {
        ...hooks,
        signal: AbortSignal.any([scope.signal, skip.signal]),
        onProgress: (p) => {
          hooks.onProgress?.(p);
          if (skipAsked()) skip.abort();
        },
      });
      return { trained };
    }
  } catch (e) {
    // The run's own cancel (or a failure before the skip) goes on up; the skip stops this student alone.
    if (!skip.signal.aborted || scope.signal.aborted) throw e;
  } finally {
    scope.plan.delete(phase);
  }
  markStudentSkipped(ctx.store, scope.run.id, student.name);
  const resumes = hasCheckpoint(studentDir(scope))
    ? 'its last finished epoch is kept, and resuming the run trains it from there'
    : 'it had not finished an epoch, so resuming the run trains it from the start';
  scope.emit(phase, `${student.name} skipped at your request (${resumes}); the other students go on`);
  return { skipped: student };
}

/** Where a student's fine-tune keeps its checkpoints. */
const studentDir = ({ work, student }: StudentScope) => join(work, `student-${student.name.replace(/[^\w.-]+/g, '-')}`);

async function fineTuneStudent(scope: StudentScope, hooks: FineTuneHooks): Promise<Student> {
  const { ctx, config, corpora, merged, student } = scope;
  const labels = merged.train.labels;
  const phase = studentPhase(student.name);
  return inPhase(scope, phase, `${student.name}: ${studentRecipe(student, corpora.length)}`, async () => {
    const start = await startingModel(ctx, student.name, student.model, labels, student);
    const windows = windowsFor(student);
    const split = config.checkpointSelection;
    const loss = studentLossConfig(student);
    const distilled = !isMergedBaseline(student);
    if (distilled && !scope.targets) throw new Error(`${student.name}: the teachers' distributions are missing`);
    await freshEngineHost(scope);
    const pid = scope.client.hostPid();
    const measured = resetPeakMemory(pid);
    const result = await fineTune(
      scope.client,
      {
        config: start.config,
        initial: start.initial,
        padId: start.tokenizer.special.pad,
        train: encodeSentences(start.tokenizer, labelled(merged.train.sentences, labels), windows),
        // λ = 0 trains on gold cross-entropy alone, as a teacher does.
        ...(distilled
          ? { teacherTargets: scope.targets, loss: { ...loss, weights: lossWeights(loss, labels.length) } }
          : {}),
        selection: selection(start.tokenizer, merged[split].sentences, windows, (pred) => {
          const scores = corpora.map((c, i) => scoreOnCorpus(typed(c, split), sliceOf(merged[split], i, pred)));
          return {
            score: meanF1(scores),
            figures: Object.fromEntries([
              ['meanF1', meanF1(scores)],
              ...scores.map((s) => [`f1:${s.type}`, s.lenient.f1]),
            ]),
          };
        }),
        settings: student,
        provider: config.device,
        dir: studentDir(scope),
      },
      hooks,
    );
    // Samples (sentences) per second over the epochs trained, their dev scoring included; peak memory of this session.
    const seconds = result.history.reduce((n, e) => n + e.seconds, 0);
    const peak = measured ? peakMemoryMB(pid) : null;
    recordMetrics(ctx.store, scope.run.id, [
      {
        phase,
        epoch: 0,
        name: 'train_samples_per_second',
        value: (merged.train.sentences.length * result.history.length) / Math.max(seconds, 1e-6),
      },
      ...(peak === null ? [] : [{ phase, epoch: 0, name: 'peak_memory_mb', value: peak }]),
    ]);
    const model = await saveRunModel(ctx, scope.run.id, 'student', student.name, start, result.params, student);
    return { settings: student, model, start: { ...start, initial: result.params } };
  });
}
