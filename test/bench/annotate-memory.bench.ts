// `npm run bench -- annotate-memory [SIZE_MB] [--preset micro] [--workers 2] [--every 5] [--keep DIR]
// [--max-old-space MB]`: does memory stay flat while `taughtnet annotate` labels a large input? Builds SIZE_MB (default 1024) of JSON Lines from the
// shipped corpora's sentences (all splits, written back as text, ten sentences a document), runs the real CLI on
// it (--int8, --workers, output to a file) with a model of the preset's shape (random weights, the shipped
// vocabulary), samples the resident memory of the command and of each engine host every few seconds, and prints
// it against the share of the input done, then the peaks, the growth after the first tenth, words/s and the time
// 1 GB would take at that rate. --keep DIR keeps the input and model there for the next run; --max-old-space runs
// the command with node's --max-old-space-size, so that a JavaScript heap growing with the input ends the run with
// an out-of-memory error instead of only raising the resident memory (V8 lets an uncapped heap grow lazily).
//
// The input is deterministic. Its first pass over the corpora is their text as it is; each later pass gives every
// word of 8 letters or more a suffix of that pass's own (telangiectasia → telangiectasiaq3), so new word forms keep
// coming, as they do in a literature (names of genes, chemicals, diseases): a cache that grows with the distinct
// words seen would show here, where repeating the same text would hide it. A pass is 1.11 M words (about 6 MB) and
// brings 22,138 new word forms, so 1 GB (about 170 passes) holds about 3.7 M distinct words.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initParams, paramsToWeights } from '../../main/engine/nn/params.ts';
import { tokenClassifierLayout } from '../../main/engine/nn/token-classification.ts';
import { ADAMW_DEFAULTS } from '../../main/engine/optim/adamw.ts';
import { saveModelFolder } from '../../main/models/model-folder.ts';
import { parseConll } from '../../shared/corpus/conll.ts';
import { presetConfig, SHIPPED_VOCAB, sizePreset, type PresetId } from '../../shared/models/presets.ts';
import { detokenize } from '../../shared/text/words.ts';

const { values, positionals } = parseArgs({
  options: {
    preset: { type: 'string', default: 'micro' },
    workers: { type: 'string', default: '2' },
    every: { type: 'string', default: '5' },
    keep: { type: 'string' },
    'max-old-space': { type: 'string' },
  },
  allowPositionals: true,
});
const SIZE_MB = Number(positionals[0] ?? 1024);
const WORKERS = Number(values.workers);
const EVERY_S = Number(values.every);
if (!(SIZE_MB > 0) || !(WORKERS >= 1) || !(EVERY_S > 0))
  throw new Error('usage: annotate-memory [SIZE_MB] [--preset ID] [--workers N] [--every SECONDS] [--keep DIR]');
const LABELS = ['O', 'B-Disease', 'I-Disease', 'B-Chemical', 'I-Chemical'];
const O_BIAS = 0.6;
const root = values.keep ? resolve(values.keep) : mkdtempSync(join(tmpdir(), 'annotate-memory-'));
mkdirSync(root, { recursive: true });
const MB = 1024 * 1024;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** The corpora's sentences (every split) as words. */
function corpusSentences(): string[][] {
  const out: string[][] = [];
  for (const name of ['NCBI-disease', 'BC5CDR-chem', 'BC2GM'])
    for (const split of ['train', 'devel', 'test']) {
      const file = `resources/datasets/${name}/${split}.tsv`;
      out.push(...parseConll(readFileSync(file, 'utf8'), { file }).sentences.map((s) => s.tokens));
    }
  return out;
}

/** Writes `bytes` of JSON Lines (see the top of the file); returns the number of documents. */
function writeInput(path: string, bytes: number): number {
  const sentences = corpusSentences();
  const fd = openSync(path, 'w');
  let written = 0;
  let documents = 0;
  try {
    for (let pass = 0; written < bytes; pass++) {
      const suffix = pass === 0 ? '' : pass.toString(36);
      const lines: string[] = [];
      for (let i = 0; i < sentences.length && written < bytes; i += 10) {
        const text = sentences
          .slice(i, i + 10)
          .map((words) => detokenize(suffix ? words.map((w) => (w.length >= 8 ? w + suffix : w)) : words).text)
          .join(' ');
        const line = JSON.stringify({ id: `p${pass}-${i / 10}`, text }) + '\n';
        lines.push(line);
        written += Buffer.byteLength(line);
        documents++;
      }
      writeSync(fd, lines.join(''));
    }
  } finally {
    closeSync(fd);
  }
  return documents;
}

/** Resident memory of a process in MB (null once it is gone). */
function rssMB(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The process's children (the engine hosts), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const preset = sizePreset(values.preset as PresetId);
const config = presetConfig(preset, SHIPPED_VOCAB, LABELS);
const layout = tokenClassifierLayout(config, ADAMW_DEFAULTS);
const model = join(root, 'model');
const input = join(root, `input-${SIZE_MB}MB.jsonl`);
const output = join(root, 'output.jsonl');
try {
  if (!existsSync(join(model, 'config.json'))) {
    // Random weights label a word in three as a mention; with O's bias raised the model finds about as many
    // mentions as a trained one, and the output has a realistic size.
    const params = initParams(layout, 1);
    params[layout.entries.find((e) => e.name === 'classifier.bias')!.offset + LABELS.indexOf('O')] += O_BIAS;
    await saveModelFolder(
      model,
      { config, weights: paramsToWeights(layout, params) },
      { tokenizerFrom: 'resources/models/bert-uncased-vocab' },
    );
  }
  let started = performance.now();
  const documents = existsSync(input) ? null : writeInput(input, SIZE_MB * MB);
  console.log(
    `input: ${SIZE_MB} MB of JSON Lines${documents === null ? ' (kept from before)' : `, ${documents} documents, written in ${((performance.now() - started) / 1000).toFixed(0)} s`}; model: ${preset.name} (${preset.architectureOf} shape, ${(layout.size / 1e6).toFixed(1)} M parameters), int8, ${WORKERS} worker(s)`,
  );
  console.log(`machine: ${cpus().length} × ${cpus()[0].model}; load average at the start ${load()}`);

  rmSync(output, { force: true });
  const args = ['annotate', '--folder', model, '--int8', '--workers', String(WORKERS), '--out', output, input];
  console.log(`command: taughtnet ${args.join(' ')}`);
  started = performance.now();
  const heap = values['max-old-space'] ? [`--max-old-space-size=${Number(values['max-old-space'])}`] : [];
  if (heap.length > 0) console.log(`the command's JavaScript heap is capped: ${heap[0]}`);
  const cli = spawn(process.execPath, [...heap, 'main/cli/taughtnet.mjs', ...args], {
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let share = 0;
  let summary = '';
  cli.stderr.setEncoding('utf8');
  cli.stderr.on('data', (text: string) => {
    for (const line of text.split('\n')) {
      const progress = /, ([\d.]+) %/.exec(line);
      if (progress) share = Number(progress[1]);
      else if (/^annotate: \d+ documents, \d+ words/.test(line)) summary = line;
      else if (line.trim()) process.stderr.write(line + '\n');
    }
  });
  const exited = new Promise<number | null>((done) => cli.on('close', done));

  const samples: { seconds: number; share: number; command: number; hosts: number[] }[] = [];
  const sample = () => {
    const command = rssMB(cli.pid!);
    if (command === null) return;
    const hosts = childrenOf(cli.pid!)
      .map(rssMB)
      .filter((r): r is number => r !== null);
    const s = { seconds: (performance.now() - started) / 1000, share, command, hosts };
    samples.push(s);
    console.log(
      `${s.seconds.toFixed(0).padStart(6)} s ${s.share.toFixed(1).padStart(5)} %  command ${command.toFixed(0).padStart(4)} MB  hosts ${hosts.map((h) => h.toFixed(0).padStart(4)).join(' ')} MB  load ${loadavg()[0].toFixed(1)}`,
    );
  };
  console.log('  time  done   resident memory');
  const timer = setInterval(sample, EVERY_S * 1000);
  const code = await exited;
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`taughtnet annotate exited with ${code}`);

  // Peaks, and growth after the first tenth of the input (start-up and the first chunks settle by then).
  const after = samples.filter((s) => s.share >= 10);
  const range = (pick: (s: (typeof samples)[number]) => number, of: typeof samples) => {
    const v = of.map(pick);
    return v.length ? `${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)} MB` : 'no samples';
  };
  const hostTotal = (s: (typeof samples)[number]) => s.hosts.reduce((a, b) => a + b, 0);
  const hostMax = (s: (typeof samples)[number]) => Math.max(0, ...s.hosts);
  console.log(summary);
  console.log('highest resident memory per tenth of the input: command, largest host, all processes');
  for (let tenth = 0; tenth < 10; tenth++) {
    const band = samples.filter((s) => s.share >= tenth * 10 && s.share < (tenth + 1) * 10);
    if (band.length === 0) continue;
    const most = (pick: (s: (typeof samples)[number]) => number) =>
      Math.max(...band.map(pick))
        .toFixed(0)
        .padStart(5);
    console.log(
      `  ${String(tenth * 10).padStart(3)}–${(tenth + 1) * 10} %: ${most((s) => s.command)} ${most(hostMax)} ${most((s) => s.command + hostTotal(s))} MB`,
    );
  }
  console.log(
    `after the first 10 %: command ${range((s) => s.command, after)}, largest host ${range(hostMax, after)}, all processes ${range((s) => s.command + hostTotal(s), after)}`,
  );
  console.log(
    `peaks: command ${range((s) => s.command, samples)}, largest host ${range(hostMax, samples)}; load average at the end ${load()}`,
  );
  const words = Number(/(\d+) words/.exec(summary)?.[1] ?? NaN);
  console.log(
    `${seconds.toFixed(0)} s for ${SIZE_MB} MB: ${Math.round(words / seconds)} words/s; 1 GB would take about ${((seconds * 1024) / SIZE_MB / 3600).toFixed(1)} h at this rate`,
  );
} finally {
  rmSync(output, { force: true });
  if (!values.keep) rmSync(root, { recursive: true, force: true });
}
