// The new-run wizard's state, step by step, and the run config it stands for (shared/method/run-config.ts checks it
// in main). Each step starts on the choice a newcomer should make: the paper's two corpora, Tiny models from
// scratch, TaughtNet (λ 0.99) beside the Merged baseline (λ 0), the recipe that suits each model's source.
import type { AppInfo, DatasetEntry } from '../../../shared/ipc/contract.ts';
import {
  DEFAULT_SEED,
  DEVICES,
  REFERENCE_CODE_OPTIONS,
  runConfigSchema,
  type RunConfig,
  type RunConfigInput,
} from '../../../shared/method/run-config.ts';
import {
  FROM_SCRATCH_RECIPES,
  fromScratchRecipe,
  PRETRAINED_RECIPE as PAPER_RECIPE,
  type Recipe as SharedRecipe,
} from '../../../shared/method/recipes.ts';
import {
  presetConfig,
  SHIPPED_VOCAB,
  sizePreset,
  type PresetId,
  type SizePreset,
} from '../../../shared/models/presets.ts';
import { stepCost } from '../../../shared/models/step-cost.ts';
import { microBatchToFit, runBudgetMB, trainingPeakMB } from '../../../shared/models/step-memory.ts';
import type { Model } from '../../../shared/store-types.ts';

/** The schema's own defaults (of a minimal config), so the wizard starts where a hand-written config would. */
const CONFIG_DEFAULTS = runConfigSchema.parse({
  corpora: [{ path: '-', type: 'T' }],
  teachers: [{ type: 'T', model: { preset: 'tiny' } }],
  student: { model: { preset: 'tiny' } },
});

export type Device = (typeof DEVICES)[number];

/** A model to start from; every field is kept so switching back and forth loses nothing. */
export interface ModelPick {
  /** 'trained': a teacher an earlier run trained, used as it is (teachers only). */
  source: 'preset' | 'folder' | 'imported' | 'trained';
  preset: PresetId;
  folder: string;
  /** The folder of the imported (pretrained) model chosen: runs name models by folder. */
  importedFolder: string;
  trainedId: number | null;
}

export interface ChosenCorpus {
  entry: DatasetEntry;
  /** The entity type its labels stand for ('' until known or typed). */
  type: string;
  teacher: ModelPick;
  /** Whether the teacher's default was set from the trained teachers on offer (done once, then the user's). */
  teacherOffered: boolean;
}

/** How a model learns: what suits a pretrained model does not suit one that starts from random weights. */
export type Recipe = { -readonly [K in keyof SharedRecipe]: SharedRecipe[K] };

/** The steps, in order: their titles are the step list's. */
export const WIZARD_STEPS = ['Corpora', 'Teachers', 'Students', 'Training and device', 'Review'] as const;

/** A student size: a preset from scratch, an imported model, or a folder on this computer. */
export type SizeKey = `preset:${PresetId}` | `imported:${string}` | 'folder';

export interface RunWizard {
  step: number;
  name: string;
  corpora: ChosenCorpus[];
  sizes: SizeKey[];
  studentFolder: string;
  /** The λ values of the distilled students (TaughtNet). */
  lambdas: number[];
  /** Adds a λ = 0 student of each size: the paper's Merged baseline. */
  merged: boolean;
  /** How many times each student is trained, with seeds 1, 2, …: the comparison then gives mean ± spread. */
  studentSeeds: number;
  teacherEpochs: number;
  studentEpochs: number;
  maxLength: number;
  /** The recipe of the models trained from scratch, and of the pretrained ones. */
  scratch: Recipe;
  pretrained: Recipe;
  device: Device;
  /** The settings (REFERENCE_CODE_OPTIONS[].setting) switched to the authors' code's behaviour. */
  reference: string[];
}

/** The paper's fine-tuning recipe (§IV-D). */
export const PRETRAINED_RECIPE: Recipe = { ...PAPER_RECIPE };

/** The corpora the paper's study starts from, chosen at first when shipped. */
const NEWCOMER_CORPORA = ['NCBI-disease', 'BC5CDR-chem'];

/** Tells datasets apart across sources (shipped ones have a name, registered ones an id). */
export const datasetKey = (entry: DatasetEntry): string =>
  entry.ref.source === 'shipped' ? `s:${entry.ref.name}` : `u:${entry.ref.id}`;

export const newModelPick = (): ModelPick => ({
  source: 'preset',
  preset: 'tiny',
  folder: '',
  importedFolder: '',
  trainedId: null,
});

export const chosenCorpus = (entry: DatasetEntry): ChosenCorpus => ({
  entry,
  type: entry.entityTypes[0] ?? '',
  teacher: newModelPick(),
  teacherOffered: false,
});

export function newRunWizard(datasets: readonly DatasetEntry[]): RunWizard {
  const {
    teachers,
    students: [student],
    device,
  } = CONFIG_DEFAULTS;
  return {
    step: 0,
    name: '',
    corpora: datasets
      .filter((d) => d.ref.source === 'shipped' && NEWCOMER_CORPORA.includes(d.ref.name))
      .map(chosenCorpus),
    sizes: ['preset:tiny'],
    studentFolder: '',
    lambdas: [student.lambda],
    merged: true,
    studentSeeds: 1,
    teacherEpochs: teachers[0].epochs,
    studentEpochs: student.epochs,
    maxLength: student.maxLength,
    scratch: { ...fromScratchRecipe(['tiny']) },
    pretrained: { ...PRETRAINED_RECIPE },
    device,
    reference: [],
  };
}

/** Labels of a student over these corpora: B- and I- per type, and O. */
export const studentLabelCount = (corpora: readonly unknown[]): number => 2 * Math.max(corpora.length, 2) + 1;

/** A training step of a sentence batch (16 of some 25 words) with this preset's shape, in step-cost units. */
const presetStepCost = (p: SizePreset) => stepCost(presetConfig(p, SHIPPED_VOCAB), 5, 16 * 25);
/** How many times as fast as Base a preset trains, from its arithmetic and size (shared/models/step-cost.ts). */
export const speedAgainstBase = (p: SizePreset): number => presetStepCost(sizePreset('base')) / presetStepCost(p);

type ModelSource = RunConfig['students'][number]['model'];

function modelSource(pick: ModelPick): ModelSource {
  if (pick.source === 'preset') return { preset: pick.preset };
  return { folder: pick.source === 'imported' ? pick.importedFolder : pick.folder.trim() };
}

const recipeOf = (w: RunWizard, source: ModelSource | { trained: number }): Recipe =>
  'preset' in source ? w.scratch : w.pretrained;

/** A student size's source and its short name ("Tiny", or the model's name). */
function sizeSource(key: SizeKey, w: RunWizard, imported: readonly Model[]): { source: ModelSource; name: string } {
  if (key === 'folder')
    return {
      source: { folder: w.studentFolder.trim() },
      name: w.studentFolder.trim().split(/[\\/]/).filter(Boolean).pop() ?? 'folder',
    };
  const [kind, value] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
  if (kind === 'preset') return { source: { preset: value as PresetId }, name: sizePreset(value as PresetId).name };
  return { source: { folder: value }, name: imported.find((m) => m.folder === value)?.name ?? value };
}

/** The students the ticks stand for: every size with every λ, and the Merged baseline of each size. */
export function studentsOf(
  w: RunWizard,
  imported: readonly Model[],
): { name: string; source: ModelSource; lambda: number }[] {
  const lambdas = [...new Set([...w.lambdas, ...(w.merged ? [0] : [])])].sort((a, b) => b - a);
  return w.sizes.flatMap((key) => {
    const { source, name } = sizeSource(key, w, imported);
    return lambdas.map((lambda) => ({
      name: `${name.slice(0, 40)}, ${lambda === 0 ? 'Merged (λ 0)' : `λ ${lambda}`}`,
      source,
      lambda,
    }));
  });
}

/** The recipe proposed for the models this run trains from scratch: the gentlest their sizes need (recipes.ts). */
export function proposedScratchRecipe(w: RunWizard, imported: readonly Model[]): Recipe {
  const teachers = w.corpora.flatMap((c) => (c.teacher.source === 'preset' ? [c.teacher.preset] : []));
  const students = studentsOf(w, imported).flatMap((s) => ('preset' in s.source ? [s.source.preset] : []));
  return { ...fromScratchRecipe([...teachers, ...students]) };
}

/** Whether a recipe is one the app proposes for some size (so the user has not changed it). */
export const isProposedScratchRecipe = (r: Recipe): boolean =>
  Object.values(FROM_SCRATCH_RECIPES).some(
    (p) => p.lr === r.lr && p.batchSize === r.batchSize && p.warmupRatio === r.warmupRatio,
  );

/** The seeds of a student trained `n` times: 1, 2, …, n (1 is the default seed, so the first is the one-seed run's). */
export const seedList = (n: number): number[] => Array.from({ length: n }, (_, i) => DEFAULT_SEED + i);

/** Most seeds the wizard offers: each one trains every student again. */
export const MAX_SEEDS = 10;

/** The computer the run will train on, as far as fitting its steps goes. */
export interface Machine {
  /** Its memory in MB. */
  readonly memoryMB: number;
  /** Whether the models train on the CPU (a GPU keeps their state in its own memory). */
  readonly cpu: boolean;
}

/** The machine of the app's About facts and the device chosen; null while they are not known. */
export function machineOf(w: RunWizard, info: Pick<AppInfo, 'memoryMB' | 'autoProvider'> | null): Machine | null {
  if (!info) return null;
  return {
    memoryMB: info.memoryMB,
    cpu: w.device === 'cpu' || (w.device === 'auto' && info.autoProvider.name === 'cpu'),
  };
}

/** How a size preset's training step fits the machine: its batch, the memory it needs, the windows per micro-batch
 *  that fit (the whole batch when it fits; null when not even one window does). */
export interface StepFit {
  readonly preset: PresetId;
  readonly batchSize: number;
  readonly needsMB: number;
  readonly microBatch: number | null;
}

/**
 * Each size preset the run trains, with how its step fits this machine's share for runs (shared/models/step-memory.ts),
 * largest need first. Model folders are not known here: the run checks them before it trains.
 */
export function stepFits(w: RunWizard, imported: readonly Model[], machine: Machine): StepFit[] {
  const presets = new Set([
    ...w.corpora.flatMap((c) => (c.teacher.source === 'preset' ? [c.teacher.preset] : [])),
    ...studentsOf(w, imported).flatMap((s) => ('preset' in s.source ? [s.source.preset] : [])),
  ]);
  const budget = runBudgetMB(machine.memoryMB);
  const { batchSize } = w.scratch;
  return [...presets]
    .map((preset) => {
      const config = presetConfig(sizePreset(preset), SHIPPED_VOCAB);
      return {
        preset,
        batchSize,
        needsMB: trainingPeakMB(config, batchSize, w.maxLength),
        microBatch: microBatchToFit(config, batchSize, w.maxLength, budget),
      };
    })
    .sort((a, b) => b.needsMB - a.needsMB);
}

/** A shipped corpus has no store id yet: it goes by its folder (the run registers it). */
const corpusRef = (c: ChosenCorpus) =>
  c.entry.ref.source === 'user'
    ? { dataset: c.entry.ref.id, type: c.type.trim() }
    : { path: c.entry.folder, type: c.type.trim() };

function teacherSource(pick: ModelPick): ModelSource | { trained: number } {
  return pick.source === 'trained' && pick.trainedId !== null ? { trained: pick.trainedId } : modelSource(pick);
}

/**
 * The run config the wizard describes: one teacher per corpus, each model with its source's recipe, and on the CPU
 * a size preset whose step would not fit the machine's memory in micro-batches that do.
 */
export function runConfigOf(w: RunWizard, imported: readonly Model[], machine: Machine | null = null): RunConfigInput {
  const fits = machine?.cpu ? stepFits(w, imported, machine) : [];
  const inParts = (source: ModelSource | { trained: number }) => {
    const fit = 'preset' in source ? fits.find((f) => f.preset === source.preset) : undefined;
    return fit?.microBatch && fit.microBatch < fit.batchSize ? { microBatchSize: fit.microBatch } : {};
  };
  const config: RunConfigInput = {
    corpora: w.corpora.map(corpusRef),
    teachers: w.corpora.map((c) => {
      const model = teacherSource(c.teacher);
      return {
        type: c.type.trim(),
        model,
        epochs: w.teacherEpochs,
        maxLength: w.maxLength,
        ...recipeOf(w, model),
        ...inParts(model),
      };
    }),
    students: studentsOf(w, imported).map((s) => ({
      name: s.name,
      model: s.source,
      lambda: s.lambda,
      epochs: w.studentEpochs,
      maxLength: w.maxLength,
      ...recipeOf(w, s.source),
      ...inParts(s.source),
      // One seed is the default seed (1); several train the student once per seed, named "NAME (seed N)".
      ...(w.studentSeeds > 1 ? { seeds: seedList(w.studentSeeds) } : {}),
    })),
    device: w.device,
  };
  for (const option of REFERENCE_CODE_OPTIONS.filter((o) => w.reference.includes(o.setting))) {
    const [head, key] = option.setting.split('.');
    if (head === 'student') for (const s of config.students!) (s as Record<string, unknown>)[key] = option.reference;
    else (config as Record<string, unknown>)[head] = option.reference;
  }
  return config;
}

/** What keeps a step from being done, in words; '' when it is. */
export function stepProblem(w: RunWizard, step: number): string {
  if (step === 0) {
    if (w.corpora.length < 2)
      return 'Choose at least two corpora: TaughtNet trains one teacher per corpus and distils them into one student.';
    const untyped = w.corpora.find((c) => !c.type.trim());
    if (untyped) return `Give the entity type that the labels of ${untyped.entry.name} mark, e.g. Disease.`;
    const types = w.corpora.map((c) => c.type.trim());
    const twice = types.find((t, i) => types.indexOf(t) !== i);
    if (twice) return `Two corpora are marked ${twice}: each entity type is one corpus. Give one of them another type.`;
  }
  if (step === 1) {
    for (const c of w.corpora) {
      const who = `the ${c.type} teacher`;
      if (c.teacher.source === 'folder' && !c.teacher.folder.trim())
        return `Give the model folder of ${who}, or choose another model.`;
      if (c.teacher.source === 'imported' && !c.teacher.importedFolder) return `Choose the imported model of ${who}.`;
      if (c.teacher.source === 'trained' && c.teacher.trainedId === null)
        return `Choose the trained teacher to reuse for ${c.type}, or train a new one.`;
    }
  }
  if (step === 2) {
    if (w.sizes.length === 0) return 'Tick at least one student size.';
    if (w.sizes.includes('folder') && !w.studentFolder.trim())
      return 'Give the folder of the student model on this computer, or untick it.';
    if (w.lambdas.length === 0 && !w.merged) return 'Keep at least one λ value, or the Merged baseline.';
    if (!Number.isInteger(w.studentSeeds) || w.studentSeeds < 1 || w.studentSeeds > MAX_SEEDS)
      return `Seeds is a whole number from 1 to ${MAX_SEEDS}: how many times each student is trained.`;
  }
  if (step === 3) {
    const positive = (n: number) => Number.isFinite(n) && n > 0;
    if (![w.teacherEpochs, w.studentEpochs].every((n) => Number.isInteger(n) && n > 0))
      return 'Epochs are whole numbers of at least 1.';
    for (const r of [w.scratch, w.pretrained]) {
      if (!positive(r.lr) || r.lr > 1) return 'A learning rate is a number above 0 and at most 1, e.g. 0.00005.';
      if (!Number.isInteger(r.batchSize) || r.batchSize < 1) return 'A batch size is a whole number of at least 1.';
      if (!(r.warmupRatio >= 0 && r.warmupRatio <= 1)) return 'The warmup is a share of the steps, from 0 to 1.';
    }
    if (!Number.isInteger(w.maxLength) || w.maxLength < 16 || w.maxLength > 512)
      return 'The longest window is a whole number of subwords from 16 to 512.';
  }
  return '';
}

/**
 * A student to add to a finished run: trained as the run's first student was (epochs, window), with the recipe of
 * its model's source (the first student's own when it has the same kind of source).
 */
export function addedStudent(
  config: RunConfig,
  pick: ModelPick,
  lambda: number,
  name: string,
): NonNullable<RunConfigInput['students']>[number] {
  const first = config.students[0];
  const source = modelSource(pick);
  const sameKind = 'preset' in source === 'preset' in first.model;
  const recipe = sameKind
    ? { lr: first.lr, batchSize: first.batchSize, warmupRatio: first.warmupRatio }
    : 'preset' in source
      ? fromScratchRecipe([source.preset])
      : PRETRAINED_RECIPE;
  return {
    ...(name.trim() ? { name: name.trim() } : {}),
    model: source,
    lambda,
    epochs: first.epochs,
    maxLength: first.maxLength,
    seed: first.seed,
    ...recipe,
  };
}

/** A stored run's config with its defaults, or null when this version cannot read it. */
export function storedRunConfig(config: unknown): RunConfig | null {
  const parsed = runConfigSchema.safeParse(config);
  return parsed.success ? parsed.data : null;
}
