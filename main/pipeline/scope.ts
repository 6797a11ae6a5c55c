// What every phase of a run is handed (the scope), and the few things phases share: starting a phase, recording
// its duration, training progress with an ETA for the whole run.
import type { RuntimeClient } from '../engine/runtime/client.ts';
import type { ProviderName } from '../engine/runtime/provider-choice.ts';
import { listMetrics, recordMetrics } from '../store/metrics.ts';
import { ownsRun, setRunPhase } from '../store/runs.ts';
import type { Store } from '../store/store.ts';
import type { RunConfig } from '../../shared/method/run-config.ts';
import type { Run } from '../../shared/store-types.ts';
import type { FineTuneHooks, FineTuneProgress } from './fine-tune.ts';

/** What a run needs of its surroundings: the store and the shipped files (the services' context has both). */
export interface PipelineContext {
  readonly store: Store;
  /** The shipped datasets/ and models/ (the shipped vocabulary of the size presets). */
  readonly resourcesFolder: string;
}

export interface RunEvent {
  /** 'prepare', 'teacher:<type>', 'distributions', 'student:<name>', 'evaluate' or 'done'. */
  readonly phase: string;
  readonly message: string;
  /** Fine-tuning progress, while a model trains. */
  readonly training?: FineTuneProgress;
  /** While a model trains: seconds left for the whole run's training, at this model's pace; null before it is known. */
  readonly runEtaSeconds?: number | null;
}

export interface RunHooks {
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: RunEvent) => void;
  /** A corpus named by its path was registered as a new dataset. */
  readonly onDatasetAdded?: (name: string) => void;
}

export interface PlannedTraining {
  readonly steps: number;
  readonly stepCost: number;
}

export interface RunScope {
  readonly ctx: PipelineContext;
  readonly client: RuntimeClient;
  readonly run: Run;
  readonly config: RunConfig;
  /** The provider the engine chose for the run (its config's "device"). */
  readonly device: ProviderName;
  /** The run's folder for checkpoints (removed once it completes). */
  readonly work: string;
  readonly hooks: RunHooks;
  readonly signal: AbortSignal;
  /**
   * The training still to do, by phase: optimizer steps (estimated from sentences and batch size) and what each
   * costs against the other models' (shared/models/step-cost.ts). The whole-run ETA comes from it; a phase leaves
   * it once done (or found done).
   */
  readonly plan: Map<string, PlannedTraining>;
  emit(phase: string, message: string, extra?: Pick<RunEvent, 'training' | 'runEtaSeconds'>): void;
}

/**
 * Starts a fresh engine host for the next model's training, so that what earlier work left in the host's memory
 * (onnxruntime's arenas, freed buffers the C library keeps for reuse: about 1 GB after two Tiny teachers and two
 * Tiny students) is not added to this model's peak.
 */
export const freshEngineHost = (scope: Pick<RunScope, 'client'>): Promise<void> => scope.client.restart();

/**
 * Runs one phase: checks the run is still this process's and not cancelled, records the phase on the run, and
 * adds the time it took to the phase's 'seconds' figure (a resumed phase adds to what it had).
 */
export async function inPhase<T>(scope: RunScope, name: string, message: string, work: () => Promise<T>): Promise<T> {
  const { store } = scope.ctx;
  scope.signal.throwIfAborted(); // a cancel during a phase without steps (reading corpora, saving) lands here
  // Another machine resumed this run after judging this process dead (see executeRun's heartbeat): leave it to it.
  if (!ownsRun(store, scope.run.id)) throw new Error(`run ${scope.run.id} was taken over by another process`);
  setRunPhase(store, scope.run.id, name);
  scope.emit(name, message);
  const started = performance.now();
  try {
    return await work();
  } finally {
    const before =
      listMetrics(store, scope.run.id, { phase: name }).find((m) => m.name === PHASE_SECONDS && m.epoch === 0)?.value ??
      0;
    recordMetrics(store, scope.run.id, [
      { phase: name, epoch: 0, name: PHASE_SECONDS, value: before + (performance.now() - started) / 1000 },
    ]);
  }
}

/** The figure holding a phase's duration in seconds (epoch 0 of its phase). */
export const PHASE_SECONDS = 'seconds';

/**
 * Seconds left for the whole run's training while `phase` trains: this model's pace times the steps left here and in
 * the phases after it, each counted in this model's steps by its cost (every step alike for a phase not planned).
 */
export function runEta(plan: RunScope['plan'], phase: string, p: FineTuneProgress): number | null {
  const left = p.totalSteps - p.step;
  if (p.etaSeconds === null) return null;
  if (left === 0) return 0;
  const here = plan.get(phase);
  const inSteps = (t: PlannedTraining) => t.steps * (here ? t.stepCost / here.stepCost : 1);
  const later = [...plan].reduce((n, [name, t]) => n + (name === phase ? 0 : inSteps(t)), 0);
  return p.etaSeconds + (p.etaSeconds / left) * later;
}

/** Fine-tuning hooks of a training phase: each epoch's figures recorded, progress passed on with the whole run's ETA. */
export function trainingHooks(scope: RunScope, phase: string): FineTuneHooks {
  const { store } = scope.ctx;
  return {
    signal: scope.signal,
    onProgress: (p) => {
      const runEtaSeconds = runEta(scope.plan, phase, p);
      scope.emit(phase, `epoch ${p.epoch}/${p.epochs}, step ${p.step}/${p.totalSteps}, loss ${p.loss.toFixed(4)}`, {
        training: p,
        runEtaSeconds,
      });
    },
    onNote: (message) => scope.emit(phase, message),
    onEpoch: (e) => {
      recordMetrics(store, scope.run.id, [
        { phase, epoch: e.epoch, name: 'train_loss', value: e.trainLoss },
        { phase, epoch: e.epoch, name: 'selection_score', value: e.score },
        ...Object.entries(e.figures).map(([name, value]) => ({ phase, epoch: e.epoch, name: `dev_${name}`, value })),
      ]);
      scope.emit(
        phase,
        `epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, selection score ${e.score.toFixed(4)}${e.best ? ' (best so far)' : ''}`,
      );
    },
  };
}
