// Phase 2, teachers: one per corpus, matched by entity type (paper §III-B). A teacher named { "trained": ID } is
// a teacher already in the store, used as it is once its labels are checked; the others are fine-tuned on their
// own corpus, the checkpoint chosen on dev (or, as the authors' code did, on test), once per seed where the config
// lists several (the first seed's teacher is the students'). A teacher this run already trained (a resumed run) is
// read back from its folder.
import { join } from 'node:path';
import { loadModelFolder } from '../../models/model-folder.ts';
import { getModel, listModels } from '../../store/models.ts';
import { prf } from '../../../shared/metrics/prf.ts';
import {
  teacherLabel,
  teacherName,
  teacherSeedsInCorpusOrder,
  type TeacherConfig,
} from '../../../shared/method/run-config.ts';
import type { Model } from '../../../shared/store-types.ts';
import { encodeSentences } from '../../../shared/tokenizers/encode.ts';
import { fineTune } from '../fine-tune.ts';
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
import { sliceOf, type Prepared, type RunCorpus } from './prepare.ts';

export interface Teacher {
  readonly type: string;
  readonly model: Model;
  readonly start: Starting;
  readonly settings: TeacherConfig;
  /** Trained by this run (false: a trained teacher taken from the store). */
  readonly trainedHere: boolean;
}

export const teacherLabels = (type: string) => [`B-${type}`, `I-${type}`, 'O'];
/** The phase of the teacher labelled `label` ("Disease", or "Disease (seed 2)"; see teacherLabel). */
export const teacherPhase = (label: string) => `teacher:${label}`;

/** Every corpus's teachers by seed, in corpus order (the students learn from each corpus's first). */
export async function trainTeachers(scope: RunScope & Prepared): Promise<Teacher[][]> {
  const { config, corpora } = scope;
  const settings = teacherSeedsInCorpusOrder(config);
  // Teachers taken from the store (one per corpus: they have no seeds) are checked before any teacher trains.
  const taken: (Teacher | undefined)[] = [];
  for (const [t] of settings)
    taken.push('trained' in t.model ? await storedTeacher(scope, t, t.model.trained) : undefined);
  const teachers: Teacher[][] = [];
  for (const [i, corpus] of corpora.entries()) {
    const seeded: Teacher[] = [];
    for (const t of settings[i]) seeded.push(taken[i] ?? (await trainTeacher(scope, corpus, i, t)));
    teachers.push(seeded);
  }
  return teachers;
}

/** Fine-tunes teacher `t` of corpus i on that corpus, or reads it back where this run already trained it. */
async function trainTeacher(
  scope: RunScope & Prepared,
  corpus: RunCorpus,
  i: number,
  t: TeacherConfig,
): Promise<Teacher> {
  const { ctx, config, merged } = scope;
  const labels = teacherLabels(corpus.type);
  const label = teacherLabel(config, t);
  const phase = teacherPhase(label);
  const name = teacherName(config, t);
  const done = listModels(ctx.store, { runId: scope.run.id, kind: 'teacher' }).find((m) => m.name === name);
  if (done)
    return {
      type: corpus.type,
      model: done,
      start: await startingModel(ctx, name, { folder: storedModelFolder(ctx, done) }, labels, t),
      settings: t,
      trainedHere: true,
    };
  const teacher = await inPhase(scope, phase, `fine-tuning the ${label} teacher on ${corpus.name}`, async () => {
    const source = t.model as Exclude<TeacherConfig['model'], { trained: number }>;
    const start = await startingModel(ctx, `the ${label} teacher`, source, labels, t);
    const windows = windowsFor(t);
    const split = merged[config.checkpointSelection];
    const own = sliceOf(split, i, split.sentences);
    await freshEngineHost(scope);
    const result = await fineTune(
      scope.client,
      {
        config: start.config,
        initial: start.initial,
        padId: start.tokenizer.special.pad,
        train: encodeSentences(
          start.tokenizer,
          labelled(sliceOf(merged.train, i, merged.train.sentences), labels),
          windows,
        ),
        selection: selection(start.tokenizer, own, windows, (pred) => {
          const s = prf(
            own.map((x) => x.labels),
            pred,
            'lenient',
          ).micro;
          return { score: s.f1, figures: { precision: s.precision, recall: s.recall, f1: s.f1 } };
        }),
        settings: t,
        provider: config.device,
        dir: join(scope.work, `teacher-${label.replace(/[^\w.-]+/g, '-')}`),
      },
      trainingHooks(scope, phase),
    );
    const model = await saveRunModel(ctx, scope.run.id, 'teacher', name, start, result.params, t);
    return { type: corpus.type, model, start: { ...start, initial: result.params }, settings: t, trainedHere: true };
  });
  scope.plan.delete(phase);
  return teacher;
}

/** A teacher already in the store, refused unless it predicts exactly this corpus type's B/I/O. */
async function storedTeacher(scope: RunScope, t: TeacherConfig, modelId: number): Promise<Teacher> {
  const who = `the ${t.type} teacher`;
  const model = getModel(scope.ctx.store, modelId);
  if (!model)
    throw new Error(`${who}: there is no model ${modelId} in the store (taughtnet models list shows the models there)`);
  const folder = storedModelFolder(scope.ctx, model);
  const labels = teacherLabels(t.type);
  const found = (await loadModelFolder(folder)).config.labels;
  if (found?.join() !== labels.join()) {
    throw new Error(
      `${who}: model ${modelId} ("${model.name}") predicts ${found?.join(', ') ?? 'no named labels'}, not ${labels.join(', ')}; ` +
        `give the id of a teacher trained on a ${t.type} corpus, or train one with { "preset": … } or { "folder": … }`,
    );
  }
  return {
    type: t.type,
    model,
    start: await startingModel(scope.ctx, who, { folder }, labels, t),
    settings: t,
    trainedHere: false,
  };
}
