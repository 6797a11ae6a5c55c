// Models from the window: the list, importing a pretrained Hugging Face folder of the user's, and forgetting one.
// An import is read exactly as a run reads a folder (loadModelFolder), so a folder that imports is one a run can
// start from; the store only points at the folder, which stays where the user keeps it.
import { statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { ModelImport, ParsedArgs } from '../../shared/ipc/contract.ts';
import { architectureLabel } from '../../shared/models/config.ts';
import type { Model } from '../../shared/store-types.ts';
import { loadModelFolder } from '../models/model-folder.ts';
import {
  addModel,
  deleteModel as deleteStoredModel,
  findModelByFolder,
  getModel,
  listModels,
} from '../store/models.ts';
import { numel } from '../tensors/tensor.ts';
import type { ServiceContext } from './context.ts';

export function listAllModels(ctx: ServiceContext): Model[] {
  return listModels(ctx.store).reverse();
}

/** Registers a model folder as 'pretrained' once it loads; the same folder again returns the model stored for it. */
export async function importModel(
  ctx: ServiceContext,
  { folder: path, name }: ParsedArgs<'models:import'>,
): Promise<ModelImport> {
  if (!isAbsolute(path)) throw new Error(`"${path}" is not a full path`);
  const folder = resolve(path); // one spelling per folder (no trailing separator, no "..")
  const { config, weights, report } = await loadModelFolder(folder);
  const existing = findModelByFolder(ctx.store, folder);
  if (existing) return { model: existing, added: false, notes: [...report.notes] };
  const model = addModel(ctx.store, {
    name: name ?? basename(folder),
    kind: 'pretrained',
    architecture: architectureLabel(config),
    // The parameters a token classifier takes from the folder: the encoder, and its head when it has one.
    parameterCount: [...weights.values()].reduce((n, t) => n + numel(t.shape), 0),
    sizeBytes: report.weightsFiles.reduce((n, file) => n + statSync(join(folder, file)).size, 0),
    folder,
    runId: null,
  });
  ctx.emit('models:changed', { modelId: model.id });
  return { model, added: true, notes: [...report.notes] };
}

/** Forgets an imported model (the row only: the folder is the user's). A run's teachers and student belong to its results. */
export function deleteModel(ctx: ServiceContext, modelId: number): { deleted: boolean } {
  const model = getModel(ctx.store, modelId);
  if (!model) throw new Error(`there is no model ${modelId}`);
  if (model.kind !== 'pretrained') {
    const run = model.runId === null ? 'a run' : `run ${model.runId}`;
    throw new Error(
      `“${model.name}” is a ${model.kind} that ${run} trained: it stays with that run’s results. Only imported models can be removed.`,
    );
  }
  const deleted = deleteStoredModel(ctx.store, modelId);
  ctx.emit('models:changed', { modelId });
  return { deleted };
}
