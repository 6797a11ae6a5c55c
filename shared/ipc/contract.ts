// The one IPC contract between the renderer and the main process: for each channel, the zod schema its arguments
// must pass (checked in the main process before any service runs) and the type of its result; and the events the
// main process pushes to the renderer. Everything that crosses is plain data (structured-clone and JSON safe).
import { z } from 'zod';
import type { CorpusIssue, CorpusStats, Scheme } from '../corpus/types.ts';
import { runConfigSchema } from '../method/run-config.ts';
import type { Agreement, ErrorAnalysis, Evaluation, Model, Run, RunMetric } from '../store-types.ts';
import { OUTPUT_FORMATS, type Labelled } from '../annotate/formats.ts';

// ── Values the channels carry ────────────────────────────────────────────────────────────────────────────────

/** A dataset folder name under resources/datasets: letters, digits, '.', '_', '-' only, so it cannot leave that folder. */
const shippedName = z.string().regex(/^[A-Za-z0-9][\w.-]{0,99}$/, 'must be a folder name under resources/datasets');

/** Which dataset: one of the shipped corpora (by folder name) or one the user registered (by its store id). */
export const datasetRef = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('shipped'), name: shippedName }),
  z.strictObject({ source: z.literal('user'), id: z.int().positive() }),
]);
export type DatasetRef = z.infer<typeof datasetRef>;

/** An entity type as it appears in labels (B-Disease): no spaces, no '-' prefix. */
export const entityType = z.string().regex(/^[A-Za-z][\w]{0,39}$/, 'must be a word such as Disease, Chemical or Gene');

export interface ProviderInfo {
  name: 'cuda' | 'webgpu' | 'cpu';
  available: boolean;
  /** Runs, but on the CPU through a software driver: slower than the CPU provider. */
  emulated: boolean;
  /** Why it is unavailable, or what was checked when it is available. */
  reason: string;
}

export interface AppInfo {
  name: string;
  version: string;
  versions: { node: string; v8: string; onnxruntime: string; electron: string | null; chrome: string | null };
  platform: string;
  arch: string;
  /** Where the experiment store (database and files) lives. */
  dataFolder: string;
  /** Set when the data folder is on a network drive: what that changes. */
  dataFolderNote: string | null;
  /** Where the shipped corpora and vocabulary live. */
  resourcesFolder: string;
  /** ONNX Runtime execution providers, best first, each with whether it works here and why. */
  providers: ProviderInfo[];
  /** The provider training uses when left to choose ('auto'), and why; name null when none works. */
  autoProvider: { name: ProviderInfo['name'] | null; reason: string };
}

export interface DatasetEntry {
  ref: DatasetRef;
  name: string;
  folder: string;
  /** The entity type its mentions stand for, when known (e.g. 'Disease'). */
  entityTypes: string[];
}

export interface SplitReport {
  /** 'train', 'dev' or 'test'. */
  name: string;
  file: string;
  scheme: Scheme;
  stats: CorpusStats;
}

/** A dataset read from disk: its splits' statistics, or the errors that keep it from loading (each FILE:LINE). */
export interface DatasetReport {
  entry: DatasetEntry;
  splits: SplitReport[];
  errors: CorpusIssue[];
  errorCount: number;
  /** Label sequences read the lenient way (a stray I-X taken as B-X), as conlleval and seqeval do. */
  repairs: CorpusIssue[];
  repairCount: number;
}

/** What registering a dataset did: the entry, whether it is new, and the repairs made while reading it. */
export interface DatasetRegistration {
  entry: DatasetEntry;
  /** false when the same content was registered under this name before: `entry` is that one. */
  added: boolean;
  repairs: CorpusIssue[];
  repairCount: number;
}

/** How one file is cut into train/dev/test: relative sizes and the seed of the shuffle. */
export const singleFileSplit = z.strictObject({
  ratios: z
    .tuple([z.number().min(0), z.number().min(0), z.number().min(0)])
    .refine(([a, b, c]) => a + b + c > 0, 'the split ratios must not all be 0'),
  seed: z.int().min(0).max(2 ** 32 - 1),
});

/** What the run the app executes is doing now (the pipeline's progress events). */
export interface RunProgress {
  runId: number;
  /** 'prepare', 'teacher:<type>', 'distributions', 'student', 'evaluate' or 'done'. */
  phase: string;
  message: string;
  /** While a model trains: where it is and how long is left. */
  training: {
    epoch: number;
    epochs: number;
    step: number;
    totalSteps: number;
    loss: number;
    /** Seconds left in this phase at this session's pace, or null before it is known. */
    etaSeconds: number | null;
  } | null;
}

/** A run as listed: its row, whether this app executes it now, and its progress then. */
export interface RunSummary {
  run: Run;
  executing: boolean;
  /** Null while executing until its first progress event, and when not executing. */
  progress: RunProgress | null;
}

/** Everything recorded about one run, for its page and for comparisons. */
export interface RunDetails extends RunSummary {
  /** Whole-epoch figures (train_loss, selection_score, dev_…) per phase; per-step figures are left out. */
  metrics: RunMetric[];
  /** The teachers and the student it produced. */
  models: Model[];
  evaluations: Evaluation[];
  agreements: Agreement[];
  errorAnalyses: ErrorAnalysis[];
  /** The datasets its evaluations, agreements and error analyses refer to. */
  datasets: { id: number; name: string; entityTypes: string[] }[];
}

/** A folder being labelled in the background (annotate:folder): how far it is, and how it ended. */
export interface FolderProgress {
  jobId: number;
  status: 'running' | 'done' | 'cancelled' | 'failed';
  documents: number;
  /** Share of the input bytes done, 0 to 1. */
  share: number;
  etaSeconds: number | null;
  /** Where the output goes: a file, or a folder for brat. */
  output: string;
  error?: string;
}

/** A text labelled by a model (annotate:text): its sentences, words, labels and mentions, and the model's types. */
export interface TextAnnotation {
  modelId: number;
  modelName: string;
  /** The entity types the model labels, in the order of its labels. */
  types: string[];
  labelled: Labelled;
}

/**
 * Why a model labels one word as it does: Integrated Gradients (paper §IV-E.5, Fig. 3) of the probability f of one
 * label at the word's first subword, along the straight path from a baseline x′ to the input x (word embeddings).
 */
export interface Explanation {
  /** The sentence, split into words. */
  words: string[];
  /** The word explained. */
  wordIndex: number;
  /** The model's labels, in id2label order. */
  labels: string[];
  /** The model's label for the word (the most probable at its first subword) and its probability. */
  predicted: { label: string; probability: number };
  /** The label whose probability is explained: the predicted one unless another was asked for. */
  label: string;
  /** Per word, the sum of its subwords' attributions; null for a word outside the window explained. */
  wordAttributions: (number | null)[];
  /** What the special tokens ([CLS], [SEP]) contribute: part of the window, of no word. */
  specialAttribution: number;
  /** The window's subwords in order, special tokens included (word null), each with its attribution. */
  subwords: { token: string; id: number; word: number | null; attribution: number }[];
  /** f(x): the explained label's probability for the word. */
  fInput: number;
  /** f(x′): the same at the baseline. */
  fBaseline: number;
  /** IG's completeness: Σ attributions (sum) against f(x) − f(x′) (expected); error and error / |expected|. */
  completeness: { sum: number; expected: number; error: number; relativeError: number };
  /** Quadrature points along the path, and the rule that placed them. */
  steps: number;
  rule: 'gauss-legendre' | 'trapezoid';
  /** 'pad': [PAD] embeddings with [CLS] and [SEP] kept (as transformers-interpret); 'zeros': the zero vector. */
  baseline: 'pad' | 'zeros';
  /** Words [from, to) are in the window explained, one of `of` windows (a long sentence needs several). */
  window: { from: number; to: number; of: number };
}

/** What importing a model folder did: the stored model, whether it is new, and what reading the folder found. */
export interface ModelImport {
  model: Model;
  /** false when this folder was imported before: `model` is that one. */
  added: boolean;
  /** In plain words, what a run will leave out or initialise (an unused pooler, a classifier head to train, …). */
  notes: string[];
}

const runId = z.strictObject({ runId: z.int().positive() });

// ── Channels ─────────────────────────────────────────────────────────────────────────────────────────────────

/** A channel: its argument schema, and its result type (carried in the type only). */
export interface ChannelSpec<Args extends z.ZodType, Result> {
  args: Args;
  /** Never set: names the result type. */
  result?: Result;
}
const channel =
  <Result>() =>
  <Args extends z.ZodType>(args: Args): ChannelSpec<Args, Result> => ({ args });

const noArgs = z.strictObject({});

export const contract = {
  /** Versions, folders and which ONNX Runtime providers work on this machine. */
  'app:info': channel<AppInfo>()(noArgs),
  /** The shipped corpora, then the datasets the user registered. */
  'datasets:list': channel<DatasetEntry[]>()(noArgs),
  /** Reads one dataset and returns its statistics per split, or its errors. */
  'datasets:inspect': channel<DatasetReport>()(z.strictObject({ dataset: datasetRef })),
  /**
   * Reads a dataset folder (train / dev or devel / test files), or one file cut by `split`, and, if it loads
   * without errors, registers it.
   */
  'datasets:register': channel<DatasetRegistration>()(
    z.strictObject({
      folder: z.string().trim().min(1, 'choose a folder'),
      name: z.string().trim().min(1, 'give the dataset a name').max(100),
      /** Required when the files' labels carry no type (bare B / I): the type they stand for. */
      entityType: entityType.optional(),
      /** Only for a single file: how to cut it (default 80/10/10, seed 42). */
      split: singleFileSplit.optional(),
    }),
  ),
  /** Every run in the store, newest first. */
  'runs:list': channel<RunSummary[]>()(noArgs),
  /** One run with its figures, models, evaluations, agreements and error analyses. */
  'runs:show': channel<RunDetails>()(runId),
  /**
   * Creates a run from a config (see shared/method/run-config.ts) and starts executing it in the background;
   * refused while another run executes in this app. Progress arrives as 'runs:progress' events.
   */
  'runs:start': channel<Run>()(
    z.strictObject({ name: z.string().trim().min(1, 'give the run a name').max(100).optional(), config: runConfigSchema }),
  ),
  /** Asks the executing run to stop after its current step; it ends 'cancelled'. */
  'runs:cancel': channel<Run>()(runId),
  /** Continues an interrupted (or queued) run from its last finished epoch, in the background. */
  'runs:resume': channel<Run>()(runId),
  /** Deletes a run that is not executing, with its figures; the models it produced stay. */
  'runs:delete': channel<{ deleted: boolean }>()(runId),
  /** The models in the store: pretrained ones the user imported, teachers and students that runs produced; newest first. */
  'models:list': channel<Model[]>()(noArgs),
  /**
   * Reads a Hugging Face model folder as a run would (config.json, tokenizer, weights) and registers it as a
   * pretrained model; importing the same folder again returns the model already there.
   */
  'models:import': channel<ModelImport>()(
    z.strictObject({
      folder: z.string().trim().min(1, 'choose a folder'),
      name: z.string().trim().min(1, 'give the model a name').max(100).optional(),
    }),
  ),
  /** Forgets an imported pretrained model (its folder stays on disk); a run's teachers and student stay with it. */
  'models:delete': channel<{ deleted: boolean }>()(z.strictObject({ modelId: z.int().positive() })),
  /**
   * Explains one word's label in a sentence (split into words on whitespace) by Integrated Gradients: per-word and
   * per-subword attributions, and how close they come to f(x) − f(x′). `label` defaults to the predicted one.
   */
  /** Labels a pasted text with a stored model: sentences and words as the CLI splits them, mentions with offsets. */
  'annotate:text': channel<TextAnnotation>()(
    z.strictObject({
      modelId: z.int().positive(),
      text: z.string().refine((t) => t.trim().length > 0, 'paste or type some text').pipe(z.string().max(200_000, 'at most 200,000 characters at once: label longer texts as files')),
    }),
  ),
  /**
   * Labels every input file directly in a folder (.txt, .jsonl, .pubtator, .conll…) in the background, writing to
   * its taughtnet-annotations subfolder; progress arrives as 'annotate:progress' events.
   */
  'annotate:folder': channel<{ jobId: number; files: number; output: string }>()(
    z.strictObject({ modelId: z.int().positive(), folder: z.string().trim().min(1, 'choose a folder'), format: z.enum(OUTPUT_FORMATS) }),
  ),
  /** Stops a folder being labelled; what is written stays. */
  'annotate:cancel': channel<{ cancelled: boolean }>()(z.strictObject({ jobId: z.int().positive() })),
  'models:explain': channel<Explanation>()(
    z.strictObject({
      modelId: z.int().positive(),
      text: z.string().trim().min(1, 'type a sentence').max(2000, 'a sentence of at most 2,000 characters'),
      wordIndex: z.int().min(0),
      label: z.string().min(1).optional(),
      steps: z.int().min(8).max(300).default(50),
      rule: z.enum(['gauss-legendre', 'trapezoid']).optional(),
    }),
  ),
};

export type Contract = typeof contract;
export type Channel = keyof Contract;
export const CHANNELS = Object.keys(contract) as Channel[];
export type Args<C extends Channel> = z.input<Contract[C]['args']>;
export type ParsedArgs<C extends Channel> = z.output<Contract[C]['args']>;
export type Result<C extends Channel> = Contract[C] extends ChannelSpec<z.ZodType, infer R> ? R : never;

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(contract, name);
}

/** What a channel answers: its result, or a message a user can read. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: string };

// ── Events (main → renderer) ─────────────────────────────────────────────────────────────────────────────────

export interface Events {
  /** A dataset was registered: lists of datasets are out of date. */
  'datasets:changed': { name: string };
  /** A run was created, changed status or phase, or was deleted: lists and pages of runs (and models) are out of date. */
  'runs:changed': { runId: number };
  /** The executing run made progress (at most a few times a second). */
  'runs:progress': RunProgress;
  /** A model was imported or removed: lists of models are out of date. */
  'models:changed': { modelId: number };
  /** A folder being labelled made progress or ended. */
  'annotate:progress': FolderProgress;
}
export type EventName = keyof Events;
export const EVENTS: readonly EventName[] = ['datasets:changed', 'runs:changed', 'runs:progress', 'models:changed', 'annotate:progress'];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENTS as readonly string[]).includes(name);
}

/** The Electron IPC channel an event travels on (apart from the invoke channels, which go the other way). */
export const eventChannel = (event: EventName) => `event:${event}`;
