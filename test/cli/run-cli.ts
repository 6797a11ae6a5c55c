// Runs the real CLI (`node main/cli/taughtnet.mjs …`) as a user would, and collects what it printed.
import { execFile } from 'node:child_process';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `env` entries are laid over this process's environment; an undefined one is removed. */
export function taughtnet(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const merged = { ...process.env, ...env };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  return new Promise((resolve) => {
    execFile(process.execPath, ['main/cli/taughtnet.mjs', ...args], { env: merged }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}
