// Labelling text from the window (annotate:text): the stored model's folder, an engine host of its own for the one
// text, and the same labelling core as `taughtnet annotate` (main/pipeline/annotate/labeller.ts).
import { resolve } from 'node:path';
import type { ParsedArgs, TextAnnotation } from '../../shared/ipc/contract.ts';
import { parseLabel } from '../../shared/corpus/labels.ts';
import { loadLabellingModel, openLabeller } from '../pipeline/annotate/labeller.ts';
import { getModel } from '../store/models.ts';
import type { ServiceContext } from './context.ts';

export async function annotateText(ctx: ServiceContext, args: ParsedArgs<'annotate:text'>): Promise<TextAnnotation> {
  const model = getModel(ctx.store, args.modelId);
  if (!model) throw new Error(`there is no model ${args.modelId}`);
  // Folders the app wrote are stored relative to the data folder; imported ones are absolute.
  const folder = await loadLabellingModel(resolve(ctx.store.dataDir, model.folder));
  // Mentions of an untyped model (labels B, I) have seqeval's type '_', so only 'O' adds no type.
  const types = [...new Set(folder.config.labels!.flatMap((l) => { const p = parseLabel(l); return p && p.prefix !== 'O' ? [p.type] : []; }))];
  const client = ctx.startRuntime();
  try {
    const labeller = await openLabeller(client, folder);
    const [labelled] = await labeller.label([{ id: 'text', text: args.text, source: 'the pasted text' }]);
    return { modelId: model.id, modelName: model.name, types, labelled };
  } finally {
    await client.terminate();
  }
}
