// Phase 3, distributions (paper eqs 9–11): each teacher's B/I/O distribution per word of the merged training set,
// aggregated over the students' labels Y_multi (the paper's normalised products, or the authors' softmax).
// Computed once per aggregation a distilling student asks for, and stored under a key of what they depend on
// (the teacher models and how they label, the corpora and the sentences kept, the aggregation): a later run with
// the same key, or this run resumed, reads them back instead.
import { createHash } from 'node:crypto';
import {
  artifactFile,
  findArtifact,
  shareArtifact,
  writeArtifact,
  deleteArtifact,
  verifyArtifact,
} from '../../store/artifacts.ts';
import { recordMetrics } from '../../store/metrics.ts';
import { readSafetensors, safetensorsChunks } from '../../tensors/safetensors.ts';
import { tensor } from '../../tensors/tensor.ts';
import { aggregateBatch, type Normalise } from '../../../shared/method/aggregate.ts';
import { predictProbs } from '../run-models.ts';
import { inPhase, type RunScope } from '../scope.ts';
import type { Prepared } from './prepare.ts';
import type { Teacher } from './teachers.ts';

/** Per train sentence, per word, the aggregated distribution over the students' labels. */
export type Targets = Float32Array[][];

export const DISTRIBUTIONS = 'distributions';
/** The run's figure that says whether its distributions (of one aggregation) came from another run: 1 or 0. */
export const reusedFigure = (aggregation: string) => `reused:${aggregation}`;

/** The aggregated distributions for each aggregation in `aggregations` (those of the students still to distil). */
export async function teacherDistributions(
  scope: RunScope & Prepared & { teachers: readonly Teacher[]; aggregations: readonly Normalise[] },
): Promise<Map<Normalise, Targets>> {
  const { ctx, run, merged, teachers } = scope;
  const labels = merged.train.labels;
  const out = new Map<Normalise, Targets>();
  let stacked: Float32Array | undefined; // every teacher's [B, I, O] per word, computed at most once
  for (const aggregation of scope.aggregations) {
    const name = `teacher distributions ${cacheKey(scope, aggregation)}`;
    let stored = findArtifact(ctx.store, 'teacher-distributions', name);
    while (stored && !(await verifyArtifact(ctx.store, stored))) {
      // Damaged since it was written (it is named by its sha256): the teachers label the training set again instead.
      scope.emit(
        DISTRIBUTIONS,
        `${artifactFile(ctx.store, stored)} (the stored teacher distributions) is damaged: its content no longer matches its sha256; computing them again`,
      );
      deleteArtifact(ctx.store, stored.id);
      stored = findArtifact(ctx.store, 'teacher-distributions', name);
    }
    let flat: Float32Array;
    if (stored) {
      if (stored.runId !== run.id) {
        scope.emit(
          DISTRIBUTIONS,
          `reusing the teachers' distributions (${aggregation}) computed by run ${stored.runId ?? '(deleted)'}: same teachers, corpora and aggregation`,
        );
        shareArtifact(ctx.store, stored, { kind: 'teacher-distributions', name, runId: run.id }); // kept while this run is
        recordMetrics(ctx.store, run.id, [
          { phase: DISTRIBUTIONS, epoch: 0, name: reusedFigure(aggregation), value: 1 },
        ]);
      }
      flat = (await readSafetensors(artifactFile(ctx.store, stored))).tensors.get('targets')!.data as Float32Array;
    } else {
      flat = await inPhase(
        scope,
        DISTRIBUTIONS,
        `the ${teachers.length} teachers label the merged training set (${aggregation})`,
        async () => {
          stacked ??= await teachersOnTrain(scope);
          const aggregated = aggregateBatch(stacked, teachers.length, aggregation);
          const words = aggregated.length / labels.length;
          const file = safetensorsChunks(
            { targets: tensor('float32', [words, labels.length], aggregated) },
            { labels: labels.join(' ') },
          );
          await writeArtifact(ctx.store, file, { kind: 'teacher-distributions', name, runId: run.id });
          recordMetrics(ctx.store, run.id, [
            { phase: DISTRIBUTIONS, epoch: 0, name: reusedFigure(aggregation), value: 0 },
          ]);
          return aggregated;
        },
      );
    }
    const targets: Targets = [];
    let w = 0;
    for (const s of merged.train.sentences)
      targets.push(s.tokens.map(() => flat.subarray(w * labels.length, ++w * labels.length)));
    out.set(aggregation, targets);
  }
  return out;
}

/** Each teacher's [B, I, O] per word of the merged training set: word w, teacher i at (w · teachers + i) · 3. */
async function teachersOnTrain(scope: RunScope & Prepared & { teachers: readonly Teacher[] }): Promise<Float32Array> {
  const { sentences } = scope.merged.train;
  const { teachers } = scope;
  const words = sentences.reduce((n, s) => n + s.tokens.length, 0);
  const stacked = new Float32Array(words * teachers.length * 3);
  for (const [i, t] of teachers.entries()) {
    const { values } = await predictProbs(
      scope.client,
      scope.config.device,
      t.start,
      sentences,
      t.settings,
      scope.signal,
    );
    let w = 0;
    for (const sentence of values) for (const row of sentence) stacked.set(row, (w++ * teachers.length + i) * 3);
  }
  return stacked;
}

/**
 * What the distributions depend on, hashed: each teacher model (its tokenizer is in its folder) and the window
 * length it labels with, each corpus's content, the training sentences themselves (long ones may have been
 * dropped) and the aggregation.
 */
function cacheKey(scope: Prepared & { teachers: readonly Teacher[] }, aggregation: Normalise): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      teachers: scope.teachers.map((t) => ({ model: t.model.id, type: t.type, maxLength: t.settings.maxLength })),
      corpora: scope.corpora.map((c) => ({ dataset: c.datasetId, content: c.contentHash })),
      labels: scope.merged.train.labels,
      aggregation,
    }),
  );
  for (const s of scope.merged.train.sentences) hash.update(s.tokens.join(' ')).update('\n');
  return hash.digest('hex');
}
