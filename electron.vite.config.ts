// `npm run build`: the Electron app into out/ (electron-vite's default folders): main process (out/main, with the
// engine's worker), the sandboxed preload (out/preload/preload.cjs) and the Svelte renderer (out/renderer).
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONTENT_SECURITY_POLICY } from './main/app/csp.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
const at = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// electron-vite picks its Node and Chrome targets from the installed electron package, which is absent offline
// (its binary download fails). The installers are built for the version electron-builder.yml names; use that.
const electronVersion = /^electronVersion:\s*['"]?(\d+)\./m.exec(readFileSync(at('electron-builder.yml'), 'utf8'));
if (!electronVersion) throw new Error('electron-builder.yml must name electronVersion');
process.env.ELECTRON_MAJOR_VER ??= electronVersion[1];

/** Writes the CSP into index.html as the first tag of <head>, from the same constant the app sends as a header. */
function contentSecurityPolicyMeta(): Plugin {
  return {
    name: 'taughtnet:csp-meta',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
        injectTo: 'head-prepend',
      },
    ],
  };
}

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        input: {
          index: at('main/app/index.ts'),
          // The engine host process (engine/runtime/worker.ts) is started from out/main/worker.js.
          worker: at('main/engine/runtime/worker.ts'),
        },
        // Native modules load from node_modules (unpacked from the asar archive in installers).
        external: ['better-sqlite3', 'onnxruntime-node'],
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload can require only 'electron' (and a few Node built-ins): bundle everything else in,
      // as one CommonJS file (sandboxed preloads cannot be ES modules).
      externalizeDeps: false,
      rolldownOptions: {
        input: { preload: at('main/app/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: at('renderer'),
    // Svelte writes component styles to a .css file (no inline <style>), which the strict CSP needs.
    plugins: [svelte({ configFile: false, emitCss: true }), contentSecurityPolicyMeta()],
    build: {
      rolldownOptions: { input: at('renderer/index.html') },
    },
    server: { fs: { allow: [root] } },
  },
});
