// A Hugging Face model folder in and out: config.json + tokenizer files + weights, read into one normalised
// config, canonically named float32 weights (see shared/models/weight-names.ts) and a tokenizer, with a
// report in plain words of what was not used and what will be initialised; and written back as a folder
// Hugging Face's …ForTokenClassification loads.
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { checkPath, readRegularFile } from '../files/regular-file.ts';
import { join, resolve } from 'node:path';
import {
  type EncoderConfig,
  type ModelType,
  MODEL_TYPES,
  checkEncoderConfig,
  parseEncoderConfig,
  toHfConfig,
} from '../../shared/models/config.ts';
import { canonicalName, classifierShapes, encoderShapes, hfName } from '../../shared/models/weight-names.ts';
import type { SubwordTokenizer } from '../../shared/tokenizers/tokenizer.ts';
import { writeSafetensors } from '../tensors/safetensors.ts';
import type { Tensor } from '../tensors/tensor.ts';
import { loadTokenizer, TOKENIZER_FILES } from './tokenizer-files.ts';
import { readCheckpoint, readCheckpointHeaders, type TensorHeader } from './weights-files.ts';
import { parseJson } from '../../shared/json.ts';

export interface LoadReport {
  readonly folder: string;
  readonly weightsFiles: readonly string[];
  readonly tokenizerFiles: readonly string[];
  /** Canonical names the model needs but the folder lacks (only ever the classifier head): initialise them. */
  readonly missing: readonly string[];
  /** Checkpoint names a token classifier does not use (pooler, pre-training heads, …). */
  readonly unexpected: readonly string[];
  /** What happened, in plain words, for the user. */
  readonly notes: readonly string[];
}

export interface ModelFolder {
  readonly config: EncoderConfig;
  /** Canonical name → float32 tensor. */
  readonly weights: Map<string, Tensor>;
  readonly tokenizer: SubwordTokenizer;
  readonly report: LoadReport;
}

export interface LoadOptions {
  /** The labels the task predicts. The folder's classifier head is kept only when it predicts exactly these. */
  readonly labels?: readonly string[];
}

export const ARCHITECTURES: Record<ModelType, string> = {
  bert: 'BertForTokenClassification',
  roberta: 'RobertaForTokenClassification',
  distilbert: 'DistilBertForTokenClassification',
  electra: 'ElectraForTokenClassification',
};

const POOLER = /^pooler\./;
const PRETRAINING_HEAD =
  /^(cls\.|lm_head\.|vocab_(transform|layer_norm|projector)\.|generator|discriminator_predictions\.|qa_outputs\.|pre_classifier\.)/;
// Buffers, not parameters; Hugging Face ignores them silently too.
const BUFFER = /(^|\.)position_ids$|(^|\.)token_type_ids$/;

interface RawConfig {
  readonly path: string;
  readonly json: Record<string, unknown>;
}

function readConfigJson(folder: string): RawConfig {
  const path = join(folder, 'config.json');
  if (!existsSync(path)) throw new Error(`${folder}: no config.json (every Hugging Face model folder has one)`);
  const json = parseJson(readRegularFile(path, 'utf8'), path);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${path}: not a JSON object`);
  return { path, json: json as Record<string, unknown> };
}

/** The family the checkpoint's names reveal ("bert.embeddings…" → bert), if they all agree on one. */
function familyOfNames(names: Iterable<string>): ModelType | undefined {
  const found = new Set<ModelType>();
  for (const name of names) {
    const family = MODEL_TYPES.find((t) => name.startsWith(`${t}.`));
    if (family) found.add(family);
  }
  return found.size === 1 ? [...found][0] : undefined;
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);
const sameLabels = (a: readonly string[] | null, b: readonly string[]) =>
  a !== null && a.length === b.length && a.every((l, i) => l === b[i]);

/** config.json read as an encoder config and checked (heads divide the hidden size, …); errors name the file. */
function checkedConfig(raw: RawConfig): EncoderConfig {
  const config = parseEncoderConfig(raw.json, raw.path);
  checkEncoderConfig(config, raw.path);
  return config;
}

/**
 * Configs exported before model_type existed (e.g. SciBERT's, BioBERT's) lack it; Hugging Face then guesses from
 * the folder's name. The weights' own name prefix is a safer witness.
 */
function untypedConfig(raw: RawConfig, weightNames: Iterable<string>, notes: string[]): EncoderConfig {
  const family = familyOfNames(weightNames);
  if (family === undefined)
    throw new Error(
      `${raw.path}: has no "model_type", and the weights' names do not tell the model family (expected one of ${MODEL_TYPES.join(', ')})`,
    );
  notes.push(
    `config.json does not say which model family it is; the weights' names say ${family}, so it is read as ${family}.`,
  );
  return checkedConfig({ ...raw, json: { ...raw.json, model_type: family } });
}

function checkTokenizerFits(folder: string, tokenizer: SubwordTokenizer, config: EncoderConfig): void {
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new Error(
      `${folder}: the tokenizer has ${tokenizer.vocabSize} entries but config.json's vocab_size is ${config.vocabSize}: the tokenizer belongs to another model`,
    );
  }
}

const FLOATING = new Set(['float32', 'float16', 'bfloat16', 'float64']);

/** The weights file(s) as errors name them. */
const weightsSource = (folder: string, files: readonly string[]) =>
  join(folder, files.length > 1 ? `${files[0]} and its shards` : files[0]);

/**
 * The encoder weights config.json implies are all there, with its shapes, in floating point; from the tensors
 * themselves or only their headers (checkModelFolder), so both say the same.
 */
function checkEncoderWeights(source: string, config: EncoderConfig, tensors: ReadonlyMap<string, TensorHeader>): void {
  const expected = encoderShapes(config);
  const found = new Set<string>();
  for (const [name, t] of tensors) {
    const canonical = canonicalName(name, config.modelType);
    const shape = expected.get(canonical);
    if (!shape) continue;
    if (!sameShape(shape, t.shape)) {
      throw new Error(
        `${source}: tensor "${name}" has shape [${t.shape.join(', ')}] but config.json implies [${shape.join(', ')}]`,
      );
    }
    if (!FLOATING.has(t.dtype))
      throw new Error(`${source}: tensor "${name}" holds ${t.dtype}, not floating-point weights`);
    found.add(canonical);
  }
  const lacking = [...expected.keys()].filter((n) => !found.has(n));
  const family = familyOfNames(tensors.keys());
  if (lacking.length > 0 && family && family !== config.modelType) {
    throw new Error(
      `${source}: holds ${family} weights (names start with "${family}.") but config.json says model_type "${config.modelType}"`,
    );
  }
  if (lacking.length > 0) {
    throw new Error(
      `${source}: lacks ${lacking.length} of the ${expected.size} encoder weights config.json implies, e.g. ` +
        `${lacking
          .slice(0, 3)
          .map((n) => `"${hfName(n, config.modelType)}"`)
          .join(', ')} (weights of another model type?)`,
    );
  }
}

/** The folder's config.json (checked when it names its model_type) and tokenizer: what both check and load read first. */
function openModelFolder(folder: string) {
  checkPath(folder, 'folder');
  const raw = readConfigJson(folder);
  // The config and tokenizer are checked before the weights (maybe gigabytes) are read, so a broken folder fails
  // at once; only a config without model_type has to wait for the weights' names.
  const typed = raw.json.model_type === undefined ? undefined : checkedConfig(raw);
  const loaded = loadTokenizer(folder);
  if (typed) checkTokenizerFits(folder, loaded.tokenizer, typed);
  return { raw, typed, loaded };
}

/**
 * Checks a folder as loadModelFolder would read it, without reading the weights: config.json, the tokenizer, and
 * the weights files' headers and sizes (see readCheckpointHeaders), with the encoder weights' names and shapes
 * where the headers give them. Cheap enough to run on every model of a run before its first step. Returns the config.
 */
export async function checkModelFolder(folder: string): Promise<EncoderConfig> {
  const { raw, typed, loaded } = openModelFolder(folder);
  const headers = await readCheckpointHeaders(folder);
  if (!headers.tensors) return typed ?? checkedConfig(raw); // pytorch_model.bin: its names are known once read
  const config = typed ?? untypedConfig(raw, headers.tensors.keys(), []);
  if (!typed) checkTokenizerFits(folder, loaded.tokenizer, config);
  checkEncoderWeights(weightsSource(folder, headers.files), config, headers.tensors);
  return config;
}

export async function loadModelFolder(folder: string, options: LoadOptions = {}): Promise<ModelFolder> {
  const { raw, typed, loaded } = openModelFolder(folder);
  const { tokenizer, files: tokenizerFiles, notes: tokenizerNotes } = loaded;
  const checkpoint = await readCheckpoint(folder);
  const source = weightsSource(folder, checkpoint.files);
  const notes: string[] = [...tokenizerNotes];
  let config = typed ?? untypedConfig(raw, checkpoint.tensors.keys(), notes);
  if (!typed) checkTokenizerFits(folder, tokenizer, config);
  checkEncoderWeights(source, config, checkpoint.tensors);
  const expected = encoderShapes(config);
  const weights = new Map<string, Tensor>();
  const classifier = new Map<string, Tensor>();
  const unexpected: string[] = [];
  for (const [name, t] of checkpoint.tensors) {
    const canonical = canonicalName(name, config.modelType);
    if (expected.has(canonical)) weights.set(canonical, t);
    else if (canonical === 'classifier.weight' || canonical === 'classifier.bias') classifier.set(canonical, t);
    else if (!BUFFER.test(canonical)) unexpected.push(name);
  }
  const pooler = unexpected.filter((n) => POOLER.test(canonicalName(n, config.modelType)));
  const heads = unexpected.filter((n) => PRETRAINING_HEAD.test(canonicalName(n, config.modelType)));
  const other = unexpected.filter((n) => !pooler.includes(n) && !heads.includes(n));
  if (pooler.length)
    notes.push(
      'The pooler layer in the weights is not used: it serves sentence classification, not token classification.',
    );
  if (heads.length)
    notes.push(
      `The pre-training or task head in the weights (${heads.length} tensors, e.g. "${heads[0]}") is not used for token classification.`,
    );
  if (other.length)
    notes.push(
      `${other.length} tensors in the weights are not part of this model and are ignored, e.g. ${other
        .slice(0, 3)
        .map((n) => `"${n}"`)
        .join(', ')}.`,
    );

  // The classifier head: kept when it predicts the task's labels, else a new one (HF's init) is needed.
  const head = { weight: classifier.get('classifier.weight'), bias: classifier.get('classifier.bias') };
  const init = `a new one will be initialised (normal std=${config.initializerRange}, bias 0), as Hugging Face does`;
  const labels =
    options.labels ??
    config.labels ??
    (head.weight ? Array.from({ length: head.weight.shape[0] }, (_, i) => `LABEL_${i}`) : null);
  let missing: string[] = [];
  if (labels !== null) {
    const shapes = classifierShapes(config, labels.length);
    const fits =
      head.weight &&
      head.bias &&
      sameShape(head.weight.shape, shapes.get('classifier.weight')!) &&
      sameShape(head.bias.shape, shapes.get('classifier.bias')!);
    const sameTask = options.labels === undefined || sameLabels(config.labels, options.labels);
    if (fits && sameTask) {
      weights.set('classifier.weight', head.weight!);
      weights.set('classifier.bias', head.bias!);
      if (options.labels)
        notes.push(`The folder's classifier head already predicts this task's ${labels.length} labels and is kept.`);
    } else {
      missing = [...shapes.keys()];
      if (!head.weight) notes.push(`The folder's weights have no classifier head; ${init}.`);
      else if (!fits)
        notes.push(
          `The folder's classifier head predicts ${head.weight.shape[0]} labels but this task has ${labels.length}; ${init}.`,
        );
      else
        notes.push(
          `The folder's classifier head predicts other labels (${config.labels?.join(', ') ?? 'unnamed'}) than this task's (${labels.join(', ')}); ${init}.`,
        );
    }
    config = { ...config, labels: [...labels] };
  } else if (head.weight) {
    unexpected.push('classifier.weight', 'classifier.bias');
  }
  return {
    config,
    weights,
    tokenizer,
    report: { folder, weightsFiles: checkpoint.files, tokenizerFiles, missing, unexpected, notes },
  };
}

/** Writes a file so that a half-written one never appears at `path`. */
export function writeFileAtomic(path: string, text: string | Uint8Array): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

export interface SaveOptions {
  /** The folder whose tokenizer files are copied (the one the model was loaded from, or the shipped vocabulary). */
  readonly tokenizerFrom: string;
}

/**
 * Writes a folder Hugging Face loads as …ForTokenClassification: config.json (with id2label/label2id),
 * model.safetensors (Hugging Face names, "format": "pt" metadata as transformers requires) and the tokenizer files.
 */
export async function saveModelFolder(
  folder: string,
  model: { config: EncoderConfig; weights: ReadonlyMap<string, Tensor> },
  options: SaveOptions,
): Promise<void> {
  const { config, weights } = model;
  if (config.labels === null)
    throw new Error(`saving ${folder}: the config names no labels (id2label), so the classifier head has no meaning`);
  checkEncoderConfig(config, join(folder, 'config.json'));
  const shapes = new Map([...encoderShapes(config), ...classifierShapes(config, config.labels.length)]);
  const named = new Map<string, Tensor>();
  for (const [name, shape] of shapes) {
    const t = weights.get(name);
    if (!t) throw new Error(`saving ${folder}: the weights lack "${name}"`);
    if (!sameShape(t.shape, shape))
      throw new Error(`saving ${folder}: "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    named.set(hfName(name, config.modelType), t);
  }
  const extra = [...weights.keys()].filter((n) => !shapes.has(n));
  if (extra.length)
    throw new Error(
      `saving ${folder}: weights ${extra.slice(0, 3).join(', ')} are not part of a ${config.modelType} token classifier`,
    );
  const tokenizerFiles = TOKENIZER_FILES.filter((f) => existsSync(join(options.tokenizerFrom, f)));
  if (tokenizerFiles.length === 0)
    throw new Error(`saving ${folder}: ${options.tokenizerFrom} holds no tokenizer files to copy`);

  mkdirSync(folder, { recursive: true });
  await writeSafetensors(join(folder, 'model.safetensors'), named, { format: 'pt' }, { checksum: true });
  for (const f of tokenizerFiles) {
    if (resolve(options.tokenizerFrom, f) !== resolve(folder, f))
      copyFileSync(join(options.tokenizerFrom, f), join(folder, f));
  }
  // config.json last: a folder without it is visibly incomplete if anything above failed.
  const hf = { ...toHfConfig(config, ARCHITECTURES[config.modelType]), torch_dtype: 'float32' };
  writeFileAtomic(join(folder, 'config.json'), `${JSON.stringify(hf, null, 2)}\n`);
}
