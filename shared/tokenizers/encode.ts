// From CoNLL sentences (already split into words) to model inputs and back.
//
// Labels follow the paper: a word's label sits on its first subword; its other subwords, and the special
// tokens, carry IGNORE_LABEL (-100, what the loss skips). A word that tokenizes to nothing (e.g. a lone
// control character) gets the unknown token, so that no word loses its label.
//
// A sentence longer than maxLength is not dropped: it is cut into windows. Its words are first grouped into
// consecutive "cores" of at most maxLength - 2 - 2*stride subwords; each window holds one core plus whole
// context words around it: up to `stride` subwords on the left, then as many as fit on the right (at least
// `stride` where the sentence has them), then more on the left if room remains. A word is predicted — and
// labelled for training — only in the window whose core holds it, so every word counts exactly once, always
// with at least `stride` subwords of context on each side where the sentence has them.
import { IGNORE_LABEL } from '../models/ignore-label.ts';
import type { SubwordTokenizer } from './tokenizer.ts';

export interface WindowOptions {
  /** Most subwords per window, the two special tokens included (HF's max_length). */
  readonly maxLength: number;
  /** Subwords of context kept on each side of a window's own words when a sentence needs several windows. */
  readonly stride: number;
}

export const DEFAULT_WINDOWS: WindowOptions = { maxLength: 128, stride: 32 };

/** Windows of `maxLength` subwords with the default overlap, narrowed so that a window keeps words of its own. */
export function windowsOf(maxLength: number): WindowOptions {
  return { maxLength, stride: Math.min(DEFAULT_WINDOWS.stride, Math.floor((maxLength - 3) / 4)) };
}

export interface EncodedWindow {
  /** Index of the sentence in the list given to encodeSentences. */
  readonly sentence: number;
  /** Words in the sentence (the same for all its windows). */
  readonly sentenceWords: number;
  readonly inputIds: readonly number[];
  readonly tokenTypeIds: readonly number[];
  /** Word index in the sentence of each subword; null for the special tokens. */
  readonly wordIds: readonly (number | null)[];
  /** Positions (into inputIds) of the first subword of each word this window predicts, in word order. */
  readonly labelPositions: readonly number[];
  /** The word each label position predicts. */
  readonly labelWords: readonly number[];
  /** Per subword: the word's label at label positions, IGNORE_LABEL elsewhere; null when no labels were given. */
  readonly labels: readonly number[] | null;
}

export interface SentenceInput {
  readonly words: readonly string[];
  /** One label id per word (training and evaluation); omit for prediction only. */
  readonly labels?: readonly number[];
}

function checkOptions({ maxLength, stride }: WindowOptions): number {
  if (!Number.isSafeInteger(maxLength) || maxLength < 3)
    throw new Error(`maxLength must be an integer of at least 3, got ${maxLength}`);
  if (!Number.isSafeInteger(stride) || stride < 0)
    throw new Error(`stride must be a non-negative integer, got ${stride}`);
  const core = maxLength - 2 - 2 * stride;
  if (core < 1)
    throw new Error(
      `stride ${stride} leaves no room for a window's own words at maxLength ${maxLength} (need 2*stride <= maxLength - 3)`,
    );
  return core;
}

/** [start, end) word ranges: the core a window predicts, and the context-extended span it holds. */
interface Span {
  readonly core: readonly [number, number];
  readonly span: readonly [number, number];
}

function planWindows(lengths: readonly number[], budget: number, coreBudget: number, stride: number): Span[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  if (total <= budget) return [{ core: [0, lengths.length], span: [0, lengths.length] }];
  const plans: Span[] = [];
  for (let start = 0; start < lengths.length;) {
    let end = start;
    let size = 0;
    while (end < lengths.length && (end === start || size + lengths[end] <= coreBudget)) size += lengths[end++];
    let room = budget - size;
    let left = start;
    let leftSize = 0;
    while (left > 0 && leftSize + lengths[left - 1] <= Math.min(stride, room)) leftSize += lengths[--left];
    room -= leftSize;
    let right = end;
    while (right < lengths.length && lengths[right] <= room) room -= lengths[right++];
    while (left > 0 && lengths[left - 1] <= room) room -= lengths[--left];
    plans.push({ core: [start, end], span: [left, right] });
    start = end;
  }
  return plans;
}

/** Encodes one sentence into one window, or several when it is longer than maxLength. */
export function encodeSentence(
  tokenizer: SubwordTokenizer,
  input: SentenceInput,
  options: WindowOptions = DEFAULT_WINDOWS,
  sentence = 0,
): EncodedWindow[] {
  const coreBudget = checkOptions(options);
  const { words, labels } = input;
  if (labels && labels.length !== words.length) {
    throw new Error(`sentence ${sentence}: ${words.length} words but ${labels.length} labels`);
  }
  if (words.length === 0) return [];
  const budget = options.maxLength - 2;
  const { cls, sep, unk } = tokenizer.special;
  // A single word longer than a whole window keeps its first pieces: its label sits on the first one anyway.
  const pieces = words.map((w) => {
    const ids = tokenizer.wordIds(w);
    return ids.length === 0 ? [unk] : ids.length > budget ? ids.slice(0, budget) : ids;
  });
  return planWindows(
    pieces.map((p) => p.length),
    budget,
    coreBudget,
    options.stride,
  ).map(({ core, span }) => {
    const inputIds = [cls];
    const wordIds: (number | null)[] = [null];
    const labelPositions: number[] = [];
    const labelWords: number[] = [];
    for (let w = span[0]; w < span[1]; w++) {
      if (w >= core[0] && w < core[1]) {
        labelPositions.push(inputIds.length);
        labelWords.push(w);
      }
      for (const id of pieces[w]) {
        inputIds.push(id);
        wordIds.push(w);
      }
    }
    inputIds.push(sep);
    wordIds.push(null);
    let windowLabels: number[] | null = null;
    if (labels) {
      windowLabels = new Array<number>(inputIds.length).fill(IGNORE_LABEL);
      labelPositions.forEach((p, i) => (windowLabels![p] = labels[labelWords[i]]));
    }
    return {
      sentence,
      sentenceWords: words.length,
      inputIds,
      tokenTypeIds: new Array<number>(inputIds.length).fill(0),
      wordIds,
      labelPositions,
      labelWords,
      labels: windowLabels,
    };
  });
}

/** Subwords a sentence takes in one window, the two special tokens included (a word with none counts as [UNK]). */
export function subwordLength(tokenizer: SubwordTokenizer, words: readonly string[]): number {
  return words.reduce((n, w) => n + Math.max(1, tokenizer.wordIds(w).length), 2);
}

export function encodeSentences(
  tokenizer: SubwordTokenizer,
  sentences: readonly SentenceInput[],
  options: WindowOptions = DEFAULT_WINDOWS,
): EncodedWindow[] {
  return sentences.flatMap((s, i) => encodeSentence(tokenizer, s, options, i));
}

/** Windows padded into row-major [size, length] arrays, ready to become int64 / int32 model inputs. */
export interface PaddedBatch {
  readonly size: number;
  readonly length: number;
  readonly inputIds: Int32Array;
  readonly attentionMask: Int32Array;
  readonly tokenTypeIds: Int32Array;
  /** IGNORE_LABEL on padding; null when the windows carry no labels. */
  readonly labels: Int32Array | null;
  readonly windows: readonly EncodedWindow[];
}

/** Pads to the longest window, or to `length` when given (a fixed shape lets a session reuse its plan). */
export function padBatch(windows: readonly EncodedWindow[], padId: number, length?: number): PaddedBatch {
  const longest = windows.reduce((m, w) => Math.max(m, w.inputIds.length), 0);
  const width = length ?? longest;
  if (longest > width) throw new Error(`a window holds ${longest} subwords, more than the batch length ${width}`);
  const hasLabels = windows.length > 0 && windows.every((w) => w.labels !== null);
  const inputIds = new Int32Array(windows.length * width).fill(padId);
  const attentionMask = new Int32Array(windows.length * width);
  const tokenTypeIds = new Int32Array(windows.length * width);
  const labels = hasLabels ? new Int32Array(windows.length * width).fill(IGNORE_LABEL) : null;
  windows.forEach((w, row) => {
    const at = row * width;
    inputIds.set(w.inputIds, at);
    attentionMask.fill(1, at, at + w.inputIds.length);
    tokenTypeIds.set(w.tokenTypeIds, at);
    if (labels) labels.set(w.labels!, at);
  });
  return { size: windows.length, length: width, inputIds, attentionMask, tokenTypeIds, labels, windows };
}

/**
 * Gathers per-subword predictions back into one value per word, per sentence: word w of sentence s takes
 * `at(k, p)` from the window k that predicts it, at its first subword p. Works for label ids and for
 * probability rows alike. `wordCounts[s]` is the number of words of sentence s; a word left without a
 * prediction (a window missing from the list) is an error, so evaluation always counts every word.
 */
export function stitchWords<T>(
  windows: readonly EncodedWindow[],
  wordCounts: readonly number[],
  at: (window: number, position: number) => T,
): T[][] {
  const out: (T | undefined)[][] = wordCounts.map((n) => new Array<T | undefined>(n));
  windows.forEach((w, k) => {
    if (w.sentence >= out.length)
      throw new Error(`window ${k} belongs to sentence ${w.sentence} of only ${out.length}`);
    w.labelPositions.forEach((p, i) => (out[w.sentence][w.labelWords[i]] = at(k, p)));
  });
  out.forEach((row, s) => {
    for (let i = 0; i < row.length; i++) {
      if (row[i] === undefined)
        throw new Error(`sentence ${s}: word ${i} has no prediction (is one of its windows missing?)`);
    }
  });
  return out as T[][];
}
