// The "New run" form's state, and the run config it stands for (shared/method/run-config.ts checks it in main).
import type { DatasetEntry } from '../../../shared/ipc/contract.ts';
import { DEVICES, REFERENCE_CODE_OPTIONS, runConfigSchema, type RunConfig, type RunConfigInput } from '../../../shared/method/run-config.ts';
import type { PresetId } from '../../../shared/models/presets.ts';

/** The schema's own defaults (of a minimal config), so the form starts where a hand-written config would. */
const CONFIG_DEFAULTS = runConfigSchema.parse({
  corpora: [{ path: '-', type: 'T' }],
  teachers: [{ type: 'T', model: { preset: 'tiny' } }],
  student: { model: { preset: 'tiny' } },
});

/** A model to start from; every field is kept so switching back and forth loses nothing. */
export interface ModelPick {
  source: 'preset' | 'folder' | 'imported';
  preset: PresetId;
  folder: string;
  /** The folder of the imported (pretrained) model chosen: runs name models by folder. */
  importedFolder: string;
}

export interface ChosenCorpus {
  entry: DatasetEntry;
  /** The entity type its labels stand for ('' until known or typed). */
  type: string;
  teacher: ModelPick;
}

export type Device = (typeof DEVICES)[number];

export interface RunForm {
  name: string;
  corpora: ChosenCorpus[];
  student: ModelPick;
  lambda: number;
  teacherEpochs: number;
  studentEpochs: number;
  batchSize: number;
  lr: number;
  maxLength: number;
  device: Device;
  /** The settings (REFERENCE_CODE_OPTIONS[].setting) switched to the authors' code's behaviour. */
  reference: string[];
}

/** Tells datasets apart across sources (shipped ones have a name, registered ones an id). */
export const datasetKey = (entry: DatasetEntry): string => (entry.ref.source === 'shipped' ? `s:${entry.ref.name}` : `u:${entry.ref.id}`);

export const newModelPick = (): ModelPick => ({ source: 'preset', preset: 'tiny', folder: '', importedFolder: '' });

export function newRunForm(): RunForm {
  const { teachers, students: [student], device } = CONFIG_DEFAULTS;
  return {
    name: '',
    corpora: [],
    student: newModelPick(),
    lambda: student.lambda,
    teacherEpochs: teachers[0].epochs,
    studentEpochs: student.epochs,
    batchSize: student.batchSize,
    lr: student.lr,
    maxLength: student.maxLength,
    device,
    reference: [],
  };
}

/** The config's model source a pick stands for. */
export function modelSource(pick: ModelPick) {
  if (pick.source === 'preset') return { preset: pick.preset };
  return { folder: pick.source === 'imported' ? pick.importedFolder : pick.folder.trim() };
}

/** A shipped corpus has no store id yet: it goes by its folder (the run registers it). */
const corpusRef = (c: ChosenCorpus) =>
  c.entry.ref.source === 'user' ? { dataset: c.entry.ref.id, type: c.type.trim() } : { path: c.entry.folder, type: c.type.trim() };

/** The run config the form describes: one teacher per corpus, the same training settings for every model. */
export function runConfigOf(form: RunForm): RunConfigInput {
  const training = { batchSize: form.batchSize, lr: form.lr, maxLength: form.maxLength };
  const config: RunConfigInput = {
    corpora: form.corpora.map(corpusRef),
    teachers: form.corpora.map((c) => ({ type: c.type.trim(), model: modelSource(c.teacher), epochs: form.teacherEpochs, ...training })),
    student: { model: modelSource(form.student), epochs: form.studentEpochs, lambda: form.lambda, ...training },
    device: form.device,
  };
  for (const option of REFERENCE_CODE_OPTIONS.filter((o) => form.reference.includes(o.setting))) {
    const keys = option.setting.split('.');
    const parent = keys.slice(0, -1).reduce((at, key) => at[key] as Record<string, unknown>, config as unknown as Record<string, unknown>);
    parent[keys[keys.length - 1]] = option.reference;
  }
  return config;
}

/** A stored run's config with its defaults, or null when this version cannot read it. */
export function storedRunConfig(config: unknown): RunConfig | null {
  const parsed = runConfigSchema.safeParse(config);
  return parsed.success ? parsed.data : null;
}
