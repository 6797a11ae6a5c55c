// What Integrated Gradients says about one word's label (main/pipeline/explain.ts computes it).

/**
 * Why a model labels one word as it does: Integrated Gradients (paper §IV-E.5, Fig. 3) of the probability f of one
 * label at the word's first subword, along the straight path from a baseline x′ to the input x (word embeddings).
 */
export interface Explanation {
  /** The sentence, split into words. */
  words: string[];
  /** The word explained. */
  wordIndex: number;
  /** The model's labels, in id2label order. */
  labels: string[];
  /** The model's label for the word (the most probable at its first subword) and its probability. */
  predicted: { label: string; probability: number };
  /** The label whose probability is explained: the predicted one unless another was asked for. */
  label: string;
  /** Per word, the sum of its subwords' attributions; null for a word outside the window explained. */
  wordAttributions: (number | null)[];
  /** What the special tokens ([CLS], [SEP]) contribute: part of the window, of no word. */
  specialAttribution: number;
  /** The window's subwords in order, special tokens included (word null), each with its attribution. */
  subwords: { token: string; id: number; word: number | null; attribution: number }[];
  /** f(x): the explained label's probability for the word. */
  fInput: number;
  /** f(x′): the same at the baseline. */
  fBaseline: number;
  /** IG's completeness: Σ attributions (sum) against f(x) − f(x′) (expected); error and error / |expected|. */
  completeness: { sum: number; expected: number; error: number; relativeError: number };
  /** Quadrature points along the path, and the rule that placed them. */
  steps: number;
  rule: 'gauss-legendre' | 'trapezoid';
  /** 'pad': [PAD] embeddings with [CLS] and [SEP] kept (as transformers-interpret); 'zeros': the zero vector. */
  baseline: 'pad' | 'zeros';
  /** Words [from, to) are in the window explained, one of `of` windows (a long sentence needs several). */
  window: { from: number; to: number; of: number };
}
