// `taughtnet annotate`: a trained model labels documents (plain text, JSON Lines, PubTator, CoNLL) and writes the
// mentions (JSON Lines, CoNLL, PubTator, CSV, brat). The work is main/pipeline/annotate/; this file reads the
// options, opens the model on one engine host per worker, and reports progress on stderr.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { startRuntime, type RuntimeClient } from '../engine/runtime/client.ts';
import { PROVIDER_PREFERENCE, type ProviderRequest } from '../engine/runtime/providers.ts';
import { annotate, DEFAULT_CHUNK_BYTES, type AnnotateProgress, type Shard } from '../pipeline/annotate/annotate.ts';
import { INPUT_FORMATS, inputOf, type InputFormat } from '../pipeline/annotate/inputs.ts';
import { loadLabellingModel, openLabeller, threadsPerWorker, type Precision } from '../pipeline/annotate/labeller.ts';
import { bratOutput, fileOutput, streamOutput, type Output } from '../pipeline/annotate/outputs.ts';
import { OUTPUT_FORMATS, type OutputFormat } from '../../shared/annotate/formats.ts';
import { formatDuration } from '../../shared/duration.ts';
import { UsageError, idArgument, oneOf, parseCommandArgs, type Command } from './command.ts';
import { DATA_DIR_HELP, DATA_DIR_OPTION, storedModelFolder } from './store.ts';

const USAGE = `usage: taughtnet annotate (--model ID | --folder DIR) [options] INPUT…

Labels documents with a trained model and writes its mentions. INPUT is a file, or - for standard input.
Inputs by extension: .txt (one document per file; one per line with --lines), .jsonl ({"id": …, "text": …} per
line), .pubtator (PMID|t|title, PMID|a|abstract), .conll/.iob/.bio/.tsv (one token per line: the tokens are kept,
each sentence is a document). Raw text is split into sentences and words as the training corpora are.
Progress goes to stderr; Ctrl-C stops after writing what is finished, and --resume continues from there.

options:
  --model ID                      a model of taughtnet models list (a student, a teacher, an imported model)
  --folder DIR                    a Hugging Face token-classification folder instead
  --format jsonl|conll|pubtator|csv|brat
                                  the output (default jsonl): JSON Lines {"id", "text", "entities": [{"start",
                                  "end", "type", "text", "score"}]} with offsets in UTF-16 code units; CoNLL/IOB2
                                  TOKEN<TAB>LABEL; PubTator mention lines; CSV one mention a row; brat standoff
                                  (ID.txt and ID.ann in the --out folder)
  --out FILE|DIR                  write there instead of standard output (brat: a folder, required)
  --resume                        continue an interrupted --out: documents already written are skipped
  --workers N                     N labelling processes (default 1); the output is the same byte for byte
  --shard I/N                     label only shard I of N (1 ≤ I ≤ N) of the inputs: deterministic, and the N
                                  shards' outputs concatenated equal the whole output byte for byte
  --lines                         plain text: one document per line
  --input-format text|jsonl|pubtator|conll
                                  the inputs' format, instead of their extension (standard input: default text)
  --int8                          run the model with int8 linear weights (faster on CPUs, scores differ slightly)
  --device auto|cuda|webgpu|cpu   the engine's provider (default auto)
  --max-length N                  subwords per window (default 128, as in training); longer sentences are windowed
  --chunk-bytes N                 input bytes per chunk of work (default ${DEFAULT_CHUNK_BYTES}); shards and resumes
                                  must use the same value
${DATA_DIR_HELP}
`;

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`--${name} must be a positive integer; got '${value}'`);
  return Number(value);
}

function shardOption(value: string | undefined): Shard | undefined {
  if (value === undefined) return undefined;
  const m = /^([1-9]\d*)\/([1-9]\d*)$/.exec(value);
  if (!m || Number(m[1]) > Number(m[2])) throw new UsageError(`--shard must be I/N with 1 ≤ I ≤ N; got '${value}'`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** One stderr line at most every 2 s: documents, bytes and ETA. */
function progressPrinter(): (p: AnnotateProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 2000) return;
    last = now;
    const share = p.totalBytes ? p.bytes / p.totalBytes : null;
    const eta = share && share > 0 ? `, ETA ${formatDuration((p.seconds * (1 - share)) / share)}` : '';
    process.stderr.write(
      `annotate: ${p.documents} documents${share === null ? '' : `, ${(100 * share).toFixed(1)} %`}${eta}\n`,
    );
  };
}

export const annotateCommand: Command = {
  summary: 'labels text and documents with a trained model (JSON Lines, CoNLL, PubTator, CSV, brat)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        model: { type: 'string' },
        folder: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        resume: { type: 'boolean' },
        workers: { type: 'string' },
        shard: { type: 'string' },
        lines: { type: 'boolean' },
        'input-format': { type: 'string' },
        int8: { type: 'boolean' },
        device: { type: 'string' },
        'max-length': { type: 'string' },
        'chunk-bytes': { type: 'string' },
        ...DATA_DIR_OPTION,
      },
      Infinity,
    );
    if ((values.model === undefined) === (values.folder === undefined))
      throw new UsageError('give --model ID or --folder DIR (one of them)');
    if (positionals.length === 0) throw new UsageError('give at least one INPUT file (or - for standard input)');
    if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be read once');
    const format = oneOf<OutputFormat>('format', values.format, OUTPUT_FORMATS, 'jsonl');
    const inputFormat = oneOf<InputFormat>('input-format', values['input-format'], INPUT_FORMATS);
    const workers = positiveInteger('workers', values.workers, 1);
    const shard = shardOption(values.shard);
    const chunkBytes = positiveInteger('chunk-bytes', values['chunk-bytes'], DEFAULT_CHUNK_BYTES);
    const maxLength = positiveInteger('max-length', values['max-length'], 128);
    const device = oneOf<ProviderRequest>('device', values.device, ['auto', ...PROVIDER_PREFERENCE], 'auto');
    const precision: Precision = values.int8 ? 'int8' : 'float32';
    if (format === 'brat' && !values.out) throw new UsageError('--format brat writes files: give --out DIR');
    if (values.resume && !values.out) throw new UsageError('--resume continues an --out file or folder');
    if (values.out && format !== 'brat' && existsSync(values.out) && statSync(values.out).isDirectory())
      throw new UsageError(`--out ${values.out} is a folder; name the file to write`);

    // Inputs are checked before the model is read or an engine started.
    const inputs = positionals.map((p) => inputOf(p, inputFormat));
    const modelId = values.model === undefined ? undefined : idArgument('--model', values.model, 'model');
    const folder =
      modelId === undefined ? resolve(values.folder!) : await storedModelFolder(values['data-dir'], modelId);
    const model = await loadLabellingModel(folder);

    // What identifies this command's output, for --resume (the worker count does not change a byte).
    const run = {
      model: folder,
      inputs: inputs.map((i) => ({
        path: i.path === '-' ? '-' : resolve(i.path),
        format: i.format,
        size: i.size ?? null,
      })),
      format,
      precision,
      lines: values.lines ?? false,
      shard: shard ?? null,
      maxLength,
      chunkBytes,
    };
    const resume = values.resume ?? false;
    // Only the first shard writes a CSV header, so that the shards concatenate into the whole.
    const first = !shard || shard.index === 1;
    const output: Output =
      format === 'brat'
        ? bratOutput(values.out!, { resume, run, shard: shard && `${shard.index}-of-${shard.count}` })
        : values.out
          ? fileOutput(format, values.out, { first, resume, run })
          : streamOutput(format, process.stdout, { first });

    const controller = new AbortController();
    const stop = () => {
      process.stderr.write('annotate: stopping; what is written stays (continue with --resume)\n');
      controller.abort();
    };
    process.once('SIGINT', stop);
    const clients: RuntimeClient[] = [];
    try {
      for (let i = 0; i < workers; i++) clients.push(startRuntime());
      const labellers = await Promise.all(
        clients.map((c) =>
          openLabeller(c, model, { precision, provider: device, maxLength, threads: threadsPerWorker(workers) }),
        ),
      );
      const result = await annotate({
        inputs,
        lines: values.lines,
        shard,
        chunkBytes,
        labellers,
        write: (labelled) => output.write(labelled),
        skipDocuments: output.done,
        signal: controller.signal,
        onProgress: inputs.some((i) => i.path !== '-') ? progressPrinter() : undefined,
      });
      if (!result.stopped) output.finish();
      process.stderr.write(
        `annotate: ${result.documents} documents, ${result.words} words, ${result.mentions} mentions${result.stopped ? ' (stopped)' : ''}${output.done ? ` after ${output.done} written before` : ''}\n`,
      );
      if (result.stopped) process.exitCode = 130;
    } finally {
      process.off('SIGINT', stop);
      output.close();
      await Promise.all(clients.map((c) => c.terminate()));
    }
  },
};
