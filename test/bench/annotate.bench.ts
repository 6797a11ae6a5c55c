// `npm run bench -- annotate [SECONDS] [PRESETS] [--chunk-bytes N]`: words per second of `annotate` labelling the
// shipped test splits from raw text (their sentences written back as text, ten to a JSON Lines document; reading,
// sentence and word splitting, tokenizing, labelling and formatting the JSON Lines output all included), for each
// size preset's shape (random weights, the shipped vocabulary, 5 labels), float32 and int8, one worker and two,
// each worker with its share of the cores as onnxruntime threads (as the CLI does). The input is read in chunks of
// N bytes (default: the CLI's), repeated as long as needed. Each configuration labels for SECONDS (default 20)
// after a warm-up chunk per worker; PRESETS is a comma-separated list (default micro,tiny,distil,base,large). Load
// average printed with each figure, as the CPU may be shared.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initParams, paramsToWeights } from '../../main/engine/nn/params.ts';
import { tokenClassifierLayout } from '../../main/engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import { saveModelFolder } from '../../main/models/model-folder.ts';
import { annotate, DEFAULT_CHUNK_BYTES } from '../../main/pipeline/annotate/annotate.ts';
import { inputOf } from '../../main/pipeline/annotate/inputs.ts';
import {
  loadLabellingModel,
  openLabeller,
  threadsPerWorker,
  type Precision,
} from '../../main/pipeline/annotate/labeller.ts';
import { jsonlRecord } from '../../shared/annotate/formats.ts';
import { parseConll } from '../../shared/corpus/conll.ts';
import { presetConfig, SHIPPED_VOCAB, sizePreset, type PresetId } from '../../shared/models/presets.ts';
import { detokenize } from '../../shared/text/words.ts';

const { values, positionals } = parseArgs({ options: { 'chunk-bytes': { type: 'string' } }, allowPositionals: true });
const SECONDS = Number(positionals[0] ?? 20);
const PRESETS = (positionals[1] ?? 'micro,tiny,distil,base,large').split(',') as PresetId[];
const CHUNK_BYTES = Number(values['chunk-bytes'] ?? DEFAULT_CHUNK_BYTES);
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
  `machine: ${cpus().length} × ${cpus()[0].model}; input: ${records.length} documents of the three test splits, in chunks of ${CHUNK_BYTES} bytes; ${SECONDS} s per configuration`,
);

const load = () => loadavg()[0].toFixed(1);

/** CPU seconds of a process so far (user + system), from /proc; the ticks are Linux's usual 100 a second. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function measure(folder: string, precision: Precision, workers: number): Promise<string> {
  const model = await loadLabellingModel(folder);
  const clients = Array.from({ length: workers }, () => startRuntime());
  try {
    const labellers = await Promise.all(
      clients.map((c) => openLabeller(c, model, { precision, provider: 'cpu', threads: threadsPerWorker(workers) })),
    );
    // CPU time of this process and the engine hosts: a figure the other users of a shared machine disturb less.
    const cpu = () => {
      const own = process.cpuUsage();
      return (own.user + own.system) / 1e6 + clients.reduce((sum, c) => sum + cpuSeconds(c.hostPid()!), 0);
    };
    const controller = new AbortController();
    let words = 0;
    let started = 0;
    let last = 0;
    let chunks = 0;
    let cpuStarted = 0;
    let cpuLast = 0;
    await annotate({
      // The splits again and again, so that no configuration runs out of input.
      inputs: Array.from({ length: 100 }, () => inputOf(input)),
      chunkBytes: CHUNK_BYTES,
      labellers,
      signal: controller.signal,
      async write(labelled) {
        for (const l of labelled) jsonlRecord(l);
        const now = performance.now();
        // The first chunk of each worker warms the sessions up; timing starts after them.
        if (++chunks === workers) {
          started = now;
          cpuStarted = cpu();
        } else if (chunks > workers) {
          for (const l of labelled) for (const s of l.sentences) words += s.words.length;
          last = now;
          cpuLast = cpu();
        }
        if (started > 0 && now - started > SECONDS * 1000) controller.abort();
      },
    });
    const seconds = (last - started) / 1000;
    return `${Math.round(words / seconds)} words/s (${words} words in ${seconds.toFixed(1)} s, load ${load()}; ${Math.round(words / (cpuLast - cpuStarted))} words per CPU second)`;
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
