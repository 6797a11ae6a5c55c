// The wizard's Memory box in Debian's Chromium over the harness (real services: app info reads this machine's
// memory): a Large student in windows of 512 needs more memory than a run may use here, so it is shown training in
// the micro-batches that fit, and the Tiny teachers in whole batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { presetConfig, SHIPPED_VOCAB, sizePreset } from '../../shared/models/presets.ts';
import { microBatchToFit, RUN_MEMORY_SHARE } from '../../shared/models/step-memory.ts';
import { appPageForTests, cspViolations, withoutChromium } from './harness.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../.tmp/', import.meta.url));
const skip = withoutChromium();
const app = appPageForTests(skip);

test('step 4 shows each size’s memory, and the micro-batches a Large student trains in here', { skip }, async () => {
  const { harness, page, errors } = app;
  const fits = microBatchToFit(
    presetConfig(sizePreset('large'), SHIPPED_VOCAB),
    16,
    512,
    RUN_MEMORY_SHARE * (totalmem() / 1e6),
  );
  assert.ok(fits !== null && fits < 16, `a Large step of 16 windows of 512 fits this machine whole (${fits})`);

  await page.goto(`${harness.url}/#/runs/new`);
  await page.getByRole('heading', { name: 'Step 1 of 5: Corpora' }).waitFor();
  await page.getByRole('button', { name: 'Next: Teachers' }).click();
  await page.getByRole('button', { name: 'Next: Students' }).click();
  await page.getByRole('checkbox', { name: 'Tiny', exact: true }).uncheck();
  await page.getByRole('checkbox', { name: 'Large', exact: true }).check();
  await page.getByRole('button', { name: 'Next: Training and device' }).click();
  await page.getByLabel('Longest window (subwords)').fill('512');

  const memory = page.getByTestId('memory');
  await memory.getByText(/^Large: needs about \d+\.\d GB to train at batch 16, too much here/).waitFor();
  const lines = (await memory.locator('li').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  assert.match(
    lines[0],
    new RegExp(
      `^Large: needs about \\d+\\.\\d GB to train at batch 16, too much here: it trains in parts of ${fits} windows\\.$`,
    ),
  );
  assert.match(lines[1], /^Tiny: needs about \d+\.\d GB to train at batch 16\.$/);
  assert.match(
    ((await memory.locator('p').textContent()) ?? '').replace(/\s+/g, ' '),
    /This computer has \d+\.\d GB of memory; a run uses at most \d+\.\d GB of it/,
  );
  await page.screenshot({ path: `${SCREENSHOTS}app-wizard-4-memory.png`, fullPage: true });
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(errors, []);
});
