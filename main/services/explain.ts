// Explaining a stored model's prediction for the window (models:explain): the model's folder from the store, an
// engine host of its own for the one explanation, and Integrated Gradients (main/pipeline/explain.ts).
import { resolve } from 'node:path';
import type { Explanation, ParsedArgs } from '../../shared/ipc/contract.ts';
import { sentenceWords } from '../../shared/tokenizers/typed-text.ts';
import { checkWordIndex, explainPrediction } from '../pipeline/explain.ts';
import { getModel } from '../store/models.ts';
import type { ServiceContext } from './context.ts';

export async function explainModel(ctx: ServiceContext, args: ParsedArgs<'models:explain'>): Promise<Explanation> {
  const model = getModel(ctx.store, args.modelId);
  if (!model) throw new Error(`there is no model ${args.modelId}`);
  const words = sentenceWords(args.text);
  checkWordIndex(words, args.wordIndex);
  const client = ctx.startRuntime();
  try {
    return await explainPrediction(client, {
      // Folders the app wrote are stored relative to the data folder; imported ones are absolute.
      modelFolder: resolve(ctx.store.dataDir, model.folder),
      words,
      wordIndex: args.wordIndex,
      label: args.label,
      steps: args.steps,
      rule: args.rule,
    });
  } finally {
    await client.terminate();
  }
}
