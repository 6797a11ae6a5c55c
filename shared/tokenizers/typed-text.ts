// A sentence as a user types it into the window, split into the words a model labels: on whitespace, as the
// corpora are split (one word per line). The renderer shows these words and the main process explains them, so
// both split with this one function and a word index means the same word on both sides.

export function sentenceWords(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}
