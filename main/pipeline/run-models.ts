// The models of a run: where each starts (a preset, a Hugging Face folder, a model already in the store), how it
// is saved into the store, and how it labels sentences through the engine.
import { isAbsolute, join } from 'node:path';
import type { RuntimeClient } from '../engine/runtime/client.ts';
import { initParams, paramsToWeights, weightViews } from '../engine/nn/params.ts';
import { tokenClassifierLayout } from '../engine/nn/token-classification.ts';
import type { ProviderRequest } from '../engine/runtime/providers.ts';
import { loadModelFolder, saveModelFolder } from '../models/model-folder.ts';
import { loadTokenizer } from '../models/tokenizer-files.ts';
import { addModel } from '../store/models.ts';
import type { Sentence } from '../../shared/corpus/types.ts';
import type { ModelSource, TrainingSettings } from '../../shared/method/run-config.ts';
import { checkMaxLength } from './preflight.ts';
import { architectureLabel, type EncoderConfig } from '../../shared/models/config.ts';
import { presetConfig, SHIPPED_VOCAB, sizePreset } from '../../shared/models/presets.ts';
import type { Model } from '../../shared/store-types.ts';
import { encodeSentences, windowsOf, type WindowOptions } from '../../shared/tokenizers/encode.ts';
import type { SubwordTokenizer } from '../../shared/tokenizers/tokenizer.ts';
import { adamwConfig, type Selection } from './fine-tune.ts';
import { argmaxLabels, INFERENCE_GRAPH, loadInference, predictWords } from './predict.ts';
import type { PipelineContext } from './scope.ts';

/** A model ready to train or label: its config (with labels), parameters and tokenizer. */
export interface Starting {
  readonly config: EncoderConfig;
  readonly initial: Float32Array;
  readonly tokenizer: SubwordTokenizer;
  /** Where its tokenizer files are, to copy into the saved folder. */
  readonly tokenizerFrom: string;
}

/** Context windows: the run's max length, with the default overlap where it fits. */
export const windowsFor = (settings: TrainingSettings): WindowOptions => windowsOf(settings.maxLength);

const shippedVocab = (ctx: PipelineContext) => join(ctx.resourcesFolder, 'models', 'bert-uncased-vocab');

/** The tokenizer of a model source, without reading its weights. */
export const sourceTokenizer = (ctx: PipelineContext, source: ModelSource): SubwordTokenizer =>
  loadTokenizer('folder' in source ? source.folder : shippedVocab(ctx)).tokenizer;

/** A stored model's folder: imported ones are absolute, the ones runs wrote are under the data folder. */
export const storedModelFolder = (ctx: PipelineContext, m: Model): string =>
  isAbsolute(m.folder) ? m.folder : join(ctx.store.dataDir, m.folder);

/** The model a source gives, with a classifier head for `labels`; `who` names it in errors. */
export async function startingModel(
  ctx: PipelineContext,
  who: string,
  source: ModelSource,
  labels: string[],
  settings: TrainingSettings,
): Promise<Starting> {
  const opt = adamwConfig(settings);
  let start: Starting;
  if ('folder' in source) {
    const m = await loadModelFolder(source.folder, { labels });
    start = {
      config: m.config,
      initial: initParams(tokenClassifierLayout(m.config, opt), settings.seed, m.weights),
      tokenizer: m.tokenizer,
      tokenizerFrom: source.folder,
    };
  } else {
    const vocab = shippedVocab(ctx);
    const config = presetConfig(sizePreset(source.preset), SHIPPED_VOCAB, labels);
    start = {
      config,
      initial: initParams(tokenClassifierLayout(config, opt), settings.seed),
      tokenizer: loadTokenizer(vocab).tokenizer,
      tokenizerFrom: vocab,
    };
  }
  checkMaxLength(who, settings, start.config);
  return start;
}

/** Saves trained parameters as a Hugging Face folder under models/run-ID/ and adds the model to the store. */
export async function saveRunModel(
  ctx: PipelineContext,
  runId: number,
  kind: Model['kind'],
  name: string,
  s: Starting,
  params: Float32Array,
  settings: TrainingSettings,
): Promise<Model> {
  const folder = join('models', `run-${runId}`, name.replace(/[^\w.-]+/g, '-'));
  const layout = tokenClassifierLayout(s.config, adamwConfig(settings));
  await saveModelFolder(
    join(ctx.store.dataDir, folder),
    { config: s.config, weights: paramsToWeights(layout, params) },
    { tokenizerFrom: s.tokenizerFrom },
  );
  return addModel(ctx.store, {
    name,
    kind,
    architecture: architectureLabel(s.config),
    parameterCount: layout.size,
    sizeBytes: layout.size * 4,
    folder,
    runId,
  });
}

/** Label ids per word of typed sentences. */
export const labelled = (sentences: readonly Sentence[], labels: readonly string[]) =>
  sentences.map((s) => ({
    words: s.tokens,
    labels: s.labels.map((l) => {
      const i = labels.indexOf(l);
      if (i < 0) throw new Error(`line ${s.line}: label ${l} is not one of ${labels.join(', ')}`);
      return i;
    }),
  }));

/** The split a model's checkpoint is chosen on, and how its predictions are scored. */
export function selection(
  tokenizer: SubwordTokenizer,
  sentences: readonly Sentence[],
  windows: WindowOptions,
  score: Selection['score'],
): Selection {
  return {
    windows: encodeSentences(
      tokenizer,
      sentences.map((s) => ({ words: s.tokens })),
      windows,
    ),
    wordCounts: sentences.map((s) => s.tokens.length),
    score,
  };
}

export interface Labelling<T> {
  readonly values: T;
  /** Sentences per second of tokenizing and labelling, the engine's set-up left out. */
  readonly samplesPerSecond: number;
  readonly wordsPerSecond: number;
}

/**
 * A model's label distributions per word, and how fast it gave them: its inference graph (predict.ts), as
 * `annotate` runs it, so labelling a split with the saved model gives the run's evaluation exactly.
 */
export async function predictProbs(
  client: RuntimeClient,
  provider: ProviderRequest,
  s: Starting,
  sentences: readonly Sentence[],
  settings: TrainingSettings,
  signal?: AbortSignal,
): Promise<Labelling<Float32Array[][]>> {
  const layout = tokenClassifierLayout(s.config, adamwConfig(settings));
  await loadInference(client, { config: s.config, weights: weightViews(layout, s.initial) }, 'predict', { provider });
  const started = performance.now();
  const windows = encodeSentences(
    s.tokenizer,
    sentences.map((x) => ({ words: x.tokens })),
    windowsFor(settings),
  );
  const wordCounts = sentences.map((x) => x.tokens.length);
  const probs = await predictWords(client, s.config, windows, wordCounts, {
    program: 'predict',
    padId: s.tokenizer.special.pad,
    batchSize: 32,
    signal,
    graph: INFERENCE_GRAPH,
  });
  const seconds = Math.max((performance.now() - started) / 1000, 1e-6);
  return {
    values: probs,
    samplesPerSecond: sentences.length / seconds,
    wordsPerSecond: wordCounts.reduce((a, b) => a + b, 0) / seconds,
  };
}

/** A model's predicted labels for sentences, and how fast it gave them. */
export async function predictLabels(
  client: RuntimeClient,
  provider: ProviderRequest,
  s: Starting,
  sentences: readonly Sentence[],
  settings: TrainingSettings,
  signal?: AbortSignal,
): Promise<Labelling<string[][]>> {
  const { values, ...speed } = await predictProbs(client, provider, s, sentences, settings, signal);
  return { values: argmaxLabels(values, s.config.labels!), ...speed };
}
