// `npm run bench -- pipeline [SENTENCES] [EPOCHS] [HIDDEN] [SEED]`: a whole TaughtNet run on CPU on the first SENTENCES
// training sentences (default 1000; half as many dev and test) of NCBI-disease and BC5CDR-chem, teachers and student
// a small BERT (2 layers, hidden HIDDEN, default 64; the shipped vocabulary) initialised from scratch and saved as a
// Hugging Face folder, every model trained with SEED (default: the run config's). Prints each phase's wall time and
// the test F1 of every model on each corpus.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initParams, paramsToWeights } from '../../main/engine/nn/params.ts';
import { tokenClassifierLayout } from '../../main/engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import { saveModelFolder } from '../../main/models/model-folder.ts';
import { serviceContext } from '../../main/cli/store.ts';
import { createTaughtNetRun, executeRun } from '../../main/pipeline/taughtnet-run.ts';
import { listEvaluations } from '../../main/store/evaluations.ts';
import { listModels } from '../../main/store/models.ts';
import { openStore } from '../../main/store/store.ts';
import { presetConfig, SHIPPED_VOCAB, sizePreset } from '../../shared/models/presets.ts';
import { corpusSlice } from '../pipeline/fixtures.ts';

const [SENTENCES, EPOCHS, HIDDEN] = [
  Number(process.argv[2] ?? 1000),
  Number(process.argv[3] ?? 5),
  Number(process.argv[4] ?? 64),
];
const SEED = process.argv[5] === undefined ? {} : { seed: Number(process.argv[5]) };
const root = mkdtempSync(join(tmpdir(), 'pipeline-bench-'));

const model = join(root, 'small-bert');
const config = {
  ...presetConfig(sizePreset('tiny'), SHIPPED_VOCAB, ['O', 'B-X', 'I-X']),
  hiddenSize: HIDDEN,
  embeddingSize: HIDDEN,
  numLayers: 2,
  numHeads: 2,
  intermediateSize: 4 * HIDDEN,
};
const layout = tokenClassifierLayout(config, ADAMW_DEFAULTS);
await saveModelFolder(
  model,
  { config, weights: paramsToWeights(layout, initParams(layout, 1)) },
  { tokenizerFrom: 'resources/models/bert-uncased-vocab' },
);
const training = { epochs: EPOCHS, lr: 2e-3, batchSize: 16, ...SEED };
const runConfig = {
  corpora: [
    { path: corpusSlice(root, 'NCBI-disease', SENTENCES), type: 'Disease' },
    { path: corpusSlice(root, 'BC5CDR-chem', SENTENCES), type: 'Chemical' },
  ],
  teachers: [
    { type: 'Disease', model: { folder: model }, ...training },
    { type: 'Chemical', model: { folder: model }, ...training },
  ],
  student: { model: { folder: model }, ...training },
  device: 'cpu',
};
console.log(
  `machine: ${cpus().length} × ${cpus()[0].model}; ${SENTENCES} training sentences per corpus, ${EPOCHS} epochs, BERT 2 layers hidden ${HIDDEN} (${(layout.size / 1e6).toFixed(1)}M parameters)`,
);

const store = openStore({ dataDir: join(root, 'store') });
const client = startRuntime();
const times = new Map<string, number>();
let [phase, since] = ['', performance.now()];
try {
  const ctx = serviceContext(store);
  const run = createTaughtNetRun(ctx, { config: runConfig });
  await executeRun(ctx, client, run.id, {
    onEvent: (e) => {
      if (e.phase === phase) return;
      if (phase) times.set(phase, (performance.now() - since) / 1000);
      [phase, since] = [e.phase, performance.now()];
    },
  });
  for (const [p, s] of times) console.log(`  ${p.padEnd(18)} ${s.toFixed(1)} s`);
  const models = listModels(store, { runId: run.id });
  console.log('test split, lenient (strict) F1, labelling speed:');
  for (const e of listEvaluations(store, { runId: run.id, mode: 'lenient' })) {
    const strict = listEvaluations(store, {
      runId: run.id,
      modelId: e.modelId,
      datasetId: e.datasetId,
      mode: 'strict',
    })[0];
    console.log(
      `  ${models.find((m) => m.id === e.modelId)!.name.padEnd(18)} on ${runConfig.corpora[e.datasetId - 1].type.padEnd(9)} ${(100 * e.f1).toFixed(2)} (${(100 * strict.f1).toFixed(2)})  ${Math.round(e.wordsPerSecond ?? 0)} words/s`,
    );
  }
} finally {
  await client.terminate();
  store.close();
  rmSync(root, { recursive: true, force: true });
}
