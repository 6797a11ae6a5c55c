// A model opened on an engine host for labelling documents: their sentences are encoded into the windows training
// used (shared/tokenizers/encode.ts), predicted in batches (predict.ts), and read back into labels, scores and
// mentions. float32 runs the model's eval graph on its parameters, as the run's evaluation does; int8 runs the
// deployment graph (main/models/inference-model.ts) with its linear weights quantised (main/models/quantize.ts).
import type { RuntimeClient } from '../../engine/runtime/client.ts';
import type { ProviderRequest } from '../../engine/runtime/providers.ts';
import { initParams } from '../../engine/nn/params.ts';
import { BATCH, tokenClassificationTask, tokenClassifierLayout } from '../../engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../../engine/optim/adamw.ts';
import { IO } from '../../engine/optim/train-graphs.ts';
import { evalProgram } from '../../engine/runtime/train-program.ts';
import { inferenceModel } from '../../models/inference-model.ts';
import { loadModelFolder, type ModelFolder } from '../../models/model-folder.ts';
import { quantizeMatMulWeights } from '../../models/quantize.ts';
import { tensor } from '../../tensors/tensor.ts';
import { argmax, predictWords } from '../predict.ts';
import { documentSentences, type Document } from '../../../shared/annotate/documents.ts';
import type { Labelled } from '../../../shared/annotate/formats.ts';
import { sentenceMentions, type LabelledSentence } from '../../../shared/annotate/mentions.ts';
import { maxSequenceLength, usesTokenTypes } from '../../../shared/models/config.ts';
import { encodeSentences, windowsOf, type PaddedBatch } from '../../../shared/tokenizers/encode.ts';

export type Precision = 'float32' | 'int8';

export interface LabellerOptions {
  readonly precision?: Precision;
  readonly provider?: ProviderRequest;
  /** Subwords per window, special tokens included: default 128 (training's), or fewer when the model has fewer positions. */
  readonly maxLength?: number;
  readonly batchSize?: number;
}

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

/** Softmax of a row of logits, in place. */
function softmax(row: Float32Array): Float32Array {
  let max = -Infinity;
  for (const x of row) max = Math.max(max, x);
  let sum = 0;
  for (let j = 0; j < row.length; j++) sum += row[j] = Math.exp(row[j] - max);
  for (let j = 0; j < row.length; j++) row[j] /= sum;
  return row;
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
  const int8 = o.precision === 'int8';
  if (int8) {
    const { bytes } = quantizeMatMulWeights(inferenceModel(config, model.weights), {
      include: (name) => !name.startsWith('classifier.'),
    });
    await client.request({ kind: 'open', provider: o.provider ?? 'auto', state: {} });
    await client.request({ kind: 'load', program: PROGRAM, spec: { model: bytes, read: ['logits'] } });
  } else {
    const layout = tokenClassifierLayout(config, ADAMW_DEFAULTS);
    const device = await client.request({
      kind: 'open',
      provider: o.provider ?? 'auto',
      state: { [IO.params]: tensor('float32', [layout.size], initParams(layout, 0, model.weights)) },
    });
    await client.request({
      kind: 'load',
      program: PROGRAM,
      spec: evalProgram(tokenClassificationTask(config, layout), device.name, [BATCH.probs], { withLoss: false }),
    });
  }
  // The deployment graph's inputs: int64 ids and mask, token types only where the family has several.
  const int8Feeds = (b: PaddedBatch) => {
    const shape = [b.size, b.length];
    const int64 = (data: Int32Array) => tensor('int64', shape, BigInt64Array.from(data, BigInt));
    return {
      [BATCH.inputIds]: int64(b.inputIds),
      [BATCH.attentionMask]: int64(b.attentionMask),
      ...(usesTokenTypes(config) ? { [BATCH.tokenTypeIds]: int64(b.tokenTypeIds) } : {}),
    };
  };

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
                ...(int8 ? { feeds: int8Feeds, output: 'logits' } : {}),
              },
            );
      let at = 0;
      return docs.map((doc, d) => {
        const labelled: LabelledSentence[] = perDoc[d].map((words) => {
          const rows = probs[at++].map((row) => (int8 ? softmax(row) : row));
          const best = rows.map(argmax);
          return { words, labels: best.map((j) => labels[j]), scores: best.map((j, w) => rows[w][j]) };
        });
        return { doc, sentences: labelled, mentions: labelled.flatMap((s) => sentenceMentions(doc.text, s)) };
      });
    },
  };
}
