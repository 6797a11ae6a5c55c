// Importing and removing pretrained models through the app's IPC handlers (same validation, same services) with a
// real store: a fixture folder becomes one 'pretrained' row with its architecture, parameter count and size, once
// however often it is imported; broken folders are refused naming the file, and store nothing; removing forgets
// the row and leaves the folder, and a run's teachers and students cannot be removed on their own.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceContext } from '../../main/services/context.ts';
import { handleIpc } from '../../main/services/handlers.ts';
import { addModel, listModels } from '../../main/store/models.ts';
import { openStore, type Store } from '../../main/store/store.ts';
import type { EventName, Events, ModelImport } from '../../shared/ipc/contract.ts';
import type { Model } from '../../shared/store-types.ts';
import { tempDir } from '../store/fixtures/temp-dir.ts';
import { TINY_BERT } from '../pipeline/fixtures.ts';
import { RESOURCES, ok, refusal, testServiceContext } from './service-context.ts';

const TINY_ROBERTA = fileURLToPath(new URL('../models/fixtures/tiny-roberta-ner', import.meta.url));

let store: Store;
let ctx: ServiceContext;
let events: { event: EventName; payload: Events[EventName] }[] = [];

before(() => {
  store = openStore({ dataDir: tempDir('models-ipc-store-') });
  ctx = testServiceContext(store, { emit: (event, payload) => events.push({ event, payload }) });
});

after(() => store.close());

const importFolder = async (folder: string, name?: string) => handleIpc(ctx, 'models:import', { folder, name });

/** A copy of a fixture folder in a temporary folder, to break or to remove. */
function copyOf(fixture: string): string {
  const folder = join(tempDir('models-ipc-folder-'), 'model');
  cpSync(fixture, folder, { recursive: true });
  return folder;
}

/**
 * The parameters of the token classifier config.json describes, counted by hand: embeddings (words, positions,
 * token types, LayerNorm), per layer the attention's four projections, the feed-forward pair and two LayerNorms,
 * then the classifier over id2label (token classification has no pooler).
 */
function parametersOf(folder: string): number {
  const c = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
  const [H, I, labels] = [c.hidden_size, c.intermediate_size, Object.keys(c.id2label).length];
  const embeddings = (c.vocab_size + c.max_position_embeddings + c.type_vocab_size) * H + 2 * H;
  const layer = 4 * (H * H + H) + (H * I + I) + (I * H + H) + 2 * 2 * H;
  return embeddings + c.num_hidden_layers * layer + labels * H + labels;
}

test('a fixture folder is imported as one pretrained model with its architecture, parameters and weights size', async () => {
  const started = performance.now();
  const first = ok<ModelImport>(await importFolder(TINY_BERT));
  console.log(`# models:import of the tiny BERT fixture: ${(performance.now() - started).toFixed(0)} ms`);
  const { model } = first;
  assert.deepEqual(
    { ...model, id: 0, createdAt: '' },
    {
      id: 0,
      name: 'tiny-bert-ner',
      kind: 'pretrained',
      architecture: 'bert 2L 16H',
      parameterCount: parametersOf(TINY_BERT),
      sizeBytes: statSync(join(TINY_BERT, 'model.safetensors')).size,
      folder: TINY_BERT,
      runId: null,
      createdAt: '',
    },
  );
  assert.equal(model.parameterCount, 38_163);
  assert.equal(first.added, true);
  assert.deepEqual(events, [{ event: 'models:changed', payload: { modelId: model.id } }]);

  // The same folder again, spelt with a trailing separator and under another name: the model already there.
  const again = ok<ModelImport>(await importFolder(`${TINY_BERT}/`, 'Another name'));
  assert.deepEqual([again.added, again.model], [false, model]);
  assert.deepEqual(ok<Model[]>(await handleIpc(ctx, 'models:list', {})), [model]);
  assert.equal(events.length, 1, 'nothing changed the second time');

  const roberta = ok<ModelImport>(await importFolder(TINY_ROBERTA, '  Tiny RoBERTa  ')).model;
  assert.deepEqual(
    [roberta.name, roberta.architecture, roberta.parameterCount, roberta.sizeBytes],
    [
      'Tiny RoBERTa',
      'roberta 2L 16H',
      parametersOf(TINY_ROBERTA),
      statSync(join(TINY_ROBERTA, 'model.safetensors')).size,
    ],
  );
  assert.deepEqual(
    ok<Model[]>(await handleIpc(ctx, 'models:list', {})).map((m) => m.id),
    [roberta.id, model.id],
  );
  events = [];
});

test('a folder that a run could not load is refused, naming the file and the problem, and nothing is stored', async () => {
  const before = listModels(store);
  const noConfig = copyOf(TINY_BERT);
  unlinkSync(join(noConfig, 'config.json'));
  const gpt2 = copyOf(TINY_BERT);
  const config = JSON.parse(readFileSync(join(gpt2, 'config.json'), 'utf8'));
  writeFileSync(join(gpt2, 'config.json'), JSON.stringify({ ...config, model_type: 'gpt2' }));
  const wider = copyOf(TINY_BERT);
  writeFileSync(join(wider, 'config.json'), JSON.stringify({ ...config, intermediate_size: 64 }));
  const truncated = copyOf(TINY_BERT);
  truncateSync(join(truncated, 'model.safetensors'), 4000);
  const otherVocab = copyOf(TINY_BERT);
  cpSync(join(RESOURCES, 'models/bert-uncased-vocab/vocab.txt'), join(otherVocab, 'vocab.txt'));

  const cases: [string, RegExp][] = [
    [noConfig, new RegExp(`^${noConfig}: no config\\.json`)],
    [gpt2, new RegExp(`^${join(gpt2, 'config.json')}: model_type "gpt2" is not supported`)],
    [
      wider,
      new RegExp(
        `^${join(wider, 'model.safetensors')}: tensor "bert\\.encoder\\.layer\\.\\d\\.[\\w.]+" has shape \\[[\\d, ]+\\] but config\\.json implies`,
      ),
    ],
    [truncated, new RegExp(`^${join(truncated, 'model.safetensors')}: not a valid safetensors file`)],
    [otherVocab, new RegExp(`^${otherVocab}: the tokenizer has 30522 entries but config\\.json's vocab_size is 2036`)],
    ['relative/folder', /"relative\/folder" is not a full path/],
    [join(noConfig, 'nothing-here'), /nothing-here: no such folder/],
  ];
  for (const [folder, problem] of cases) assert.match(refusal(await importFolder(folder)), problem, folder);
  assert.match(
    refusal(await handleIpc(ctx, 'models:import', { folder: ' ' })),
    /^invalid arguments for models:import:[\s\S]*choose a folder/,
  );
  assert.match(
    refusal(await handleIpc(ctx, 'models:import', { folder: TINY_BERT, name: '' })),
    /give the model a name/,
  );
  assert.deepEqual(listModels(store), before);
  assert.deepEqual(events, []);
});

test('removing forgets an imported model and leaves its folder; a run’s models are refused', async () => {
  const folder = copyOf(TINY_ROBERTA);
  const imported = ok<ModelImport>(await importFolder(folder)).model;
  const student = addModel(store, {
    name: 'student',
    kind: 'student',
    architecture: 'bert 2L 16H',
    parameterCount: 1,
    sizeBytes: 4,
    folder: 'models/run-1/student',
  });
  events = [];

  assert.match(
    refusal(await handleIpc(ctx, 'models:delete', { modelId: student.id })),
    /“student” is a student that a run trained: it stays with that run’s results/,
  );
  assert.match(refusal(await handleIpc(ctx, 'models:delete', { modelId: 999 })), /there is no model 999/);
  assert.match(refusal(await handleIpc(ctx, 'models:delete', { modelId: 0 })), /^invalid arguments for models:delete/);
  assert.deepEqual(events, []);

  assert.deepEqual(ok(await handleIpc(ctx, 'models:delete', { modelId: imported.id })), { deleted: true });
  assert.deepEqual(events, [{ event: 'models:changed', payload: { modelId: imported.id } }]);
  const left = listModels(store).map((m) => m.id);
  assert.ok(!left.includes(imported.id) && left.includes(student.id), `left: ${left.join(', ')}`);
  for (const file of ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt'])
    assert.ok(existsSync(join(folder, file)), file);
  // Forgotten, it can be imported again.
  assert.equal(ok<ModelImport>(await importFolder(folder)).added, true);
});
