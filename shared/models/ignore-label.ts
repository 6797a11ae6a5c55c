// The label id a token-classification loss skips: PyTorch's ignore_index, Hugging Face's -100. Its meaning is the
// engine's (main/engine/ops/loss.ts counts such a token nowhere); it sits in shared/ because the tokenizers that
// write it and the float64 reference loss (shared/method/loss-config.ts) need it too, and shared/ imports no main/.

export const IGNORE_LABEL = -100;
