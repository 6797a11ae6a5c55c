// `taughtnet info`: versions, folders, the store's schema version, and which ONNX Runtime providers work here.
import type { AppInfo } from '../../shared/app-info.ts';
import { appInfo } from '../services/app-info.ts';
import { LATEST_VERSION, schemaVersion } from '../store/migrations.ts';
import { output, parseCommandArgs, table, type Command } from './command.ts';
import { DATA_DIR_HELP, DATA_DIR_OPTION, serviceContext, withStore } from './store.ts';

const USAGE = `usage: taughtnet info [options]

Prints the workbench version, the data folder and its schema version, the Node and onnxruntime-node versions,
and each ONNX Runtime execution provider (cuda, webgpu, cpu) with whether it works on this machine and why
(each is tried with a tiny session).

options:
${DATA_DIR_HELP}
  --json                          print JSON: the app's "about" fields ({"version", "versions", "dataFolder",
                                  "providers": [{"name", "available", "emulated", "reason"}], "autoProvider", "memoryMB", …})
                                  plus "schemaVersion" and "latestSchemaVersion"
`;

export type InfoReport = AppInfo & { schemaVersion: number; latestSchemaVersion: number };

function render(info: InfoReport): string {
  const works = (p: AppInfo['providers'][number]) => (p.available ? (p.emulated ? 'yes (emulated)' : 'yes') : 'no');
  return (
    `${info.name} ${info.version}\n` +
    table([
      ['data folder', info.dataFolder],
      ['schema version', `${info.schemaVersion} (this release knows up to ${info.latestSchemaVersion})`],
      ['resources', info.resourcesFolder],
      ['node', info.versions.node],
      ['onnxruntime-node', info.versions.onnxruntime],
      ['platform', `${info.platform} ${info.arch}`],
      ['memory', `${(info.memoryMB / 1000).toFixed(1)} GB`],
    ]) +
    `\nexecution providers, best first:\n` +
    table([['provider', 'works', 'why'], ...info.providers.map((p) => [p.name, works(p), p.reason])]) +
    `\ntraining on 'auto' uses: ${info.autoProvider.name ?? 'none'} (${info.autoProvider.reason})\n`
  );
}

export const info: Command = {
  summary: 'versions, data folder, schema version and the ONNX Runtime providers that work here',
  usage: USAGE,
  async run(args) {
    const { values } = parseCommandArgs(args, DATA_DIR_OPTION);
    const report = await withStore(
      values['data-dir'],
      async (store) => ({
        ...(await appInfo(serviceContext(store))),
        schemaVersion: schemaVersion(store.db),
        latestSchemaVersion: LATEST_VERSION,
      }),
      { readOnly: true },
    );
    output(values.json, report, render);
  },
};
