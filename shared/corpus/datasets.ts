// Datasets as the window and the command line see them: which one (shipped or registered), what reading one found,
// what registering one did, and how a single file is cut into train/dev/test.
import { z } from 'zod';
import type { CorpusIssue, CorpusStats, Scheme } from './types.ts';

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
  seed: z
    .int()
    .min(0)
    .max(2 ** 32 - 1),
});

/**
 * A dataset folder (train / dev or devel / test files), or one file cut by `split`, to read and, if it loads without
 * errors, register: what the window's form and `taughtnet dataset add` send.
 */
export const datasetRegistrationRequest = z.strictObject({
  folder: z.string().trim().min(1, 'choose a folder'),
  name: z.string().trim().min(1, 'give the dataset a name').max(100),
  /** Required when the files' labels carry no type (bare B / I): the type they stand for. */
  entityType: entityType.optional(),
  /** Only for a single file: how to cut it (default 80/10/10, seed 42). */
  split: singleFileSplit.optional(),
});
export type DatasetRegistrationRequest = z.infer<typeof datasetRegistrationRequest>;
