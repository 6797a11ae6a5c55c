// `npm run bench -- estimate [SENTENCES] [EPOCHS] [PRESET]`: the wizard's time estimate against the run it estimates,
// on this machine. The config is the wizard's first proposal on the first SENTENCES training sentences (default 200;
// half as many dev and test) of NCBI-disease and BC5CDR-chem: PRESET (default tiny) from scratch everywhere with the
// from-scratch recipe, EPOCHS (default 1) for teachers and students, students λ 0.99 and the Merged baseline, CPU.
// Prints the estimate per model (steps, time per step, training, labelling and the rest), then the run's own figures:
// the time per step between its progress events, what each phase took besides its steps, the engine's requests per
// phase, the whole run's wall time against the estimate, and the estimate's parts against the run's (steps: its
// training steps; labelling: its evaluate requests, dev scoring included; the rest: opening models, building
// programs, checkpoints, saving, reading corpora). The estimate is made before the run and again after it, each
// with the load average: on a shared machine whose load changed meanwhile, the two differ.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime, type RuntimeClient } from '../../main/engine/runtime/client.ts';
import { serviceContext } from '../../main/cli/store.ts';
import { estimateRun } from '../../main/pipeline/estimate.ts';
import { createTaughtNetRun, executeRun, type RunEvent } from '../../main/pipeline/taughtnet-run.ts';
import { listMetrics } from '../../main/store/metrics.ts';
import { openStore } from '../../main/store/store.ts';
import { fromScratchRecipe } from '../../shared/method/recipes.ts';
import { parseRunConfig } from '../../shared/method/run-config.ts';
import type { PresetId } from '../../shared/models/presets.ts';
import type { RunEstimate } from '../../shared/runs.ts';
import { corpusSlice } from '../pipeline/fixtures.ts';

const SENTENCES = Number(process.argv[2] ?? 200);
const EPOCHS = Number(process.argv[3] ?? 1);
const PRESET = (process.argv[4] ?? 'tiny') as PresetId;

const root = mkdtempSync(join(tmpdir(), 'estimate-bench-'));
const model = { model: { preset: PRESET }, epochs: EPOCHS, ...fromScratchRecipe([PRESET]) };
const config = parseRunConfig({
  corpora: [
    { path: corpusSlice(root, 'NCBI-disease', SENTENCES), type: 'Disease' },
    { path: corpusSlice(root, 'BC5CDR-chem', SENTENCES), type: 'Chemical' },
  ],
  teachers: [
    { type: 'Disease', ...model },
    { type: 'Chemical', ...model },
  ],
  students: [
    { name: 'λ 0.99', ...model, lambda: 0.99 },
    { name: 'Merged', ...model, lambda: 0 },
  ],
  device: 'cpu',
});
/** The client with each request's time added up per phase (the phase `phaseOf` says) and kind ('load:train'…). */
function timedRequests(client: RuntimeClient, phaseOf: () => string) {
  const byPhase = new Map<string, Map<string, { count: number; seconds: number }>>();
  const timed: RuntimeClient = {
    ...client,
    async request(command, options) {
      const at = performance.now();
      try {
        return await client.request(command, options);
      } finally {
        const kind = 'program' in command ? `${command.kind}:${command.program}` : command.kind;
        const kinds = byPhase.get(phaseOf()) ?? byPhase.set(phaseOf(), new Map()).get(phaseOf())!;
        const k = kinds.get(kind) ?? { count: 0, seconds: 0 };
        kinds.set(kind, { count: k.count + 1, seconds: k.seconds + (performance.now() - at) / 1000 });
      }
    },
  };
  return { client: timed, byPhase };
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const s = (x: number) => `${x.toFixed(1)} s`;
const elapsed = (from: number) => (performance.now() - from) / 1000;
type Parts = RunEstimate['models'][number]['parts'];
const scaled = (p: Parts, k: number): Parts => ({
  steps: k * p.steps,
  labelling: k * p.labelling,
  overhead: k * p.overhead,
});
console.log(
  `machine: ${cpus().length} × ${cpus()[0].model}; load ${load()}; ${SENTENCES} training sentences per corpus, ${EPOCHS} epoch(s), ${PRESET} from scratch, batch ${model.batchSize}`,
);

const store = openStore({ dataDir: join(root, 'store') });
const ctx = serviceContext(store);
try {
  /** As the window does: in an engine host of its own. */
  const estimateNow = async (when: string) => {
    const client = startRuntime();
    const started = performance.now();
    try {
      const estimate = await estimateRun(ctx, client, config);
      console.log(`estimate ${when} (measuring took ${s(elapsed(started))}, load ${load()}): ${s(estimate.seconds)}`);
      for (const m of estimate.models) {
        console.log(
          `  ${m.name.padEnd(18)} ${String(m.steps).padStart(5)} steps × ${(1000 * m.secondsPerStep).toFixed(0)} ms = ${s(m.parts.steps)}, labelling ${s(m.parts.labelling)}, the rest ${s(m.parts.overhead)}; in all ${s(m.seconds)}`,
        );
      }
      return estimate;
    } finally {
      await client.terminate();
    }
  };
  // Estimated before and after the run, so that a machine whose load changed meanwhile shows it.
  const before = await estimateNow('before the run');

  /** Per phase: when its events came, and whether each was a training step's. */
  const events: { phase: string; at: number; step: boolean }[] = [];
  const engine = timedRequests(startRuntime(), () => events.at(-1)?.phase ?? '');
  const run = createTaughtNetRun(ctx, { config });
  const started = performance.now();
  try {
    await executeRun(ctx, engine.client, run.id, {
      onEvent: (e: RunEvent) => events.push({ phase: e.phase, at: performance.now(), step: e.training !== undefined }),
    });
  } finally {
    await engine.client.terminate();
  }
  const wall = elapsed(started);
  console.log(`load after the run: ${load()}`);
  const after = await estimateNow('after the run');
  const estimate = {
    seconds: (before.seconds + after.seconds) / 2,
    models: [...before.models, ...after.models].map((m) => ({ parts: scaled(m.parts, 0.5) })),
  };

  const phaseSeconds = new Map(
    listMetrics(store, run.id, { perStep: false })
      .filter((m) => m.name === 'seconds' && m.epoch === 0)
      .map((m) => [m.phase, m.value]),
  );
  console.log(
    `the run: ${s(wall)}; the estimates' mean ${s(estimate.seconds)} (× ${(estimate.seconds / wall).toFixed(2)}), before × ${(before.seconds / wall).toFixed(2)}, after × ${(after.seconds / wall).toFixed(2)}`,
  );
  for (const [phase, seconds] of phaseSeconds) {
    const steps = events.filter((e) => e.phase === phase && e.step).map((e) => e.at);
    if (steps.length < 2) {
      console.log(`  ${phase.padEnd(26)} ${s(seconds)}`);
      continue;
    }
    // Between two consecutive step events lies one step, except across an epoch's end (dev scoring, checkpoint).
    const gaps = steps.slice(1).map((t, i) => (t - steps[i]) / 1000);
    const sorted = [...gaps].sort((a, b) => a - b);
    const perStep = sorted[Math.floor(sorted.length / 2)];
    const inSteps = gaps.filter((g) => g < 3 * perStep).reduce((a, b) => a + b, 0) + perStep;
    console.log(
      `  ${phase.padEnd(26)} ${s(seconds)}: ${steps.length} steps, median ${(1000 * perStep).toFixed(0)} ms, mean ${((1000 * inSteps) / steps.length).toFixed(0)} ms (${s(inSteps)}); besides the steps ${s(seconds - inSteps)}`,
    );
  }
  console.log('engine requests by phase (count × kind: seconds), and the rest of each phase (this process):');
  const parts = { steps: 0, labelling: 0, overhead: 0 };
  for (const [phase, seconds] of phaseSeconds) {
    const kinds = [...(engine.byPhase.get(phase) ?? new Map<string, { count: number; seconds: number }>())];
    const inRequests = kinds.reduce((n, [, k]) => n + k.seconds, 0);
    console.log(
      `  ${phase.padEnd(26)} ${kinds.map(([kind, k]) => `${k.count} × ${kind}: ${s(k.seconds)}`).join(', ')}; rest ${s(seconds - inRequests)}`,
    );
    // The estimate's parts: steps, labelling (evaluate requests), and everything else.
    const of = (kind: string) => kinds.filter(([k]) => k.startsWith(kind)).reduce((n, [, k]) => n + k.seconds, 0);
    parts.steps += of('step:');
    parts.labelling += of('evaluate:');
    parts.overhead += seconds - of('step:') - of('evaluate:');
  }
  const estimated = estimate.models.reduce(
    (p, m) => ({
      steps: p.steps + m.parts.steps,
      labelling: p.labelling + m.parts.labelling,
      overhead: p.overhead + m.parts.overhead,
    }),
    { steps: 0, labelling: 0, overhead: 0 },
  );
  console.log("estimated (the two estimates' mean) against measured, by part:");
  for (const part of ['steps', 'labelling', 'overhead'] as const)
    console.log(
      `  ${part.padEnd(10)} ${s(estimated[part])} against ${s(parts[part])} (${(estimated[part] / parts[part]).toFixed(2)})`,
    );
} finally {
  store.close();
  rmSync(root, { recursive: true, force: true });
}
