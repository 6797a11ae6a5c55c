// `npm run bench -- NAME [ARGS…]`: runs test/bench/NAME.bench.ts. With no NAME, lists them.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
const [name, ...args] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.error(`usage: npm run bench -- <${names.join('|')}> [args]`);
  process.exit(name ? 1 : 0);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${name}.bench.ts`, ...args], {
  stdio: 'inherit',
  cwd: fileURLToPath(new URL('../..', import.meta.url)),
});
process.exit(result.status ?? 1);
