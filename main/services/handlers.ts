// The IPC handler table: channel → service. Electron registers it with ipcMain.handle (main/app/ipc.ts) and the
// renderer test harness serves it over HTTP; both go through handleIpc, so both validate the same way.
import { z } from 'zod';
import {
  contract,
  isChannel,
  type Channel,
  type ParsedArgs,
  type Reply,
  type Result,
} from '../../shared/ipc/contract.ts';
import { annotateFolder, annotateText, cancelFolder } from './annotate.ts';
import { appInfo } from './app-info.ts';
import type { ServiceContext } from './context.ts';
import { inspectDataset, listAllDatasets, registerDataset } from './datasets.ts';
import { explainModel } from './explain.ts';
import { deleteModel, importModel, listAllModels } from './models.ts';
import {
  addStudent,
  cancelRun,
  crossRunKappa,
  deleteRun,
  estimateRunTime,
  listRunSummaries,
  listTrainedTeachers,
  resumeRun,
  showRun,
  skipStudentOfRun,
  startRun,
} from './runs.ts';
import { errorMessage } from '../../shared/error-message.ts';

type Handlers = { [C in Channel]: (ctx: ServiceContext, args: ParsedArgs<C>) => Promise<Result<C>> };

export const handlers: Handlers = {
  'app:info': (ctx) => appInfo(ctx),
  'datasets:list': (ctx) => listAllDatasets(ctx),
  'datasets:inspect': (ctx, { dataset }) => inspectDataset(ctx, dataset),
  'datasets:register': (ctx, args) => registerDataset(ctx, args),
  'runs:list': async (ctx) => listRunSummaries(ctx),
  'runs:show': async (ctx, { runId }) => showRun(ctx, runId),
  'runs:start': async (ctx, args) => startRun(ctx, args),
  'runs:add-student': async (ctx, args) => addStudent(ctx, args),
  'runs:estimate': (ctx, { config }) => estimateRunTime(ctx, config),
  'runs:trained-teachers': async (ctx) => listTrainedTeachers(ctx),
  'runs:cross-kappa': (ctx, { runIds }) => crossRunKappa(ctx, runIds),
  'runs:cancel': async (ctx, { runId }) => cancelRun(ctx, runId),
  'runs:skip-student': async (ctx, args) => skipStudentOfRun(ctx, args),
  'runs:resume': async (ctx, { runId }) => resumeRun(ctx, runId),
  'runs:delete': (ctx, { runId }) => deleteRun(ctx, runId),
  'models:list': async (ctx) => listAllModels(ctx),
  'models:import': (ctx, args) => importModel(ctx, args),
  'models:delete': async (ctx, { modelId }) => deleteModel(ctx, modelId),
  'models:explain': (ctx, args) => explainModel(ctx, args),
  'annotate:text': (ctx, args) => annotateText(ctx, args),
  'annotate:folder': (ctx, args) => annotateFolder(ctx, args),
  'annotate:cancel': async (_ctx, { jobId }) => cancelFolder(jobId),
};

/**
 * Answers one call from the renderer: the channel must be in the contract and the arguments must pass its schema
 * before any service runs. Never throws: a failure becomes { ok: false, error } with a message a user can read.
 */
export async function handleIpc(ctx: ServiceContext, channel: unknown, args: unknown): Promise<Reply<unknown>> {
  if (!isChannel(channel)) return { ok: false, error: `unknown channel "${String(channel)}"` };
  const parsed = contract[channel].args.safeParse(args);
  if (!parsed.success)
    return { ok: false, error: `invalid arguments for ${channel}:\n${z.prettifyError(parsed.error)}` };
  try {
    const handler = handlers[channel] as (ctx: ServiceContext, args: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(ctx, parsed.data) };
  } catch (e) {
    return { ok: false, error: errorMessage(e) };
  }
}
