// `taughtnet models list`: the pretrained encoders imported and the teachers and students runs produced;
// `taughtnet models export` (export.ts) writes one as an ONNX file.
import { MODEL_KINDS, type Model, type ModelKind } from '../../shared/store-types.ts';
import { listModels } from '../store/models.ts';
import { megabytes, oneOf, output, parseCommandArgs, table, type Command, type CommandGroup } from './command.ts';
import { exportModel } from './export.ts';
import { DATA_DIR_HELP, DATA_DIR_OPTION, withStore } from './store.ts';

const LIST_USAGE = `usage: taughtnet models list [options]

Lists the models in the experiment store, oldest first.

options:
  --kind ${MODEL_KINDS.join('|')}    only models of this kind
${DATA_DIR_HELP}
  --json                          print JSON: [{"id", "name", "kind", "architecture", "parameterCount",
                                  "sizeBytes", "folder", "runId", "createdAt"}]
`;

function render(models: Model[]): string {
  if (models.length === 0) return 'no models\n';
  return table([
    ['id', 'name', 'kind', 'architecture', 'parameters', 'MB', 'run', 'folder'],
    ...models.map((m) => [
      m.id,
      m.name,
      m.kind,
      m.architecture,
      m.parameterCount,
      megabytes(m.sizeBytes),
      m.runId ?? '-',
      m.folder,
    ]),
  ]);
}

const list: Command = {
  summary: 'lists the models, optionally of one kind',
  usage: LIST_USAGE,
  async run(args) {
    const { values } = parseCommandArgs(args, { kind: { type: 'string' }, ...DATA_DIR_OPTION });
    const kind = oneOf<ModelKind>('kind', values.kind, MODEL_KINDS);
    const models = await withStore(values['data-dir'], (store) => listModels(store, { kind }), { readOnly: true });
    output(values.json, models, render);
  },
};

export const models: CommandGroup = {
  summary: 'models in the experiment store: models list, models export',
  subcommands: { list, export: exportModel },
};
