// `npm run bench -- recipe [SENTENCES] [EPOCHS] [tiny|HIDDEN] [LR:BATCH:WARMUP[:SEED] …]`: how soon a from-scratch student
// learns under each training recipe. A Merged student (λ = 0: gold labels of the merged corpus, no teachers) on the
// first SENTENCES training sentences (default 1000; half as many dev ones) of NCBI-disease and BC5CDR-chem, a BERT
// initialised from scratch with the shipped vocabulary: the Tiny preset (4 layers, hidden 312) when the third
// argument is 'tiny', else 2 layers of hidden HIDDEN (default 64, as the pipeline bench). Each recipe trains EPOCHS
// epochs (default 6) with seed SEED (default 1); printed per epoch: the dev F1 (lenient, each corpus on its own type, averaged,
// as the student's checkpoint is chosen), then how many epochs the model sat at all-O (dev F1 0).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initParams } from '../../main/engine/nn/params.ts';
import { tokenClassifierLayout } from '../../main/engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import { loadTokenizer } from '../../main/models/tokenizer-files.ts';
import { fineTune } from '../../main/pipeline/fine-tune.ts';
import { parseConll } from '../../shared/corpus/conll.ts';
import { mergeCorpora } from '../../shared/corpus/merge.ts';
import { keepTypes } from '../../shared/method/type-view.ts';
import { parseRunConfig } from '../../shared/method/run-config.ts';
import { prf } from '../../shared/metrics/prf.ts';
import { presetConfig, SHIPPED_VOCAB, sizePreset } from '../../shared/models/presets.ts';
import { encodeSentences } from '../../shared/tokenizers/encode.ts';

const args = process.argv.slice(2);
const [SENTENCES, EPOCHS, SIZE] = [Number(args[0] ?? 1000), Number(args[1] ?? 6), args[2] ?? '64'];
const RECIPES = (args.length > 3 ? args.slice(3) : ['5e-5:8:0', '2e-3:16:0', '2e-3:16:0.1']).map((r) => {
  const [lr, batchSize, warmupRatio, seed = 1] = r.split(':').map(Number);
  return { lr, batchSize, warmupRatio, seed };
});

const CORPORA = [
  { name: 'NCBI-disease', type: 'Disease' },
  { name: 'BC5CDR-chem', type: 'Chemical' },
];
const split = (name: string, file: string, count: number) =>
  parseConll(readFileSync(`resources/datasets/${name}/${file}.tsv`, 'utf8'), { file }).sentences.slice(0, count);
const merged = (file: string, count: number) =>
  mergeCorpora(CORPORA.map((c) => ({ ...c, sentences: split(c.name, file, count) })));
const train = merged('train', SENTENCES);
const dev = merged('devel', SENTENCES / 2);
const labels = train.labels;

const { tokenizer } = loadTokenizer('resources/models/bert-uncased-vocab');
const trainWindows = encodeSentences(
  tokenizer,
  train.sentences.map((s) => ({ words: s.tokens, labels: s.labels.map((l) => labels.indexOf(l)) })),
);
const tiny = presetConfig(sizePreset('tiny'), SHIPPED_VOCAB, labels);
const hidden = Number(SIZE);
const config =
  SIZE === 'tiny'
    ? tiny
    : { ...tiny, hiddenSize: hidden, embeddingSize: hidden, numLayers: 2, numHeads: 2, intermediateSize: 4 * hidden };
const layout = tokenClassifierLayout(config, ADAMW_DEFAULTS);

/** Mean over corpora of the lenient F1 on each corpus's dev sentences, its own type only. */
function devScore(predicted: string[][]) {
  const figures = Object.fromEntries(
    dev.sources.map((s) => {
      const gold = dev.sentences.slice(s.start, s.end).map((x) => x.labels);
      const pred = predicted.slice(s.start, s.end).map((p) => keepTypes(p, [s.type]));
      return [`f1_${s.type}`, prf(gold, pred, 'lenient').micro.f1];
    }),
  );
  const values = Object.values(figures);
  return { score: values.reduce((a, b) => a + b, 0) / values.length, figures };
}

console.log(
  `machine: ${cpus().length} × ${cpus()[0].model}; ${SENTENCES} training sentences per corpus (${trainWindows.length} windows), ` +
    `${EPOCHS} epochs, BERT ${config.numLayers} layers hidden ${config.hiddenSize} from scratch (${(layout.size / 1e6).toFixed(1)}M parameters), Merged student`,
);
const root = mkdtempSync(join(tmpdir(), 'recipe-bench-'));
const client = startRuntime();
try {
  for (const [i, recipe] of RECIPES.entries()) {
    // The recipe over the config's defaults (a teacher's training settings are the student's, λ and the rest aside).
    const run = parseRunConfig({
      corpora: CORPORA.map((c) => ({ path: c.name, type: c.type })),
      teachers: CORPORA.map((c) => ({ type: c.type, model: { folder: 'unused' }, epochs: EPOCHS, ...recipe })),
      student: { model: { folder: 'unused' } },
    });
    const { type: _, model: __, ...settings } = run.teachers[0];
    const started = performance.now();
    const result = await fineTune(client, {
      config,
      initial: initParams(layout, recipe.seed),
      padId: tokenizer.special.pad,
      train: trainWindows,
      selection: {
        windows: encodeSentences(
          tokenizer,
          dev.sentences.map((s) => ({ words: s.tokens })),
        ),
        wordCounts: dev.sentences.map((s) => s.tokens.length),
        score: devScore,
      },
      settings,
      provider: 'cpu',
      dir: join(root, String(i)),
    });
    const f1 = result.history.map((e) => (100 * e.score).toFixed(1));
    const allO = result.history.findIndex((e) => e.score > 0);
    console.log(
      `lr ${recipe.lr} batch ${recipe.batchSize} warmup ${recipe.warmupRatio} seed ${recipe.seed}: dev F1 by epoch ${f1.join(' ')}; ` +
        `all-O epochs ${allO === -1 ? `all ${EPOCHS}` : allO}; best ${(100 * result.bestScore).toFixed(1)} (epoch ${result.bestEpoch}); ` +
        `${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  }
} finally {
  await client.terminate();
  rmSync(root, { recursive: true, force: true });
}
