// How long a run will take on this machine, and the memory it needs, before it starts (the wizard's review step).
// Each model shape the run trains goes through what the run does with it, briefly, in the engine host: a training
// session (its state opened and programs built, steps on batches of the run's own first epoch chosen across their
// sizes, an epoch's end: a few dev sentences scored, the best parameters and the checkpoint written), then a
// labelling session as the distributions and the test scoring open one. Each part is multiplied by how often the run
// does it: every batch of an epoch by its size, epochs, sentences labelled, sessions. (Before, a forward pass was
// counted as a third of a training step per batch and the sessions' start and writes not at all: the README's "The
// wizard's estimate" has both against measured runs.) Nothing is written to the store.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadDataset } from '../corpus/dataset.ts';
import { tempFolder } from '../files/temp-folder.ts';
import type { RuntimeClient } from '../engine/runtime/client.ts';
import { getDataset } from '../store/datasets.ts';
import { getModel } from '../store/models.ts';
import { mergeCorpora } from '../../shared/corpus/merge.ts';
import { groupBy } from '../../shared/group-by.ts';
import type { Sentence } from '../../shared/corpus/types.ts';
import type { RunEstimate } from '../../shared/runs.ts';
import { DEFAULT_LOSS, lossWeights } from '../../shared/method/loss-config.ts';
import {
  isMergedBaseline,
  teacherName,
  teacherSeedsInCorpusOrder,
  type ModelSource,
  type RunConfig,
  type TrainingSettings,
} from '../../shared/method/run-config.ts';
import { encodeSentences, type EncodedWindow } from '../../shared/tokenizers/encode.ts';
import { epochBatches, fineTune } from './fine-tune.ts';
import { peakMemoryMB, resetPeakMemory } from './host-memory.ts';
import { checkStepMemory, thisMachine } from './preflight.ts';
import { teacherLabels } from './phases/teachers.ts';
import {
  labelled,
  predictProbs,
  selection,
  startingModel,
  storedModelFolder,
  windowsFor,
  type Starting,
} from './run-models.ts';
import type { PipelineContext } from './scope.ts';

/**
 * The run's first epoch is cut into this many groups of batches by padded size: one batch of each (its median) and
 * the longest batch are the training steps timed per model shape (the first of them, the engine's warm-up, apart).
 */
const SIZE_GROUPS = 5;
/** Dev sentences labelled per model shape, to time labelling. */
const LABELLED_SENTENCES = 64;
/** Dev sentences scored at the timed training's epoch end (its labelling is timed apart). */
const SCORED_SENTENCES = 8;

interface Splits {
  readonly type: string;
  readonly train: Sentence[];
  readonly dev: Sentence[];
  readonly test: Sentence[];
}

/** A corpus of the config, read without registering it (the run registers it when it starts). */
async function readCorpus(ctx: PipelineContext, c: RunConfig['corpora'][number]): Promise<Splits> {
  let folder = 'path' in c ? resolve(c.path) : '';
  let split;
  if ('dataset' in c) {
    const stored = getDataset(ctx.store, c.dataset);
    if (!stored) throw new Error(`dataset ${c.dataset} is not in the store`);
    folder = stored.source;
    split = stored.split ?? undefined;
  }
  const { splits } = await loadDataset(folder, { split });
  const of = (name: string) => {
    if (!splits[name])
      throw new Error(`${folder}: the corpus needs a ${name} split; it has ${Object.keys(splits).join(', ')}`);
    return splits[name].sentences;
  };
  return { type: c.type, train: of('train'), dev: of('dev'), test: of('test') };
}

/** What training one model shape costs here, each part measured once. */
interface TrainingTiming {
  /** A training session's start: its state opened in the engine, its programs built and loaded. */
  readonly setupSeconds: number;
  /** An epoch's steps, each from the time of a step of its padded size (see stepTimeModel). */
  readonly epochStepSeconds: number;
  readonly stepsPerEpoch: number;
  /** An epoch's end besides dev scoring: the best parameters read back and written, the checkpoint written. */
  readonly epochEndSeconds: number;
  readonly peakMemoryMB: number | null;
}

/** What labelling with one model shape costs here. */
interface LabellingTiming {
  /** A labelling session's start (distributions, test scoring): the parameters opened, the program loaded. */
  readonly setupSeconds: number;
  /** Tokenizing and labelling one sentence, once a session is open (dev scoring too). */
  readonly secondsPerSentence: number;
}

interface TimedModel {
  readonly who: string;
  readonly source: ModelSource;
  readonly labels: string[];
  readonly settings: TrainingSettings;
  readonly train: readonly Sentence[];
  readonly dev: readonly Sentence[];
  readonly distilled: boolean;
}

/** A batch's padded size: its windows times its longest window, in subwords. */
const paddedSize = (windows: readonly EncodedWindow[], batch: readonly number[]) =>
  batch.length * batch.reduce((m, k) => Math.max(m, windows[k].inputIds.length), 0);

/**
 * Seconds of a training step against its padded size, from the timed steps (sizes across the epoch's range): linear
 * between two timed sizes, the smallest's time below them, and along the last two above them. A step's time grows
 * faster than its size towards the longest windows (attention) and an epoch holds few such batches, so the epoch is
 * predicted batch by batch: the mean of a few steps is as far off as the few are from the epoch's mix of lengths.
 */
export function stepTimeModel(timed: readonly { size: number; seconds: number }[]): (size: number) => number {
  // One time per size (a size timed twice: their mean), smallest first.
  const points = [...groupBy(timed, (t) => t.size)]
    .map(([size, ts]) => ({ size, seconds: ts.reduce((a, t) => a + t.seconds, 0) / ts.length }))
    .sort((a, b) => a.size - b.size);
  const [first, last] = [points[0], points[points.length - 1]];
  return (size) => {
    if (size <= first.size) return first.seconds;
    if (points.length === 1) return (first.seconds * size) / first.size;
    const above = points.findIndex((p) => p.size >= size);
    const [a, b] = above < 0 ? [points[points.length - 2], last] : [points[above - 1], points[above]];
    const line = a.seconds + ((b.seconds - a.seconds) * (size - a.size)) / (b.size - a.size);
    return above < 0 ? Math.max(line, last.seconds) : line;
  };
}

/**
 * A short training session of one model, as the run's: its state opened and programs built, steps on batches of the
 * run's first epoch chosen across their sizes (see SIZE_GROUPS), and an epoch's end.
 */
async function timeTraining(
  client: RuntimeClient,
  model: TimedModel,
  start: Starting,
  provider: RunConfig['device'],
): Promise<TrainingTiming> {
  const { settings } = model;
  const windows = encodeSentences(start.tokenizer, labelled(model.train, model.labels), windowsFor(settings));
  const epoch = epochBatches(windows, settings.batchSize, settings.seed, 0);
  const bySize = [...epoch].sort((a, b) => paddedSize(windows, a) - paddedSize(windows, b));
  const medians = Array.from(
    { length: SIZE_GROUPS },
    (_, i) => bySize[Math.floor(((i + 0.5) * bySize.length) / SIZE_GROUPS)],
  );
  const chosen = [...new Set([...medians, bySize[bySize.length - 1]])];
  const train = chosen.flat().map((k) => windows[k]);
  // The session batches these windows as the run does an epoch's: the same function tells which step had which.
  const steps = epochBatches(train, settings.batchSize, settings.seed, 0).map((b) => paddedSize(train, b));
  // Targets of the distillation loss's shape (uniform): the step's work does not depend on their values.
  const uniform = new Float32Array(model.labels.length).fill(1 / model.labels.length);
  const dir = tempFolder('taughtnet-estimate-');
  const pid = client.hostPid();
  const measured = resetPeakMemory(pid);
  const stamps: number[] = [];
  let scored = 0;
  let ended = 0;
  const opened = performance.now();
  try {
    await fineTune(
      client,
      {
        config: start.config,
        initial: start.initial,
        padId: start.tokenizer.special.pad,
        train,
        ...(model.distilled
          ? {
              teacherTargets: model.train.map((s) => s.tokens.map(() => uniform)),
              loss: { ...DEFAULT_LOSS, weights: lossWeights(DEFAULT_LOSS, model.labels.length) },
            }
          : {}),
        selection: selection(start.tokenizer, model.dev.slice(0, SCORED_SENTENCES), windowsFor(settings), () => {
          scored = performance.now();
          return { score: 0, figures: {} };
        }),
        settings: { ...settings, epochs: 1 },
        provider,
        dir,
      },
      { onProgress: () => stamps.push(performance.now()), onEpoch: () => (ended = performance.now()) },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The first step warms the engine up (its time goes to the session's start); each later one is fitted.
  const timed = stamps.slice(1).map((t, i) => ({ size: steps[i + 1], seconds: (t - stamps[i]) / 1000 }));
  // An epoch of one batch has no step after the first: its time is all the step's.
  const stepSeconds = stepTimeModel(
    timed.length > 0 ? timed : [{ size: steps[0], seconds: (stamps[0] - opened) / 1000 }],
  );
  return {
    setupSeconds: Math.max(0, (stamps[0] - opened) / 1000 - stepSeconds(steps[0])),
    epochStepSeconds: epoch.reduce((n, b) => n + stepSeconds(paddedSize(windows, b)), 0),
    stepsPerEpoch: epoch.length,
    epochEndSeconds: (ended - scored) / 1000,
    peakMemoryMB: measured ? peakMemoryMB(pid) : null,
  };
}

/** A labelling session of LABELLED_SENTENCES dev sentences, as the distributions and the test scoring open one. */
async function timeLabelling(
  client: RuntimeClient,
  model: TimedModel,
  start: Starting,
  provider: RunConfig['device'],
): Promise<LabellingTiming> {
  const dev = model.dev.slice(0, LABELLED_SENTENCES);
  const opened = performance.now();
  const { samplesPerSecond } = await predictProbs(client, provider, start, dev, model.settings);
  const secondsPerSentence = 1 / samplesPerSecond;
  return {
    setupSeconds: Math.max(0, (performance.now() - opened) / 1000 - dev.length * secondsPerSentence),
    secondsPerSentence,
  };
}

/** Times each model shape of `config` once and adds up the run's training and labelling. */
export async function estimateRun(
  ctx: PipelineContext,
  client: RuntimeClient,
  config: RunConfig,
): Promise<RunEstimate> {
  const corpora: Splits[] = [];
  for (const c of config.corpora) corpora.push(await readCorpus(ctx, c));
  const merged = (split: 'train' | 'dev' | 'test') =>
    mergeCorpora(corpora.map((c) => ({ name: c.type, type: c.type, sentences: c[split] })));
  const [train, dev, test] = [merged('train'), merged('dev'), merged('test')];
  const timings = new Map<string, { training?: TrainingTiming; labelling: LabellingTiming }>();
  // A step that cannot fit this computer's memory is refused as the run would, not timed until the system ends it.
  const machine = thisMachine((await client.request({ kind: 'open', provider: config.device, state: {} })).name);
  /** A model shape's labelling, and its training (there unless `labelOnly`: a trained teacher used as it is). */
  const timed = async (model: TimedModel, labelOnly: boolean) => {
    const key = JSON.stringify([
      model.source,
      model.labels.length,
      model.settings.batchSize,
      model.settings.microBatchSize,
      model.settings.maxLength,
      model.distilled,
      model.train.length,
    ]);
    let timing = timings.get(key);
    if (!timing || (!timing.training && !labelOnly)) {
      const start = await startingModel(ctx, model.who, model.source, model.labels, model.settings);
      if (!labelOnly) checkStepMemory(model.who, model.settings, start.config, machine);
      timing = {
        training: labelOnly ? undefined : await timeTraining(client, model, start, config.device),
        labelling: await timeLabelling(client, model, start, config.device),
      };
      timings.set(key, timing);
    }
    return timing;
  };
  /**
   * A model trained for `epochs` epochs, scoring `dev` sentences after each and saved at the end (as an epoch's end
   * is written), then labelling in sessions of the given sizes (the distributions, its test split).
   */
  const trained = (
    name: string,
    t: TrainingTiming,
    l: LabellingTiming,
    { epochs, dev: devSentences, sessions }: { epochs: number; dev: number; sessions: number[] },
  ): RunEstimate['models'][number] => {
    const steps = epochs * t.epochStepSeconds;
    const labelled = (epochs * devSentences + sessions.reduce((a, b) => a + b, 0)) * l.secondsPerSentence;
    const overhead = t.setupSeconds + (epochs + 1) * t.epochEndSeconds + sessions.length * l.setupSeconds;
    return {
      name,
      steps: epochs * t.stepsPerEpoch,
      secondsPerStep: t.epochStepSeconds / t.stepsPerEpoch,
      seconds: steps + labelled + overhead,
      parts: { steps, labelling: labelled, overhead },
      peakMemoryMB: t.peakMemoryMB,
    };
  };
  // Only distilled students need the teachers' distributions over the merged training set.
  const distils = config.students.some((s) => !isMergedBaseline(s));

  const models: RunEstimate['models'] = [];
  let reusedLabelling = 0;
  for (const [i, seeded] of teacherSeedsInCorpusOrder(config).entries()) {
    const corpus = corpora[i];
    for (const [k, t] of seeded.entries()) {
      const who = `the ${t.type} teacher`;
      const reused = 'trained' in t.model;
      const source = 'trained' in t.model ? { folder: storedTeacherFolder(ctx, who, t.model.trained) } : t.model;
      const model = { who, source, labels: teacherLabels(t.type), settings: t, train: corpus.train, dev: corpus.dev };
      const timing = await timed({ ...model, distilled: false }, reused);
      // The students' teacher (the first seed's) labels the merged training set; every teacher its test split.
      const sessions = [...(k === 0 && distils ? [train.sentences.length] : []), corpus.test.length];
      if (reused) {
        const { setupSeconds, secondsPerSentence } = timing.labelling;
        reusedLabelling += sessions.reduce((n, sentences) => n + setupSeconds + sentences * secondsPerSentence, 0);
        continue;
      }
      const counts = { epochs: t.epochs, dev: corpus.dev.length, sessions };
      models.push(trained(teacherName(config, t), timing.training!, timing.labelling, counts));
    }
  }
  for (const s of config.students) {
    const model = { who: s.name, source: s.model, labels: train.labels, settings: s, train: train.sentences };
    const timing = await timed({ ...model, dev: dev.sentences, distilled: !isMergedBaseline(s) }, false);
    const counts = { epochs: s.epochs, dev: dev.sentences.length, sessions: [test.sentences.length] };
    models.push(trained(s.name, timing.training!, timing.labelling, counts));
  }
  const peaks = models.map((m) => m.peakMemoryMB).filter((p): p is number => p !== null);
  return {
    seconds: models.reduce((n, m) => n + m.seconds, 0) + reusedLabelling,
    peakMemoryMB: peaks.length > 0 ? Math.max(...peaks) : null,
    models,
    reusedTeachers: config.teachers.filter((t) => 'trained' in t.model).map((t) => t.type),
  };
}

/** The folder of a trained teacher a config reuses, or an error naming it. */
function storedTeacherFolder(ctx: PipelineContext, who: string, modelId: number): string {
  const model = getModel(ctx.store, modelId);
  if (!model) throw new Error(`${who}: there is no model ${modelId} in the store`);
  return storedModelFolder(ctx, model);
}
