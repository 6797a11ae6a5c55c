// Skipping one student from its run's page, in Debian's Chromium over the harness (real services, real store, real
// engine host): while the first of two students trains, "Skip this student" beside it stops it; the run goes on with
// the second, scores it, and ends interrupted, and the page says which student was skipped and that Resume trains it.
// Slices of the shipped corpora, the tiny BERT fixture as every model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { TaughtnetApi } from '../../shared/ipc/bridge.ts';
import { listMetrics } from '../../main/store/metrics.ts';
import { listStudentSkips } from '../../main/store/student-skips.ts';
import { TINY_BERT, corpusSlice } from '../pipeline/fixtures.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { appPageForTests, cspViolations, withoutChromium } from './harness.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../.tmp/', import.meta.url));
const skip = withoutChromium();
const app = appPageForTests(skip);
const RUN_TIMEOUT = 180_000;

test('"Skip this student" on the run page stops that student; the run scores the other', { skip }, async () => {
  const { harness, page, errors: pageErrors } = app;
  const root = tempDir('skip-student-page-');
  const corpora = [
    { path: corpusSlice(root, 'NCBI-disease', 16), type: 'Disease' },
    { path: corpusSlice(root, 'BC5CDR-chem', 16), type: 'Chemical' },
  ];
  const training = { model: { folder: TINY_BERT }, lr: 3e-3, batchSize: 8, maxLength: 64 };
  const config = {
    corpora,
    teachers: corpora.map((c) => ({ type: c.type, ...training, epochs: 1 })),
    // Far more epochs than the test takes to press the button: it is the skip that ends the first student.
    students: [
      { name: 'long one', ...training, epochs: 2000, lambda: 0 },
      // Long enough for the page to be seen while it trains.
      { name: 'short one', ...training, epochs: 40, lambda: 0 },
    ],
    device: 'cpu' as const,
  };
  await page.goto(`${harness.url}/#/runs`);
  const run = await page.evaluate(
    (args) => (window as unknown as { taughtnet: TaughtnetApi }).taughtnet.invoke('runs:start', args),
    { name: 'Skip a student', config },
  );
  await page.goto(`${harness.url}/#/runs/${run.id}`);
  const button = page.getByRole('button', { name: 'Skip this student: long one' });
  await button.waitFor({ timeout: RUN_TIMEOUT });
  await page.getByTestId('progress-step').waitFor();
  await page.screenshot({ path: `${SCREENSHOTS}app-run-skip-student.png`, fullPage: true });
  await button.click();
  // The run goes on with the second student, and the page keeps saying which one was skipped.
  await page.getByRole('button', { name: 'Skip this student: short one' }).waitFor({ timeout: RUN_TIMEOUT });
  await page
    .getByTestId('skipped-live')
    .filter({ hasText: 'Skipped at your request: “long one”. Once the run ends, Resume trains it.' })
    .waitFor();
  await page.screenshot({ path: `${SCREENSHOTS}app-run-skipping.png`, fullPage: true });

  await page.locator('header [data-status="interrupted"]').waitFor({ timeout: RUN_TIMEOUT });
  // Whether an epoch ended before the click is the machine's pace: the note says which, as the store has it.
  const kept = listMetrics(harness.store, run.id, { phase: 'student:long one' }).some((m) => m.name === 'train_loss');
  assert.equal(
    await page
      .getByTestId('stopped-note')
      .textContent()
      .then((t) => t?.replace(/\s+/g, ' ').trim()),
    `You skipped “long one”: it has no results yet, and the other models are scored below. Resume trains it from ${kept ? 'its last finished epoch' : 'the start (it had not finished an epoch)'}.`,
  );
  const scores = page.getByTestId('scores-table');
  await scores.waitFor();
  assert.deepEqual(
    await scores.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.model)),
    ['Teachers', 'short one'],
  );
  assert.equal(await page.getByRole('button', { name: /^Skip this student/ }).count(), 0, 'no button once it ends');
  assert.equal(await page.getByRole('button', { name: 'Resume run Skip a student' }).count(), 1);
  assert.deepEqual(
    listStudentSkips(harness.store, run.id).map((s) => [s.student, s.skippedAt !== null]),
    [['long one', true]],
  );
  await page.screenshot({ path: `${SCREENSHOTS}app-run-skipped.png`, fullPage: true });

  await page.goto(`${harness.url}/#/runs`);
  await page
    .locator('.error-row')
    .filter({ hasText: 'Why it stopped: student "long one" was skipped at your request' })
    .waitFor();
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(pageErrors, []);
});
