// `npm run bench -- train-step [batch] [seq] [steps]`: one fused TinyBERT-4L-312D training step (forward +
// backward + AdamW) on ORT CPU: mean step time, and from ORT's profile the time per op type, so that the step
// can be compared with its matmul time (target: step ≤ 1.3 × MatMul+Gemm).
import ort from 'onnxruntime-node';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BertConfig } from '../../main/engine/nn/bert.ts';
import { initParams } from '../../main/engine/nn/params.ts';
import { bertLayout, tokenClassificationTask, BATCH } from '../../main/engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { IO, trainStepGraph } from '../../main/engine/optim/train-graphs.ts';

const [B, S, STEPS] = [Number(process.argv[2] ?? 8), Number(process.argv[3] ?? 128), Number(process.argv[4] ?? 5)];
const dropout = Number(process.env.DROPOUT ?? 0.1);
const cfg: BertConfig = {
  vocabSize: 30522, hiddenSize: 312, numLayers: 4, numHeads: 12, intermediateSize: 1200, maxPositions: 512, typeVocabSize: 2,
  layerNormEps: 1e-12, hiddenDropout: dropout, attentionDropout: dropout, numLabels: 7, initializerRange: 0.02,
};
const layout = bertLayout(cfg, ADAMW_DEFAULTS);
const t0 = performance.now();
const step = trainStepGraph(tokenClassificationTask(cfg, layout), ADAMW_DEFAULTS);
console.log(`graph: ${step.model.nodeCount} nodes, ${(step.model.bytes.length / 1024).toFixed(0)} KiB, built in ${(performance.now() - t0).toFixed(0)} ms; ${layout.size} parameters`);
const profileDir = mkdtempSync(join(tmpdir(), 'train-step-'));
const session = await ort.InferenceSession.create(step.model.bytes, { enableProfiling: true, profileFilePrefix: join(profileDir, 'profile') });

const n = B * S;
const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7919) % cfg.vocabSize));
const feeds: Record<string, ort.Tensor> = {
  [IO.params]: new ort.Tensor('float32', initParams(layout, 1), [layout.size]),
  [IO.m]: new ort.Tensor('float32', new Float32Array(layout.size), [layout.size]),
  [IO.v]: new ort.Tensor('float32', new Float32Array(layout.size), [layout.size]),
  [IO.lr]: new ort.Tensor('float32', Float32Array.from([1e-4]), []),
  [IO.step]: new ort.Tensor('float32', Float32Array.from([1]), []),
  [BATCH.inputIds]: new ort.Tensor('int64', ids, [B, S]),
  [BATCH.tokenTypeIds]: new ort.Tensor('int64', new BigInt64Array(n), [B, S]),
  [BATCH.attentionMask]: new ort.Tensor('float32', new Float32Array(n).fill(1), [B, S]),
  [BATCH.labels]: new ort.Tensor('int64', ids.map((x) => x % 7n), [B, S]),
  [BATCH.labelMask]: new ort.Tensor('float32', new Float32Array(n).fill(1), [B, S]),
};
if (step.model.inputs.some((i) => i.name === IO.dropoutSeed)) feeds[IO.dropoutSeed] = new ort.Tensor('int64', BigInt64Array.from([7n]), []);
for (let i = 0; i < 2; i++) await session.run(feeds);
const times: number[] = [];
for (let i = 0; i < STEPS; i++) {
  const t = performance.now();
  await session.run(feeds);
  times.push(performance.now() - t);
}
session.endProfiling(); // onnxruntime-node writes the file but does not return its name
const file = join(profileDir, readdirSync(profileDir)[0]);
const events = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
rmSync(profileDir, { recursive: true });
const byOp = new Map<string, number>();
for (const e of events) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) byOp.set(e.args!.op_name!, (byOp.get(e.args!.op_name!) ?? 0) + e.dur);
const runs = STEPS + 2;
const mean = times.reduce((a, b) => a + b) / times.length;
const matmul = ((byOp.get('MatMul') ?? 0) + (byOp.get('Gemm') ?? 0) + (byOp.get('FusedMatMul') ?? 0)) / runs / 1000;
console.log(`batch ${B}×${S}, dropout ${dropout}: step ${mean.toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}), matmul ${matmul.toFixed(1)} ms → ${(mean / matmul).toFixed(2)}× matmul`);
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${op.padEnd(24)} ${(us / runs / 1000).toFixed(2)} ms`);
// With NODES=1, the costliest non-matmul nodes by name (the graph's names say which module and gradient they are).
if (process.env.NODES) {
  const byNode = new Map<string, number>();
  for (const e of events) if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && !/MatMul|Gemm/.test(e.args!.op_name!)) byNode.set(`${e.args!.op_name} ${e.name.replace(/_kernel_time$/, '')}`, (byNode.get(e.name) ?? 0) + e.dur);
  for (const [node, us] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  ${(us / runs / 1000).toFixed(2).padStart(7)} ms  ${node}`);
}
