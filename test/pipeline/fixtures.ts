// What run tests share: small real corpora cut from the shipped ones, and the tiny BERT fixture folder that
// serves as every teacher and student.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TINY_BERT = fileURLToPath(new URL('../models/fixtures/tiny-bert-ner', import.meta.url));

/** The first `sentences` training sentences (and half as many dev and test ones) of a shipped corpus, as a corpus folder under `root`. */
export function corpusSlice(root: string, name: string, sentences: number): string {
  const folder = join(root, name);
  mkdirSync(folder, { recursive: true });
  for (const split of ['train', 'devel', 'test']) {
    const text = readFileSync(
      fileURLToPath(new URL(`../../resources/datasets/${name}/${split}.tsv`, import.meta.url)),
      'utf8',
    );
    const blocks = text
      .split(/\n\s*\n/)
      .filter((b) => b.trim())
      .slice(0, split === 'train' ? sentences : sentences / 2);
    writeFileSync(join(folder, `${split}.tsv`), blocks.join('\n\n') + '\n');
  }
  return folder;
}

/** Figures of time and memory, which differ between two runs of the same work. */
export const isMeasuredFigure = (name: string) =>
  name === 'seconds' || name.endsWith('_per_second') || name === 'peak_memory_mb';
