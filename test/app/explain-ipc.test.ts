// Explaining a stored model's prediction through the app's IPC handlers (same validation, same service) with a
// real store and a real engine host: a good call returns the words and their attributions; a bad word index, an
// unknown label or model, or arguments outside the contract are refused with messages a user can read, and every
// engine host started is stopped again.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { startRuntime, type RuntimeClient } from '../../main/engine/runtime/client.ts';
import type { ServiceContext } from '../../main/services/context.ts';
import { ok, refusal, testServiceContext } from './service-context.ts';
import { handleIpc } from '../../main/services/handlers.ts';
import { addModel } from '../../main/store/models.ts';
import { openStore, type Store } from '../../main/store/store.ts';
import type { Explanation } from '../../shared/ipc/contract.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { TINY_BERT } from '../pipeline/fixtures.ts';

let store: Store;
let ctx: ServiceContext;
let modelId: number;
const hosts = { started: 0, stopped: 0 };

before(() => {
  store = openStore({ dataDir: tempDir('explain-ipc-store-') });
  ctx = testServiceContext(store, {
    startRuntime: (): RuntimeClient => {
      const client = startRuntime();
      hosts.started++;
      return {
        request: client.request.bind(client),
        onCrashed: client.onCrashed.bind(client),
        restart: client.restart.bind(client),
        hostPid: client.hostPid.bind(client),
        terminate: async () => {
          hosts.stopped++;
          await client.terminate();
        },
      };
    },
  });
  // As a run stores the models it writes: a folder relative to the data folder.
  cpSync(TINY_BERT, join(store.dataDir, 'models', 'tiny'), { recursive: true });
  modelId = addModel(store, {
    name: 'student',
    kind: 'student',
    architecture: 'BertForTokenClassification',
    parameterCount: 1,
    sizeBytes: 1,
    folder: 'models/tiny',
  }).id;
});

after(() => store.close());

test('a stored model explains a word of a typed sentence: words, the predicted label, attributions per word and subword', async () => {
  const started = performance.now();
  const e = ok<Explanation>(
    await handleIpc(ctx, 'models:explain', { modelId, text: '  hereditary breast\tcancer  ', wordIndex: 2 }),
  );
  console.log(
    `models:explain, 3 words, 50 steps: ${(performance.now() - started).toFixed(0)} ms (engine host start included)`,
  );
  assert.deepEqual(e.words, ['hereditary', 'breast', 'cancer']);
  assert.equal(e.wordIndex, 2);
  assert.deepEqual(e.labels, ['O', 'B-Disease', 'I-Disease']);
  assert.ok(e.labels.includes(e.predicted.label) && e.predicted.probability > 1 / 3 && e.predicted.probability <= 1);
  assert.equal(e.label, e.predicted.label);
  assert.equal(e.fInput, e.predicted.probability);
  assert.equal(e.wordAttributions.length, 3);
  assert.ok(e.wordAttributions.every((a) => typeof a === 'number' && Number.isFinite(a)));
  assert.deepEqual(
    e.subwords.map((s) => s.token),
    ['[CLS]', 'hereditary', 'breast', 'cancer', '[SEP]'],
  );
  assert.equal(e.steps, 50);
  assert.equal(e.rule, 'gauss-legendre');
  assert.equal(e.baseline, 'pad');
  assert.deepEqual(e.window, { from: 0, to: 3, of: 1 });
  assert.ok(e.completeness.relativeError < 1e-3, `${e.completeness.relativeError}`);
  assert.deepEqual(JSON.parse(JSON.stringify(e)), e, 'plain data: it crosses IPC and the harness as it is');

  const other = ok<Explanation>(
    await handleIpc(ctx, 'models:explain', {
      modelId,
      text: 'hereditary breast cancer',
      wordIndex: 0,
      label: 'B-Disease',
      steps: 20,
      rule: 'trapezoid',
    }),
  );
  assert.equal(other.label, 'B-Disease');
  assert.equal(other.steps, 20);
  assert.equal(other.rule, 'trapezoid');
});

test('a word index outside the sentence, an unknown label or model are refused with readable messages', async () => {
  const call = (args: object) =>
    handleIpc(ctx, 'models:explain', { modelId, text: 'hereditary breast cancer', wordIndex: 0, ...args });
  assert.equal(refusal(await call({ wordIndex: 3 })), 'word 3 is out of range: the sentence has 3 words (0 to 2)');
  assert.equal(
    refusal(await call({ label: 'B-Gene' })),
    '"B-Gene" is not a label of this model; its labels are O, B-Disease, I-Disease',
  );
  assert.equal(refusal(await call({ modelId: 999 })), 'there is no model 999');
  const invalid: [object, RegExp][] = [
    [{ text: '   ' }, /type a sentence/],
    [{ text: 'x'.repeat(2001) }, /at most 2,000 characters/],
    [{ wordIndex: -1 }, /wordIndex/],
    [{ wordIndex: 0.5 }, /wordIndex/],
    [{ steps: 7 }, /steps/],
    [{ steps: 301 }, /steps/],
    [{ rule: 'simpson' }, /rule/],
    [{ modelId: 0 }, /modelId/],
    [{ extra: true }, /Unrecognized key/],
  ];
  for (const [args, message] of invalid) {
    const error = refusal(await call(args));
    assert.match(error, /^invalid arguments for models:explain/);
    assert.match(error, message);
  }
  assert.equal(hosts.stopped, hosts.started, 'every engine host started was stopped');
  assert.ok(hosts.started >= 3);
});
