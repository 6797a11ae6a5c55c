// Compiles adamw.wat into adamw-wasm.ts, the module's bytes that adamw.ts loads: `npm run build:wasm` after editing
// adamw.wat. test/engine/adamw.test.ts checks that adamw-wasm.ts is what this makes of adamw.wat.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

const here = new URL('.', import.meta.url);

/** The text of adamw-wasm.ts for the adamw.wat of today. */
export async function adamwWasmSource(): Promise<string> {
  const module = (await wabt()).parseWat('adamw.wat', readFileSync(new URL('adamw.wat', here), 'utf8'));
  try {
    module.validate();
    const bytes = Buffer.from(module.toBinary({}).buffer).toString('base64');
    return `// Made by \`npm run build:wasm\` from adamw.wat (see build-adamw-wasm.ts); do not edit.\nexport const ADAMW_WASM =\n  '${bytes}';\n`;
  } finally {
    module.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  writeFileSync(new URL('adamw-wasm.ts', here), await adamwWasmSource());
