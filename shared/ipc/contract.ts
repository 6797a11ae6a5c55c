// The one IPC contract between the renderer and the main process: for each channel, the zod schema its arguments
// must pass (checked in the main process before any service runs) and the type of its result; and the events the
// main process pushes to the renderer. Everything that crosses is plain data (structured-clone and JSON safe).
import { z } from 'zod';
// The data types themselves live in their domains (shared/corpus, shared/method, …); they are re-exported here so
// that a page or a service finds everything a channel carries in one import.
import { datasetRef, datasetRegistrationRequest, entityType, singleFileSplit } from '../corpus/datasets.ts';
import type { DatasetEntry, DatasetRegistration, DatasetReport } from '../corpus/datasets.ts';
import type { AppInfo } from '../app-info.ts';
import type { Explanation } from '../method/explanation.ts';
import { runConfigSchema, studentSchema } from '../method/run-config.ts';
import type { ModelImport } from '../models/model-import.ts';
import { OUTPUT_FORMATS, type FolderProgress, type TextAnnotation } from '../annotate/formats.ts';
import type { CrossRunKappa, RunDetails, RunEstimate, RunProgress, RunSummary, TrainedTeacher } from '../runs.ts';
import type { Model, Run } from '../store-types.ts';

export { datasetRef, datasetRegistrationRequest, entityType, singleFileSplit };
export type { DatasetRef, SplitReport } from '../corpus/datasets.ts';
export type {
  AppInfo,
  DatasetEntry,
  DatasetRegistration,
  DatasetReport,
  Explanation,
  ModelImport,
  CrossRunKappa,
  RunDetails,
  RunEstimate,
  RunProgress,
  RunSummary,
  TextAnnotation,
  TrainedTeacher,
  FolderProgress,
};
export type { ProviderInfo } from '../app-info.ts';

// ── Values the channels carry ────────────────────────────────────────────────────────────────────────────────

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
  'datasets:register': channel<DatasetRegistration>()(datasetRegistrationRequest),
  /** Every run in the store, newest first. */
  'runs:list': channel<RunSummary[]>()(noArgs),
  /** One run with its figures, models, evaluations, agreements and error analyses. */
  'runs:show': channel<RunDetails>()(runId),
  /**
   * Creates a run from a config (see shared/method/run-config.ts) and starts executing it in the background;
   * refused while another run executes in this app. Progress arrives as 'runs:progress' events.
   */
  'runs:start': channel<Run>()(
    z.strictObject({
      name: z.string().trim().min(1, 'give the run a name').max(100).optional(),
      config: runConfigSchema,
    }),
  ),
  /**
   * Adds a student (as in a run config's "students") to a completed, failed or cancelled run and executes it in the
   * background: only the new student trains, then every model is scored again.
   */
  'runs:add-student': channel<Run>()(z.strictObject({ runId: z.number().int().positive(), student: studentSchema })),
  /**
   * Times a few real training steps of each model shape of a run config in an engine host and estimates how long
   * the run would take and the memory it needs; refused while a run trains here (the figures would be wrong).
   */
  'runs:estimate': channel<RunEstimate>()(z.strictObject({ config: runConfigSchema })),
  /** The teachers that runs trained, each with its entity type, to reuse as { "trained": MODEL_ID }; newest first. */
  'runs:trained-teachers': channel<TrainedTeacher[]>()(noArgs),
  /**
   * Per corpus that two or more of these runs were scored on: Cohen's kappa over the ground truth and every teacher
   * and student of those runs (from each model's stored test predictions).
   */
  'runs:cross-kappa': channel<CrossRunKappa[]>()(
    z.strictObject({ runIds: z.array(z.int().positive()).min(2).max(20) }),
  ),
  /** Asks the executing run to stop after its current step; it ends 'cancelled'. */
  'runs:cancel': channel<Run>()(runId),
  /**
   * Asks the run training one of its students (here or in another process) to skip that student: it stops at its next
   * step and the run goes on with the others; resuming the run later trains it. `requested` is false when it was
   * already asked for.
   */
  'runs:skip-student': channel<{ requested: boolean }>()(
    z.strictObject({ runId: z.int().positive(), student: z.string().min(1).max(200) }),
  ),
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
      text: z
        .string()
        .refine((t) => t.trim().length > 0, 'paste or type some text')
        .pipe(z.string().max(200_000, 'at most 200,000 characters at once: label longer texts as files')),
    }),
  ),
  /**
   * Labels every input file directly in a folder (.txt, .jsonl, .pubtator, .conll…) in the background, writing to
   * its taughtnet-annotations subfolder; progress arrives as 'annotate:progress' events.
   */
  'annotate:folder': channel<{ jobId: number; files: number; output: string }>()(
    z.strictObject({
      modelId: z.int().positive(),
      folder: z.string().trim().min(1, 'choose a folder'),
      format: z.enum(OUTPUT_FORMATS),
    }),
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
export const EVENTS: readonly EventName[] = [
  'datasets:changed',
  'runs:changed',
  'runs:progress',
  'models:changed',
  'annotate:progress',
];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENTS as readonly string[]).includes(name);
}

/** The Electron IPC channel an event travels on (apart from the invoke channels, which go the other way). */
export const eventChannel = (event: EventName) => `event:${event}`;
