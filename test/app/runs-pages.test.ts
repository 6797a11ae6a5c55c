// The Runs, run detail, Models and Compare pages in Debian's Chromium over the harness (real services, real store,
// real engine hosts): a user registers two small corpora, fills the "New run" form with the tiny BERT fixture as
// every model, watches the run's progress, reads its results, adds a second student (the Merged baseline) from the
// run's page, finds its four models and compares its two students;
// a second run is cancelled and deleted; the fixture folder is imported as a model, offered in the form, and
// removed. No CSP violation and no page error along the way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { REFERENCE_CODE_OPTIONS } from '../../shared/method/run-config.ts';
import { skipUnless } from '../needs.ts';
import { TINY_BERT, corpusSlice } from '../pipeline/fixtures.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { CHROMIUM, cspViolations, ensureRendererBuilt, launchChromium, openAppPage, startHarness, type Harness } from './harness.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../.tmp/', import.meta.url));
const skip = skipUnless(existsSync(CHROMIUM), `${CHROMIUM} is not installed (bash .ci/system-deps installs it)`);
const RUN_TIMEOUT = 180_000;

let harness: Harness;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
let completedRunId = 0;

before(async () => {
  if (skip) return;
  await ensureRendererBuilt();
  harness = await startHarness();
  browser = await launchChromium();
  page = await openAppPage(browser, harness, pageErrors);
});

after(async () => {
  await browser?.close();
  await harness?.close();
});

async function assertClean(): Promise<void> {
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(pageErrors, []);
}

/** Waits until the input labelled `label` holds `value` (it may be filled in asynchronously). */
async function waitForValue(label: string, value: string): Promise<void> {
  await page.waitForFunction(
    ([l, v]) => (document.querySelector(`input[aria-label="${l}"]`) as HTMLInputElement | null)?.value === v,
    [label, value],
  );
}

async function openRunForm(): Promise<void> {
  await page.goto(`${harness.url}/#/runs`);
  if ((await page.locator('details.new-run').getAttribute('open')) === null) await page.getByText('New run', { exact: true }).click();
}

/** Fills "New run" for the two registered slices, the tiny BERT folder as every model; leaves it unsubmitted. */
async function fillRunForm(name: string, teacherEpochs: number): Promise<void> {
  await openRunForm();
  await page.getByLabel('Name (optional)').fill(name);
  await page.getByRole('checkbox', { name: /^NCBI slice/ }).check();
  await page.getByRole('checkbox', { name: /^CDR slice/ }).check();
  // A registered dataset brings its entity type.
  await waitForValue('NCBI slice entity type', 'Disease');
  await waitForValue('CDR slice entity type', 'Chemical');
  for (const model of ['Disease teacher', 'Chemical teacher', 'Student']) {
    await page.getByRole('group', { name: model }).getByRole('radio', { name: /model folder/ }).check();
    await page.getByLabel(`${model} model folder`).fill(TINY_BERT);
  }
  await page.getByLabel('Teacher epochs').fill(String(teacherEpochs));
  await page.getByLabel('Student epochs').fill('1');
  await page.getByLabel('Learning rate').fill('0.003');
  await page.getByLabel('Longest window (subwords)').fill('64'); // the fixture has 64 positions
  await page.getByLabel('Train on').selectOption('cpu');
}

/** Submits the form and returns the new run's id, from the "Follow it" link. */
async function startRun(): Promise<number> {
  await page.getByRole('button', { name: 'Start run' }).click();
  const started = page.getByRole('status').filter({ hasText: 'Started' });
  await started.waitFor();
  const href = await started.getByRole('link', { name: 'Follow it' }).getAttribute('href');
  return Number(/#\/runs\/(\d+)$/.exec(href ?? '')?.[1]);
}

test('a run started from the form shows progress, completes, and its page shows results, kappa and errors', { skip }, async () => {
  const t0 = Date.now();
  const corpora = tempDir('runs-pages-corpora-');
  await page.goto(`${harness.url}/#/datasets`);
  await page.getByText('Add your own dataset').click();
  for (const [name, folder] of [['NCBI slice', corpusSlice(corpora, 'NCBI-disease', 24)], ['CDR slice', corpusSlice(corpora, 'BC5CDR-chem', 24)]]) {
    await page.getByLabel('Folder').fill(folder);
    await page.getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Add dataset' }).click();
    await page.getByRole('status').filter({ hasText: `Added “${name}”` }).waitFor();
  }

  await page.goto(`${harness.url}/#/runs`);
  await page.getByText('No runs yet').waitFor();
  await page.getByText('New run', { exact: true }).click();
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.getByRole('alert').filter({ hasText: 'Choose at least two corpora' }).waitFor();
  // An included corpus lists no type: the form reads it from its labels.
  await page.getByRole('checkbox', { name: /^NCBI-disease/ }).check();
  await waitForValue('NCBI-disease entity type', 'Disease');
  await page.getByRole('checkbox', { name: /^NCBI-disease/ }).uncheck();

  await fillRunForm('Tiny TaughtNet', 1);
  // The authors'-code options are off, explained, and warn once chosen.
  await page.getByText(/Advanced: reproduce the authors’ released code/).click();
  for (const option of REFERENCE_CODE_OPTIONS) {
    const box = page.getByRole('checkbox', { name: option.label });
    assert.equal(await box.isChecked(), false, option.label);
    await page.getByText(option.explanation).waitFor();
  }
  const first = page.getByRole('checkbox', { name: REFERENCE_CODE_OPTIONS[0].label });
  await first.check();
  await page.getByRole('note').filter({ hasText: REFERENCE_CODE_OPTIONS[0].warning }).waitFor();
  await page.screenshot({ path: `${SCREENSHOTS}app-new-run.png`, fullPage: true });
  await first.uncheck();
  // What only main checks comes back as a readable message.
  await page.getByLabel('NCBI slice entity type').fill('Dis ease');
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.getByRole('alert').filter({ hasText: 'The run was not started' }).filter({ hasText: 'one word without spaces' }).waitFor();
  await page.getByLabel('NCBI slice entity type').fill('Disease');

  // The run takes seconds: every progress bar the page shows is recorded as it appears.
  await page.evaluate(() => {
    const w = window as unknown as { stepsShown: string[] };
    w.stepsShown = [];
    new MutationObserver(() => {
      const step = document.querySelector('tr[data-progress-of] [data-testid="progress-step"]')?.textContent;
      if (step && document.querySelector('tr[data-progress-of] progress') && w.stepsShown.at(-1) !== step) w.stepsShown.push(step);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const runId = await startRun();
  completedRunId = runId;
  await page.locator(`tr[data-run="${runId}"] [data-status="completed"]`).waitFor({ timeout: RUN_TIMEOUT });
  assert.equal(await page.locator(`tr[data-progress-of="${runId}"]`).count(), 0, 'no progress once it has ended');
  const stepsShown = await page.evaluate(() => (window as unknown as { stepsShown: string[] }).stepsShown);
  assert.ok(stepsShown.length > 0 && stepsShown.every((s) => /^\d+ \/ \d+$/.test(s)), `steps shown: ${stepsShown.join(', ')}`);
  await page.getByText('New run', { exact: true }).click(); // closed, for the screenshot of the list
  await page.screenshot({ path: `${SCREENSHOTS}app-runs.png`, fullPage: true });

  await page.getByRole('link', { name: 'Tiny TaughtNet' }).click();
  await page.getByRole('heading', { name: 'Tiny TaughtNet', level: 1 }).waitFor();
  await page.locator('table.results').waitFor();
  for (const corpus of ['NCBI slice', 'CDR slice']) {
    for (const kind of ['teacher', 'student']) {
      const f1 = await page.locator(`tr[data-corpus="${corpus}"][data-kind="${kind}"] [data-score="f1"]`).textContent();
      assert.match(f1 ?? '', /^\d{1,3}\.\d\d$/, `${corpus} ${kind} F1`);
    }
  }
  await page.getByRole('radio', { name: /Strict/ }).check();
  await page.locator('table.results[data-mode="strict"]').waitFor();
  assert.equal(await page.locator('table.results tr[data-kind]').count(), 4);

  assert.equal(await page.getByTestId('kappa-canvas').count(), 2);
  const kappa = page.getByTestId('kappa-table').first();
  assert.deepEqual(await kappa.locator('thead th').allTextContents(), ['ground truth', 'teacher Disease', 'student 1']);
  assert.equal(await kappa.locator('tbody td').count(), 9);
  assert.equal(await kappa.locator('tbody tr').first().locator('td').first().textContent(), '1.00');
  assert.equal(await page.locator('[data-testid="error-table"] tbody tr').count(), 4); // teachers and student, per corpus
  assert.equal(await page.locator('section[aria-labelledby="curves-heading"] canvas').count(), 3); // two teachers, the student
  await page.screenshot({ path: `${SCREENSHOTS}app-run-detail.png`, fullPage: true });

  // A second student from the run's page: only it trains, then it is scored beside the first.
  await page.getByText('Add a student').click();
  const added = page.getByRole('group', { name: 'New student model' });
  await added.getByRole('radio', { name: /model folder/ }).check();
  await page.getByLabel('New student model folder').fill(TINY_BERT);
  await page.getByLabel('Name (optional)').fill('Merged');
  await page.getByRole('button', { name: 'Add and train' }).click();
  await page.locator('table.results tr[data-kind="student"]').nth(3).waitFor({ timeout: RUN_TIMEOUT }); // two corpora × two students
  await page.getByRole('heading', { name: 'Tiny TaughtNet', level: 1 }).waitFor();
  await page.locator('[data-status="completed"]').first().waitFor({ timeout: RUN_TIMEOUT });
  assert.deepEqual(await page.getByTestId('kappa-table').first().locator('thead th').allTextContents(), ['ground truth', 'teacher Disease', 'student 1', 'Merged']);
  assert.equal(await page.locator('[data-testid="error-table"] tbody tr').count(), 6);
  assert.equal(await page.locator('[data-testid="student-costs"] tbody tr').count(), 2);
  assert.ok(await page.getByTestId('phase-durations').getByText('Training Merged').isVisible());
  await page.screenshot({ path: `${SCREENSHOTS}app-run-detail-students.png`, fullPage: true });
  await assertClean();
  console.log(`# form to completed run and its page: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

test('the Models page lists the run’s two teachers and its two students', { skip }, async () => {
  await page.getByRole('link', { name: 'Models' }).click();
  const rows = page.locator('[data-testid="models-table"] tbody tr');
  await rows.first().waitFor();
  assert.deepEqual((await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.kind))).sort(), ['student', 'student', 'teacher', 'teacher']);
  assert.equal(await page.getByRole('link', { name: 'Tiny TaughtNet' }).count(), 4);

  // Why the student labels a word as it does: Integrated Gradients through the real engine.
  await page.getByRole('button', { name: 'Explain student 1' }).click();
  await page.getByLabel('Sentence').fill('Germline mutations cause hereditary breast cancer .');
  await page.getByRole('button', { name: 'Explain', exact: true }).click();
  await page.getByRole('group', { name: 'Choose the word to explain' }).getByRole('button', { name: 'cancer' }).click();
  const result = page.getByRole('region', { name: 'Explanation' });
  await result.waitFor({ timeout: 60_000 });
  assert.match((await result.textContent()) ?? '', /The model labels cancer as (O|B-Disease|I-Disease|B-Chemical|I-Chemical) \(\d+\.\d%\)/);
  assert.equal(await result.locator('table tbody tr').count(), 7, 'one attribution per word');
  assert.match((await result.textContent()) ?? '', /The attributions add up to [-+]\d\.\d{4}/);
  await page.screenshot({ path: `${SCREENSHOTS}app-models.png`, fullPage: true });
  await assertClean();
});

test('Compare shows each student of the completed run with its F1 per corpus, size and speed', { skip }, async () => {
  await page.getByRole('link', { name: 'Compare' }).click();
  const box = page.getByRole('checkbox', { name: /Tiny TaughtNet/ });
  await box.waitFor();
  assert.equal(await box.isChecked(), true, 'the newest completed runs are chosen at first');
  const rows = page.locator(`[data-testid="compare-table"] tr[data-run="${completedRunId}"]`);
  await rows.nth(1).waitFor();
  assert.equal(await rows.count(), 2, 'one row per student');
  for (const [i, name] of ['student 1', 'Merged'].entries()) {
    const cells = await rows.nth(i).locator('td').allTextContents();
    assert.equal(cells.length, 7); // student, 2 corpora, mean, parameters, size, words/s
    assert.match(cells[0], new RegExp(`^${name} `));
    for (const f1 of cells.slice(1, 4)) assert.match(f1, /^\d{1,3}\.\d\d$/);
  }
  assert.equal(await page.getByTestId('f1-chart').count(), 1);
  await page.screenshot({ path: `${SCREENSHOTS}app-compare.png`, fullPage: true });
  await box.uncheck();
  await page.getByText('Choose at least one run.').waitFor();
  await assertClean();
});

test('a run can be cancelled while it trains, then deleted after a confirmation', { skip }, async () => {
  await fillRunForm('Run to cancel', 2000);
  const runId = await startRun();
  // The progress row (phase and message; the bar too once a step's figures have arrived).
  await page.locator(`tr[data-progress-of="${runId}"]`).waitFor({ timeout: RUN_TIMEOUT });
  await page.screenshot({ path: `${SCREENSHOTS}app-runs-progress.png`, fullPage: true });
  await page.getByRole('button', { name: 'Cancel run Run to cancel' }).click();
  await page.locator(`tr[data-run="${runId}"] [data-status="cancelled"]`).waitFor({ timeout: RUN_TIMEOUT });

  await page.getByRole('button', { name: 'Delete run Run to cancel' }).click();
  // The question takes the focus; "Keep it" leaves the run alone.
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Delete run');
  await page.getByRole('button', { name: 'Keep it' }).click();
  await page.getByRole('group', { name: /Delete run/ }).waitFor({ state: 'detached' });
  assert.equal(await page.locator(`tr[data-run="${runId}"]`).count(), 1);
  assert.equal(harness.store.db.prepare('SELECT count(*) FROM runs WHERE id = ?').pluck().get(runId), 1, 'the question closed and the run is kept');
  await page.getByRole('button', { name: 'Delete run Run to cancel' }).click();
  await page.keyboard.press('Enter');
  await page.locator(`tr[data-run="${runId}"]`).waitFor({ state: 'detached' });
  assert.equal(await page.locator(`tr[data-run="${completedRunId}"]`).count(), 1);
  await assertClean();
});

test('a model folder imported on the Models page is offered in the new-run form, and can be removed', { skip }, async () => {
  const t0 = Date.now();
  await openRunForm();
  const student = page.getByRole('group', { name: 'Student model' });
  assert.equal(await student.getByRole('radio', { name: /An imported model/ }).isDisabled(), true, 'nothing imported yet');
  await student.getByRole('link', { name: 'Models' }).click(); // "none yet: import one on the Models page"

  await page.getByText('Import a model folder').click();
  const broken = join(tempDir('runs-pages-models-'), 'no-config');
  cpSync(TINY_BERT, broken, { recursive: true });
  unlinkSync(join(broken, 'config.json'));
  await page.getByLabel('Folder').fill(broken);
  await page.getByRole('button', { name: 'Import model' }).click();
  await page.getByRole('alert').filter({ hasText: 'The model was not imported' }).filter({ hasText: `${broken}: no config.json` }).waitFor();

  await page.getByLabel('Folder').fill(TINY_BERT);
  await page.getByLabel('Name').fill('Tiny BERT NER');
  await page.getByRole('button', { name: 'Import model' }).click();
  await page.getByRole('status').filter({ hasText: 'Imported “Tiny BERT NER”.' }).waitFor();
  assert.equal(await page.getByRole('alert').count(), 0, 'the earlier error is gone');
  const row = page.locator('[data-testid="models-table"] tbody tr[data-kind="pretrained"]');
  await row.waitFor();
  assert.equal(await row.locator('th').textContent(), `Tiny BERT NER${TINY_BERT}`); // the name, the folder under it
  assert.deepEqual((await row.locator('td').allTextContents()).slice(0, 2), ['Pretrained', 'bert 2L 16H']);
  await page.screenshot({ path: `${SCREENSHOTS}app-models-import.png`, fullPage: true });

  // Chosen in the form, it fills in the model (a run config names it by its folder).
  await openRunForm();
  await student.getByRole('radio', { name: /An imported model/ }).check();
  const choice = page.getByLabel('Student imported model');
  assert.equal(await choice.inputValue(), TINY_BERT);
  assert.equal(await choice.locator('option:checked').textContent(), 'Tiny BERT NER — bert 2L 16H, 38.2K parameters');
  await student.screenshot({ path: `${SCREENSHOTS}app-new-run-imported.png` });

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
  await page.getByRole('button', { name: 'Remove model Tiny BERT NER' }).click();
  // The question takes the focus; "Keep it" leaves the model alone.
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Remove model');
  await page.screenshot({ path: `${SCREENSHOTS}app-models-remove.png`, fullPage: true });
  await page.getByRole('button', { name: 'Keep it' }).click();
  await page.getByRole('group', { name: /Remove model/ }).waitFor({ state: 'detached' });
  assert.equal(harness.store.db.prepare(`SELECT count(*) FROM models WHERE kind = 'pretrained'`).pluck().get(), 1, 'the question closed and the model is kept');
  await page.getByRole('button', { name: 'Remove model Tiny BERT NER' }).click();
  await page.keyboard.press('Enter');
  await row.waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-testid="models-table"] tbody tr').count(), 4, 'the run’s models stay');
  assert.ok(existsSync(join(TINY_BERT, 'model.safetensors')), 'the folder stays');
  await openRunForm();
  assert.equal(await student.getByRole('radio', { name: /An imported model/ }).isDisabled(), true, 'no longer offered');
  await assertClean();
  console.log(`# import, choose and remove a model in the window: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});
