// The built renderer in Debian's Chromium, talking to the real services (real corpora, real store) through the
// harness: what a user sees on the Datasets and About pages, the CSP holding, and bad calls being refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { CONTENT_SECURITY_POLICY } from '../../main/app/csp.ts';
import { listDatasets } from '../../main/store/datasets.ts';
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

let harness: Harness;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  if (skip) return;
  await ensureRendererBuilt();
  harness = await startHarness();
  browser = await launchChromium();
  page = await openPage();
});

const openPage = () => openAppPage(browser, harness, pageErrors);

after(async () => {
  await browser?.close();
  await harness?.close();
});

const digits = (text: string | null) => Number((text ?? '').replace(/\D/g, ''));

test('the Datasets page shows the shipped corpora with NCBI-disease’s real counts', { skip }, async () => {
  await page.goto(`${harness.url}/#/datasets`);
  await page.getByRole('button', { name: /NCBI-disease/ }).click();
  await page.locator('.detail h2', { hasText: 'NCBI-disease' }).waitFor();
  const train = page.locator('tr[data-split="train"]');
  await train.waitFor();
  assert.equal(digits(await train.locator('[data-stat="sentences"]').textContent()), 5424);
  assert.equal(digits(await train.locator('[data-stat="mentions"]').textContent()), 5134);
  assert.deepEqual(await page.locator('.list .name').allTextContents(), ['BC2GM', 'BC5CDR-chem', 'NCBI-disease']);
  assert.equal(await page.locator('tr[data-split]').count(), 3); // train, dev, test
  assert.equal(await page.locator('canvas').count(), 3); // one length histogram per split
  await page.screenshot({ path: `${SCREENSHOTS}app-datasets.png`, fullPage: true });
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(pageErrors, []);
});

test('choosing another dataset shows its counts', { skip }, async () => {
  await page.getByRole('button', { name: /BC5CDR-chem/ }).click();
  await page.locator('.detail h2', { hasText: 'BC5CDR-chem' }).waitFor();
  const train = page.locator('tr[data-split="train"]');
  await train.waitFor();
  assert.ok(digits(await train.locator('[data-stat="sentences"]').textContent()) > 0);
  assert.equal(await page.getByRole('button', { name: /BC5CDR-chem/ }).getAttribute('aria-pressed'), 'true');
});

test('the About page lists the folders, the ONNX Runtime providers and the versions', { skip }, async () => {
  await page.getByRole('link', { name: 'Settings & About' }).click();
  await page.locator('[data-provider="cpu"]').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('data-folder').textContent(), harness.store.dataDir);
  assert.match((await page.locator('[data-provider="cpu"]').textContent()) ?? '', /Works/);
  assert.match(
    (await page.getByTestId('auto-provider').textContent()) ?? '',
    /Training runs on: (Processor|NVIDIA|GPU)/,
  );
  // CUDA's provider libraries are not installed by default: the page says so instead of hiding it.
  assert.match((await page.locator('[data-provider="cuda"]').textContent()) ?? '', /Not available|Works/);
  await page.screenshot({ path: `${SCREENSHOTS}app-about.png`, fullPage: true });
  assert.deepEqual(await cspViolations(page), []);
});

test('the app works from the keyboard: skip link first, then the navigation', { skip }, async () => {
  const fresh = await openPage();
  try {
    await fresh.goto(`${harness.url}/#/datasets`);
    await fresh.locator('tr[data-split="train"]').waitFor();
    const focused = () => fresh.evaluate(() => document.activeElement?.textContent?.trim());
    await fresh.keyboard.press('Tab');
    assert.equal(await focused(), 'Skip to content');
    await fresh.keyboard.press('Tab');
    assert.equal(await focused(), 'Datasets');
    for (let i = 0; i < 5; i++) await fresh.keyboard.press('Tab');
    assert.equal(await focused(), 'Settings & About');
    await fresh.keyboard.press('Enter');
    await fresh.getByRole('heading', { name: 'Settings & About', level: 1 }).waitFor();
    // The page's content takes the focus, so the next Tab continues inside it.
    assert.equal(await fresh.evaluate(() => document.activeElement?.id), 'content');
  } finally {
    await fresh.close();
  }
});

test('the page carries the strict CSP in a meta tag and a header, and it blocks inline script', { skip }, async () => {
  const fresh = await openPage();
  try {
    const response = await fresh.goto(`${harness.url}/#/datasets`);
    assert.equal(response?.headers()['content-security-policy'], CONTENT_SECURITY_POLICY);
    const meta = await fresh.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.equal(meta, CONTENT_SECURITY_POLICY);
    const ran = await fresh.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true';
      document.head.append(script);
      return (window as unknown as { inlineRan?: boolean }).inlineRan === true;
    });
    assert.equal(ran, false);
    assert.ok((await cspViolations(fresh)).some((v) => v.startsWith('script-src')));
  } finally {
    await fresh.close();
  }
});

test('a bad argument from the page is refused by validation and never reaches the store', { skip }, async () => {
  const before = listDatasets(harness.store).length;
  const error = await page.evaluate(() =>
    (window as unknown as { taughtnet: { invoke(c: string, a: unknown): Promise<unknown> } }).taughtnet
      .invoke('datasets:register', { folder: 42, name: '' })
      .then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
  );
  assert.match(error, /^invalid arguments for datasets:register/);
  assert.match(error, /folder/);
  const traversal = await page.evaluate(() =>
    (window as unknown as { taughtnet: { invoke(c: string, a: unknown): Promise<unknown> } }).taughtnet
      .invoke('datasets:inspect', { dataset: { source: 'shipped', name: '../../../etc' } })
      .then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
  );
  assert.match(traversal, /must be a folder name under resources\/datasets/);
  const unknown = await page.evaluate(() =>
    (window as unknown as { taughtnet: { invoke(c: string, a: unknown): Promise<unknown> } }).taughtnet
      .invoke('store:drop-everything', {})
      .then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
  );
  assert.equal(unknown, 'unknown channel "store:drop-everything"');
  assert.equal(listDatasets(harness.store).length, before);
});

test(
  'a registered dataset appears in the list; when its files go bad the page shows each FILE:LINE',
  { skip },
  async () => {
    const folder = mkdtempSync(join(tmpdir(), 'taughtnet-user-corpus-'));
    try {
      // The first 30 sentences of each NCBI-disease split: a small, real corpus.
      for (const split of ['train', 'devel', 'test']) {
        const text = readFileSync(
          new URL(`../../resources/datasets/NCBI-disease/${split}.tsv`, import.meta.url),
          'utf8',
        );
        writeFileSync(join(folder, `${split}.tsv`), text.split('\n\n').slice(0, 30).join('\n\n') + '\n');
      }
      // One stray I- after O in test.tsv: read as B- and reported, never silently.
      const testFile = join(folder, 'test.tsv');
      writeFileSync(testFile, readFileSync(testFile, 'utf8').replace(/(\tO\n\S+\t)B-Disease/, '$1I-Disease'));
      await page.goto(`${harness.url}/index.html#/datasets`);
      await page.getByRole('button', { name: /NCBI-disease/ }).waitFor();
      await page.getByText('Add your own dataset').click();
      await page.getByLabel('Folder').fill(folder);
      await page.getByLabel('Name').fill('My NCBI slice');
      await page.getByLabel('Entity type').fill('Disease');
      await page.getByRole('button', { name: 'Add dataset' }).click();
      await page.getByRole('status').filter({ hasText: 'Added “My NCBI slice”' }).waitFor();
      const repairs = page.getByRole('note').filter({ hasText: '1 label was repaired' });
      await repairs.waitFor();
      assert.match(
        (await repairs.textContent()) ?? '',
        new RegExp(`${testFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+: stray I-Disease after O`),
      );
      // The list refreshes on the datasets:changed event.
      const item = page.getByRole('button', { name: /My NCBI slice/ });
      await item.waitFor();
      assert.equal(listDatasets(harness.store).length, 1);

      // Someone edits a file afterwards: line 2 loses its label column.
      const train = join(folder, 'train.tsv');
      writeFileSync(train, readFileSync(train, 'utf8').replace(/^(\S+)\t(\S+)\n(\S+)\t\S+\n/, '$1\t$2\n$3\n'));
      await item.click();
      const alert = page.getByRole('alert').filter({ hasText: 'This dataset cannot be used' });
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', new RegExp(`${train.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2`));
      await page.screenshot({ path: `${SCREENSHOTS}app-dataset-error.png`, fullPage: true });
      assert.deepEqual(await cspViolations(page), []);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  },
);
