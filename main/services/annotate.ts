// Labelling from the window, with the same core as `taughtnet annotate` (main/pipeline/annotate/): a pasted text
// (annotate:text), or every input file of a folder in the background (annotate:folder) with progress events and
// cancellation. Each gets an engine host of its own.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { FolderProgress, ParsedArgs, Result, TextAnnotation } from '../../shared/ipc/contract.ts';
import { parseLabel } from '../../shared/corpus/labels.ts';
import { annotate } from '../pipeline/annotate/annotate.ts';
import { INPUT_EXTENSIONS, inputOf } from '../pipeline/annotate/inputs.ts';
import { loadLabellingModel, openLabeller } from '../pipeline/annotate/labeller.ts';
import { bratOutput, fileOutput } from '../pipeline/annotate/outputs.ts';
import { getModel } from '../store/models.ts';
import type { ServiceContext } from './context.ts';

/** The folder a stored model lives in: folders the app wrote are stored relative to the data folder, imported ones absolute. */
function storedModel(ctx: ServiceContext, modelId: number) {
  const model = getModel(ctx.store, modelId);
  if (!model) throw new Error(`there is no model ${modelId}`);
  return { model, folder: resolve(ctx.store.dataDir, model.folder) };
}

export async function annotateText(ctx: ServiceContext, args: ParsedArgs<'annotate:text'>): Promise<TextAnnotation> {
  const { model, folder } = storedModel(ctx, args.modelId);
  const loaded = await loadLabellingModel(folder);
  // Mentions of an untyped model (labels B, I) have seqeval's type '_', so only 'O' adds no type.
  const types = [
    ...new Set(
      loaded.config.labels!.flatMap((l) => {
        const p = parseLabel(l);
        return p && p.prefix !== 'O' ? [p.type] : [];
      }),
    ),
  ];
  const client = ctx.startRuntime();
  try {
    const labeller = await openLabeller(client, loaded);
    const [labelled] = await labeller.label([{ id: 'text', text: args.text, source: 'the pasted text' }]);
    return { modelId: model.id, modelName: model.name, types, labelled };
  } finally {
    await client.terminate();
  }
}

/** Folders being labelled in this process, by job id. */
const jobs = new Map<number, AbortController>();
let lastJob = 0;

/** The subfolder of a labelled folder that its output goes to. */
export const OUTPUT_FOLDER = 'taughtnet-annotations';

export async function annotateFolder(
  ctx: ServiceContext,
  args: ParsedArgs<'annotate:folder'>,
): Promise<Result<'annotate:folder'>> {
  const { folder: path, format } = args;
  if (!isAbsolute(path)) throw new Error(`"${path}" is not a full path`);
  if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${path}: no such folder`);
  const files = readdirSync(path)
    .filter(
      (name) => INPUT_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext)) && statSync(join(path, name)).isFile(),
    )
    .sort();
  if (files.length === 0) throw new Error(`${path} holds no file to label (${INPUT_EXTENSIONS.join(', ')})`);
  const inputs = files.map((name) => inputOf(join(path, name)));
  const { folder: modelFolder } = storedModel(ctx, args.modelId);
  const loaded = await loadLabellingModel(modelFolder);

  const outFolder = join(path, OUTPUT_FOLDER);
  mkdirSync(outFolder, { recursive: true });
  const run = { model: modelFolder, folder: path, files, format };
  const output = format === 'brat' ? outFolder : join(outFolder, `mentions.${format}`);
  const writer =
    format === 'brat'
      ? bratOutput(outFolder, { resume: false, run })
      : fileOutput(format, output, { first: true, resume: false, run });
  const client = ctx.startRuntime();
  const jobId = ++lastJob;
  const controller = new AbortController();
  jobs.set(jobId, controller);
  const report = (p: Omit<FolderProgress, 'jobId' | 'output'>) =>
    ctx.emit('annotate:progress', { jobId, output, ...p });
  void (async () => {
    let documents = 0;
    try {
      const labeller = await openLabeller(client, loaded);
      const result = await annotate({
        inputs,
        labellers: [labeller],
        write: (labelled) => writer.write(labelled),
        signal: controller.signal,
        onProgress: (p) => {
          documents = p.documents;
          const share = p.totalBytes ? Math.min(1, p.bytes / p.totalBytes) : 0;
          report({
            status: 'running',
            documents,
            share,
            etaSeconds: share > 0 ? (p.seconds * (1 - share)) / share : null,
          });
        },
      });
      if (!result.stopped) writer.finish();
      report({
        status: result.stopped ? 'cancelled' : 'done',
        documents: result.documents,
        share: result.stopped ? 0 : 1,
        etaSeconds: 0,
      });
    } catch (e) {
      report({ status: 'failed', documents, share: 0, etaSeconds: null, error: (e as Error).message });
    } finally {
      jobs.delete(jobId);
      writer.close();
      await client.terminate();
    }
  })();
  return { jobId, files: files.length, output };
}

export function cancelFolder(jobId: number): { cancelled: boolean } {
  const job = jobs.get(jobId);
  job?.abort();
  return { cancelled: job !== undefined };
}
