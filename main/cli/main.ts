// `taughtnet COMMAND …`: looks the command up in a table and runs it. A new command is a new file and a new row.
import { annotateCommand } from './annotate.ts';
import { UsageError, type Command, type CommandGroup } from './command.ts';
import { dataset } from './dataset.ts';
import { errors } from './errors.ts';
import { evaluate } from './eval.ts';
import { info } from './info.ts';
import { kappa } from './kappa.ts';
import { models } from './models.ts';
import { run } from './run.ts';
import { runs } from './runs.ts';
import { errorMessage } from '../../shared/error-message.ts';

const COMMANDS: Record<string, Command | CommandGroup> = {
  info,
  dataset,
  run,
  runs,
  models,
  eval: evaluate,
  kappa,
  errors,
  annotate: annotateCommand,
};

function listing(entries: Record<string, { summary: string }>): string {
  const width = Math.max(...Object.keys(entries).map((k) => k.length));
  return Object.entries(entries)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join('\n');
}

const USAGE = `usage: taughtnet COMMAND [options]

commands:
${listing(COMMANDS)}

Every command takes --json (machine-readable output on stdout) and --help.
The commands that use the experiment store (info, dataset add/list, run, runs, models) take --data-dir DIR, here or
before the command name; without it the store is in $TAUGHTNET_DATA_DIR, else the platform's per-user data folder.
`;

/**
 * Splits off the options given before the command name (`taughtnet --data-dir DIR runs list`): they are handed to
 * the command as its own, so a command that has no such option refuses it like any unknown option.
 */
function leadingOptions(args: string[]): [options: string[], rest: string[]] {
  const options: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    if (args[i].startsWith('--data-dir=')) options.push(args[i]);
    else if (args[i] === '--data-dir') {
      if (i + 1 === args.length) throw new UsageError('--data-dir needs a folder');
      options.push(args[i], args[++i]);
    } else break;
  }
  return [options, args.slice(i)];
}

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

/** The command whose --help a usage error points to; narrows as dispatch goes. */
let helpFor = 'taughtnet';

async function main(argv: string[]): Promise<void> {
  const [globals, args] = leadingOptions(argv);
  const [name, ...rest] = args;
  if (name === undefined || isHelp(name)) {
    process.stdout.write(USAGE);
    if (name === undefined) process.exitCode = 2;
    return;
  }
  const entry = COMMANDS[name];
  if (!entry) throw new UsageError(`unknown command '${name}'`);
  helpFor = `taughtnet ${name}`;
  if ('subcommands' in entry) {
    const [sub, ...subArgs] = rest;
    const groupUsage = `usage: taughtnet ${name} SUBCOMMAND [options]\n\nsubcommands:\n${listing(entry.subcommands)}\n`;
    if (sub === undefined || isHelp(sub)) {
      process.stdout.write(groupUsage);
      if (sub === undefined) process.exitCode = 2;
      return;
    }
    const command = entry.subcommands[sub];
    if (!command) throw new UsageError(`unknown subcommand '${name} ${sub}'`);
    helpFor = `taughtnet ${name} ${sub}`;
    return runCommand(command, [...globals, ...subArgs]);
  }
  return runCommand(entry, [...globals, ...rest]);
}

async function runCommand(command: Command, args: string[]): Promise<void> {
  if (args.some(isHelp)) {
    process.stdout.write(command.usage);
    return;
  }
  await command.run(args);
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`taughtnet: ${e.message}\n(see ${helpFor} --help)\n`);
    process.exitCode = 2;
  } else {
    // Each line, so a message of several (a corpus's errors, FILE:LINE each) reads as the CLI's on every line.
    for (const line of errorMessage(e).split('\n')) process.stderr.write(`taughtnet: ${line}\n`);
    if (process.env.TAUGHTNET_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = 1;
  }
}
