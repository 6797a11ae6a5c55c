// What importing a local Hugging Face model folder into the store did.
import type { Model } from '../store-types.ts';

/** What importing a model folder did: the stored model, whether it is new, and what reading the folder found. */
export interface ModelImport {
  model: Model;
  /** false when this folder was imported before: `model` is that one. */
  added: boolean;
  /** In plain words, what a run will leave out or initialise (an unused pooler, a classifier head to train, …). */
  notes: string[];
}
