// What a run checks before its first training step, so that nothing it needs fails hours later (after the teachers
// have trained): every corpus has sentences in train, dev and test, and every model source of the config opens as
// a model (config.json, tokenizer, weights' headers and sizes, without reading the weights; a preset needs nothing
// on disk), takes the maxLength asked of it, and, trained on the CPU, has a step that fits this computer's memory
// (shared/models/step-memory.ts). A resumed run goes through it again.
import { totalmem } from 'node:os';
import { checkModelFolder } from '../models/model-folder.ts';
import type { Sentence } from '../../shared/corpus/types.ts';
import {
  teachersInCorpusOrder,
  type ModelSource,
  type RunConfig,
  type TrainingSettings,
} from '../../shared/method/run-config.ts';
import { maxSequenceLength, type EncoderConfig } from '../../shared/models/config.ts';
import { presetConfig, SHIPPED_VOCAB, sizePreset } from '../../shared/models/presets.ts';
import {
  inGB,
  microBatchToFit,
  RUN_MEMORY_SHARE,
  runBudgetMB,
  trainingPeakMB,
} from '../../shared/models/step-memory.ts';
import { errorMessage } from '../../shared/error-message.ts';
import type { ProviderName } from '../engine/runtime/provider-choice.ts';

/** A corpus of the run as read: its name, entity type and splits. */
export interface PreflightCorpus {
  readonly name: string;
  readonly type: string;
  readonly train: readonly Sentence[];
  readonly dev: readonly Sentence[];
  readonly test: readonly Sentence[];
}

/** Refuses a maxLength the model has no positions for; `who` names the model ("the Disease teacher"). */
export function checkMaxLength(
  who: string,
  settings: Pick<TrainingSettings, 'maxLength'>,
  config: EncoderConfig,
): void {
  const positions = maxSequenceLength(config);
  if (settings.maxLength > positions) {
    throw new Error(
      `${who}: maxLength ${settings.maxLength} is more than the model's ${positions} positions (max_position_embeddings); set its maxLength to at most ${positions}`,
    );
  }
}

/** Where the run trains: the engine's provider and the computer's memory in MB. */
export interface PreflightMachine {
  readonly device: ProviderName;
  readonly memoryMB: number;
}

/** The machine a run trains on: the engine's provider and this computer's memory. */
export const thisMachine = (device: ProviderName): PreflightMachine => ({ device, memoryMB: totalmem() / 1e6 });

/**
 * Refuses a step that cannot fit the memory a run may use here, saying the micro-batch that would. GPU providers
 * keep the training state on the device, so only CPU training (micro-batches always run there) is checked.
 */
export function checkStepMemory(
  who: string,
  settings: Pick<TrainingSettings, 'batchSize' | 'microBatchSize' | 'maxLength'>,
  config: EncoderConfig,
  machine: PreflightMachine,
): void {
  const windows = Math.min(settings.microBatchSize ?? settings.batchSize, settings.batchSize);
  if (machine.device !== 'cpu' && windows === settings.batchSize) return;
  const budget = runBudgetMB(machine.memoryMB);
  const needs = trainingPeakMB(config, windows, settings.maxLength);
  if (needs <= budget) return;
  const fits = microBatchToFit(config, settings.batchSize, settings.maxLength, budget);
  const step =
    windows === settings.batchSize
      ? `at batch ${windows} of windows of ${settings.maxLength} subwords`
      : `in micro-batches of ${windows} windows of ${settings.maxLength} subwords`;
  const what = `${who}: its training ${step} needs about ${inGB(needs)} of memory, more than the ${inGB(budget)} a run may use on this computer (${Math.round(RUN_MEMORY_SHARE * 100)} % of its ${inGB(machine.memoryMB)})`;
  throw new Error(
    fits === null
      ? `${what}, even one window at a time (${inGB(trainingPeakMB(config, 1, settings.maxLength))}): train a smaller model, give it a shorter maxLength, or use a computer with more memory`
      : `${what}: set its "microBatchSize" to ${fits} (the batch's windows in parts of ${fits}, their gradients added up into the same update: slower, the same training)`,
  );
}

/** Training reads train, checkpoint selection dev (or test), evaluation test: each must hold sentences. */
function checkSplits(c: PreflightCorpus): void {
  const empty = (['train', 'dev', 'test'] as const).filter((split) => c[split].length === 0);
  if (empty.length === 0) return;
  const names =
    empty.length === 1 ? `its ${empty[0]} split` : `its ${empty.slice(0, -1).join(', ')} and ${empty.at(-1)} splits`;
  throw new Error(
    `the ${c.type} corpus ${c.name} has no sentences in ${names}, and a run trains on train, chooses epochs on dev and ` +
      `scores on test: register it again cut so that each split gets sentences (e.g. 80/10/10), or give it a folder with ` +
      `train, dev and test files`,
  );
}

/** Opens a model source as the run will (labels aside: a new classifier head is made for them), checks its length
 *  and its step's memory. */
async function checkModelSource(
  who: string,
  source: ModelSource,
  settings: TrainingSettings,
  machine: PreflightMachine,
): Promise<void> {
  let config: EncoderConfig;
  if ('folder' in source) {
    try {
      config = await checkModelFolder(source.folder);
    } catch (e) {
      throw new Error(`${who}: ${errorMessage(e)}`, { cause: e });
    }
  } else {
    config = presetConfig(sizePreset(source.preset), SHIPPED_VOCAB, null);
  }
  checkMaxLength(who, settings, config);
  checkStepMemory(who, settings, config, machine);
}

/**
 * Throws the first problem found, naming the corpus or model and what to do. Teachers taken from the store
 * ({ "trained": ID }) are checked where they are taken (phases/teachers.ts), also before any training.
 */
export async function preflight(
  config: RunConfig,
  corpora: readonly PreflightCorpus[],
  machine: PreflightMachine,
): Promise<void> {
  for (const c of corpora) checkSplits(c);
  const teachers = teachersInCorpusOrder(config);
  for (const [i, c] of corpora.entries()) {
    const { model } = teachers[i];
    if (!('trained' in model)) await checkModelSource(`the ${c.type} teacher`, model, teachers[i], machine);
  }
  for (const s of config.students) await checkModelSource(`the student "${s.name}"`, s.model, s, machine);
}
