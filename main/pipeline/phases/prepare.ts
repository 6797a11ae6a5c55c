// Phase 1, prepare: the corpora are read (a corpus named by its folder is registered as a dataset first), long
// sentences dropped where the config reproduces the authors' preprocessing, and the splits merged into one typed
// corpus whose labels are the students' (paper §III-A).
import { basename, resolve } from 'node:path';
import { loadDataset } from '../../corpus/dataset.ts';
import { registerDatasetFiles } from '../../store/dataset-registration.ts';
import { getDataset } from '../../store/datasets.ts';
import { recordMetrics } from '../../store/metrics.ts';
import { mergeCorpora } from '../../../shared/corpus/merge.ts';
import type { MergedCorpus, Sentence, TypedCorpus } from '../../../shared/corpus/types.ts';
import type { RunConfig } from '../../../shared/method/run-config.ts';
import { subwordLength } from '../../../shared/tokenizers/encode.ts';
import type { SubwordTokenizer } from '../../../shared/tokenizers/tokenizer.ts';
import { preflight, thisMachine } from '../preflight.ts';
import { sourceTokenizer } from '../run-models.ts';
import { inPhase, type RunScope } from '../scope.ts';

/** A corpus of the run: its dataset row and its splits. */
export interface RunCorpus {
  readonly datasetId: number;
  readonly name: string;
  readonly type: string;
  readonly contentHash: string;
  readonly train: Sentence[];
  readonly dev: Sentence[];
  readonly test: Sentence[];
}

export type SplitName = 'train' | 'dev' | 'test';

export interface Prepared {
  /** In config order: corpus i is teacher i's, and gives the students' labels B-e_i, I-e_i. */
  readonly corpora: readonly RunCorpus[];
  readonly merged: Readonly<Record<SplitName, MergedCorpus>>;
}

export const typed = (c: RunCorpus, split: SplitName): TypedCorpus => ({
  name: c.name,
  type: c.type,
  sentences: c[split],
});

/** The sentences of corpus i within a merged split, from per-sentence values of the whole split. */
export function sliceOf<T>(split: Pick<MergedCorpus, 'sources'>, i: number, values: readonly T[]): T[] {
  return values.slice(split.sources[i].start, split.sources[i].end);
}

export const PREPARE = 'prepare';

export function prepare(scope: RunScope): Promise<Prepared> {
  const { config } = scope;
  return inPhase(scope, PREPARE, 'reading the corpora', async () => {
    let corpora: RunCorpus[] = [];
    for (const c of config.corpora) corpora.push(await loadCorpus(scope, c)); // one after another: datasets register in order
    if (config.longSentences === 'drop') {
      const first = config.students[0];
      const result = dropLongSentences(scope, corpora, sourceTokenizer(scope.ctx, first.model), first.maxLength);
      corpora = result.corpora;
      scope.emit(
        PREPARE,
        `as the authors' code does: dropped ${result.dropped} sentences longer than ${first.maxLength} subwords`,
      );
    }
    // Every corpus split and model source is checked before anything trains (a resumed run too).
    scope.emit(PREPARE, 'checking the corpora and models before training');
    await preflight(config, corpora, thisMachine(scope.device));
    const merge = (split: SplitName) => mergeCorpora(corpora.map((c) => typed(c, split)));
    return { corpora, merged: { train: merge('train'), dev: merge('dev'), test: merge('test') } };
  });
}

async function loadCorpus(scope: RunScope, c: RunConfig['corpora'][number]): Promise<RunCorpus> {
  const { store } = scope.ctx;
  let datasetId = 'dataset' in c ? c.dataset : 0;
  if ('path' in c) {
    const folder = resolve(c.path);
    const { dataset, added } = await registerDatasetFiles(store, {
      folder,
      name: basename(folder),
      entityType: c.type,
    });
    if (added) scope.hooks.onDatasetAdded?.(dataset.name);
    datasetId = dataset.id;
  }
  const stored = getDataset(store, datasetId);
  if (!stored) throw new Error(`the run config names dataset ${datasetId}, which is not in the store`);
  // A single file is cut as it was registered (the stored cut), the same in every run.
  const folder = stored.source;
  const dataset = await loadDataset(folder, { split: stored.split ?? undefined });
  const split = (...names: string[]) => {
    const found = names.find((n) => dataset.splits[n]);
    if (!found)
      throw new Error(
        `${folder}: the corpus needs a ${names.join(' or ')} split; it has ${Object.keys(dataset.splits).join(', ')}`,
      );
    return dataset.splits[found].sentences;
  };
  return {
    datasetId,
    name: stored.name, // as the Datasets page names it (a path registered earlier keeps its first name)
    type: c.type,
    contentHash: stored.contentHash,
    train: split('train'),
    dev: split('devel', 'dev'),
    test: split('test'),
  };
}

/**
 * The authors' code's preprocessing, offered as a labelled option (longSentences "drop"): sentences longer than
 * the (first) student's maxLength, in its tokenizer's subwords, leave every split. Counted per corpus and split in
 * the run's figures (phase 'prepare', e.g. dropped_sentences:Disease:test).
 */
function dropLongSentences(
  scope: RunScope,
  corpora: RunCorpus[],
  tokenizer: SubwordTokenizer,
  maxLength: number,
): { corpora: RunCorpus[]; dropped: number } {
  const fits = (s: Sentence) => subwordLength(tokenizer, s.tokens) <= maxLength;
  const figures: { phase: string; epoch: number; name: string; value: number }[] = [];
  const kept = corpora.map((c) => {
    const splits = Object.fromEntries(
      (['train', 'dev', 'test'] as const).map((split) => {
        const sentences = c[split].filter(fits);
        figures.push({
          phase: PREPARE,
          epoch: 0,
          name: `dropped_sentences:${c.type}:${split}`,
          value: c[split].length - sentences.length,
        });
        return [split, sentences];
      }),
    ) as Pick<RunCorpus, SplitName>;
    return { ...c, ...splits };
  });
  recordMetrics(scope.ctx.store, scope.run.id, figures);
  return { corpora: kept, dropped: figures.reduce((n, f) => n + f.value, 0) };
}
