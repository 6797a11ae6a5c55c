// What a run's status and phase mean in words, and which actions each status allows.
import type { RunProgress } from '../../../shared/ipc/contract.ts';
import type { Run, RunStatus } from '../../../shared/store-types.ts';
import type { Device } from './run-wizard.ts';

export const STATUS_LABELS: Record<RunStatus, string> = {
  queued: 'Waiting to start',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

/** The student a phase trains ('student:NAME'), or null for another phase. */
export const studentOfPhase = (phase: string | null): string | null =>
  (phase === null ? null : /^student:(.+)$/.exec(phase)?.[1]) ?? null;

/** A pipeline phase ('teacher:Disease', 'student:student 1', …) as a sentence. */
export function phaseLabel(phase: string | null): string {
  if (phase === null) return '—';
  const teacher = /^teacher:(.+)$/.exec(phase);
  if (teacher) return `Training the ${teacher[1]} teacher`;
  const student = studentOfPhase(phase);
  if (student) return `Training ${student}`;
  const labels: Record<string, string> = {
    prepare: 'Reading the corpora',
    distributions: 'Teachers labelling the training set',
    student: 'Training the student',
    evaluate: 'Scoring on the test splits',
    done: 'Done',
  };
  return labels[phase] ?? phase;
}

/** Where a run is: its live phase while it trains, where it stopped otherwise, 'Done' once completed. */
export const runPhaseLabel = (run: Run, progress: RunProgress | null): string =>
  run.status === 'completed' ? phaseLabel('done') : phaseLabel(progress?.phase ?? run.phase);

/** The executing run stops after its current step; a waiting one is marked cancelled at once. */
export const canCancel = (run: Run, executing: boolean): boolean => executing || run.status === 'queued';
/** Continues from the last finished epoch; a failed run is retried the same way. */
export const canResume = (run: Run, executing: boolean): boolean =>
  !executing && ['interrupted', 'failed', 'queued'].includes(run.status);
/** Any run that is not training (the models it produced stay). */
export const canDelete = (run: Run, executing: boolean): boolean => !executing && run.status !== 'running';

export const DEVICE_LABELS: Record<Device, string> = {
  auto: 'Automatic: the fastest that works on this computer',
  cpu: 'Processor (CPU)',
  webgpu: 'GPU through WebGPU',
  cuda: 'NVIDIA GPU (CUDA)',
};

/**
 * The progress to show after an event: an event without training figures (an epoch's summary) keeps the bar of
 * the same phase where it was, so it does not blink away between steps.
 */
export function nextProgress(previous: RunProgress | null | undefined, event: RunProgress): RunProgress {
  if (event.training || previous?.phase !== event.phase) return event;
  return { ...event, training: previous.training };
}
