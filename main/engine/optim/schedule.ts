// Learning-rate schedule, computed in TypeScript and fed to the step graph as the `lr` input.

export interface LinearSchedule {
  peakLr: number;
  warmupSteps: number;
  totalSteps: number;
}

/**
 * HF get_linear_schedule_with_warmup: the learning rate of optimizer step `step` (0-based: the number of
 * updates already applied) rises linearly from 0 over the warmup, then falls linearly to 0 at totalSteps.
 */
export function linearWarmupDecay(s: LinearSchedule, step: number): number {
  if (step < s.warmupSteps) return (s.peakLr * step) / Math.max(1, s.warmupSteps);
  return s.peakLr * Math.max(0, (s.totalSteps - step) / Math.max(1, s.totalSteps - s.warmupSteps));
}
