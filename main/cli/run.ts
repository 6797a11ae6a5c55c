// `taughtnet run CONFIG.json` / `taughtnet run --resume ID` / `taughtnet run --add-student ID STUDENT.json`: a whole
// TaughtNet run (teachers, distributions, students, evaluation) on this machine, with progress on stderr. Ctrl-C
// cancels between two steps.
import { PathError, readRegularFile } from '../files/regular-file.ts';
import { addStudentToRun, createTaughtNetRun, executeRun, type RunEvent } from '../pipeline/taughtnet-run.ts';
import { listEvaluations } from '../store/evaluations.ts';
import { getModel } from '../store/models.ts';
import { getRun } from '../store/runs.ts';
import { RUN_TRANSITIONS, type Run } from '../../shared/store-types.ts';
import { formatDuration } from '../../shared/duration.ts';
import { UsageError, idArgument, output, parseCommandArgs, table, type Command } from './command.ts';
import { DATA_DIR_HELP, DATA_DIR_OPTION, serviceContext, withStore } from './store.ts';
import { errorMessage } from '../../shared/error-message.ts';

const USAGE = `usage: taughtnet run CONFIG.json [options]
       taughtnet run --resume ID [options]
       taughtnet run --add-student ID STUDENT.json [options]

Trains one teacher per corpus (or takes a trained one: "model": { "trained": ID }), aggregates their
distributions over the merged training set (or reuses those of an earlier run with the same teachers and
corpora), trains each student and scores every model on each corpus's test split; everything lands in the
experiment store (see taughtnet runs show ID). The config format is in the README ("Run configuration").
An interrupted run (killed, crashed, machine off) or a failed one continues with --resume from its last
finished epoch; a student that failed is trained again, the finished ones are kept.
--add-student adds one student (a JSON object as in the config's "students"; with "seeds", one per seed) to a
completed, failed or cancelled run: only it trains, then every model is scored again.
Progress goes to stderr, with the time left for the whole run; Ctrl-C cancels the run. To stop one student
and let the others go on, run taughtnet runs skip-student ID NAME in another terminal.

options:
  --resume ID                     continue run ID (interrupted, failed or queued) instead of starting one
  --add-student ID                add the student in STUDENT.json to run ID and train it
  --name NAME                     the new run's name (default: "TaughtNet" and the entity types)
${DATA_DIR_HELP}
  --json                          print JSON on stdout at the end: {"run", "evaluations": [{"model", "dataset",
                                  "split", "mode", "precision", "recall", "f1", "support"}]}
`;

function formatEta(seconds: number | null | undefined): string {
  return seconds == null ? '…' : formatDuration(seconds);
}

function readJson(file: string, what: string): unknown {
  try {
    // Editors on Windows may save a byte-order mark, which JSON does not allow.
    return JSON.parse(readRegularFile(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new Error(`cannot read the ${what} ${file}: ${e instanceof PathError ? e.problem : errorMessage(e)}`, {
      cause: e,
    });
  }
}

/** One stderr line per event; training steps at most every 2 s. */
function progressPrinter(): (e: RunEvent) => void {
  let last = 0;
  return (e) => {
    if (e.training) {
      const now = Date.now();
      if (now - last < 2000 && e.training.step !== e.training.totalSteps) return;
      last = now;
      process.stderr.write(
        `[${e.phase}] ${e.message} ETA ${formatEta(e.training.etaSeconds)} (run ${formatEta(e.runEtaSeconds)})\n`,
      );
    } else {
      process.stderr.write(`[${e.phase}] ${e.message}\n`);
    }
  };
}

/** A run --resume cannot continue, refused with what the user can do instead. */
function refuseUnresumable(runId: number, run: Run | undefined): void {
  if (!run) throw new Error(`there is no run ${runId} (see taughtnet runs list)`);
  if (RUN_TRANSITIONS[run.status].includes('running')) return;
  const again =
    `to start it again, run its config as a new run: taughtnet runs show ${runId} --json prints it (under "config"); ` +
    `save that as a file and give it to taughtnet run`;
  switch (run.status) {
    case 'cancelled':
      throw new Error(
        `run ${runId} was cancelled${run.finishedAt ? ` (${run.finishedAt})` : ''}, and a cancelled run does not continue; ${again}`,
      );
    case 'completed':
      throw new Error(
        `run ${runId} is complete: there is nothing left to resume (its results: taughtnet runs show ${runId}); ${again}`,
      );
    default:
      throw new Error(
        `run ${runId} is training now (process ${run.ownerPid} on ${run.ownerHost}): wait for it, or cancel it there`,
      );
  }
}

export const run: Command = {
  summary: 'runs TaughtNet end to end from a config file (or resumes an interrupted run)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      { resume: { type: 'string' }, 'add-student': { type: 'string' }, name: { type: 'string' }, ...DATA_DIR_OPTION },
      1,
    );
    const [file] = positionals;
    const given = [
      file !== undefined && values['add-student'] === undefined,
      values.resume !== undefined,
      values['add-student'] !== undefined,
    ];
    if (given.filter(Boolean).length !== 1 || (values.resume !== undefined && file !== undefined)) {
      throw new UsageError('give a CONFIG.json, --resume ID or --add-student ID STUDENT.json (one of them)');
    }
    if (values['add-student'] !== undefined && file === undefined)
      throw new UsageError('--add-student ID needs the STUDENT.json file');
    const resumeId = values.resume === undefined ? undefined : idArgument('--resume', values.resume, 'run');
    const addTo =
      values['add-student'] === undefined ? undefined : idArgument('--add-student', values['add-student'], 'run');

    await withStore(values['data-dir'], async (store) => {
      const ctx = serviceContext(store);
      let runId = resumeId ?? addTo;
      if (addTo !== undefined) {
        const studentsOf = (run: Run | undefined) =>
          (run?.config as { students?: { name: string }[] } | undefined)?.students ?? [];
        const before = studentsOf(getRun(store, addTo)).length;
        const run = addStudentToRun(ctx, addTo, readJson(file!, 'student config'));
        process.stderr.write(
          `run ${addTo}: ${studentsOf(run)
            .slice(before)
            .map((s) => s.name)
            .join(', ')} added\n`,
        );
      } else if (runId === undefined) {
        runId = createTaughtNetRun(ctx, { config: readJson(file!, 'run config'), name: values.name }).id;
        process.stderr.write(`run ${runId} created\n`);
      } else {
        refuseUnresumable(runId, getRun(store, runId));
      }
      const controller = new AbortController();
      const cancel = () => {
        process.stderr.write('cancelling after the current step…\n');
        controller.abort();
      };
      process.once('SIGINT', cancel);
      const client = ctx.startRuntime();
      try {
        const finished = await executeRun(ctx, client, runId!, {
          signal: controller.signal,
          onEvent: progressPrinter(),
        }).catch((e) => {
          const { status } = getRun(store, runId!) ?? {};
          if (status !== 'failed' && status !== 'interrupted') throw e;
          throw new Error(
            `${errorMessage(e)}\nrun ${runId} is ${status}: continue it with taughtnet run --resume ${runId}`,
            { cause: e },
          );
        });
        // A student skipped at the user's request (taughtnet runs skip-student) leaves the run to be resumed.
        if (finished.status === 'interrupted' && finished.error)
          process.stderr.write(`${finished.error}: taughtnet run --resume ${runId}\n`);
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
        output(
          values.json,
          { run: finished, evaluations },
          (r) =>
            `run ${r.run.id} ${r.run.status} on ${r.run.device}\n` +
            table([
              ['model', 'dataset', 'mode', 'P', 'R', 'F1'],
              ...r.evaluations.map((e) => [
                e.model,
                e.dataset,
                e.mode,
                e.precision.toFixed(4),
                e.recall.toFixed(4),
                e.f1.toFixed(4),
              ]),
            ]),
        );
      } finally {
        process.off('SIGINT', cancel);
        await client.terminate();
      }
    });
  },
};
