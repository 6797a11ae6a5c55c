// `npm run bench -- annotate [SECONDS] [PRESETS]`: words per second of `annotate` labelling the shipped test splits
// from raw text (their sentences written back as text, ten to a JSON Lines document; reading, sentence and word
// splitting, tokenizing and labelling all included), for each size preset's shape (random weights, the shipped
// vocabulary, 5 labels), float32 and int8, one worker and two. Each configuration labels for SECONDS (default 20)
// after a warm-up chunk; PRESETS is a comma-separated list (default tiny,distil,base,large). Load average printed
// with each figure, as the CPU may be shared.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initParams, paramsToWeights } from '../../main/engine/nn/params.ts';
import { tokenClassifierLayout } from '../../main/engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import { saveModelFolder } from '../../main/models/model-folder.ts';
import { annotate } from '../../main/pipeline/annotate/annotate.ts';
import { inputOf } from '../../main/pipeline/annotate/inputs.ts';
import { loadLabellingModel, openLabeller, type Precision } from '../../main/pipeline/annotate/labeller.ts';
import { parseConll } from '../../shared/corpus/conll.ts';
import { presetConfig, SHIPPED_VOCAB, sizePreset, type PresetId } from '../../shared/models/presets.ts';
import { detokenize } from '../../shared/text/words.ts';

const SECONDS = Number(process.argv[2] ?? 20);
const PRESETS = (process.argv[3] ?? 'tiny,distil,base,large').split(',') as PresetId[];
const LABELS = ['O', 'B-Disease', 'I-Disease', 'B-Chemical', 'I-Chemical'];
const root = mkdtempSync(join(tmpdir(), 'annotate-bench-'));

// The three test splits as raw text: ten sentences a document.
const input = join(root, 'test-splits.jsonl');
const records: string[] = [];
for (const name of ['NCBI-disease', 'BC5CDR-chem', 'BC2GM']) {
  const sentences = parseConll(readFileSync(`resources/datasets/${name}/test.tsv`, 'utf8'), { file: name }).sentences;
  for (let i = 0; i < sentences.length; i += 10) {
    records.push(
      JSON.stringify({
        id: `${name}:${i}`,
        text: sentences
          .slice(i, i + 10)
          .map((s) => detokenize(s.tokens).text)
          .join(' '),
      }),
    );
  }
}
writeFileSync(input, records.join('\n') + '\n');
console.log(
  `machine: ${cpus().length} × ${cpus()[0].model}; input: ${records.length} documents of the three test splits; ${SECONDS} s per configuration`,
);

const load = () => loadavg()[0].toFixed(1);

async function measure(folder: string, precision: Precision, workers: number): Promise<string> {
  const model = await loadLabellingModel(folder);
  const clients = Array.from({ length: workers }, () => startRuntime());
  try {
    const labellers = await Promise.all(clients.map((c) => openLabeller(c, model, { precision, provider: 'cpu' })));
    const controller = new AbortController();
    let words = 0;
    let started = 0;
    let last = 0;
    let chunks = 0;
    await annotate({
      inputs: [inputOf(input)],
      chunkBytes: 8 * 1024,
      labellers,
      signal: controller.signal,
      async write(labelled) {
        const now = performance.now();
        // The first chunk of each worker warms the sessions up; timing starts after them.
        if (++chunks === workers) started = now;
        else if (chunks > workers) {
          for (const l of labelled) for (const s of l.sentences) words += s.words.length;
          last = now;
        }
        if (started > 0 && now - started > SECONDS * 1000) controller.abort();
      },
    });
    const seconds = (last - started) / 1000;
    return `${Math.round(words / seconds)} words/s (${words} words in ${seconds.toFixed(1)} s, load ${load()})`;
  } finally {
    await Promise.all(clients.map((c) => c.terminate()));
  }
}

try {
  for (const id of PRESETS) {
    const preset = sizePreset(id);
    const config = presetConfig(preset, SHIPPED_VOCAB, LABELS);
    const layout = tokenClassifierLayout(config, ADAMW_DEFAULTS);
    const folder = join(root, id);
    await saveModelFolder(
      folder,
      { config, weights: paramsToWeights(layout, initParams(layout, 1)) },
      { tokenizerFrom: 'resources/models/bert-uncased-vocab' },
    );
    for (const precision of ['float32', 'int8'] as const) {
      for (const workers of [1, 2]) {
        console.log(
          `${preset.name} (${preset.architectureOf} shape, ${(layout.size / 1e6).toFixed(1)}M parameters) ${precision}, ${workers} worker${workers > 1 ? 's' : ''}: ${await measure(folder, precision, workers)}`,
        );
      }
    }
    rmSync(folder, { recursive: true, force: true });
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
