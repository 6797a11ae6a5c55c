// `npm run bench -- export [trainSeconds]`: trains a small BERT from scratch (the shipped vocabulary and its
// bert-tiny shape: 2 layers, hidden 128) on NCBI-disease train for `trainSeconds` (default 240) on ORT CPU,
// exports it as float32, int8 and int8 with int8 word embeddings (main/models/export.ts), and reports for each: entity F1 on NCBI-disease
// devel (seqeval-style prf), file size, latency (batch 1) and throughput (batches of 32), plus their agreement.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { parseConll } from '../../shared/corpus/conll.ts';
import { prf } from '../../shared/metrics/prf.ts';
import { parseEncoderConfig, usesTokenTypes } from '../../shared/models/config.ts';
import { encodeSentences, padBatch, stitchWords, type EncodedWindow } from '../../shared/tokenizers/encode.ts';
import { loadTokenizer } from '../../main/models/tokenizer-files.ts';
import { exportOnnx } from '../../main/models/export.ts';
import { initParams, paramsToWeights } from '../../main/engine/nn/params.ts';
import {
  BATCH,
  goldFeeds,
  tokenClassificationTask,
  tokenClassifierLayout,
} from '../../main/engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { linearWarmupDecay } from '../../main/engine/optim/schedule.ts';
import { IO, trainStepGraph } from '../../main/engine/optim/train-graphs.ts';
import { createWorkspace } from '../../main/engine/runtime/workspace.ts';
import { tensor, zeros } from '../../main/tensors/tensor.ts';
import { seededShuffle } from '../../shared/random.ts';

const TRAIN_SECONDS = Number(process.argv[2] ?? 240);
const BATCH_SIZE = 16;
const VOCAB = 'resources/models/bert-uncased-vocab';
const read = (split: string) =>
  parseConll(readFileSync(`resources/datasets/NCBI-disease/${split}.tsv`, 'utf8'), { file: split }).sentences;
const train = read('train');
const dev = read('devel');
const labels = [...new Set(train.flatMap((s) => s.labels))].sort();
const labelId = new Map(labels.map((l, i) => [l, i]));
const { tokenizer } = loadTokenizer(VOCAB);
const config = parseEncoderConfig({
  ...JSON.parse(readFileSync(`${VOCAB}/config.json`, 'utf8')),
  id2label: Object.fromEntries(labels.map((l, i) => [i, l])),
});
const windowing = { maxLength: 128, stride: 16 };
console.log(
  `machine: ${cpus().length} × ${cpus()[0].model}; model: ${config.modelType} ${config.numLayers} layers, hidden ${config.hiddenSize}, vocab ${config.vocabSize}; labels ${labels.join(' ')}`,
);

// ---- train (length-bucketed batches in shuffled order) ----
const trainWindows = encodeSentences(
  tokenizer,
  train.map((s) => ({ words: s.tokens, labels: s.labels.map((l) => labelId.get(l)!) })),
  windowing,
);
const sorted = [...trainWindows].sort((a, b) => a.inputIds.length - b.inputIds.length);
const batches: EncodedWindow[][] = [];
for (let i = 0; i < sorted.length; i += BATCH_SIZE) batches.push(sorted.slice(i, i + BATCH_SIZE));

const layout = tokenClassifierLayout(config, ADAMW_DEFAULTS);
const step = trainStepGraph(tokenClassificationTask(config, layout), ADAMW_DEFAULTS);
const ws = await createWorkspace(
  'cpu',
  new Map([
    [IO.params, tensor('float32', [layout.size], initParams(layout, 42))],
    [IO.m, zeros('float32', [layout.size])],
    [IO.v, zeros('float32', [layout.size])],
  ]),
);
const program = await ws.load({
  model: step.model.bytes,
  updates: Object.fromEntries(step.state.map((s) => [s.input, s.output])),
  read: [IO.loss],
});
const feeds = (windows: EncodedWindow[], t: number, lr: number) => {
  const b = padBatch(windows, tokenizer.special.pad);
  const shape = [b.size, b.length];
  return {
    [BATCH.inputIds]: tensor('int64', shape, BigInt64Array.from(b.inputIds, BigInt)),
    [BATCH.tokenTypeIds]: tensor('int64', shape, BigInt64Array.from(b.tokenTypeIds, BigInt)),
    [BATCH.attentionMask]: tensor('float32', shape, Float32Array.from(b.attentionMask)),
    ...goldFeeds(b.labels!, shape),
    [IO.lr]: tensor('float32', [], Float32Array.of(lr)),
    [IO.step]: tensor('float32', [], Float32Array.of(t)),
    [IO.dropoutSeed]: tensor('int64', [], BigInt64Array.of(BigInt(t))),
  };
};
// The schedule needs a step count: time some steps first, then plan the rest to fill TRAIN_SECONDS.
const order = seededShuffle([...batches.keys()], 1);
const start = performance.now();
let t = 0;
let schedule = { peakLr: 2e-3, warmupSteps: 50, totalSteps: 1e9 };
let recent: number[] = [];
let tenth = 0; // the first steps are slower (session warm-up): time steps 11-40
while ((performance.now() - start) / 1000 < TRAIN_SECONDS && t < schedule.totalSteps) {
  t++;
  const loss = (await program.run(feeds(batches[order[(t - 1) % order.length]], t, linearWarmupDecay(schedule, t - 1))))
    .loss.data[0] as number;
  recent.push(loss);
  if (t === 10) tenth = performance.now();
  if (t === 40)
    schedule = {
      ...schedule,
      totalSteps:
        40 + Math.floor((start + TRAIN_SECONDS * 1000 - performance.now()) / ((performance.now() - tenth) / 30)),
    };
  if (t % 100 === 0) {
    console.log(
      `step ${t}/${schedule.totalSteps} (epoch ${(t / batches.length).toFixed(2)}): loss ${(recent.reduce((a, b) => a + b) / recent.length).toFixed(4)}`,
    );
    recent = [];
  }
}
const trainSeconds = (performance.now() - start) / 1000;
console.log(
  `trained ${t} steps of ${BATCH_SIZE} in ${trainSeconds.toFixed(0)} s (${(t / batches.length).toFixed(2)} epochs of ${train.length} sentences)`,
);
const weights = paramsToWeights(layout, (await ws.readState([IO.params])).get(IO.params)!.data as Float32Array);
await ws.dispose();

// ---- export and evaluate ----
const dir = mkdtempSync(join(tmpdir(), 'export-bench-'));
const devWindows = encodeSentences(
  tokenizer,
  dev.map((s) => ({ words: s.tokens })),
  windowing,
);
const byLength = [...devWindows.keys()].sort((a, b) => devWindows[a].inputIds.length - devWindows[b].inputIds.length);
const runFeeds = (windows: EncodedWindow[]) => {
  const b = padBatch(windows, tokenizer.special.pad);
  const ints = (a: Int32Array) => new ort.Tensor('int64', BigInt64Array.from(a, BigInt), [b.size, b.length]);
  const feeds: Record<string, ort.Tensor> = { input_ids: ints(b.inputIds), attention_mask: ints(b.attentionMask) };
  if (usesTokenTypes(config)) feeds.token_type_ids = ints(b.tokenTypeIds);
  return { b, feeds };
};

async function evaluate(path: string) {
  const session = await ort.InferenceSession.create(path, { executionProviders: ['cpu'] });
  // Throughput: batches of 32 windows of similar length; keep every window's per-token argmax.
  const argmax: number[][] = new Array(devWindows.length);
  let t0 = performance.now();
  for (let i = 0; i < byLength.length; i += 32) {
    const ids = byLength.slice(i, i + 32);
    const { b, feeds } = runFeeds(ids.map((k) => devWindows[k]));
    const logits = (await session.run(feeds)).logits.data as Float32Array;
    const L = labels.length;
    ids.forEach((k, row) => {
      argmax[k] = Array.from({ length: b.length }, (_, p) => {
        const o = (row * b.length + p) * L;
        let best = 0;
        for (let j = 1; j < L; j++) if (logits[o + j] > logits[o + best]) best = j;
        return best;
      });
    });
  }
  const throughput = devWindows.length / ((performance.now() - t0) / 1000);
  // Latency: one window at a time (the first 300 of the corpus order).
  const one = devWindows.slice(0, 300);
  t0 = performance.now();
  for (const w of one) await session.run(runFeeds([w]).feeds);
  const latencyMs = (performance.now() - t0) / one.length;
  await session.release();
  const pred = stitchWords(
    devWindows,
    dev.map((s) => s.tokens.length),
    (k, p) => labels[argmax[k][p]],
  );
  const gold = dev.map((s) => s.labels);
  return {
    argmax,
    pred,
    f1: prf(gold, pred, 'lenient').micro.f1,
    strictF1: prf(gold, pred, 'strict').micro.f1,
    throughput,
    latencyMs,
  };
}

const results = [];
const variants = [
  { name: 'float32', options: {} },
  { name: 'int8', options: { quantize: 'int8' } },
  { name: 'int8+emb', options: { quantize: 'int8', int8Embeddings: true } },
] as const;
for (const v of variants) {
  const e = await exportOnnx(join(dir, `ncbi-${v.name}.onnx`), { config, weights }, v.options);
  results.push({ name: v.name, megabytes: e.bytes / 1e6, ...(await evaluate(e.path)) });
}
rmSync(dir, { recursive: true, force: true });
const f = results[0];
console.log(`\nNCBI-disease devel (${dev.length} sentences, ${devWindows.length} windows):`);
for (const r of results) {
  let same = 0;
  let total = 0;
  f.pred.forEach((s, i) => s.forEach((l, j) => (total++, (same += l === r.pred[i][j] ? 1 : 0))));
  console.log(
    `  ${r.name.padEnd(9)} F1 ${(100 * r.f1).toFixed(2)} (strict ${(100 * r.strictF1).toFixed(2)})  size ${r.megabytes.toFixed(2)} MB  ` +
      `latency ${r.latencyMs.toFixed(2)} ms/window  throughput ${r.throughput.toFixed(0)} windows/s` +
      (r === f
        ? ''
        : `  | vs float32: labels agree ${((100 * same) / total).toFixed(2)}%, throughput ×${(r.throughput / f.throughput).toFixed(2)}, latency ×${(f.latencyMs / r.latencyMs).toFixed(2)}, size ×${(r.megabytes / f.megabytes).toFixed(2)}`),
  );
}
