// The TaughtNet run config: what a user writes (or the app writes for them) to train teachers and distil a
// student. JSON; every field but the corpora, the teachers' types and models, and the student's model has a
// default. Example:
//   {
//     "corpora": [{ "path": "resources/datasets/NCBI-disease", "type": "Disease" },
//                 { "dataset": 2, "type": "Chemical" }],
//     "teachers": [{ "type": "Disease", "model": { "folder": "/models/biobert" } },
//                  { "type": "Chemical", "model": { "folder": "/models/biobert" }, "epochs": 10 }],
//     "students": [{ "model": { "preset": "tiny" }, "lambda": 0.99 },
//                  { "model": { "preset": "tiny" }, "lambda": 0 }]
//   }
// One run trains its teachers once and then every student from them ("student": {…} is a list of one). A teacher
// may be one a run already trained: { "model": { "trained": MODEL_ID } }. A student with λ = 0 learns from the
// merged gold labels only (the paper's Merged baseline).
// Seeds: "seeds": [1, 2, 3] in place of "seed" trains one model per seed, so the comparison can give each score's
// mean ± standard deviation over them. A student with seeds becomes one student per seed, named "NAME (seed N)" and
// grouped under NAME ("group"); a teacher with seeds becomes one teacher of its corpus per seed, each scored on its
// test split. Every student distils from the first seed's teachers: the paper (silent on seeds) distils from one
// teacher per corpus, and with the teachers fixed the spread of a student group is that of its own training alone,
// which is what comparing students (a λ against the Merged baseline, which uses no teachers) needs; the spread of
// the teachers themselves is reported per corpus beside it. The parsed config lists every seed's model as an
// ordinary teacher or student with one "seed", so a stored config reads back the same.
// Defaults are the paper's (§IV-A, §IV-D): Adam, lr 5e-5, β 0.9/0.999, ε 1e-8, batch 8, max length 128,
// teachers 30 epochs (§IV-A: "finetuning for 30 epochs"), students 20 (§IV-D: the best scores came "usually after
// 20 epochs"). Where the paper is silent they are those of HF's Trainer, which the authors' code ran with
// (no warmup, no weight decay, gradient norm clipped at 1, linear decay).
import { z } from 'zod';
import { groupBy } from '../group-by.ts';
import { SIZE_PRESETS, type PresetId } from '../models/presets.ts';
import { NORMALISE_OPTIONS } from './aggregate.ts';
import { DEFAULT_LOSS, KD_REDUCTIONS, lossConfig, type LossConfig } from './loss-config.ts';

export const DEFAULT_EPOCHS = { teacher: 30, student: 20 } as const;

export const CHECKPOINT_SELECTIONS = ['dev', 'test'] as const;
export const LONG_SENTENCES = ['window', 'drop'] as const;
export const DEVICES = ['auto', 'cpu', 'webgpu', 'cuda'] as const;

// The same rule mergeCorpora applies: an entity type becomes the label suffix (B-Disease), so no spaces, not '_'.
const entityType = z
  .string()
  .regex(/^\S+$/, 'an entity type is one word without spaces, e.g. Disease')
  .refine((t) => t !== '_', "'_' stands for untyped labels; give the entity type a name");

const presetIds = SIZE_PRESETS.map((p) => p.id) as [PresetId, ...PresetId[]];

/** A model to start from: a size preset (from scratch, shipped vocabulary) or a local Hugging Face model folder. */
const modelSource = z.union(
  [
    z.strictObject({ preset: z.enum(presetIds) }),
    z.strictObject({ folder: z.string().min(1, 'give the model folder') }),
  ],
  {
    error: `a model is { "preset": ${presetIds.map((id) => `"${id}"`).join(' | ')} } or { "folder": "/path/to/model" }`,
  },
);

/** A corpus: a dataset already in the app (its id) or a folder holding train/devel/test.tsv; and its entity type. */
const corpus = z.union(
  [
    z.strictObject({ dataset: z.number().int().positive(), type: entityType }),
    z.strictObject({ path: z.string().min(1, 'give the dataset folder'), type: entityType }),
  ],
  { error: 'a corpus is { "dataset": ID, "type": "Disease" } or { "path": "/path/to/corpus", "type": "Disease" }' },
);

/** Fine-tuning settings shared by teachers and student. */
const training = (epochs: number) => ({
  epochs: z.number().int().positive().default(epochs),
  lr: z.number().positive().max(1).default(5e-5),
  batchSize: z.number().int().positive().default(8),
  /**
   * Windows per forward and backward pass, when fewer than the batch: each batch then runs in micro-batches of this
   * many, whose gradients are summed before the batch's one update (the whole batch's update, to float rounding;
   * each micro-batch draws its own dropout masks). Less memory at the same batch size; on the CPU only ("device":
   * "auto" then picks the CPU). Default: the whole batch at once.
   */
  microBatchSize: z.number().int().positive().optional(),
  /** Subwords per window, the special tokens included. */
  maxLength: z.number().int().min(16).max(512).default(128),
  /** Initialisation, data order and dropout follow from it; default 1. */
  seed: z.number().int().nonnegative().optional(),
  /** In place of "seed": one model per seed (see above). */
  seeds: z.array(z.number().int().nonnegative()).min(1, 'give at least one seed').optional(),
  warmupRatio: z.number().min(0).max(1).default(0),
  weightDecay: z.number().min(0).default(0),
  /** Global gradient-norm clip; null for none. */
  maxGradNorm: z.number().positive().nullable().default(1),
  adam: z
    .strictObject({
      beta1: z.number().min(0).lt(1).default(0.9),
      beta2: z.number().min(0).lt(1).default(0.999),
      eps: z.number().positive().default(1e-8),
    })
    .prefault({}),
});

/** A teacher's model: one to train, or a teacher already in the store used as it is (its training settings then
 *  only say how it labels: maxLength and batch size). */
const teacherSource = z.union([modelSource, z.strictObject({ trained: z.number().int().positive() })], {
  error: `a teacher's model is { "preset": … }, { "folder": "/path/to/model" } or { "trained": MODEL_ID } (a teacher in the store)`,
});

export const DEFAULT_SEED = 1;

/** A micro-batch is part of a batch. */
function checkMicroBatch(s: { batchSize: number; microBatchSize?: number }, ctx: z.RefinementCtx): void {
  if (s.microBatchSize !== undefined && s.microBatchSize > s.batchSize)
    ctx.addIssue({
      code: 'custom',
      path: ['microBatchSize'],
      message: `microBatchSize ${s.microBatchSize} is more than batchSize ${s.batchSize}: a micro-batch is part of a batch`,
    });
}

/** "seed" or "seeds", not both; each seed once. */
function checkSeeds(s: { seed?: number; seeds?: number[] }, ctx: z.RefinementCtx): void {
  if (s.seed !== undefined && s.seeds !== undefined)
    ctx.addIssue({ code: 'custom', path: ['seeds'], message: 'give "seed": N or "seeds": [ … ], not both' });
  s.seeds?.forEach((seed, i) => {
    if (s.seeds!.indexOf(seed) !== i)
      ctx.addIssue({
        code: 'custom',
        path: ['seeds', i],
        message: `seed ${seed} is listed twice; each seed trains one model`,
      });
  });
}

const teacher = z
  .strictObject({
    /** The entity type (of one corpus) this teacher learns: the explicit teacher → type mapping. */
    type: entityType,
    model: teacherSource,
    ...training(DEFAULT_EPOCHS.teacher),
  })
  .superRefine((t, ctx) => {
    checkSeeds(t, ctx);
    checkMicroBatch(t, ctx);
    if ('trained' in t.model && t.seeds)
      ctx.addIssue({
        code: 'custom',
        path: ['seeds'],
        message: 'a teacher taken from the store is used as it is: it has no seeds to train',
      });
  });

export const studentSchema = z
  .strictObject({
    /** Names the student's model and its results; default "student N" (its place in the list). With "seeds", each
     *  seed's student is "NAME (seed N)". */
    name: z.string().trim().min(1).max(60).optional(),
    /** Students of one group are one student trained with different seeds (set by "seeds": their NAME): the
     *  comparison gives their scores' mean ± standard deviation. They may differ only in their seed. */
    group: z.string().trim().min(1).max(60).optional(),
    model: modelSource,
    ...training(DEFAULT_EPOCHS.student),
    lambda: z.number().min(0, 'λ is at least 0').max(1, 'λ is at most 1').default(DEFAULT_LOSS.lambda),
    aggregation: z.enum(NORMALISE_OPTIONS as readonly ['sum', 'softmax']).default('sum'),
    gtIgnoresO: z.boolean().default(DEFAULT_LOSS.gtIgnoresO),
    kdReduction: z.enum(KD_REDUCTIONS as readonly ['token', 'element']).default(DEFAULT_LOSS.kdReduction),
  })
  .superRefine((s, ctx) => {
    checkSeeds(s, ctx);
    checkMicroBatch(s, ctx);
  });

type WrittenTeacher = z.output<typeof teacher>;
type WrittenStudent = z.output<typeof studentSchema>;

/** A teacher per seed, each with its one seed. */
const expandTeachers = (teachers: readonly WrittenTeacher[]) =>
  teachers.flatMap(({ seed, seeds, ...t }) => (seeds ?? [seed ?? DEFAULT_SEED]).map((s) => ({ ...t, seed: s })));

/**
 * A student per seed, each with its one seed and its name: its own, else "student N" (N counts the students
 * written before it, from `before`); a student with "seeds" gives "NAME (seed N)" of group NAME.
 */
const expandStudents = (students: readonly WrittenStudent[], before = 0) =>
  students.flatMap(({ seed, seeds, ...s }, i) => {
    const name = s.name ?? `student ${before + i + 1}`;
    if (!seeds) return [{ ...s, seed: seed ?? DEFAULT_SEED, name }];
    return seeds.map((k) => ({ ...s, seed: k, name: `${name} (seed ${k})`, group: s.group ?? name }));
  });

type ExpandedStudent = ReturnType<typeof expandStudents>[number];

/** The settings in which models meant as seeds of one model differ, besides their seed and name. */
function differences(models: readonly object[]): string[] {
  const entries = models.map((m) => Object.entries(m).filter(([k]) => k !== 'seed' && k !== 'name'));
  // Parsed by one schema, so their keys come in one order and JSON compares them.
  const keys = [...new Set(entries.flatMap((e) => e.map(([k]) => k)))];
  const value = (i: number, k: string) => JSON.stringify(entries[i].find(([key]) => key === k)?.[1]);
  return keys.filter((k) => models.some((_, i) => value(i, k) !== value(0, k)));
}

/** What is wrong with a run's students, each with its own name and seeds: names used twice, groups not alike. */
function studentProblems(students: readonly ExpandedStudent[]): string[] {
  const problems: string[] = [];
  const names = students.map((s) => s.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) === i && names.lastIndexOf(name) !== i)
      problems.push(`two students are named "${name}"; give each its own name`);
  });
  for (const [group, members] of groupBy(students, studentGroup)) {
    const seeds = members.map((s) => s.seed);
    seeds.forEach((seed, i) => {
      if (seeds.indexOf(seed) === i && seeds.lastIndexOf(seed) !== i)
        problems.push(`two students of group "${group}" have seed ${seed}; each seed trains one student`);
    });
    const differ = differences(members.map(({ group: _, ...s }) => s));
    if (differ.length > 0)
      problems.push(
        `the students of group "${group}" differ in ${differ.join(', ')}; the students of a group differ only in their seed`,
      );
  }
  return problems;
}

export const runConfigSchema = z
  .strictObject({
    version: z.literal(1).default(1),
    /** In this order: it fixes the student's labels [B-e1, I-e1, …, O] and which teacher feeds which columns. */
    corpora: z.array(corpus).min(1, 'give at least one corpus'),
    /** One per corpus, matched by entity type (their order here does not matter); a stored config lists one per
     *  seed where a teacher has several. */
    teachers: z.array(teacher),
    /** Distilled one after another from the same teachers. */
    students: z.array(studentSchema).min(1, 'give at least one student').optional(),
    /** One student: the same as "students": [student]. */
    student: studentSchema.optional(),
    checkpointSelection: z.enum(CHECKPOINT_SELECTIONS).default('dev'),
    longSentences: z.enum(LONG_SENTENCES).default('window'),
    device: z.enum(DEVICES).default('auto'),
  })
  .superRefine((config, ctx) => {
    const types = config.corpora.map((c) => c.type);
    types.forEach((type, i) => {
      if (types.indexOf(type) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['corpora', i, 'type'],
          message: `two corpora have type ${type}; each type is one corpus`,
        });
    });
    config.teachers.forEach((t, i) => {
      if (!types.includes(t.type))
        ctx.addIssue({
          code: 'custom',
          path: ['teachers', i, 'type'],
          message: `no corpus has type ${t.type} (corpora: ${types.join(', ')})`,
        });
    });
    // Several teachers of one type (a stored config's form of "seeds") are seeds of one teacher.
    for (const [type, seeded] of groupBy(expandTeachers(config.teachers), (t) => t.type)) {
      const seeds = seeded.map((t) => t.seed);
      const twice = seeds.find((seed, i) => seeds.indexOf(seed) !== i);
      const differ = differences(seeded);
      if (twice !== undefined || differ.length > 0 || (seeded.length > 1 && 'trained' in seeded[0].model)) {
        const why =
          twice !== undefined ? `seed ${twice} twice` : `differing in ${differ.join(', ') || 'nothing but a seed'}`;
        ctx.addIssue({
          code: 'custom',
          path: ['teachers'],
          message: `a second teacher for ${type} (${why}); give one per corpus, with "seeds": [ … ] to train it with several seeds`,
        });
      }
    }
    if (config.device === 'webgpu' || config.device === 'cuda') {
      const models = [...config.teachers, ...(config.students ?? (config.student ? [config.student] : []))];
      if (models.some((m) => m.microBatchSize !== undefined && m.microBatchSize < m.batchSize))
        ctx.addIssue({
          code: 'custom',
          path: ['device'],
          message: `micro-batches (microBatchSize) run on the CPU only: set "device": "cpu" or "auto", or leave microBatchSize out`,
        });
    }
    for (const type of new Set(types)) {
      if (!config.teachers.some((t) => t.type === type))
        ctx.addIssue({ code: 'custom', path: ['teachers'], message: `no teacher for ${type}` });
    }
    if ((config.student === undefined) === (config.students === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['students'],
        message: 'give "students": [ … ] (or one "student": { … }), not both',
      });
    }
    for (const message of studentProblems(
      expandStudents(config.students ?? (config.student ? [config.student] : [])),
    )) {
      ctx.addIssue({ code: 'custom', path: ['students'], message });
    }
  })
  // A stored config always has "students", each named, and a model per seed, so it reads back the same.
  .transform(({ student, students, teachers, ...rest }) => ({
    ...rest,
    teachers: expandTeachers(teachers),
    students: expandStudents(students ?? [student!]),
  }));

/** The config as written (defaults may be left out). */
export type RunConfigInput = z.input<typeof runConfigSchema>;
/** The config with every default filled in. */
export type RunConfig = z.output<typeof runConfigSchema>;
export type TeacherConfig = RunConfig['teachers'][number];
export type StudentConfig = RunConfig['students'][number];
/** What teachers and students share: epochs, learning rate, batch size, … */
export type TrainingSettings = Omit<TeacherConfig, 'type' | 'model'>;
/** A model to start from: a size preset or a Hugging Face folder. */
export type ModelSource = StudentConfig['model'];
/** A teacher's model: a source to train from, or { trained: MODEL_ID }. */
export type TeacherSource = TeacherConfig['model'];

/** A student trained on the merged gold labels only (λ = 0): the paper's Merged baseline, which needs no teachers' distributions. */
export const isMergedBaseline = (s: Pick<StudentConfig, 'lambda'>): boolean => s.lambda === 0;

/** Parses and checks a run config, filling defaults; throws an Error listing every problem with its path. */
export function parseRunConfig(value: unknown, source = 'run config'): RunConfig {
  const result = runConfigSchema.safeParse(value);
  if (!result.success) throw new Error(`invalid ${source}:\n${z.prettifyError(result.error)}`);
  return result.data;
}

/** The teachers the students learn from, in corpus order: teacher i feeds labels B-e_i and I-e_i. Of a teacher
 *  trained with several seeds, the first seed's. */
export function teachersInCorpusOrder(config: RunConfig): TeacherConfig[] {
  return config.corpora.map((c) => config.teachers.find((t) => t.type === c.type)!);
}

/** Every teacher in corpus order, each corpus's by seed (the first is the one the students learn from). */
export function teacherSeedsInCorpusOrder(config: RunConfig): TeacherConfig[][] {
  return config.corpora.map((c) => config.teachers.filter((t) => t.type === c.type));
}

/** What names a teacher's model and phase: "Disease", or "Disease (seed 2)" where its corpus has several. */
export const teacherLabel = (config: RunConfig, t: TeacherConfig): string =>
  config.teachers.filter((u) => u.type === t.type).length > 1 ? `${t.type} (seed ${t.seed})` : t.type;

/** A teacher's model name: "teacher Disease", or "teacher Disease (seed 2)". */
export const teacherName = (config: RunConfig, t: TeacherConfig): string => `teacher ${teacherLabel(config, t)}`;

/** The group a student's scores are summarised in: the students trained as one with different seeds. */
export const studentGroup = (s: { name: string; group?: string }): string => s.group ?? s.name;

/**
 * One student to add to a run (taughtnet run --add-student), a student per seed when it lists "seeds": checked as
 * in a run config, named "student N" (N counts the run's groups) unless it has a name, which must be new. With
 * the name of a group of the run and new seeds, it adds seeds to that group.
 */
export function parseStudentConfig(
  value: unknown,
  existing: readonly StudentConfig[],
  source = 'student config',
): StudentConfig[] {
  const result = studentSchema.safeParse(value);
  if (!result.success) throw new Error(`invalid ${source}:\n${z.prettifyError(result.error)}`);
  const added = expandStudents([result.data], new Set(existing.map(studentGroup)).size);
  const taken = added.find((s) => existing.some((e) => e.name === s.name));
  if (taken)
    throw new Error(
      `invalid ${source}: the run already has a student named "${taken.name}"; give this one another "name"`,
    );
  const problems = studentProblems([...existing, ...added]);
  if (problems.length > 0) throw new Error(`invalid ${source}: ${problems.join('; ')}`);
  return added;
}

export function studentLossConfig(student: StudentConfig): LossConfig {
  const { lambda, gtIgnoresO, kdReduction } = student;
  return lossConfig({ lambda, gtIgnoresO, kdReduction });
}

/**
 * A setting that can reproduce a behaviour of the authors' code (github.com/marcopost-it/TaughtNet) instead of the
 * paper. A 'student.' setting is each student's; it is chosen when any student chooses it.
 */
export interface ReferenceCodeOption {
  /** Where it sits in the config, dot-separated. */
  setting: string;
  label: string;
  /** Our default: what the paper describes (or what is correct where the paper is silent). */
  paper: string | boolean;
  /** The value that reproduces the authors' code. */
  reference: string | boolean;
  explanation: string;
  /** Shown when the reference value is chosen. */
  warning: string;
}

export const REFERENCE_CODE_OPTIONS: readonly ReferenceCodeOption[] = [
  {
    setting: 'student.aggregation',
    label: 'Softmax over the aggregated teacher probabilities',
    paper: 'sum',
    reference: 'softmax',
    explanation:
      'The products of eqs 9–11 do not sum to 1. The paper treats them as a distribution, so we divide by their sum. ' +
      "The authors' code applies a softmax instead, which flattens the targets (0.68 in the paper's example becomes about 0.24).",
    warning: 'Teacher targets are nearly uniform under the softmax; the student learns less from its teachers.',
  },
  {
    setting: 'student.gtIgnoresO',
    label: 'Ground-truth loss skips tokens labelled O',
    paper: false,
    reference: true,
    explanation:
      "Eq. 15 sums over every labelled token. The authors' code leaves O tokens out of the ground-truth term.",
    warning: 'The gold O labels will not teach the student directly.',
  },
  {
    setting: 'student.kdReduction',
    label: "Knowledge-distillation loss averaged over tokens × labels (PyTorch KLDivLoss's default)",
    paper: 'token',
    reference: 'element',
    explanation:
      "The paper (§IV-D) computes the distillation term with PyTorch's KLDivLoss, whose default reduction averages over every " +
      "token and label, as the authors' code does: the term is divided by the number of labels. With three corpora (7 labels) " +
      'and λ = 0.99 it then weighs 0.14, not 0.99. Our default averages over tokens only (KLDivLoss\'s "batchmean", which PyTorch ' +
      'recommends), so λ is the weight it says.',
    warning: 'λ no longer means the weight shown: the distillation term is divided by the number of labels.',
  },
  {
    setting: 'checkpointSelection',
    label: 'Choose the student checkpoint on the test split',
    paper: 'dev',
    reference: 'test',
    explanation:
      "The checkpoint to keep should be chosen on the development split. The authors' code kept the epoch with the best test F1 " +
      '(averaged over two of its three corpora).',
    warning:
      'The test split picks the checkpoint, so the reported test scores are optimistic: they are no longer an unbiased estimate. ' +
      "Use only to reproduce the authors' code.",
  },
  {
    setting: 'longSentences',
    label: 'Drop sentences longer than the maximum length',
    paper: 'window',
    reference: 'drop',
    explanation:
      "We split a long sentence into overlapping windows, so every word is trained on and predicted. The authors' code " +
      "silently drops sentences longer than the maximum length (in subwords of the student's tokenizer) from training, " +
      "development and test data. The paper's Tables IV–VI were computed that way, with long sentences dropped: choose this to " +
      "compare with them. Here the dropped sentences are counted and reported; the first student's tokenizer and maxLength decide.",
    warning: 'Long sentences are neither learnt nor scored: test scores no longer cover the whole test split.',
  },
];

/** Behaviours of the authors' code we do not offer, listed so the differences are on record. */
export const REFERENCE_CODE_DIFFERENCES: readonly { label: string; explanation: string }[] = [
  {
    label: 'Teacher order from the directory listing',
    explanation:
      "The authors' code took teachers in os.listdir() order against a fixed label list, so which teacher fed which labels " +
      'depended on the file system. Here teachers are matched to corpora by entity type, in the corpus order you give.',
  },
  {
    label: 'λ fixed at 0.99',
    explanation: "The authors' code hard-codes λ = 0.99 (the paper gives no value). It is our default, and a setting.",
  },
  {
    label: 'Student trained on train + dev',
    explanation:
      "The authors' code trained the student on the training and development splits together; we train on train and keep dev for choosing the checkpoint.",
  },
];

/** The reference-code options a config chooses, each with its warning. */
export function referenceCodeChoices(config: RunConfig): ReferenceCodeOption[] {
  const valuesAt = (path: string): unknown[] => {
    const [head, key] = path.split('.');
    if (head === 'student') return config.students.map((s) => (s as Record<string, unknown>)[key]);
    return [(config as Record<string, unknown>)[head]];
  };
  return REFERENCE_CODE_OPTIONS.filter((o) => valuesAt(o.setting).includes(o.reference));
}
