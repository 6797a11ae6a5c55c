// "Why did the model label this word so?": Integrated Gradients (paper §IV-E.5, Fig. 3) through the engine host.
//
// The model is read from its folder as the pipeline reads it (the same parameter layout, the folder's weights);
// the sentence is encoded into the same windows prediction uses, and the word is explained in the window that
// predicts it, at its first subword. f is the probability of one label there (the predicted one by default); the
// path runs from a baseline x′ to the word embeddings x of the window's subwords (the baseline of Captum and
// transformers-interpret: [PAD] everywhere except [CLS] and [SEP]). The path points go to the engine a batch at a
// time, each batch sized so that its activations stay within a fixed budget, and their gradients are folded into
// the attributions as they come back, so memory does not grow with the number of steps.
import type { RuntimeClient } from '../engine/runtime/client.ts';
import type { ProviderRequest } from '../engine/runtime/providers.ts';
import { initParams } from '../engine/nn/params.ts';
import { attributionGraph, BATCH, embeddingGraph, tokenClassifierLayout } from '../engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../engine/optim/adamw.ts';
import { IO } from '../engine/optim/train-graphs.ts';
import { loadModelFolder } from '../models/model-folder.ts';
import { tensor, type Tensor } from '../tensors/tensor.ts';
import { argmax } from './predict.ts';
import type { Explanation } from '../../shared/method/explanation.ts';
import {
  baselineIds,
  completeness,
  igSteps,
  integratedGradients,
  pathInputs,
  sumOverHidden,
  wordAttributions,
  type Quadrature,
} from '../../shared/method/integrated-gradients.ts';
import { maxSequenceLength, type EncoderConfig } from '../../shared/models/config.ts';
import { DEFAULT_WINDOWS, encodeSentences, windowsOf, type WindowOptions } from '../../shared/tokenizers/encode.ts';

type BaselineKind = Explanation['baseline'];

export interface ExplainOptions {
  /** A Hugging Face token-classification folder (config.json with id2label, weights with a classifier head, tokenizer). */
  readonly modelFolder: string;
  /** The sentence, already split into words. */
  readonly words: readonly string[];
  readonly wordIndex: number;
  /** The label whose probability is explained; default the predicted one. */
  readonly label?: string;
  /** Quadrature points along the path (default 50, Captum's). */
  readonly steps?: number;
  /** Default 'gauss-legendre' (Captum's). */
  readonly rule?: Quadrature;
  /** 'pad' (default): [PAD] embeddings with [CLS] and [SEP] kept; 'zeros': the zero vector everywhere. */
  readonly baseline?: BaselineKind;
  /** Default 'auto'. */
  readonly provider?: ProviderRequest;
  /** Subwords per window, special tokens included: default 128, or fewer when the model has fewer positions. */
  readonly maxLength?: number;
  /** Path points per engine batch; default as many as the activation budget allows (see pathBatchSize). */
  readonly pathBatch?: number;
}

const DEFAULT_STEPS = 50;
const PROGRAM = { embed: 'explain.embed', attribute: 'explain.attribute' } as const;

/**
 * Activations one batch of path points may hold, in elements (~256 MiB as float32): the backward pass keeps,
 * per layer and subword, about heads·seq attention weights, the intermediate activations and a few hidden-sized
 * tensors.
 */
const ACTIVATION_BUDGET = 64 * 2 ** 20;

/** How many path points one engine batch holds for a window of `seq` subwords. */
function pathBatchSize(config: EncoderConfig, seq: number, steps: number): number {
  const perPoint = config.numLayers * seq * (config.numHeads * seq + config.intermediateSize + 4 * config.hiddenSize);
  return Math.max(1, Math.min(steps, Math.floor(ACTIVATION_BUDGET / perPoint)));
}

/** The prediction windows for a model: `maxLength` (default 128) within its positions, the run's default overlap where it fits. */
function explainWindows(config: EncoderConfig, maxLength = DEFAULT_WINDOWS.maxLength): WindowOptions {
  return windowsOf(Math.min(maxLength, maxSequenceLength(config)));
}

/** Refuses an empty sentence or a word index outside it (before anything is read or started). */
export function checkWordIndex(words: readonly string[], wordIndex: number): void {
  const n = words.length;
  if (n === 0) throw new Error('there is no sentence to explain: type at least one word');
  if (!Number.isInteger(wordIndex) || wordIndex < 0 || wordIndex >= n) {
    throw new Error(
      `word ${wordIndex} is out of range: the sentence has ${n} word${n === 1 ? '' : 's'} (0 to ${n - 1})`,
    );
  }
}

/** Explains the model's probability of one label for one word of a sentence (see the top of this file). */
export async function explainPrediction(client: RuntimeClient, o: ExplainOptions): Promise<Explanation> {
  checkWordIndex(o.words, o.wordIndex);
  const rule = o.rule ?? 'gauss-legendre';
  const quadrature = igSteps(rule, o.steps ?? DEFAULT_STEPS);
  const baselineKind = o.baseline ?? 'pad';
  const m = await loadModelFolder(o.modelFolder);
  const { config, tokenizer } = m;
  const labels = config.labels;
  if (labels === null || labels.length === 0)
    throw new Error(`${o.modelFolder}: config.json names no labels (id2label), so there is no prediction to explain`);
  if (m.report.missing.length > 0) {
    throw new Error(
      `${o.modelFolder}: the weights have no trained classifier head for its ${labels.length} labels, so there is no prediction to explain`,
    );
  }
  if (o.label !== undefined && !labels.includes(o.label)) {
    throw new Error(`"${o.label}" is not a label of this model; its labels are ${labels.join(', ')}`);
  }

  // The window that predicts the word, and the word's first subword there.
  const windows = encodeSentences(tokenizer, [{ words: o.words }], explainWindows(config, o.maxLength));
  const window = windows.find((w) => w.labelWords.includes(o.wordIndex))!;
  const position = window.labelPositions[window.labelWords.indexOf(o.wordIndex)];
  const seq = window.inputIds.length;
  const width = config.embeddingSize;
  const labelCount = labels.length;

  const layout = tokenClassifierLayout(config, ADAMW_DEFAULTS);
  await client.request({
    kind: 'open',
    provider: o.provider ?? 'auto',
    state: { [IO.params]: tensor('float32', [layout.size], initParams(layout, 0, m.weights)) },
  });
  await client.request({
    kind: 'load',
    program: PROGRAM.embed,
    spec: { model: embeddingGraph(layout).bytes, read: ['inputs_embeds'] },
  });
  const { batchInputs } = await client.request({
    kind: 'load',
    program: PROGRAM.attribute,
    spec: { model: attributionGraph(config, layout).bytes, read: [BATCH.probs, 'grad_inputs_embeds'] },
  });

  // x and x′: the word embeddings of the window's ids and of the baseline's.
  const { special } = tokenizer;
  const ids =
    baselineKind === 'pad'
      ? [window.inputIds, baselineIds(window.inputIds, special.pad, [special.cls, special.sep])]
      : [window.inputIds];
  const [embedded] = await client.request({
    kind: 'evaluate',
    program: PROGRAM.embed,
    batches: [{ [BATCH.inputIds]: tensor('int64', [ids.length, seq], BigInt64Array.from(ids.flat(), BigInt)) }],
  });
  const both = embedded.inputs_embeds.data as Float32Array;
  const input = both.slice(0, seq * width);
  const baseline = baselineKind === 'pad' ? both.slice(seq * width) : new Float32Array(seq * width);

  /** One batch of the attribution program: path points `embeds` [rows × seq × width], the gradient of Σ target·probs. */
  const attribute = async (embeds: Float32Array, target: Float32Array) => {
    const rows = embeds.length / (seq * width);
    const feeds: Record<string, Tensor> = {
      inputs_embeds: tensor('float32', [rows, seq, width], embeds),
      [BATCH.attentionMask]: tensor('float32', [rows, seq], new Float32Array(rows * seq).fill(1)),
      target: tensor('float32', [rows, seq, labelCount], target),
    };
    if (batchInputs.includes(BATCH.tokenTypeIds)) {
      feeds[BATCH.tokenTypeIds] = tensor(
        'int64',
        [rows, seq],
        BigInt64Array.from({ length: rows * seq }, (_, i) => BigInt(window.tokenTypeIds[i % seq])),
      );
    }
    const [out] = await client.request({ kind: 'evaluate', program: PROGRAM.attribute, batches: [feeds] });
    return { probs: out[BATCH.probs].data as Float32Array, gradients: out.grad_inputs_embeds.data as Float32Array };
  };
  const oneHot = (rows: number, labelId: number) => {
    const target = new Float32Array(rows * seq * labelCount);
    for (let r = 0; r < rows; r++) target[(r * seq + position) * labelCount + labelId] = 1;
    return target;
  };

  // f at the input (which also gives the prediction) and at the baseline.
  const { probs } = await attribute(pathInputs(baseline, input, [1, 0]), new Float32Array(2 * seq * labelCount));
  const rowAt = (r: number) => probs.subarray((r * seq + position) * labelCount, (r * seq + position + 1) * labelCount);
  const predictedId = argmax(rowAt(0));
  const labelId = o.label === undefined ? predictedId : labels.indexOf(o.label);
  const fInput = rowAt(0)[labelId];
  const fBaseline = rowAt(1)[labelId];

  // The path, a batch of points at a time; IG is linear in the gradients, so each batch's share is added as it comes.
  const perBatch = o.pathBatch ?? pathBatchSize(config, seq, quadrature.alphas.length);
  const attributions = new Float64Array(seq * width);
  for (let from = 0; from < quadrature.alphas.length; from += perBatch) {
    const alphas = quadrature.alphas.slice(from, from + perBatch);
    const { gradients } = await attribute(pathInputs(baseline, input, alphas), oneHot(alphas.length, labelId));
    const rows = Array.from(alphas, (_, r) => gradients.subarray(r * seq * width, (r + 1) * seq * width));
    const share = integratedGradients(input, baseline, rows, {
      rule,
      alphas,
      weights: quadrature.weights.slice(from, from + perBatch),
    });
    for (let i = 0; i < share.length; i++) attributions[i] += share[i];
  }

  const perSubword = sumOverHidden(attributions, width);
  const perWord = wordAttributions(perSubword, window.wordIds, o.words.length);
  const inWindow = new Set(window.wordIds.filter((w) => w !== null));
  const from = Math.min(...inWindow);
  return {
    words: [...o.words],
    wordIndex: o.wordIndex,
    labels: [...labels],
    predicted: { label: labels[predictedId], probability: rowAt(0)[predictedId] },
    label: labels[labelId],
    wordAttributions: Array.from(perWord.words, (a, w) => (inWindow.has(w) ? a : null)),
    specialAttribution: perWord.special,
    subwords: window.inputIds.map((id, s) => ({
      token: tokenizer.token(id),
      id,
      word: window.wordIds[s],
      attribution: perSubword[s],
    })),
    fInput,
    fBaseline,
    completeness: completeness(perSubword, fInput, fBaseline),
    steps: quadrature.alphas.length,
    rule,
    baseline: baselineKind,
    window: { from, to: from + inWindow.size, of: windows.length },
  };
}
