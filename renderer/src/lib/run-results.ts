// A run's recorded figures arranged as the pages show them: per corpus, teachers beside the student (the
// paper's Tables IV–VI), per-epoch curves per phase, and each student's summary for comparing runs (Table V).
import type { RunDetails } from '../../../shared/ipc/contract.ts';
import type { EvalMode, Evaluation, Model, RunMetric } from '../../../shared/store-types.ts';

export type RunDataset = RunDetails['datasets'][number];

interface ModelScores {
  model: Model;
  evaluation: Evaluation;
}

interface CorpusResults {
  dataset: RunDataset;
  /** Teachers first, then the student. */
  rows: ModelScores[];
}

const KIND_ORDER: Record<Model['kind'], number> = { pretrained: 0, teacher: 1, student: 2 };

/** Each corpus's test scores of every model the run scored on it, in one matching mode. */
export function corpusResults(details: RunDetails, mode: EvalMode): CorpusResults[] {
  const models = new Map(details.models.map((m) => [m.id, m]));
  return details.datasets
    .map((dataset) => ({
      dataset,
      rows: details.evaluations
        .filter((e) => e.datasetId === dataset.id && e.mode === mode && models.has(e.modelId))
        .map((evaluation) => ({ model: models.get(evaluation.modelId)!, evaluation }))
        .sort((a, b) => KIND_ORDER[a.model.kind] - KIND_ORDER[b.model.kind]),
    }))
    .filter((c) => c.rows.length > 0);
}

/** A corpus's name with its entity type, e.g. "NCBI-disease (Disease)". */
export const datasetLabel = (d: RunDataset): string => (d.entityTypes.length > 0 ? `${d.name} (${d.entityTypes.join(', ')})` : d.name);

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
    const point = phase.get(m.epoch) ?? phase.set(m.epoch, { epoch: m.epoch, trainLoss: null, selectionScore: null }).get(m.epoch)!;
    if (m.name === 'train_loss') point.trainLoss = m.value;
    else point.selectionScore = m.value;
  }
  return [...curves].map(([phase, points]) => ({ phase, points: [...points.values()].sort((a, b) => a.epoch - b.epoch) }));
}

export interface StudentSummary {
  runId: number;
  runName: string;
  student: Model;
  /** Lenient test F1 per dataset id. */
  f1: Map<number, number>;
  meanF1: number;
  /** The student labels every test split in one pass, so its speed is one figure (the mean of what was recorded). */
  wordsPerSecond: number | null;
}

/** A run's scored students, one summary each, for comparing architectures and λ values. */
export function studentSummaries(details: RunDetails): StudentSummary[] {
  return details.models.filter((m) => m.kind === 'student').flatMap((student) => {
    const summary = scoredStudent(details, student);
    return summary ? [summary] : [];
  });
}

function scoredStudent(details: RunDetails, student: Model): StudentSummary | null {
  const scored = details.evaluations.filter((e) => e.modelId === student.id && e.mode === 'lenient');
  if (scored.length === 0) return null;
  const speeds = scored.map((e) => e.wordsPerSecond).filter((s): s is number => s !== null);
  return {
    runId: details.run.id,
    runName: details.run.name,
    student,
    f1: new Map(scored.map((e) => [e.datasetId, e.f1])),
    meanF1: scored.reduce((sum, e) => sum + e.f1, 0) / scored.length,
    wordsPerSecond: speeds.length > 0 ? speeds.reduce((a, b) => a + b, 0) / speeds.length : null,
  };
}
