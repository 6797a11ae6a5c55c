// A model opened on an engine host for labelling documents: their sentences are encoded into the windows training
// used (shared/tokenizers/encode.ts), predicted in batches through the model's inference graph (predict.ts, the
// graph the run's evaluation labels with; int8 with its linear weights quantised), and read back into labels,
// scores and mentions.
import { availableParallelism } from 'node:os';
import type { RuntimeClient } from '../../engine/runtime/client.ts';
import type { ProviderRequest } from '../../engine/runtime/providers.ts';
import { loadModelFolder, type ModelFolder } from '../../models/model-folder.ts';
import { argmax, INFERENCE_GRAPH, loadInference, predictWords, type Precision } from '../predict.ts';
import { documentSentences, type Document } from '../../../shared/annotate/documents.ts';
import type { Labelled } from '../../../shared/annotate/formats.ts';
import { sentenceMentions, type LabelledSentence } from '../../../shared/annotate/mentions.ts';
import { maxSequenceLength } from '../../../shared/models/config.ts';
import { encodeSentences, windowsOf } from '../../../shared/tokenizers/encode.ts';

export type { Precision };

export interface LabellerOptions {
  readonly precision?: Precision;
  readonly provider?: ProviderRequest;
  /** Subwords per window, special tokens included: default 128 (training's), or fewer when the model has fewer positions. */
  readonly maxLength?: number;
  readonly batchSize?: number;
  /** onnxruntime's intra-op threads (default: one per core); see threadsPerWorker. */
  readonly threads?: number;
}

/**
 * onnxruntime threads for each of `workers` labelling processes: the cores shared out, at least one each. Two
 * workers of two threads on two cores would run four threads that wait on each other at every op.
 */
export const threadsPerWorker = (workers: number): number => Math.max(1, Math.floor(availableParallelism() / workers));

export interface Labeller {
  label(docs: readonly Document[], signal?: AbortSignal): Promise<Labelled[]>;
}

const PROGRAM = 'annotate';

/** Reads a model folder and refuses one that cannot label (no labels, or no trained classifier head). */
export async function loadLabellingModel(folder: string): Promise<ModelFolder> {
  const model = await loadModelFolder(folder);
  const labels = model.config.labels;
  if (labels === null || labels.length === 0)
    throw new Error(`${folder}: config.json names no labels (id2label), so the model cannot label text`);
  if (model.report.missing.length > 0)
    throw new Error(`${folder}: the weights have no trained classifier head for its ${labels.length} labels`);
  return model;
}

/** Opens `model` on the client's engine host (one workspace per host) and returns what labels with it. */
export async function openLabeller(
  client: RuntimeClient,
  model: ModelFolder,
  o: LabellerOptions = {},
): Promise<Labeller> {
  const { config, tokenizer } = model;
  const labels = config.labels!;
  const windows = windowsOf(Math.min(o.maxLength ?? 128, maxSequenceLength(config)));
  const batchSize = o.batchSize ?? 32;
  await loadInference(client, model, PROGRAM, {
    provider: o.provider ?? 'auto',
    precision: o.precision,
    threads: o.threads,
  });
  return {
    async label(docs, signal) {
      const perDoc = docs.map(documentSentences);
      const sentences = perDoc.flat();
      const encoded = encodeSentences(
        tokenizer,
        sentences.map((words) => ({ words: words.map((w) => w.text) })),
        windows,
      );
      const probs =
        sentences.length === 0
          ? []
          : await predictWords(
              client,
              config,
              encoded,
              sentences.map((s) => s.length),
              {
                program: PROGRAM,
                padId: tokenizer.special.pad,
                batchSize,
                signal,
                graph: INFERENCE_GRAPH,
              },
            );
      let at = 0;
      return docs.map((doc, d) => {
        const labelled: LabelledSentence[] = perDoc[d].map((words) => {
          const rows = probs[at++];
          const best = rows.map(argmax);
          return { words, labels: best.map((j) => labels[j]), scores: best.map((j, w) => rows[w][j]) };
        });
        return { doc, sentences: labelled, mentions: labelled.flatMap((s) => sentenceMentions(doc.text, s)) };
      });
    },
  };
}
