// What every CLI command is made of, and the helpers they share: argument parsing (node:util parseArgs),
// usage errors, and writing JSON or text.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SCHEMES, type Scheme } from '../../shared/corpus/types.ts';
import { errorMessage } from '../../shared/error-message.ts';

/** A command: `run` gets the arguments after its name and writes its own output. */
export interface Command {
  summary: string;
  /** Full help text, printed by `taughtnet CMD --help`. */
  usage: string;
  run(args: string[]): Promise<void>;
}

/** A command with subcommands (`taughtnet dataset inspect`). */
export interface CommandGroup {
  summary: string;
  subcommands: Record<string, Command>;
}

/** Wrong use of the command line: the message is printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with the options every command has (--json, --help); unknown options and missing values are UsageErrors. */
export function parseCommandArgs<O extends Options>(args: string[], options: O, positionals = 0) {
  try {
    const parsed = parseArgs({
      args,
      options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: positionals > 0,
      strict: true,
    });
    if (!(parsed.values as { help?: boolean }).help && parsed.positionals.length > positionals) {
      throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}'`);
    }
    return parsed;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(errorMessage(e));
  }
}

/** The value of an option that must be one of `allowed`; `fallback` (or undefined) when it is not given. */
export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T;
export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined;
export function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback?: T,
): T | undefined {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got '${value}'`);
  }
  return value as T;
}

/** --scheme: one of SCHEMES (bilou is read as bioes), or also 'auto' where the command can detect it. */
export function schemeOption<F extends Scheme | 'auto'>(value: string | undefined, fallback: F): Scheme | F {
  const allowed: (Scheme | F)[] = fallback === 'auto' ? [fallback, ...SCHEMES] : [...SCHEMES];
  return oneOf('scheme', value === 'bilou' ? 'bioes' : value, allowed, fallback);
}

/** A store id given as `label` (`ID`, `--resume`): a positive integer, else a UsageError naming `what` it numbers. */
export function idArgument(label: string, value: string, what: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`${label} must be a ${what} number; got '${value}'`);
  return Number(value);
}

export function required(name: string, value: string | undefined): string {
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

/** Sizes as the listings print them: megabytes, one decimal. */
export const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);

/** Prints `value` as JSON when asked for, else the text `render` makes of it. */
export function output<T>(json: boolean | undefined, value: T, render: (value: T) => string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : render(value));
}

/** Lays rows out in columns: numeric columns right-aligned, the others left-aligned. The first row is the header. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const columns = cells[0].map((_, c) => c);
  const widths = columns.map((c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const numeric = columns.map((c) => cells.slice(1).every((r) => /^-?[\d.]+$/.test(r[c] ?? '')));
  return (
    cells
      .map((r) =>
        r
          .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
