// A run's recorded figures arranged as the pages show them: per-epoch curves per phase. The paper's comparison
// tables are comparison.ts's.
import type { RunDetails } from '../../../shared/ipc/contract.ts';
import type { RunMetric } from '../../../shared/store-types.ts';

export type RunDataset = RunDetails['datasets'][number];

/** A corpus's name with its entity type, e.g. "NCBI-disease (Disease)". */
export const datasetLabel = (d: RunDataset): string =>
  d.entityTypes.length > 0 ? `${d.name} (${d.entityTypes.join(', ')})` : d.name;

export interface Curve {
  phase: string;
  /** Per epoch, in epoch order. */
  points: { epoch: number; trainLoss: number | null; selectionScore: number | null }[];
}

/** Train loss and selection score per epoch of each phase, phases in the order they were recorded. */
export function epochCurves(metrics: readonly RunMetric[]): Curve[] {
  const curves = new Map<string, Map<number, Curve['points'][number]>>();
  for (const m of metrics) {
    if (m.step !== null || (m.name !== 'train_loss' && m.name !== 'selection_score')) continue;
    const phase = curves.get(m.phase) ?? curves.set(m.phase, new Map()).get(m.phase)!;
    const point =
      phase.get(m.epoch) ?? phase.set(m.epoch, { epoch: m.epoch, trainLoss: null, selectionScore: null }).get(m.epoch)!;
    if (m.name === 'train_loss') point.trainLoss = m.value;
    else point.selectionScore = m.value;
  }
  return [...curves].map(([phase, points]) => ({
    phase,
    points: [...points.values()].sort((a, b) => a.epoch - b.epoch),
  }));
}
