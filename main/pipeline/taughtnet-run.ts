// A TaughtNet run, end to end (paper §III): the corpora are merged, one teacher per corpus is fine-tuned, the
// teachers' per-word B/I/O distributions over the merged training set are aggregated (eqs 9–11), the student is
// trained on λ·KD + (1−λ)·GT, and every model is scored on each corpus's test split (P/R/F1, kappa, errors).
//
// Every phase leaves its result in the store or the data folder before the next starts (teacher models, the
// distributions artifact, the student model), and fine-tuning checkpoints each epoch, so resuming an interrupted
// run skips what is done and continues the phase it was in.
import { rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { RuntimeClient } from '../engine/runtime/client.ts';
import { paramsToWeights, initParams } from '../engine/nn/params.ts';
import { tokenClassificationTask, tokenClassifierLayout } from '../engine/nn/token-classification.ts';
import { IO } from '../engine/optim/train-graphs.ts';
import { evalProgram } from '../engine/runtime/train-program.ts';
import { loadDataset } from '../corpus/dataset.ts';
import { loadModelFolder, saveModelFolder } from '../models/model-folder.ts';
import { CANCELLED } from '../engine/runtime/protocol.ts';
import { loadTokenizer } from '../models/tokenizer-files.ts';
import { readSafetensors, safetensorsChunks } from '../tensors/safetensors.ts';
import { tensor } from '../tensors/tensor.ts';
import { registerDataset } from '../services/datasets.ts';
import type { ServiceContext } from '../services/context.ts';
import { listArtifacts, artifactFile, writeArtifact } from '../store/artifacts.ts';
import { saveAgreement } from '../store/agreements.ts';
import { getDataset } from '../store/datasets.ts';
import { saveErrorAnalysis } from '../store/error-analyses.ts';
import { saveEvaluation } from '../store/evaluations.ts';
import { recordMetrics } from '../store/metrics.ts';
import { addModel, listModels } from '../store/models.ts';
import { beatHeartbeat, createRun, getRun, ownsRun, setRunPhase, setRunStatus, type RunStatusChange } from '../store/runs.ts';
import { HEARTBEAT_INTERVAL_MS } from '../store/owner.ts';
import { mergeCorpora } from '../../shared/corpus/merge.ts';
import type { Sentence, TypedCorpus } from '../../shared/corpus/types.ts';
import { prf } from '../../shared/metrics/prf.ts';
import { aggregateBatch } from '../../shared/method/aggregate.ts';
import { agreementMatrix } from '../../shared/method/agreement.ts';
import { analyseErrors } from '../../shared/method/errors.ts';
import { lossWeights } from '../../shared/method/loss-config.ts';
import { meanF1, scoreOnCorpus } from '../../shared/method/per-corpus.ts';
import { parseRunConfig, studentLossConfig, teachersInCorpusOrder, type ModelSource, type RunConfig, type TrainingSettings } from '../../shared/method/run-config.ts';
import { architectureLabel, maxSequenceLength, type EncoderConfig } from '../../shared/models/config.ts';
import { presetConfig, SHIPPED_VOCAB, sizePreset } from '../../shared/models/presets.ts';
import { RUN_TRANSITIONS, type Model, type Run } from '../../shared/store-types.ts';
import { encodeSentences, subwordLength, windowsOf, type WindowOptions } from '../../shared/tokenizers/encode.ts';
import type { SubwordTokenizer } from '../../shared/tokenizers/tokenizer.ts';
import { adamwConfig, fineTune, type FineTuneProgress, type Selection } from './fine-tune.ts';
import { argmaxLabels, predictWords } from './predict.ts';

export interface RunEvent {
  /** 'prepare', 'teacher:<type>', 'distributions', 'student', 'evaluate' or 'done'. */
  readonly phase: string;
  readonly message: string;
  /** Fine-tuning progress, while a model trains. */
  readonly training?: FineTuneProgress;
}

export interface RunHooks {
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: RunEvent) => void;
}

/** A corpus of the run: its dataset row and its splits. */
interface RunCorpus {
  readonly datasetId: number;
  readonly name: string;
  readonly type: string;
  readonly train: Sentence[];
  readonly dev: Sentence[];
  readonly test: Sentence[];
}

/** A model ready to train: its config (with labels), initial parameters and tokenizer. */
interface Starting {
  readonly config: EncoderConfig;
  readonly initial: Float32Array;
  readonly tokenizer: SubwordTokenizer;
  /** Where its tokenizer files are, to copy into the saved folder. */
  readonly tokenizerFrom: string;
}

const teacherLabels = (type: string) => [`B-${type}`, `I-${type}`, 'O'];
const STUDENT = 'student';

/** Context windows: the run's max length, with the default overlap where it fits. */
const windowsFor = (settings: TrainingSettings): WindowOptions => windowsOf(settings.maxLength);

async function loadCorpus(ctx: ServiceContext, c: RunConfig['corpora'][number]): Promise<RunCorpus> {
  let datasetId = 'dataset' in c ? c.dataset : 0;
  if ('path' in c) {
    const folder = resolve(c.path);
    const { entry } = await registerDataset(ctx, { folder, name: basename(folder), entityType: c.type });
    datasetId = (entry.ref as { id: number }).id;
  }
  const stored = getDataset(ctx.store, datasetId);
  if (!stored) throw new Error(`the run config names dataset ${datasetId}, which is not in the store`);
  // A single file is cut as it was registered (the stored cut), the same in every run.
  const folder = stored.source;
  const dataset = await loadDataset(folder, { split: stored.split ?? undefined });
  const split = (...names: string[]) => {
    const found = names.find((n) => dataset.splits[n]);
    if (!found) throw new Error(`${folder}: the corpus needs a ${names.join(' or ')} split; it has ${Object.keys(dataset.splits).join(', ')}`);
    return dataset.splits[found].sentences;
  };
  return { datasetId, name: basename(folder), type: c.type, train: split('train'), dev: split('devel', 'dev'), test: split('test') };
}

/** The corpora in config order (one after another, so new datasets are registered in that order). */
async function loadCorpora(ctx: ServiceContext, config: RunConfig): Promise<RunCorpus[]> {
  const corpora: RunCorpus[] = [];
  for (const c of config.corpora) corpora.push(await loadCorpus(ctx, c));
  return corpora;
}

const shippedVocab = (ctx: ServiceContext) => join(ctx.resourcesFolder, 'models', 'bert-uncased-vocab');

/** The tokenizer of a model source, without reading its weights. */
const sourceTokenizer = (ctx: ServiceContext, source: ModelSource): SubwordTokenizer =>
  loadTokenizer('folder' in source ? source.folder : shippedVocab(ctx)).tokenizer;

/** The model a source gives, with a classifier head for `labels`; `who` names it in errors. */
async function startingModel(ctx: ServiceContext, who: string, source: ModelSource, labels: string[], settings: TrainingSettings): Promise<Starting> {
  const opt = adamwConfig(settings);
  let start: Starting;
  if ('folder' in source) {
    const m = await loadModelFolder(source.folder, { labels });
    start = { config: m.config, initial: initParams(tokenClassifierLayout(m.config, opt), settings.seed, m.weights), tokenizer: m.tokenizer, tokenizerFrom: source.folder };
  } else {
    const vocab = shippedVocab(ctx);
    const config = presetConfig(sizePreset(source.preset), SHIPPED_VOCAB, labels);
    start = { config, initial: initParams(tokenClassifierLayout(config, opt), settings.seed), tokenizer: loadTokenizer(vocab).tokenizer, tokenizerFrom: vocab };
  }
  const positions = maxSequenceLength(start.config);
  if (settings.maxLength > positions) {
    throw new Error(`${who}: maxLength ${settings.maxLength} is more than the model's ${positions} positions (max_position_embeddings); set its maxLength to at most ${positions}`);
  }
  return start;
}

/** Label ids per word of typed sentences. */
const labelled = (sentences: readonly Sentence[], labels: readonly string[]) =>
  sentences.map((s) => ({
    words: s.tokens,
    labels: s.labels.map((l) => {
      const i = labels.indexOf(l);
      if (i < 0) throw new Error(`line ${s.line}: label ${l} is not one of ${labels.join(', ')}`);
      return i;
    }),
  }));

const typed = (c: RunCorpus, split: 'train' | 'dev' | 'test'): TypedCorpus => ({ name: c.name, type: c.type, sentences: c[split] });

export interface StartRun {
  readonly config: unknown;
  readonly name?: string;
}

/**
 * The authors' code's preprocessing, offered as a labelled option (longSentences "drop"): sentences longer than
 * the student's maxLength, in its tokenizer's subwords, leave every split. Counted per corpus and split in the
 * run's figures (phase 'prepare', e.g. dropped_sentences:Disease:test).
 */
function dropLongSentences(store: ServiceContext['store'], runId: number, corpora: RunCorpus[], tokenizer: SubwordTokenizer, maxLength: number): { corpora: RunCorpus[]; dropped: number } {
  const fits = (s: Sentence) => subwordLength(tokenizer, s.tokens) <= maxLength;
  const figures: { phase: string; epoch: number; name: string; value: number }[] = [];
  const kept = corpora.map((c) => {
    const splits = Object.fromEntries(
      (['train', 'dev', 'test'] as const).map((split) => {
        const sentences = c[split].filter(fits);
        figures.push({ phase: 'prepare', epoch: 0, name: `dropped_sentences:${c.type}:${split}`, value: c[split].length - sentences.length });
        return [split, sentences];
      }),
    ) as Pick<RunCorpus, 'train' | 'dev' | 'test'>;
    return { ...c, ...splits };
  });
  recordMetrics(store, runId, figures);
  return { corpora: kept, dropped: figures.reduce((n, f) => n + f.value, 0) };
}

/** Creates the run row (status queued) from a config, checked first. */
export function createTaughtNetRun(ctx: ServiceContext, { config, name }: StartRun): Run {
  const parsed = parseRunConfig(config);
  return createRun(ctx.store, { name: name ?? `TaughtNet ${parsed.corpora.map((c) => c.type).join(' + ')}`, config: parsed });
}

/**
 * Runs (or resumes) run `runId` to the end: queued or interrupted → running → completed, failed or cancelled.
 * Returns the finished run.
 */
export async function executeRun(ctx: ServiceContext, client: RuntimeClient, runId: number, hooks: RunHooks = {}): Promise<Run> {
  const run = getRun(ctx.store, runId);
  if (!run) throw new Error(`there is no run ${runId}`);
  const config = parseRunConfig(run.config, `run ${runId}'s config`);
  // Cancelled by the user (hooks.signal), or stopped because another process took the run over (see the heartbeat).
  const lost = new AbortController();
  const signal = hooks.signal ? AbortSignal.any([hooks.signal, lost.signal]) : lost.signal;
  // The engine's provider choice, made by the engine host (onnxruntime never loads in the caller's process).
  let choice;
  try {
    choice = await client.request({ kind: 'open', provider: config.device, state: {} }, { signal });
  } catch (e) {
    // Recorded where the user looks; a failed run can be retried once the device works.
    const end: RunStatusChange = isAbort(e) ? { runId, status: 'cancelled' } : { runId, status: 'failed', error: `the engine cannot start: ${(e as Error).message}` };
    if (RUN_TRANSITIONS[run.status].includes(end.status)) setRunStatus(ctx.store, end);
    throw e;
  }
  setRunStatus(ctx.store, { runId, status: 'running', device: choice.name });
  const emit = (phase: string, message: string, training?: FineTuneProgress) => hooks.onEvent?.({ phase, message, training });
  const work = join(ctx.store.dataDir, 'runs', String(runId));
  // Other machines sharing the data folder tell a live run from a dead one by this. A machine that judged this one
  // dead (asleep, cut off) may have resumed the run: then this process stops and leaves the run to it.
  const heartbeat = setInterval(() => {
    try {
      if (!beatHeartbeat(ctx.store, runId)) lost.abort(new Error(`run ${runId} was taken over by another process after its heartbeat went stale`));
    } catch (e) {
      // A busy or unreachable shared drive: the next beat tries again.
      process.stderr.write(`run ${runId}: the heartbeat could not be recorded (${(e as Error).message})\n`);
    }
  }, HEARTBEAT_INTERVAL_MS);
  heartbeat.unref();
  try {
    await pipeline(ctx, client, run, config, work, { ...hooks, signal }, emit);
    if (!ownsRun(ctx.store, runId)) throw lost.signal.reason ?? new Error(`run ${runId} is no longer this process's`);
    rmSync(work, { recursive: true, force: true }); // checkpoints are only for resuming
    emit('done', 'the run is complete');
    return setRunStatus(ctx.store, { runId, status: 'completed' });
  } catch (e) {
    // A run marked interrupted meanwhile (the app quitting, see services/runs.ts) or taken over stays as it is.
    if (ownsRun(ctx.store, runId)) {
      setRunStatus(ctx.store, isAbort(e) ? { runId, status: 'cancelled' } : { runId, status: 'failed', error: (e as Error).message });
    }
    throw e;
  } finally {
    clearInterval(heartbeat);
  }
}

const isAbort = (e: unknown) => (e as Error).name === CANCELLED;

async function pipeline(
  ctx: ServiceContext,
  client: RuntimeClient,
  run: Run,
  config: RunConfig,
  work: string,
  hooks: RunHooks,
  emit: (phase: string, message: string, training?: FineTuneProgress) => void,
): Promise<void> {
  const { store } = ctx;
  const phase = (name: string, message: string) => {
    hooks.signal?.throwIfAborted(); // a cancel during a phase without steps (reading corpora, saving) lands here
    // Another machine resumed this run after judging this process dead (see executeRun's heartbeat): leave it to it.
    if (!ownsRun(store, run.id)) throw new Error(`run ${run.id} was taken over by another process`);
    setRunPhase(store, run.id, name);
    emit(name, message);
  };
  phase('prepare', 'reading the corpora');
  let corpora = await loadCorpora(ctx, config);
  if (config.longSentences === 'drop') {
    const result = dropLongSentences(store, run.id, corpora, sourceTokenizer(ctx, config.student.model), config.student.maxLength);
    corpora = result.corpora;
    emit('prepare', `as the authors' code does: dropped ${result.dropped} sentences longer than ${config.student.maxLength} subwords`);
  }
  const merged = { train: mergeCorpora(corpora.map((c) => typed(c, 'train'))), dev: mergeCorpora(corpora.map((c) => typed(c, 'dev'))), test: mergeCorpora(corpora.map((c) => typed(c, 'test'))) };
  const done = (kind: Model['kind'], name: string) => listModels(store, { runId: run.id, kind }).find((m) => m.name === name);
  const savedModel = async (kind: Model['kind'], name: string, s: Starting, params: Float32Array, settings: TrainingSettings): Promise<Model> => {
    const folder = join('models', `run-${run.id}`, name.replace(/[^\w.-]+/g, '-'));
    const layout = tokenClassifierLayout(s.config, adamwConfig(settings));
    await saveModelFolder(join(store.dataDir, folder), { config: s.config, weights: paramsToWeights(layout, params) }, { tokenizerFrom: s.tokenizerFrom });
    return addModel(store, { name, kind, architecture: architectureLabel(s.config), parameterCount: layout.size, sizeBytes: layout.size * 4, folder, runId: run.id });
  };
  const fromSaved = async (m: Model, labels: string[], settings: TrainingSettings): Promise<Starting> =>
    startingModel(ctx, m.name, { folder: join(store.dataDir, m.folder) }, labels, settings);

  // ---- teachers ----
  const teachers = teachersInCorpusOrder(config);
  const teacherModels: { model: Model; start: Starting }[] = [];
  for (const [i, corpus] of corpora.entries()) {
    const settings = teachers[i];
    const labels = teacherLabels(corpus.type);
    const name = `teacher ${corpus.type}`;
    const existing = done('teacher', name);
    if (existing) {
      teacherModels.push({ model: existing, start: await fromSaved(existing, labels, settings) });
      continue;
    }
    phase(`teacher:${corpus.type}`, `fine-tuning the ${corpus.type} teacher on ${corpus.name}`);
    const start = await startingModel(ctx, `the ${corpus.type} teacher`, settings.model, labels, settings);
    const windows = windowsFor(settings);
    // Checkpoints are chosen on dev, or on test where the config reproduces the authors' code.
    const split = merged[config.checkpointSelection];
    const own = sliceOf(split, i, split.sentences);
    const result = await fineTune(
      client,
      {
        config: start.config,
        initial: start.initial,
        padId: start.tokenizer.special.pad,
        train: encodeSentences(start.tokenizer, labelled(sliceOf(merged.train, i, merged.train.sentences), labels), windows),
        selection: selection(start.tokenizer, own, windows, (pred) => {
          const s = prf(own.map((x) => x.labels), pred, 'lenient').micro;
          return { score: s.f1, figures: { precision: s.precision, recall: s.recall, f1: s.f1 } };
        }),
        settings,
        provider: config.device,
        dir: join(work, `teacher-${corpus.type}`),
      },
      trainingHooks(store, run.id, `teacher:${corpus.type}`, hooks, emit),
    );
    teacherModels.push({ model: await savedModel('teacher', name, start, result.params, settings), start: { ...start, initial: result.params } });
  }

  // ---- distributions (eqs 9–11) ----
  const studentLabels = merged.train.labels;
  const targets = await teacherDistributions(ctx, client, run, config, merged.train, teacherModels, teachers, hooks, phase);

  // ---- student ----
  const student = config.student;
  let studentModel = done('student', STUDENT);
  let studentStart: Starting | undefined;
  if (!studentModel) {
    phase('student', `distilling the student from ${corpora.length} teachers (λ = ${student.lambda})`);
    const start = await startingModel(ctx, 'the student', student.model, studentLabels, student);
    const windows = windowsFor(student);
    const split = config.checkpointSelection;
    const selectionSentences = merged[split].sentences;
    const loss = studentLossConfig(config);
    const result = await fineTune(
      client,
      {
        config: start.config,
        initial: start.initial,
        padId: start.tokenizer.special.pad,
        train: encodeSentences(start.tokenizer, labelled(merged.train.sentences, studentLabels), windows),
        teacherTargets: targets,
        loss: { ...loss, weights: lossWeights(loss, studentLabels.length) },
        selection: selection(start.tokenizer, selectionSentences, windows, (pred) => {
          const scores = corpora.map((c, i) => scoreOnCorpus(typed(c, split), sliceOf(merged[split], i, pred)));
          return { score: meanF1(scores), figures: Object.fromEntries([['meanF1', meanF1(scores)], ...scores.map((s) => [`f1:${s.type}`, s.lenient.f1])]) };
        }),
        settings: student,
        provider: config.device,
        dir: join(work, STUDENT),
      },
      trainingHooks(store, run.id, 'student', hooks, emit),
    );
    studentModel = await savedModel('student', STUDENT, start, result.params, student);
    studentStart = { ...start, initial: result.params };
  }

  // ---- evaluation on each corpus's test split ----
  phase('evaluate', 'scoring the teachers and the student on each test split');
  studentStart ??= await fromSaved(studentModel, studentLabels, student); // a resumed run's, from its folder
  const studentTest = await predictLabels(client, config, studentStart, merged.test.sentences, student, hooks.signal);
  for (const [i, corpus] of corpora.entries()) {
    const studentPred = sliceOf(merged.test, i, studentTest.labels);
    const { model: teacherModel, start: teacherStart } = teacherModels[i];
    const gold = sliceOf(merged.test, i, merged.test.sentences);
    const teacherTest = await predictLabels(client, config, teacherStart, gold, teachers[i], hooks.signal);
    const teacherPred = teacherTest.labels;
    const scoredModels = [[studentModel, studentPred, studentTest.wordsPerSecond], [teacherModel, teacherPred, teacherTest.wordsPerSecond]] as const;
    for (const [model, pred, wordsPerSecond] of scoredModels) {
      const scored = scoreOnCorpus(typed(corpus, 'test'), pred);
      for (const mode of ['lenient', 'strict'] as const) {
        saveEvaluation(store, { runId: run.id, modelId: model.id, datasetId: corpus.datasetId, split: 'test', mode, ...scored[mode], perType: { [corpus.type]: scored[mode] }, wordsPerSecond });
      }
    }
    const agreement = agreementMatrix([
      { name: 'ground truth', covers: [corpus.type], labels: gold.flatMap((s) => s.labels) },
      { name: teacherModel.name, covers: [corpus.type], labels: teacherPred.flat() },
      { name: studentModel.name, covers: corpora.map((c) => c.type), labels: studentPred.flat() },
    ]);
    saveAgreement(store, { runId: run.id, datasetId: corpus.datasetId, split: 'test', labels: agreement.names, matrix: agreement.matrix as number[][] });
    const errors = analyseErrors(corpus.test, corpus.type, studentPred);
    saveErrorAnalysis(store, { runId: run.id, modelId: studentModel.id, datasetId: corpus.datasetId, split: 'test', counts: errors.counts, details: JSON.parse(JSON.stringify({ examples: errors.examples })) });
  }
}

/** The sentences of corpus i within a merged split, from per-sentence values of the whole split. */
function sliceOf<T>(split: { sources: { start: number; end: number }[] }, i: number, values: readonly T[]): T[] {
  return values.slice(split.sources[i].start, split.sources[i].end);
}

function selection(tokenizer: SubwordTokenizer, sentences: readonly Sentence[], windows: WindowOptions, score: Selection['score']): Selection {
  return {
    windows: encodeSentences(tokenizer, sentences.map((s) => ({ words: s.tokens })), windows),
    wordCounts: sentences.map((s) => s.tokens.length),
    score,
  };
}

/** Records each epoch's figures and passes progress on. */
function trainingHooks(store: ServiceContext['store'], runId: number, phase: string, hooks: RunHooks, emit: (phase: string, message: string, training?: FineTuneProgress) => void) {
  return {
    signal: hooks.signal,
    onProgress: (p: FineTuneProgress) => emit(phase, `epoch ${p.epoch}/${p.epochs}, step ${p.step}/${p.totalSteps}, loss ${p.loss.toFixed(4)}`, p),
    onEpoch: (e: { epoch: number; trainLoss: number; score: number; figures: Record<string, number>; best: boolean }) => {
      recordMetrics(store, runId, [
        { phase, epoch: e.epoch, name: 'train_loss', value: e.trainLoss },
        { phase, epoch: e.epoch, name: 'selection_score', value: e.score },
        ...Object.entries(e.figures).map(([name, value]) => ({ phase, epoch: e.epoch, name: `dev_${name}`, value })),
      ]);
      emit(phase, `epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, selection score ${e.score.toFixed(4)}${e.best ? ' (best so far)' : ''}`);
    },
  };
}

/** A saved model's predicted labels for sentences, and how fast it gave them (see predictProbs). */
async function predictLabels(client: RuntimeClient, config: RunConfig, s: Starting, sentences: readonly Sentence[], settings: TrainingSettings, signal?: AbortSignal): Promise<{ labels: string[][]; wordsPerSecond: number }> {
  const { probs, wordsPerSecond } = await predictProbs(client, config, s, sentences, settings, signal);
  return { labels: argmaxLabels(probs, s.config.labels!), wordsPerSecond };
}

/**
 * A saved model's label distributions per word (opens its parameters in the engine), and its speed: words per
 * second of tokenizing and labelling, the engine's set-up left out.
 */
async function predictProbs(client: RuntimeClient, config: RunConfig, s: Starting, sentences: readonly Sentence[], settings: TrainingSettings, signal?: AbortSignal): Promise<{ probs: Float32Array[][]; wordsPerSecond: number }> {
  const layout = tokenClassifierLayout(s.config, adamwConfig(settings));
  const device = await client.request({ kind: 'open', provider: config.device, state: { [IO.params]: tensor('float32', [layout.size], s.initial) } });
  await client.request({ kind: 'load', program: 'predict', spec: evalProgram(tokenClassificationTask(s.config, layout), device.name, ['probs'], { withLoss: false }) });
  const started = performance.now();
  const windows = encodeSentences(s.tokenizer, sentences.map((x) => ({ words: x.tokens })), windowsFor(settings));
  const wordCounts = sentences.map((x) => x.tokens.length);
  const probs = await predictWords(client, s.config, windows, wordCounts, { program: 'predict', padId: s.tokenizer.special.pad, batchSize: 32, signal });
  const seconds = Math.max((performance.now() - started) / 1000, 1e-6);
  return { probs, wordsPerSecond: wordCounts.reduce((a, b) => a + b, 0) / seconds };
}

/**
 * Each teacher's [B, I, O] per word of the merged training set, aggregated per word over Y_multi (the paper's
 * 'sum' normalisation, or the reference code's softmax). Stored as an artifact, so a resumed run reads it back.
 */
async function teacherDistributions(
  ctx: ServiceContext,
  client: RuntimeClient,
  run: Run,
  config: RunConfig,
  train: { readonly sentences: readonly Sentence[]; readonly labels: readonly string[] },
  teachers: readonly { model: Model; start: Starting }[],
  teacherSettings: readonly TrainingSettings[],
  hooks: RunHooks,
  phase: (name: string, message: string) => void,
): Promise<Float32Array[][]> {
  const { sentences } = train;
  const labels = train.labels.length;
  const stored = listArtifacts(ctx.store, { runId: run.id, kind: 'teacher-distributions' })[0];
  let flat: Float32Array;
  if (stored) {
    flat = (await readSafetensors(artifactFile(ctx.store, stored))).tensors.get('targets')!.data as Float32Array;
  } else {
    phase('distributions', `the ${teachers.length} teachers label the merged training set`);
    const words = sentences.reduce((n, s) => n + s.tokens.length, 0);
    const stacked = new Float32Array(words * teachers.length * 3);
    for (const [i, t] of teachers.entries()) {
      const { probs } = await predictProbs(client, config, t.start, sentences, teacherSettings[i], hooks.signal);
      let w = 0;
      for (const sentence of probs) for (const row of sentence) stacked.set(row, (w++ * teachers.length + i) * 3);
    }
    flat = aggregateBatch(stacked, teachers.length, config.student.aggregation);
    const file = safetensorsChunks({ targets: tensor('float32', [words, labels], flat) }, { labels: train.labels.join(' ') });
    await writeArtifact(ctx.store, file, { kind: 'teacher-distributions', name: `run ${run.id} teacher distributions`, runId: run.id });
  }
  const out: Float32Array[][] = [];
  let w = 0;
  for (const s of sentences) out.push(s.tokens.map(() => flat.subarray(w * labels, ++w * labels)));
  return out;
}

