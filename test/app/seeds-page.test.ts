// A run with seeds on its page, in Debian's Chromium over the harness (real services, real store, real engine host):
// beside the F1 of each seed's model the results table shows its group's mean ± sample standard deviation, the
// figures `runs show` computes; a model with one seed shows none. Slices of the shipped corpora, the tiny BERT
// fixture as every model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startRuntime } from '../../main/engine/runtime/client.ts';
import { serviceContext } from '../../main/cli/store.ts';
import { createTaughtNetRun, executeRun } from '../../main/pipeline/taughtnet-run.ts';
import { showRun } from '../../main/services/runs.ts';
import { summariseRun } from '../../shared/method/run-summary.ts';
import { TINY_BERT, corpusSlice } from '../pipeline/fixtures.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { appPageForTests, cspViolations, withoutChromium } from './harness.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../.tmp/', import.meta.url));
const skip = withoutChromium();
const app = appPageForTests(skip);

test("the run page shows a seeded student's F1 with its group's mean ± sd", { skip }, async () => {
  const { harness, page, errors: pageErrors } = app;
  const root = tempDir('seeds-page-');
  const corpora = [
    { path: corpusSlice(root, 'NCBI-disease', 16), type: 'Disease' },
    { path: corpusSlice(root, 'BC5CDR-chem', 16), type: 'Chemical' },
  ];
  const training = { model: { folder: TINY_BERT }, epochs: 1, lr: 3e-3, batchSize: 8, maxLength: 64 };
  const ctx = serviceContext(harness.store);
  const run = createTaughtNetRun(ctx, {
    name: 'Seeds',
    config: {
      corpora,
      teachers: corpora.map((c) => ({ type: c.type, ...training })),
      students: [{ name: 'fixture', ...training, lambda: 0.5, seeds: [1, 2] }],
      device: 'cpu',
    },
  });
  const client = startRuntime();
  try {
    assert.equal((await executeRun(ctx, client, run.id)).status, 'completed');
  } finally {
    await client.terminate();
  }
  const { groups } = summariseRun(showRun(ctx, run.id));
  const pct = (x: number) => (100 * x).toFixed(2);

  await page.goto(`${harness.url}/#/runs/${run.id}`);
  await page.locator('[data-testid="scores-table"]').waitFor();
  const overSeeds = (type: string) =>
    page.locator(`tr[data-role="student"] td[data-f1="${type}"] [data-testid="f1-over-seeds"]`);
  for (const type of ['Disease', 'Chemical']) {
    const f1 = groups.students[0].test[type].lenient.f1;
    const expected = `mean of 2 seeds: ${pct(f1.mean)} ± ${pct(f1.sd!)}`;
    assert.deepEqual(await overSeeds(type).allTextContents(), [expected, expected], type);
  }
  assert.equal(
    await page.locator('tr[data-role="teachers"] [data-testid="f1-over-seeds"]').count(),
    0,
    'one seed per teacher: no spread',
  );
  await page
    .getByRole('radio', { name: /Strict/ })
    .first()
    .check();
  await page.locator('[data-testid="scores-table"][data-mode="strict"]').waitFor();
  const strict = groups.students[0].test.Disease.strict.f1;
  assert.equal(
    await overSeeds('Disease').first().textContent(),
    `mean of 2 seeds: ${pct(strict.mean)} ± ${pct(strict.sd!)}`,
  );
  await page
    .getByRole('radio', { name: /Lenient/ })
    .first()
    .check();
  await page.locator('[data-testid="scores-table"]').screenshot({ path: `${SCREENSHOTS}app-run-seeds.png` });
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(pageErrors, []);
});
