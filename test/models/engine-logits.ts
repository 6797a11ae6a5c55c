// What exported files are checked against: a model's logits from the engine's own inference graph on the fixture
// sentences, and the int64 feeds an exported file takes for the same batch.
import ort from 'onnxruntime-node';
import { initParams } from '../../main/engine/nn/params.ts';
import { BATCH, logitsGraph, tokenClassifierLayout } from '../../main/engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { IO } from '../../main/engine/optim/train-graphs.ts';
import type { ModelFolder } from '../../main/models/model-folder.ts';
import { encodeSentences, padBatch, type PaddedBatch } from '../../shared/tokenizers/encode.ts';
import { FIXTURE_SENTENCES } from './fixtures/fixture-sentences.ts';

/** The fixture sentences, tokenised and padded for `m`. */
export function fixtureBatch(m: Pick<ModelFolder, 'tokenizer'>): PaddedBatch {
  return padBatch(
    encodeSentences(
      m.tokenizer,
      FIXTURE_SENTENCES.map((s) => ({ words: s.words })),
      { maxLength: 64, stride: 8 },
    ),
    m.tokenizer.special.pad,
  );
}

const COLUMNS: Record<string, (b: PaddedBatch) => Int32Array> = {
  [BATCH.inputIds]: (b) => b.inputIds,
  [BATCH.attentionMask]: (b) => b.attentionMask,
  [BATCH.tokenTypeIds]: (b) => b.tokenTypeIds,
};

/** int64 [batch, seq] feeds for the named inputs of an exported file. */
export function exportFeeds(b: PaddedBatch, inputs: readonly string[]): Record<string, ort.Tensor> {
  return Object.fromEntries(
    inputs.map((name) => [
      name,
      new ort.Tensor('int64', BigInt64Array.from(COLUMNS[name](b), BigInt), [b.size, b.length]),
    ]),
  );
}

/** Logits [batch, seq, labels] of the engine's inference graph (logitsGraph) with the model's weights. */
export async function engineLogits(m: Pick<ModelFolder, 'config' | 'weights'>, b: PaddedBatch): Promise<Float32Array> {
  const layout = tokenClassifierLayout(m.config, ADAMW_DEFAULTS);
  const session = await ort.InferenceSession.create(logitsGraph(m.config, layout).bytes);
  try {
    const inputs = session.inputNames.filter((n) => n !== IO.params && n !== BATCH.attentionMask);
    const out = await session.run({
      ...exportFeeds(b, inputs),
      [IO.params]: new ort.Tensor('float32', initParams(layout, 0, m.weights), [layout.size]),
      [BATCH.attentionMask]: new ort.Tensor('float32', Float32Array.from(b.attentionMask), [b.size, b.length]),
    });
    return out.logits.data as Float32Array;
  } finally {
    await session.release();
  }
}
