// Phase 5, evaluate: every teacher (each seed's) and every student scored on each corpus's test split (P/R/F1,
// lenient and strict; paper Tables IV–V), Cohen's kappa per corpus over the ground truth, the students' teacher and
// every student (Fig. 2; a student's mentions of another type count as O there, footnote 5), and the error
// categories of every model on every corpus (Table VI). Scoring again (a student added later) replaces the earlier rows.
import { saveAgreement } from '../../store/agreements.ts';
import { deleteArtifact, listArtifacts, writeArtifact } from '../../store/artifacts.ts';
import { saveErrorAnalysis } from '../../store/error-analyses.ts';
import { saveEvaluation } from '../../store/evaluations.ts';
import { recordMetrics } from '../../store/metrics.ts';
import { agreementMatrix } from '../../../shared/method/agreement.ts';
import { analyseErrors } from '../../../shared/method/errors.ts';
import { scoreOnCorpus } from '../../../shared/method/per-corpus.ts';
import type { Model } from '../../../shared/store-types.ts';
import { predictLabels, type Labelling } from '../run-models.ts';
import { inPhase, type RunScope } from '../scope.ts';
import { sliceOf, typed, type Prepared, type RunCorpus } from './prepare.ts';
import { studentPhase, type Student } from './student.ts';
import type { Teacher } from './teachers.ts';

export const EVALUATE = 'evaluate';

/** "1 student", "2 students". */
const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The name of a model's stored test predictions on a dataset (a 'predictions' artifact of its run and model). */
export const testPredictionsName = (datasetId: number) => `test:dataset-${datasetId}`;

/** `teachers`: each corpus's teachers by seed; the first, the students' teacher, is the one in the kappa matrix. */
export async function evaluate(
  scope: RunScope & Prepared & { teachers: readonly (readonly Teacher[])[]; students: readonly Student[] },
): Promise<void> {
  const { ctx, run, config, corpora, merged, teachers, students } = scope;
  const { store } = ctx;
  await inPhase(
    scope,
    EVALUATE,
    `scoring ${counted(teachers.flat().length, 'teacher')} and ${counted(students.length, 'student')} on each test split`,
    async () => {
      // Each student labels the whole merged test split once.
      const studentTests: Labelling<string[][]>[] = [];
      for (const s of students) {
        const labelling = await predictLabels(
          scope.client,
          config.device,
          s.start,
          merged.test.sentences,
          s.settings,
          scope.signal,
        );
        recordMetrics(store, run.id, [
          {
            phase: studentPhase(s.settings.name),
            epoch: 0,
            name: 'infer_samples_per_second',
            value: labelling.samplesPerSecond,
          },
        ]);
        studentTests.push(labelling);
      }
      const record = async (model: Model, corpus: RunCorpus, pred: string[][], wordsPerSecond: number) => {
        const scored = scoreOnCorpus(typed(corpus, 'test'), pred);
        for (const mode of ['lenient', 'strict'] as const) {
          saveEvaluation(store, {
            runId: run.id,
            modelId: model.id,
            datasetId: corpus.datasetId,
            split: 'test',
            mode,
            ...scored[mode],
            perType: { [corpus.type]: scored[mode] },
            wordsPerSecond,
          });
        }
        const errors = analyseErrors(corpus.test, corpus.type, pred);
        // Each example carries its sentence's words, so the window can show it (Table VII) without reading the corpus.
        const examples = errors.examples.map((x) => ({ ...x, words: corpus.test[x.sentence].tokens }));
        saveErrorAnalysis(store, {
          runId: run.id,
          modelId: model.id,
          datasetId: corpus.datasetId,
          split: 'test',
          counts: errors.counts,
          details: JSON.parse(JSON.stringify({ examples })),
        });
        // The labels themselves, so agreement can be measured across runs that share this corpus (Compare). Scoring
        // again (a resumed run, an added student) replaces them, as it replaces the evaluations.
        const name = testPredictionsName(corpus.datasetId);
        for (const old of listArtifacts(store, { runId: run.id, modelId: model.id, kind: 'predictions' })) {
          if (old.name === name) deleteArtifact(store, old.id);
        }
        await writeArtifact(store, Buffer.from(JSON.stringify({ datasetId: corpus.datasetId, labels: pred })), {
          kind: 'predictions',
          name,
          runId: run.id,
          modelId: model.id,
        });
      };
      for (const [i, corpus] of corpora.entries()) {
        const teacherTests: Labelling<string[][]>[] = [];
        for (const teacher of teachers[i]) {
          const labelling = await predictLabels(
            scope.client,
            config.device,
            teacher.start,
            corpus.test,
            teacher.settings,
            scope.signal,
          );
          await record(teacher.model, corpus, labelling.values, labelling.wordsPerSecond);
          teacherTests.push(labelling);
        }
        const [teacher] = teachers[i];
        const [teacherTest] = teacherTests;
        const studentPreds: string[][][] = [];
        for (const [k, s] of students.entries()) {
          studentPreds.push(sliceOf(merged.test, i, studentTests[k].values));
          await record(s.model, corpus, studentPreds[k], studentTests[k].wordsPerSecond);
        }
        const agreement = agreementMatrix([
          { name: 'ground truth', covers: [corpus.type], labels: corpus.test.flatMap((s) => s.labels) },
          { name: teacher.model.name, covers: [corpus.type], labels: teacherTest.values.flat() },
          ...students.map((s, k) => ({
            name: s.model.name,
            covers: corpora.map((c) => c.type),
            labels: studentPreds[k].flat(),
          })),
        ]);
        saveAgreement(store, {
          runId: run.id,
          datasetId: corpus.datasetId,
          split: 'test',
          labels: agreement.names,
          matrix: agreement.matrix as number[][],
        });
      }
    },
  );
}
