// Runs as the window and the command line see them: a run's row with its live progress, and everything recorded
// about it.
import type { Agreement, ErrorAnalysis, Evaluation, Model, Run, RunMetric } from './store-types.ts';

/** What the run the app executes is doing now (the pipeline's progress events). */
export interface RunProgress {
  runId: number;
  /** 'prepare', 'teacher:<type>', 'distributions', 'student:<name>', 'evaluate' or 'done'. */
  phase: string;
  message: string;
  /** While a model trains: seconds left for the whole run's training (the models after this one at its pace), or null. */
  runEtaSeconds: number | null;
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
  /** The teachers it trained or took from the store, and the students it produced. */
  models: Model[];
  evaluations: Evaluation[];
  agreements: Agreement[];
  errorAnalyses: ErrorAnalysis[];
  /** The datasets its evaluations, agreements and error analyses refer to. */
  datasets: { id: number; name: string; entityTypes: string[] }[];
  /** The students the user skipped and the run stopped, in that order (a resume trains them and empties this). */
  skippedStudents: string[];
}

/** How long a run would take on this machine, from a few real training steps of each model shape it trains. */
export interface RunEstimate {
  /** The whole run: training, dev scoring, the teachers' distributions and the test scoring. */
  seconds: number;
  /** The largest peak memory of the engine host over the models timed (Linux), in MB; null where not measured. */
  peakMemoryMB: number | null;
  /**
   * Each model that trains: its optimizer steps, the measured time per step (the epoch's mean), and its share of the
   * run, in parts: training steps, labelling sentences (dev scoring, the distributions, test scoring), and the rest
   * (opening the model in the engine and building its programs, writing checkpoints and the saved model).
   */
  models: {
    name: string;
    steps: number;
    secondsPerStep: number;
    seconds: number;
    parts: { steps: number; labelling: number; overhead: number };
    peakMemoryMB: number | null;
  }[];
  /** Entity types whose teacher is reused as it is (no training). */
  reusedTeachers: string[];
}

/** A teacher an earlier run trained, offered for reuse: the entity type it labels and the run it came from. */
export interface TrainedTeacher {
  model: Model;
  type: string;
  runName: string;
  /** Its lenient test F1 on its own corpus, when it was scored. */
  testF1: number | null;
}

/** Fig. 2 across runs: on one corpus's test split, Cohen's kappa over the ground truth and every model of several runs. */
export interface CrossRunKappa {
  datasetId: number;
  /** The corpus's name and entity type. */
  corpus: string;
  type: string;
  /** 'ground truth', then 'RUN NAME: MODEL NAME' per model. */
  labels: string[];
  matrix: (number | null)[][];
  /** Models scored on this corpus whose predictions were not stored (runs scored by an older version). */
  missing: string[];
}
