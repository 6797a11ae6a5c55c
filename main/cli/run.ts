// `taughtnet run CONFIG.json` / `taughtnet run --resume ID`: a whole TaughtNet run (teachers, distributions,
// student, evaluation) on this machine, with progress on stderr. Ctrl-C cancels between two steps.
import { readFileSync } from 'node:fs';
import { createTaughtNetRun, executeRun, type RunEvent } from '../pipeline/taughtnet-run.ts';
import { listEvaluations } from '../store/evaluations.ts';
import { getModel } from '../store/models.ts';
import { getRun } from '../store/runs.ts';
import { formatDuration } from '../../shared/duration.ts';
import { UsageError, idArgument, output, parseCommandArgs, table, type Command } from './command.ts';
import { DATA_DIR_HELP, DATA_DIR_OPTION, serviceContext, withStore } from './store.ts';
import { errorMessage } from '../../shared/error-message.ts';

const USAGE = `usage: taughtnet run CONFIG.json [options]
       taughtnet run --resume ID [options]

Trains one teacher per corpus, aggregates their distributions over the merged training set, distils the
student and scores every model on each corpus's test split; everything lands in the experiment store
(see taughtnet runs show ID). The config format is in the README ("Run configuration").
An interrupted run (killed, crashed, machine off) or a failed one continues with --resume from its last
finished epoch.
Progress goes to stderr; Ctrl-C cancels the run.

options:
  --resume ID                     continue run ID (interrupted, failed or queued) instead of starting one
  --name NAME                     the new run's name (default: "TaughtNet" and the entity types)
${DATA_DIR_HELP}
  --json                          print JSON on stdout at the end: {"run", "evaluations": [{"model", "dataset",
                                  "split", "mode", "precision", "recall", "f1", "support"}]}
`;

function formatEta(seconds: number | null): string {
  return seconds === null ? 'ETA …' : `ETA ${formatDuration(seconds)}`;
}

/** One stderr line per event; training steps at most every 2 s. */
function progressPrinter(): (e: RunEvent) => void {
  let last = 0;
  return (e) => {
    if (e.training) {
      const now = Date.now();
      if (now - last < 2000 && e.training.step !== e.training.totalSteps) return;
      last = now;
      process.stderr.write(`[${e.phase}] ${e.message} ${formatEta(e.training.etaSeconds)}\n`);
    } else {
      process.stderr.write(`[${e.phase}] ${e.message}\n`);
    }
  };
}

export const run: Command = {
  summary: 'runs TaughtNet end to end from a config file (or resumes an interrupted run)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { resume: { type: 'string' }, name: { type: 'string' }, ...DATA_DIR_OPTION }, 1);
    const [configFile] = positionals;
    if ((configFile === undefined) === (values.resume === undefined)) throw new UsageError('give a CONFIG.json or --resume ID (one of them)');
    const resumeId = values.resume === undefined ? undefined : idArgument('--resume', values.resume, 'run');

    await withStore(values['data-dir'], async (store) => {
      const ctx = serviceContext(store);
      let runId = resumeId;
      if (runId === undefined) {
        let config: unknown;
        try {
          config = JSON.parse(readFileSync(configFile!, 'utf8'));
        } catch (e) {
          throw new Error(`cannot read the run config ${configFile}: ${errorMessage(e)}`, { cause: e });
        }
        runId = createTaughtNetRun(ctx, { config, name: values.name }).id;
        process.stderr.write(`run ${runId} created\n`);
      } else if (!getRun(store, runId)) {
        throw new Error(`there is no run ${runId}`);
      }
      const controller = new AbortController();
      const cancel = () => {
        process.stderr.write('cancelling after the current step…\n');
        controller.abort();
      };
      process.once('SIGINT', cancel);
      const client = ctx.startRuntime();
      try {
        const finished = await executeRun(ctx, client, runId, { signal: controller.signal, onEvent: progressPrinter() });
        const evaluations = listEvaluations(store, { runId }).map((e) => ({
          model: getModel(store, e.modelId)?.name ?? String(e.modelId),
          dataset: e.datasetId,
          split: e.split,
          mode: e.mode,
          precision: e.precision,
          recall: e.recall,
          f1: e.f1,
          support: e.support,
        }));
        output(values.json, { run: finished, evaluations }, (r) =>
          `run ${r.run.id} ${r.run.status} on ${r.run.device}\n` +
          table([['model', 'dataset', 'mode', 'P', 'R', 'F1'], ...r.evaluations.map((e) => [e.model, e.dataset, e.mode, e.precision.toFixed(4), e.recall.toFixed(4), e.f1.toFixed(4)])]),
        );
      } finally {
        process.off('SIGINT', cancel);
        await client.terminate();
      }
    });
  },
};
