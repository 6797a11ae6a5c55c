// The Runs, run detail, Models and Compare pages in Debian's Chromium over the harness (real services, real store,
// real engine hosts): a user registers two small corpora, goes through every step of the new-run wizard with the
// tiny BERT fixture as every model (two students: λ 0.99 and the Merged baseline), watches the run's progress, reads
// its results; a second run reuses its teachers as the wizard offers; the Models page finds their models, Compare
// sets them side by side; a third run is cancelled and deleted; the fixture folder is imported as a model, offered in
// the wizard, and removed. Every screen is photographed. No CSP violation and no page error along the way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { REFERENCE_CODE_OPTIONS } from '../../shared/method/run-config.ts';
import { TINY_BERT, corpusSlice } from '../pipeline/fixtures.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import {
  cspViolations,
  ensureRendererBuilt,
  launchChromium,
  openAppPage,
  startHarness,
  type Harness,
  withoutChromium,
} from './harness.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../.tmp/', import.meta.url));
const skip = withoutChromium();
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

const STUDENTS = ['tiny-bert-ner, λ 0.99', 'tiny-bert-ner, Merged (λ 0)'];

/** The wizard's Next button, and waits for the step it leads to. */
async function next(step: string): Promise<void> {
  await page.getByRole('button', { name: `Next: ${step}` }).click();
  await page.getByRole('heading', { name: new RegExp(`^Step \\d of 5: ${step}$`) }).waitFor();
}

async function openWizard(): Promise<void> {
  await page.goto(`${harness.url}/#/runs`);
  await page.getByRole('link', { name: 'New run' }).click();
  await page.getByRole('heading', { name: 'Step 1 of 5: Corpora' }).waitFor();
}

/** Chooses the two registered slices in step 1 (instead of the shipped corpora chosen at first). */
async function chooseSlices(): Promise<void> {
  for (const shipped of ['NCBI-disease', 'BC5CDR-chem'])
    await page.getByRole('checkbox', { name: shipped, exact: true }).uncheck();
  await page.getByRole('checkbox', { name: 'NCBI slice' }).check();
  await page.getByRole('checkbox', { name: 'CDR slice' }).check();
  // A registered dataset brings its entity type.
  await waitForValue('NCBI slice entity type', 'Disease');
  await waitForValue('CDR slice entity type', 'Chemical');
}

/** Step 2: each teacher trains from the tiny BERT folder. */
async function teachersFromFolder(): Promise<void> {
  for (const teacher of ['Disease teacher', 'Chemical teacher']) {
    await page
      .getByRole('group', { name: `${teacher} model` })
      .getByRole('radio', { name: /model folder/ })
      .check();
    await page.getByLabel(`${teacher} model folder`).fill(TINY_BERT);
  }
}

/** Step 3: the tiny BERT folder as the only size (λ 0.99 and the Merged baseline, as chosen at first). */
async function studentsFromFolder(): Promise<void> {
  await page.getByRole('checkbox', { name: 'Tiny', exact: true }).uncheck();
  await page.getByRole('checkbox', { name: 'A pretrained model folder on this computer' }).check();
  await page.getByLabel('Student model folder').fill(TINY_BERT);
}

/** Step 4 for the fixture: its 64 positions, a learning rate that moves it in one epoch, the CPU. */
async function quickTraining(teacherEpochs: number): Promise<void> {
  await page.getByLabel('Teacher epochs').fill(String(teacherEpochs));
  await page.getByLabel('Student epochs').fill('1');
  await page.getByLabel('Pretrained models (imported or a folder): learning rate').fill('0.003');
  await page.getByLabel('Longest window (subwords)').fill('64');
  await page.getByLabel('Train on').selectOption('cpu');
}

/**
 * The whole wizard for the two slices and the tiny BERT folder everywhere, each student trained with `seeds` seeds;
 * starts the run and returns its id.
 */
async function runWizard(name: string, teacherEpochs: number, seeds = 1): Promise<number> {
  await openWizard();
  await chooseSlices();
  await next('Teachers');
  await teachersFromFolder();
  await next('Students');
  await studentsFromFolder();
  if (seeds > 1) {
    assert.equal(await page.getByLabel('Seeds').inputValue(), '1', 'one seed at first');
    await page.getByLabel('Seeds').fill(String(seeds));
    await page
      .getByRole('heading', { name: `2 students will be trained, each ${seeds} times (${2 * seeds} models)` })
      .waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}app-wizard-3-students-seeds.png`, fullPage: true });
  }
  await next('Training and device');
  await quickTraining(teacherEpochs);
  await next('Review');
  if (seeds > 1) {
    const seedList = Array.from({ length: seeds }, (_, i) => i + 1).join(', ');
    assert.deepEqual(
      await page.locator('.review li[data-student]').evaluateAll((lis) => lis.map((li) => li.textContent?.trim())),
      STUDENTS.map((s) => `${s} — ${seeds} seeds (${seedList})`),
    );
  }
  await page.getByLabel('Name (optional)').fill(name);
  return startRun();
}

/** Starts the run from the review step and returns the new run's id, from the "Follow it" link. */
async function startRun(): Promise<number> {
  await page.getByRole('button', { name: 'Start run' }).click();
  const started = page.getByRole('status').filter({ hasText: 'Started' });
  await started.waitFor();
  const href = await started.getByRole('link', { name: 'Follow it' }).getAttribute('href');
  return Number(/#\/runs\/(\d+)$/.exec(href ?? '')?.[1]);
}

test(
  'a run built step by step in the wizard shows progress, completes, and its page shows results, kappa and errors',
  { skip },
  async () => {
    const t0 = Date.now();
    const corpora = tempDir('runs-pages-corpora-');
    await page.goto(`${harness.url}/#/datasets`);
    await page.getByText('Add your own dataset').click();
    for (const [name, folder] of [
      ['NCBI slice', corpusSlice(corpora, 'NCBI-disease', 24)],
      ['CDR slice', corpusSlice(corpora, 'BC5CDR-chem', 24)],
    ]) {
      await page.getByLabel('Folder').fill(folder);
      await page.getByLabel('Name').fill(name);
      await page.getByRole('button', { name: 'Add dataset' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Added “${name}”` })
        .waitFor();
    }

    await page.goto(`${harness.url}/#/runs`);
    await page.getByText('No runs yet').waitFor();
    await openWizard();
    // Step 1: the paper's corpora are chosen at first, their types read from their labels, their sizes shown.
    for (const [shipped, type] of [
      ['NCBI-disease', 'Disease'],
      ['BC5CDR-chem', 'Chemical'],
    ]) {
      assert.equal(await page.getByRole('checkbox', { name: shipped, exact: true }).isChecked(), true, shipped);
      await waitForValue(`${shipped} entity type`, type);
    }
    const ncbi = page.locator('tr[data-dataset="NCBI-disease"]');
    await ncbi.getByText('5,424').waitFor(); // training sentences
    assert.deepEqual(await page.getByRole('navigation', { name: 'Steps' }).getByRole('button').allTextContents(), [
      '1 Corpora',
      '2 Teachers',
      '3 Students',
      '4 Training and device',
      '5 Review',
    ]);
    await page.screenshot({ path: `${SCREENSHOTS}app-wizard-1-corpora.png`, fullPage: true });
    for (const shipped of ['NCBI-disease', 'BC5CDR-chem'])
      await page.getByRole('checkbox', { name: shipped, exact: true }).uncheck();
    await page.getByRole('button', { name: 'Next: Teachers' }).click();
    await page.getByRole('alert').filter({ hasText: 'Choose at least two corpora' }).waitFor();
    await chooseSlices();
    await next('Teachers');

    // Step 2: nothing trained yet to reuse; each teacher trains from the fixture folder.
    assert.equal(
      await page
        .getByRole('group', { name: 'Disease teacher model' })
        .getByRole('radio', { name: /Reuse a teacher/ })
        .isDisabled(),
      true,
    );
    await page
      .getByRole('group', { name: 'Disease teacher model' })
      .getByRole('radio', { name: /model folder/ })
      .check();
    await page.getByRole('button', { name: 'Next: Students' }).click();
    await page.getByRole('alert').filter({ hasText: 'Give the model folder of the Disease teacher' }).waitFor();
    await teachersFromFolder();
    await page.screenshot({ path: `${SCREENSHOTS}app-wizard-2-teachers.png`, fullPage: true });
    await next('Students');

    // Step 3: Tiny, λ 0.99 and the Merged baseline at first; the students are their combinations.
    assert.equal(await page.getByRole('checkbox', { name: 'Tiny', exact: true }).isChecked(), true);
    assert.equal(await page.getByRole('checkbox', { name: /Add the Merged baseline/ }).isChecked(), true);
    assert.deepEqual(await page.getByTestId('wizard-students').locator('li').allTextContents(), [
      'Tiny, λ 0.99',
      'Tiny, Merged (λ 0)',
    ]);
    await studentsFromFolder();
    assert.deepEqual(await page.getByTestId('wizard-students').locator('li').allTextContents(), STUDENTS);
    await page.screenshot({ path: `${SCREENSHOTS}app-wizard-3-students.png`, fullPage: true });
    await next('Training and device');

    // Step 4: a recipe per model source, the detected device, and the authors'-code options off, explained and warned.
    assert.equal(
      await page.getByLabel('Models trained from scratch (size presets): learning rate').inputValue(),
      '0.001',
    );
    assert.equal(
      await page.getByLabel('Pretrained models (imported or a folder): learning rate').inputValue(),
      '0.00005',
    );
    await page.getByTestId('detected-device').filter({ hasText: 'Detected: Processor (CPU)' }).waitFor();
    await quickTraining(1);
    await page.getByText(/Advanced: reproduce the authors’ released code/).click();
    for (const option of REFERENCE_CODE_OPTIONS) {
      const box = page.getByRole('checkbox', { name: option.label });
      assert.equal(await box.isChecked(), false, option.label);
      await page.getByText(option.explanation).waitFor();
    }
    const first = page.getByRole('checkbox', { name: REFERENCE_CODE_OPTIONS[0].label });
    await first.check();
    await page.getByRole('note').filter({ hasText: REFERENCE_CODE_OPTIONS[0].warning }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}app-wizard-4-training.png`, fullPage: true });
    await first.uncheck();
    await next('Review');

    // Step 5: the time measured from real steps, per model.
    await page.getByTestId('estimate-total').waitFor({ timeout: 60_000 });
    assert.match(
      (await page.getByTestId('estimate-total').textContent()) ?? '',
      /This run will take (under a minute|about \d+ minutes?) here/,
    );
    assert.deepEqual(await page.locator('table.models tbody th').allTextContents(), [
      'teacher Disease',
      'teacher Chemical',
      ...STUDENTS,
    ]);
    await page.getByLabel('Name (optional)').fill('Tiny TaughtNet');
    await page.screenshot({ path: `${SCREENSHOTS}app-wizard-5-review.png`, fullPage: true });

    // What only main checks comes back as a readable message: back to step 1 by the step list, and forward again.
    await page.getByRole('button', { name: '1 Corpora' }).click();
    await page.getByLabel('NCBI slice entity type').fill('Dis ease');
    await page.getByRole('button', { name: '5 Review' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'The time could not be measured' })
      .filter({ hasText: 'one word without spaces' })
      .waitFor();
    await page.getByRole('button', { name: '1 Corpora' }).click();
    await page.getByLabel('NCBI slice entity type').fill('Disease');
    await page.getByRole('button', { name: '5 Review' }).click();
    await page.getByTestId('estimate-total').waitFor({ timeout: 60_000 });
    assert.equal(
      await page.getByLabel('Name (optional)').inputValue(),
      'Tiny TaughtNet',
      'the wizard keeps what was entered',
    );

    const runId = await startRun();
    completedRunId = runId;
    await page.goto(`${harness.url}/#/runs`);
    // The run takes seconds: every progress bar the page shows is recorded as it appears.
    await page.evaluate(() => {
      const w = window as unknown as { stepsShown: string[] };
      w.stepsShown = [];
      new MutationObserver(() => {
        const step = document.querySelector('tr[data-progress-of] [data-testid="progress-step"]')?.textContent;
        if (step && document.querySelector('tr[data-progress-of] progress') && w.stepsShown.at(-1) !== step)
          w.stepsShown.push(step);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.locator(`tr[data-run="${runId}"] [data-status="completed"]`).waitFor({ timeout: RUN_TIMEOUT });
    assert.equal(await page.locator(`tr[data-progress-of="${runId}"]`).count(), 0, 'no progress once it has ended');
    const stepsShown = await page.evaluate(() => (window as unknown as { stepsShown: string[] }).stepsShown);
    assert.ok(
      stepsShown.every((s) => /^\d+ \/ \d+$/.test(s)),
      `steps shown: ${stepsShown.join(', ')}`,
    );
    await page.screenshot({ path: `${SCREENSHOTS}app-runs.png`, fullPage: true });

    await page.getByRole('link', { name: 'Tiny TaughtNet' }).click();
    await page.getByRole('heading', { name: 'Tiny TaughtNet', level: 1 }).waitFor();
    // Tables IV–V: the teachers (each on its own corpus) and both students, per corpus and on average.
    const scores = page.getByTestId('scores-table');
    await scores.waitFor();
    assert.deepEqual(
      await scores.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.model)),
      ['Teachers', ...STUDENTS],
    );
    for (const f1 of await scores.locator('td[data-f1]').allTextContents()) assert.match(f1, /^\d{1,3}\.\d\d$/);
    assert.equal(await scores.locator('td[data-f1]').count(), 9); // 3 models × (Disease, Chemical, average)
    await page.getByRole('radio', { name: /Strict/ }).check();
    await page.locator('[data-testid="scores-table"][data-mode="strict"]').waitFor();
    const costs = page.getByTestId('costs-table');
    assert.equal(await costs.locator('tbody tr').count(), 2);
    for (const cells of await costs
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)))) {
      assert.match(cells[3]!, /^\d/, `parameters ${cells}`);
      assert.match(cells[5]!, /^\d/, `training speed ${cells}`);
      assert.match(cells[6]!, /^\d/, `labelling speed ${cells}`);
    }
    assert.equal(await page.getByTestId('pareto-size').count(), 1);
    assert.equal(await page.getByTestId('pareto-speed').count(), 1);

    // Export: the scores as CSV, a chart as PNG, as downloads from the page.
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Save as CSV' }).first().click(),
    ]);
    assert.equal(csv.suggestedFilename(), 'tiny-taughtnet-scores-strict.csv');
    const lines = readFileSync((await csv.path())!, 'utf8')
      .trim()
      .split(/\r\n/);
    assert.equal(
      lines[0],
      'model,lambda,Disease precision,Disease recall,Disease F1,Chemical precision,Chemical recall,Chemical F1,average precision,average recall,average F1',
    );
    assert.deepEqual(
      lines.slice(1).map((l) => l.replace(/^"[^"]*"/, 'name').split(',').length),
      [11, 11, 11],
    );
    assert.match(lines[2], /^"tiny-bert-ner, λ 0\.99",0\.99,(\d+(\.\d+)?,){8}\d+(\.\d+)?$/);
    const [png] = await Promise.all([
      page.waitForEvent('download'),
      page
        .getByRole('figure')
        .filter({ hasText: 'F1 against size' })
        .getByRole('button', { name: 'Save as PNG' })
        .click(),
    ]);
    assert.equal(png.suggestedFilename(), 'tiny-taughtnet-f1-against-size.png');
    const bytes = readFileSync((await png.path())!);
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG file');
    assert.ok(bytes.length > 5000, `${bytes.length} bytes`);

    assert.equal(await page.getByTestId('kappa-canvas').count(), 2);
    const kappa = page.getByTestId('kappa-table').first();
    assert.deepEqual(await kappa.locator('thead th').allTextContents(), [
      'ground truth',
      'teacher Disease',
      ...STUDENTS,
    ]);
    assert.equal(await kappa.locator('tbody td').count(), 16);
    assert.equal(await kappa.locator('tbody tr').first().locator('td').first().textContent(), '1.00');
    assert.equal(await page.locator('section[aria-labelledby="curves-heading"] canvas').count(), 4); // two teachers, two students
    // Table VII: a category's sentences with the annotated and the predicted mentions marked.
    const category = page.getByLabel('Category');
    const withExamples = (await category.locator('option').allTextContents()).find((o) => !/\(0\)$/.test(o))!;
    await category.selectOption({ label: withExamples });
    const example = page.getByTestId('error-examples').locator('li').first();
    await example.waitFor();
    assert.equal(await example.locator('.line').count(), 2, 'the annotated line and the model’s line');
    assert.ok((await example.locator('mark').count()) >= 1, withExamples);
    await page.screenshot({ path: `${SCREENSHOTS}app-run-detail.png`, fullPage: true });
    await assertClean();
    console.log(`# wizard to completed run and its page: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  },
);

test('a second run reuses the first run’s teachers, offered in the wizard', { skip }, async () => {
  await openWizard();
  await chooseSlices();
  await next('Teachers');
  for (const type of ['Disease', 'Chemical']) {
    const reuse = page
      .getByRole('group', { name: `${type} teacher model` })
      .getByRole('radio', { name: /Reuse a teacher/ });
    assert.equal(await reuse.isChecked(), true, `${type}: reusing is chosen at first`);
    assert.match(
      (await page.getByLabel(`${type} teacher trained teacher`).locator('option:checked').textContent()) ?? '',
      new RegExp(`^teacher ${type} of “Tiny TaughtNet”`),
    );
  }
  await page.screenshot({ path: `${SCREENSHOTS}app-wizard-2-teachers-reuse.png`, fullPage: true });
  await next('Students');
  await studentsFromFolder();
  await page.getByRole('checkbox', { name: /Add the Merged baseline/ }).uncheck();
  await page.getByLabel('λ value 1', { exact: true }).fill('0.5');
  assert.deepEqual(await page.getByTestId('wizard-students').locator('li').allTextContents(), ['tiny-bert-ner, λ 0.5']);
  await next('Training and device');
  await quickTraining(1);
  await next('Review');
  await page.getByTestId('estimate-total').waitFor({ timeout: 60_000 });
  assert.deepEqual(
    await page.locator('table.models tbody th').allTextContents(),
    ['tiny-bert-ner, λ 0.5'],
    'only the student trains',
  );
  await page.getByLabel('Name (optional)').fill('Reused teachers');
  const runId = await startRun();
  await page.getByRole('link', { name: 'Follow it' }).click();
  await page.locator('[data-status="completed"]').waitFor({ timeout: RUN_TIMEOUT });
  const trainedModels = harness.store.db
    .prepare(`SELECT count(*) FROM models WHERE run_id = ? AND kind = 'teacher'`)
    .pluck()
    .get(runId);
  assert.equal(trainedModels, 0, 'no teacher trained');
  await assertClean();
});

test('the Models page lists the two runs’ teachers and students', { skip }, async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
  const rows = page.locator('[data-testid="models-table"] tbody tr');
  await rows.first().waitFor();
  assert.deepEqual((await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.kind))).sort(), [
    'student',
    'student',
    'student',
    'teacher',
    'teacher',
  ]);
  assert.equal(await page.getByRole('link', { name: 'Tiny TaughtNet' }).count(), 4);

  // Why the student labels a word as it does: Integrated Gradients through the real engine.
  await page.getByRole('button', { name: `Explain ${STUDENTS[0]}` }).click();
  await page.getByLabel('Sentence').fill('Germline mutations cause hereditary breast cancer .');
  await page.getByRole('button', { name: 'Explain', exact: true }).click();
  await page.getByRole('group', { name: 'Choose the word to explain' }).getByRole('button', { name: 'cancer' }).click();
  const result = page.getByRole('region', { name: 'Explanation' });
  await result.waitFor({ timeout: 60_000 });
  assert.match(
    (await result.textContent()) ?? '',
    /The model labels cancer as (O|B-Disease|I-Disease|B-Chemical|I-Chemical) \(\d+\.\d%\)/,
  );
  assert.equal(await result.locator('table tbody tr').count(), 7, 'one attribution per word');
  assert.match((await result.textContent()) ?? '', /The attributions add up to [-+]\d\.\d{4}/);
  await page.screenshot({ path: `${SCREENSHOTS}app-models.png`, fullPage: true });
  await assertClean();
});

test('Compare sets the two runs side by side, with kappa across the runs on each shared corpus', { skip }, async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Compare' }).click();
  const box = page.getByRole('checkbox', { name: /Tiny TaughtNet/ });
  await box.waitFor();
  assert.equal(await box.isChecked(), true, 'the newest completed runs are chosen at first');
  const scores = page.getByTestId('scores-table');
  await scores.locator('tbody tr').nth(4).waitFor();
  assert.deepEqual(await scores.locator('tbody th').allTextContents(), [
    'Reused teachers: Teachers (each on its own corpus)',
    'Reused teachers: tiny-bert-ner, λ 0.5',
    'Tiny TaughtNet: Teachers (each on its own corpus)',
    ...STUDENTS.map((s) => `Tiny TaughtNet: ${s}`),
  ]);
  for (const f1 of await scores.locator('td[data-f1]').allTextContents()) assert.match(f1, /^\d{1,3}\.\d\d$/);
  assert.equal(await page.getByTestId('costs-table').locator('tbody tr').count(), 3);
  assert.equal(await page.getByTestId('f1-chart').count(), 1);
  assert.equal(await page.getByTestId('pareto-size').count(), 1);

  // Fig. 2 across runs: the second run's reused teacher is the first run's, so the two agree completely.
  const kappa = page.getByTestId('kappa-table');
  await kappa.nth(1).waitFor({ state: 'attached' });
  assert.equal(await kappa.count(), 2, 'one heatmap per shared corpus');
  const names = [
    'ground truth',
    'Reused teachers: teacher Disease',
    'Reused teachers: tiny-bert-ner, λ 0.5',
    'Tiny TaughtNet: teacher Disease',
    ...STUDENTS.map((s) => `Tiny TaughtNet: ${s}`),
  ];
  assert.deepEqual(await kappa.first().locator('thead th').allTextContents(), names);
  const rows = await kappa
    .first()
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));
  assert.equal(rows[1][3], '1.00', 'the same teacher in both runs');
  assert.equal(rows[0][0], '1.00');
  await page.screenshot({ path: `${SCREENSHOTS}app-compare.png`, fullPage: true });
  await box.uncheck();
  await page.getByText('Choose two or more runs.').waitFor();
  await page.getByRole('checkbox', { name: /Reused teachers/ }).uncheck();
  await page.getByText('Choose at least one run.').waitFor();
  await assertClean();
});

test('a run can be cancelled while it trains, then deleted after a confirmation', { skip }, async () => {
  // With two seeds per student (the wizard's Seeds field): the run's config trains each student once per seed.
  const runId = await runWizard('Run to cancel', 2000, 2);
  const stored = JSON.parse(
    harness.store.db.prepare('SELECT config FROM runs WHERE id = ?').pluck().get(runId) as string,
  ) as { students: { name: string; seed: number; group: string }[] };
  assert.deepEqual(
    stored.students.map((s) => [s.name, s.seed, s.group]),
    STUDENTS.flatMap((name) => [1, 2].map((seed) => [`${name} (seed ${seed})`, seed, name])),
  );
  await page.goto(`${harness.url}/#/runs`);
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
  assert.equal(
    harness.store.db.prepare('SELECT count(*) FROM runs WHERE id = ?').pluck().get(runId),
    1,
    'the question closed and the run is kept',
  );
  await page.getByRole('button', { name: 'Delete run Run to cancel' }).click();
  await page.keyboard.press('Enter');
  await page.locator(`tr[data-run="${runId}"]`).waitFor({ state: 'detached' });
  assert.equal(await page.locator(`tr[data-run="${completedRunId}"]`).count(), 1);
  await assertClean();
});

/** The wizard's Teachers step for the shipped corpora chosen at first. */
async function wizardTeachers(): Promise<void> {
  await openWizard();
  await waitForValue('NCBI-disease entity type', 'Disease');
  await waitForValue('BC5CDR-chem entity type', 'Chemical');
  await next('Teachers');
}

test('a model folder imported on the Models page is offered in the wizard, and can be removed', { skip }, async () => {
  const t0 = Date.now();
  await wizardTeachers();
  const teacher = page.getByRole('group', { name: 'Disease teacher model' });
  assert.equal(
    await teacher.getByRole('radio', { name: /from an imported model/ }).isDisabled(),
    true,
    'nothing imported yet',
  );
  await teacher.getByRole('link', { name: 'Models' }).click(); // "none yet: import one on the Models page"

  await page.getByText('Import a model folder').click();
  const broken = join(tempDir('runs-pages-models-'), 'no-config');
  cpSync(TINY_BERT, broken, { recursive: true });
  unlinkSync(join(broken, 'config.json'));
  await page.getByLabel('Folder').fill(broken);
  await page.getByRole('button', { name: 'Import model' }).click();
  await page
    .getByRole('alert')
    .filter({ hasText: 'The model was not imported' })
    .filter({ hasText: `${broken}: no config.json` })
    .waitFor();

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

  // Chosen in the wizard, it fills in the model (a run config names it by its folder), for a teacher and as a student size.
  await wizardTeachers();
  await teacher.getByRole('radio', { name: /from an imported model/ }).check();
  const choice = page.getByLabel('Disease teacher imported model');
  assert.equal(await choice.inputValue(), TINY_BERT);
  assert.equal(await choice.locator('option:checked').textContent(), 'Tiny BERT NER — bert 2L 16H, 38.2K parameters');
  await teacher.screenshot({ path: `${SCREENSHOTS}app-wizard-teacher-imported.png` });
  await next('Students');
  await page.getByRole('checkbox', { name: 'Tiny BERT NER' }).check();
  assert.deepEqual(await page.getByTestId('wizard-students').locator('li').allTextContents(), [
    'Tiny, λ 0.99',
    'Tiny, Merged (λ 0)',
    'Tiny BERT NER, λ 0.99',
    'Tiny BERT NER, Merged (λ 0)',
  ]);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
  await page.getByRole('button', { name: 'Remove model Tiny BERT NER' }).click();
  // The question takes the focus; "Keep it" leaves the model alone.
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Remove model');
  await page.screenshot({ path: `${SCREENSHOTS}app-models-remove.png`, fullPage: true });
  await page.getByRole('button', { name: 'Keep it' }).click();
  await page.getByRole('group', { name: /Remove model/ }).waitFor({ state: 'detached' });
  assert.equal(
    harness.store.db.prepare(`SELECT count(*) FROM models WHERE kind = 'pretrained'`).pluck().get(),
    1,
    'the question closed and the model is kept',
  );
  await page.getByRole('button', { name: 'Remove model Tiny BERT NER' }).click();
  await page.keyboard.press('Enter');
  await row.waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-testid="models-table"] tbody tr').count(), 5, 'the runs’ models stay');
  assert.ok(existsSync(join(TINY_BERT, 'model.safetensors')), 'the folder stays');
  await wizardTeachers();
  assert.equal(
    await teacher.getByRole('radio', { name: /from an imported model/ }).isDisabled(),
    true,
    'no longer offered',
  );
  await assertClean();
  console.log(`# import, choose and remove a model in the window: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

test('a student added on a finished run’s page trains alone and joins its comparison', { skip }, async () => {
  await page.goto(`${harness.url}/#/runs/${completedRunId}`);
  await page.getByText('Add a student').click();
  const group = page.getByRole('group', { name: 'New student model' });
  await group.getByRole('radio', { name: /model folder/ }).check();
  await page.getByLabel('New student model folder').fill(TINY_BERT);
  await page.getByLabel('New student λ').fill('0.3');
  await page.getByLabel('Name (optional)').fill('added, λ 0.3');
  await page.screenshot({ path: `${SCREENSHOTS}app-run-add-student.png`, fullPage: true });
  await page.getByRole('button', { name: 'Add and train it' }).click();
  // Scored with the others once the run has ended again (its kappa table then holds the new student).
  await page
    .getByTestId('kappa-table')
    .first()
    .locator('thead th', { hasText: 'added, λ 0.3' })
    .waitFor({ timeout: RUN_TIMEOUT });
  await page.locator('header [data-status="completed"]').waitFor({ timeout: RUN_TIMEOUT });
  assert.deepEqual(
    await page
      .getByTestId('scores-table')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.model)),
    ['Teachers', ...STUDENTS, 'added, λ 0.3'],
  );
  assert.deepEqual(await page.getByTestId('kappa-table').first().locator('thead th').allTextContents(), [
    'ground truth',
    'teacher Disease',
    ...STUDENTS,
    'added, λ 0.3',
  ]);
  const teachers = harness.store.db
    .prepare(`SELECT count(*) FROM models WHERE run_id = ? AND kind = 'teacher'`)
    .pluck()
    .get(completedRunId);
  assert.equal(teachers, 2, 'the teachers were not trained again');
  await assertClean();
});
