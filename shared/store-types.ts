// The experiment store's vocabularies and row shapes, as the main process hands them over IPC.
// Pure data: the renderer imports this file too, so no Node imports here.

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Which status may follow which: an interrupted run is resumed by going back to 'running' (or to the queue). */
// A run fails before it starts when its engine cannot open; a failed run may be retried from its last finished
// epoch (failures are often the machine's: a full disk, a GPU driver), so 'failed' is not final. Only adding a
// student (requeueRun in main/store/runs.ts, with the new config) queues a completed, failed or cancelled run again.
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ['running', 'cancelled', 'failed'],
  running: ['completed', 'failed', 'cancelled', 'interrupted'],
  interrupted: ['running', 'queued', 'cancelled', 'failed'],
  completed: [],
  failed: ['running'],
  cancelled: [],
};

export const MODEL_KINDS = ['pretrained', 'teacher', 'student'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** seqeval's two ways of matching entities: 'lenient' is its default, 'strict' its mode=strict (IOB2). */
export const EVAL_MODES = ['lenient', 'strict'] as const;
export type EvalMode = (typeof EVAL_MODES)[number];

export const ARTIFACT_KINDS = [
  'weights', // a model's parameters (safetensors)
  'checkpoint', // weights + optimizer state mid-run, for resuming
  'teacher-distributions', // aggregated teacher B/I/O probabilities for the student
  'onnx-graph', // a training or inference graph
  'predictions', // predicted labels of a model on a split
] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** The paper's error categories (section IV-E.4, Table VI). */
export const ERROR_CATEGORIES = ['CORRECT', 'NEW', 'CFP', 'CFN', 'WLRS', 'WLOS', 'RLOS'] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** Timestamps are ISO 8601 strings in UTC, e.g. '2026-11-25T05:18:42.000Z'. */
export type Timestamp = string;

export interface DatasetSplit {
  name: string; // 'train' | 'devel' | 'test' by convention
  sentences: number;
  tokens: number;
  mentions: number;
}

export interface Dataset {
  id: number;
  name: string;
  /** Where it was loaded from (absolute, or relative to the data folder). */
  source: string;
  entityTypes: string[];
  /** sha256 of the dataset's files, to tell an edited corpus from the one a run used. */
  contentHash: string;
  createdAt: Timestamp;
  splits: DatasetSplit[];
  /** For a dataset registered from one file: how it is cut into train/dev/test; null for a folder. */
  split: SingleFileSplit | null;
}

/** Ratios of train, dev and test and the seed of the shuffle that cuts a single file. */
export interface SingleFileSplit {
  ratios: [number, number, number];
  seed: number;
}

export interface Model {
  id: number;
  name: string;
  kind: ModelKind;
  architecture: string;
  parameterCount: number;
  sizeBytes: number;
  /** Absolute for an imported folder, relative to the data folder for one we wrote. */
  folder: string;
  /** The run that produced it (null for an imported pretrained model). */
  runId: number | null;
  createdAt: Timestamp;
}

export interface Run {
  id: number;
  name: string;
  config: unknown;
  status: RunStatus;
  /** What the run is doing now, e.g. 'teacher:NCBI-disease', 'aggregate', 'student'. */
  phase: string | null;
  device: string | null;
  error: string | null;
  createdAt: Timestamp;
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
  updatedAt: Timestamp;
  interruptedAt: Timestamp | null;
  /** The process and host that run it while 'running', so another process does not declare it interrupted. */
  ownerPid: number | null;
  ownerHost: string | null;
  /** Last sign of life of the owner; another host's run is interrupted when it is stale. */
  heartbeatAt: Timestamp | null;
}

export interface RunMetric {
  runId: number;
  phase: string;
  epoch: number;
  /** null for a whole-epoch figure, the global step for a per-step one. */
  step: number | null;
  name: string;
  value: number;
  recordedAt: Timestamp;
}

export interface Scores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Evaluation extends Scores {
  id: number;
  runId: number;
  modelId: number;
  datasetId: number;
  split: string;
  mode: EvalMode;
  perType: Record<string, Scores>;
  /** How fast the model labelled the split (words per second on the run's device), when measured. */
  wordsPerSecond: number | null;
  createdAt: Timestamp;
}

export interface Agreement {
  id: number;
  runId: number;
  datasetId: number;
  split: string;
  /** Row/column labels: model names, and e.g. 'ground truth'. */
  labels: string[];
  /** Cohen's kappa, matrix[i][j] between labels[i] and labels[j]. */
  matrix: number[][];
  createdAt: Timestamp;
}

export interface ErrorAnalysis {
  id: number;
  runId: number;
  modelId: number;
  datasetId: number;
  split: string;
  counts: Record<ErrorCategory, number>;
  details: unknown;
  createdAt: Timestamp;
}

export interface Artifact {
  id: number;
  kind: ArtifactKind;
  sha256: string;
  bytes: number;
  /** Relative to the data folder: 'artifacts/ab/abcdef…'. */
  path: string;
  name: string | null;
  runId: number | null;
  modelId: number | null;
  createdAt: Timestamp;
}
