// The Label text page in Debian's Chromium against the real services: the tiny BERT fixture, imported as a model,
// is chosen with "Use this model", labels a pasted abstract, its mentions are highlighted, filtered, listed,
// explained and exported (JSON Lines and brat) with offsets that hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { fileURLToPath } from 'node:url';
import { TINY_BERT } from '../pipeline/fixtures.ts';
import { appPageForTests, cspViolations, withoutChromium } from './harness.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../.tmp/', import.meta.url));
const skip = withoutChromium();

const ABSTRACT =
  'Ataxia-telangiectasia (A-T) is a recessive multi-system disorder caused by mutations in the ATM gene at 11q22-q23. ' +
  'The risk of cancer, especially lymphoid neoplasias, is substantially elevated in A-T patients, e.g. in T-cell leukaemia (p < 0.05).\n\n' +
  'Heterozygous carriers had breast cancer more often.';

const app = appPageForTests(skip, async (harness) => {
  const reply = await fetch(`${harness.url}/ipc/models:import`, {
    method: 'POST',
    body: JSON.stringify({ folder: TINY_BERT }),
  });
  assert.ok(((await reply.json()) as { ok: boolean }).ok);
});

interface JsonlRecord {
  text: string;
  entities: { start: number; end: number; type: string; text: string; score: number }[];
}

test(
  'paste an abstract, see its mentions highlighted and listed, filter them, explain one, export JSON Lines and brat',
  { skip },
  async () => {
    const { page, harness } = app;
    await page.goto(`${harness.url}/#/models`);
    await page.getByRole('link', { name: /Use this model/ }).click();
    await page.getByRole('heading', { name: 'Label text' }).waitFor();
    assert.match((await page.getByLabel('Model').locator('option:checked').textContent()) ?? '', /tiny-bert-ner/);
    await page.getByLabel('Text').fill(ABSTRACT);
    await page.getByRole('button', { name: 'Label', exact: true }).click();
    await page.getByTestId('mentions-table').waitFor();

    // Highlights: every mark is a mention of the model's type, its score on hover, and the text reads as pasted.
    const highlighted = page.getByTestId('highlighted');
    assert.equal(await highlighted.textContent(), ABSTRACT);
    const marks = highlighted.locator('mark');
    const count = await marks.count();
    assert.ok(count > 0, 'the fixture finds mentions');
    for (const title of await marks.evaluateAll((ms) => ms.map((m) => m.getAttribute('title'))))
      assert.match(title ?? '', /^Disease · score \d\.\d\d$/);
    assert.equal(await page.getByTestId('mentions-table').locator('tbody tr').count(), count);
    assert.deepEqual(
      await page
        .getByRole('group', { name: 'Types shown' })
        .getByRole('checkbox')
        .evaluateAll((boxes) => boxes.map((b) => b.parentElement!.textContent!.trim())),
      ['Disease'],
    );
    await page.screenshot({ path: `${SCREENSHOTS}app-label-text.png`, fullPage: true });

    // JSON Lines export: offsets into the pasted text (line breaks included) hold for every mention.
    const [jsonl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'JSON Lines' }).click(),
    ]);
    const record = JSON.parse(readFileSync((await jsonl.path())!, 'utf8')) as JsonlRecord;
    assert.equal(record.text, ABSTRACT);
    assert.equal(record.entities.length, count);
    for (const e of record.entities) assert.equal(ABSTRACT.slice(e.start, e.end), e.text);

    // brat export: the text and its standoff annotations, one T line per mention.
    const downloads: Promise<string>[] = [];
    const collect = (d: { suggestedFilename(): string; path(): Promise<string | null> }) =>
      downloads.push(d.path().then((p) => `${d.suggestedFilename()}\n${readFileSync(p!, 'utf8')}`));
    page.on('download', collect);
    await page.getByRole('button', { name: 'brat' }).click();
    while (downloads.length < 2) await new Promise((r) => setTimeout(r, 50));
    page.off('download', collect);
    const files = Object.fromEntries(
      (await Promise.all(downloads)).map((f) => [f.slice(0, f.indexOf('\n')), f.slice(f.indexOf('\n') + 1)]),
    );
    assert.equal(files['text.txt'], ABSTRACT);
    assert.equal(files['text.ann'].split('\n').filter((l) => l.startsWith('T')).length, count);

    // A threshold above every score hides them all; the Disease box too.
    const best = Math.max(...record.entities.map((e) => e.score));
    await page.getByRole('slider').fill(String(Math.min(1, Math.ceil((best + 0.01) * 20) / 20)));
    await page.getByText(`0 of ${count} mentions shown`).waitFor();
    await page.getByRole('slider').fill('0');
    await page.getByText(`${count} of ${count} mentions shown`).waitFor();
    await page.getByRole('checkbox', { name: 'Disease' }).uncheck();
    assert.equal(await marks.count(), 0);
    await page.getByRole('checkbox', { name: 'Disease' }).check();

    // Sorting by score puts the best first; choosing a mention explains its first word.
    await page.getByRole('button', { name: 'Score' }).click();
    const first = page.getByTestId('mentions-table').locator('tbody tr').first();
    assert.equal(Number(await first.locator('td.number').first().textContent()), Number(best.toFixed(2)));
    await first.getByRole('button').click();
    await page.getByRole('region', { name: 'Explanation' }).waitFor({ timeout: 120_000 });
    await page.screenshot({ path: `${SCREENSHOTS}app-label-text-explained.png`, fullPage: true });
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(app.errors, []);
  },
);

test('a model that cannot label is refused with its reason; empty text is not sent', { skip }, async () => {
  const { harness } = app;
  const reply = await fetch(`${harness.url}/ipc/annotate:text`, {
    method: 'POST',
    body: JSON.stringify({ modelId: 99, text: 'x' }),
  });
  assert.deepEqual(await reply.json(), { ok: false, error: 'there is no model 99' });
  const empty = await fetch(`${harness.url}/ipc/annotate:text`, {
    method: 'POST',
    body: JSON.stringify({ modelId: 1, text: '   ' }),
  });
  assert.match(((await empty.json()) as { error: string }).error, /paste or type some text/);
});

test(
  'a folder of three files is labelled in the background with progress; a long one can be cancelled',
  { skip },
  async () => {
    const { page, harness } = app;
    const folder = tempDir('label-folder-');
    writeFileSync(join(folder, 'first.txt'), ABSTRACT);
    writeFileSync(join(folder, 'second.txt'), 'Mutations in BRCA1 cause breast cancer.\n');
    writeFileSync(
      join(folder, 'more.jsonl'),
      JSON.stringify({ id: 'third', text: 'Cisplatin caused nephrotoxicity in 5 patients.' }) + '\n',
    );
    writeFileSync(join(folder, 'notes.md'), 'not an input');
    await page.goto(`${harness.url}/#/label`);
    await page.getByRole('textbox', { name: 'Folder', exact: true }).fill(folder);
    await page.getByRole('button', { name: 'Label folder' }).click();
    await page.getByRole('status').filter({ hasText: 'Done: 3 documents from 3 files' }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: `${SCREENSHOTS}app-label-folder.png`, fullPage: true });
    const records = readFileSync(join(folder, 'taughtnet-annotations', 'mentions.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JsonlRecord & { id: string });
    assert.deepEqual(
      records.map((r) => r.id),
      ['first', 'third', 'second'],
    ); // files in name order: first.txt, more.jsonl, second.txt
    for (const r of records) for (const e of r.entities) assert.equal(r.text.slice(e.start, e.end), e.text);

    const big = join(folder, 'big');
    mkdirSync(big);
    writeFileSync(
      join(big, 'many.jsonl'),
      Array.from({ length: 40_000 }, (_, i) => JSON.stringify({ id: i, text: ABSTRACT })).join('\n') + '\n',
    );
    await page.getByRole('textbox', { name: 'Folder', exact: true }).fill(big);
    await page.getByRole('button', { name: 'Label folder' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('status').filter({ hasText: 'Cancelled after' }).waitFor({ timeout: 120_000 });
    const written = readFileSync(join(big, 'taughtnet-annotations', 'mentions.jsonl'), 'utf8').split('\n').length - 1;
    assert.ok(written < 40_000, `stopped early (${written} documents written)`);
    assert.deepEqual(app.errors, []);
  },
);
