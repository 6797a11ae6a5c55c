// What a run checks before its first training step, so that nothing it needs fails hours later (after the teachers
// have trained): every corpus has sentences in train, dev and test, and every model source of the config opens as
// a model (config.json, tokenizer, weights' headers and sizes, without reading the weights; a preset needs nothing
// on disk) and takes the maxLength asked of it. A resumed run goes through it again.
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
import { errorMessage } from '../../shared/error-message.ts';

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

/** Opens a model source as the run will (labels aside: a new classifier head is made for them) and checks its length. */
async function checkModelSource(who: string, source: ModelSource, settings: TrainingSettings): Promise<void> {
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
}

/**
 * Throws the first problem found, naming the corpus or model and what to do. Teachers taken from the store
 * ({ "trained": ID }) are checked where they are taken (phases/teachers.ts), also before any training.
 */
export async function preflight(config: RunConfig, corpora: readonly PreflightCorpus[]): Promise<void> {
  for (const c of corpora) checkSplits(c);
  const teachers = teachersInCorpusOrder(config);
  for (const [i, c] of corpora.entries()) {
    const { model } = teachers[i];
    if (!('trained' in model)) await checkModelSource(`the ${c.type} teacher`, model, teachers[i]);
  }
  for (const s of config.students) await checkModelSource(`the student "${s.name}"`, s.model, s);
}
