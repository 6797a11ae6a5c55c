// How long a run will take on this machine, and the memory it needs, before it starts (the wizard's review step):
// each model shape the run trains takes a few real training steps in the engine host, on real batches of its
// corpus, and their time per step is multiplied by the steps the run will take. Labelling (dev scoring each epoch,
// the teachers' distributions, the test scoring) is a forward pass only: it is counted at a third of a training
// step (forward, backward, update) per batch. Nothing is written to the store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDataset } from '../corpus/dataset.ts';
import type { RuntimeClient } from '../engine/runtime/client.ts';
import { getDataset } from '../store/datasets.ts';
import { mergeCorpora } from '../../shared/corpus/merge.ts';
import type { Sentence } from '../../shared/corpus/types.ts';
import type { RunEstimate } from '../../shared/runs.ts';
import { DEFAULT_LOSS, lossWeights } from '../../shared/method/loss-config.ts';
import {
  isMergedBaseline,
  teachersInCorpusOrder,
  type ModelSource,
  type RunConfig,
  type TrainingSettings,
} from '../../shared/method/run-config.ts';
import { seededShuffle } from '../../shared/random.ts';
import { encodeSentences } from '../../shared/tokenizers/encode.ts';
import { fineTune } from './fine-tune.ts';
import { peakMemoryMB, resetPeakMemory } from './host-memory.ts';
import { teacherLabels } from './phases/teachers.ts';
import { lengthBuckets } from './predict.ts';
import { labelled, startingModel, windowsFor } from './run-models.ts';
import type { PipelineContext } from './scope.ts';

/** Training steps timed per model shape; the first one (the engine's warm-up) is not counted when there are more. */
const TIMED_STEPS = 4;
/** A forward pass's share of a training step's time. */
const FORWARD_SHARE = 1 / 3;

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

interface Timing {
  readonly secondsPerStep: number;
  readonly stepsPerEpoch: number;
  readonly peakMemoryMB: number | null;
}

/** A few real training steps of one model on batches of its training sentences (one epoch's batches, sampled). */
async function timeSteps(
  ctx: PipelineContext,
  client: RuntimeClient,
  model: {
    who: string;
    source: ModelSource;
    labels: string[];
    settings: TrainingSettings;
    train: readonly Sentence[];
    distilled: boolean;
  },
  provider: RunConfig['device'],
): Promise<Timing> {
  const start = await startingModel(ctx, model.who, model.source, model.labels, model.settings);
  const windows = encodeSentences(start.tokenizer, labelled(model.train, model.labels), windowsFor(model.settings));
  const batches = lengthBuckets(windows, model.settings.batchSize);
  const sample = seededShuffle([...batches.keys()], model.settings.seed).slice(0, TIMED_STEPS);
  // Targets of the distillation loss's shape (uniform): the step's work does not depend on their values.
  const uniform = new Float32Array(model.labels.length).fill(1 / model.labels.length);
  const dir = mkdtempSync(join(tmpdir(), 'taughtnet-estimate-'));
  const stop = new AbortController();
  const stamps: number[] = [];
  const pid = client.hostPid();
  const measured = resetPeakMemory(pid);
  const opened = performance.now();
  try {
    await fineTune(
      client,
      {
        config: start.config,
        initial: start.initial,
        padId: start.tokenizer.special.pad,
        train: sample.flatMap((b) => batches[b].map((k) => windows[k])),
        ...(model.distilled
          ? {
              teacherTargets: model.train.map((s) => s.tokens.map(() => uniform)),
              loss: { ...DEFAULT_LOSS, weights: lossWeights(DEFAULT_LOSS, model.labels.length) },
            }
          : {}),
        selection: { windows: [], wordCounts: [], score: () => ({ score: 0, figures: {} }) },
        settings: { ...model.settings, epochs: 1 },
        provider,
        dir,
      },
      {
        signal: stop.signal,
        onProgress: (p) => {
          stamps.push(performance.now());
          if (p.step === p.totalSteps) stop.abort(); // before the dev scoring and the checkpoint
        },
      },
    );
  } catch (e) {
    if (!stop.signal.aborted) throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const intervals = stamps.length > 1 ? stamps.slice(1).map((t, i) => t - stamps[i]) : [stamps[0] - opened];
  return {
    secondsPerStep: intervals.reduce((a, b) => a + b, 0) / intervals.length / 1000,
    stepsPerEpoch: batches.length,
    peakMemoryMB: measured ? peakMemoryMB(pid) : null,
  };
}

/** Times each model shape of `config` once and adds up the run's training and labelling. */
export async function estimateRun(
  ctx: PipelineContext,
  client: RuntimeClient,
  config: RunConfig,
): Promise<RunEstimate> {
  const corpora = [];
  for (const c of config.corpora) corpora.push(await readCorpus(ctx, c));
  const merged = mergeCorpora(corpora.map((c) => ({ name: c.type, type: c.type, sentences: c.train })));
  const devSentences = corpora.reduce((n, c) => n + c.dev.length, 0);
  const testSentences = corpora.reduce((n, c) => n + c.test.length, 0);
  const timings = new Map<string, Timing>();
  const timed = async (model: Parameters<typeof timeSteps>[2]) => {
    const key = JSON.stringify([
      model.source,
      model.labels.length,
      model.settings.batchSize,
      model.settings.microBatchSize,
      model.settings.maxLength,
      model.distilled,
      model.train.length,
    ]);
    if (!timings.has(key)) timings.set(key, await timeSteps(ctx, client, model, config.device));
    return timings.get(key)!;
  };
  /** Seconds to label n sentences with a model of this timing (about one window per sentence). */
  const labelling = (t: Timing, settings: TrainingSettings, sentences: number) =>
    (sentences / settings.batchSize) * t.secondsPerStep * FORWARD_SHARE;

  const models: RunEstimate['models'] = [];
  for (const [i, t] of teachersInCorpusOrder(config).entries()) {
    const corpus = corpora[i];
    const labels = teacherLabels(t.type);
    if ('trained' in t.model) continue; // used as it is: only its labelling below
    const timing = await timed({
      who: `the ${t.type} teacher`,
      source: t.model,
      labels,
      settings: t,
      train: corpus.train,
      distilled: false,
    });
    const train = t.epochs * (timing.stepsPerEpoch * timing.secondsPerStep + labelling(timing, t, corpus.dev.length));
    // It then labels the merged training set (the distributions) and its own test split.
    const label = labelling(timing, t, merged.sentences.length + corpus.test.length);
    models.push({
      name: `teacher ${t.type}`,
      steps: t.epochs * timing.stepsPerEpoch,
      secondsPerStep: timing.secondsPerStep,
      seconds: train + label,
      peakMemoryMB: timing.peakMemoryMB,
    });
  }
  for (const s of config.students) {
    const distilled = !isMergedBaseline(s);
    const timing = await timed({
      who: s.name,
      source: s.model,
      labels: merged.labels,
      settings: s,
      train: merged.sentences,
      distilled,
    });
    const seconds =
      s.epochs * (timing.stepsPerEpoch * timing.secondsPerStep + labelling(timing, s, devSentences)) +
      labelling(timing, s, testSentences);
    models.push({
      name: s.name,
      steps: s.epochs * timing.stepsPerEpoch,
      secondsPerStep: timing.secondsPerStep,
      seconds,
      peakMemoryMB: timing.peakMemoryMB,
    });
  }
  const peaks = models.map((m) => m.peakMemoryMB).filter((p): p is number => p !== null);
  return {
    seconds: models.reduce((n, m) => n + m.seconds, 0),
    peakMemoryMB: peaks.length > 0 ? Math.max(...peaks) : null,
    models,
    reusedTeachers: config.teachers.filter((t) => 'trained' in t.model).map((t) => t.type),
  };
}
