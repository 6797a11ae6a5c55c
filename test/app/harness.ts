// The renderer test harness: serves the built renderer (out/renderer) on 127.0.0.1 the way the app protocol does
// (rendererResponse, CSP header included) and answers POST /ipc/:channel with the app's own handler table
// (handleIpc: same zod validation, same services) over a real store in a temporary data folder.
// Events reach the page over server-sent events (GET /events).
import { after, before } from 'node:test';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { build as viteBuild } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build as electronViteBuild, resolveConfig } from 'electron-vite';
import { handleIpc } from '../../main/services/handlers.ts';
import { testServiceContext } from './service-context.ts';
import { openStore, type Store } from '../../main/store/store.ts';
import { rendererResponse } from '../../main/app/renderer-files.ts';
import { RENDERER_OUTPUTS, RENDERER_SOURCES, ROOT, isStale } from '../../main/app/build-state.ts';
import { skipUnless } from '../needs.ts';
import { errorMessage } from '../../shared/error-message.ts';

export interface Harness {
  url: string;
  store: Store;
  /** The script that gives a page `window.taughtnet`; pass it to page.addInitScript. */
  bridgeScript: string;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

const CONFIG_FILE = join(ROOT, 'electron.vite.config.ts');

/** Builds out/renderer alone, as `electron-vite build` would, when it is missing or older than its sources (a second or two). */
export async function ensureRendererBuilt(): Promise<void> {
  if (!isStale(RENDERER_OUTPUTS, RENDERER_SOURCES)) return;
  const { config } = await resolveConfig(
    { root: ROOT, configFile: CONFIG_FILE, logLevel: 'warn' },
    'build',
    'production',
  );
  if (!config?.renderer) throw new Error(`${CONFIG_FILE} has no renderer config`);
  await viteBuild({ ...config.renderer, configFile: false });
}

/** Builds the whole app (main with the engine's worker, preload, renderer) into `outDir`: `npm run build`, elsewhere. */
export async function buildAppInto(outDir: string): Promise<void> {
  await electronViteBuild({
    root: ROOT,
    configFile: CONFIG_FILE,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
}

/** http-bridge.ts bundled for the browser (one classic script, no imports). */
async function bundleBridge(): Promise<string> {
  const output = await viteBuild({
    configFile: false,
    logLevel: 'warn',
    build: {
      write: false,
      minify: false,
      lib: { entry: join(ROOT, 'test/app/http-bridge.ts'), formats: ['iife'], name: 'taughtnetHarnessBridge' },
    },
  });
  const [result] = Array.isArray(output) ? output : [output];
  if (!('output' in result)) throw new Error('bundling the harness bridge gave no output');
  return result.output[0].type === 'chunk' ? result.output[0].code : '';
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) {
    body += chunk;
    if (body.length > MAX_BODY) throw new Error('request body too large');
  }
  return body;
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
}

export async function startHarness(): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'taughtnet-app-test-'));
  const store = openStore({ dataDir });
  const eventStreams = new Set<ServerResponse>();
  const ctx = testServiceContext(store, {
    appVersion: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
    emit(event, payload) {
      for (const stream of eventStreams) stream.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    },
  });
  const rendererFolder = join(ROOT, 'out/renderer');

  const server = createServer((request, response) => void serve(request, response));
  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    try {
      const ipc = /^\/ipc\/([^/]+)$/.exec(url.pathname);
      if (ipc && request.method === 'POST') {
        let args: unknown;
        try {
          args = JSON.parse(await readBody(request));
        } catch (e) {
          return sendJson(response, 400, { ok: false, error: `the request body is not JSON: ${errorMessage(e)}` });
        }
        return sendJson(response, 200, await handleIpc(ctx, decodeURIComponent(ipc[1]), args));
      }
      if (url.pathname === '/events' && request.method === 'GET') {
        response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
        eventStreams.add(response);
        request.on('close', () => eventStreams.delete(response));
        return;
      }
      if (request.method !== 'GET') return sendJson(response, 405, { error: 'method not allowed' });
      const file = await rendererResponse(rendererFolder, url.pathname);
      file.headers.forEach((value, name) => response.setHeader(name, value));
      response.writeHead(file.status);
      response.end(Buffer.from(await file.arrayBuffer()));
    } catch (e) {
      sendJson(response, 500, { error: errorMessage(e) });
    }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    store,
    bridgeScript: await bundleBridge(),
    async close() {
      for (const stream of eventStreams) stream.end();
      // A run still training is cancelled, and its engine host stopped, before the store closes under it.
      for (const run of ctx.executing.values()) run.controller.abort();
      await Promise.all([...ctx.executing.values()].map((run) => run.done));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium: the renderer tests drive it (bash .ci/system-deps installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Chromium headless, without the background connections this machine's closed network refuses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page with the harness's bridge that records every CSP violation (see cspViolations) and pushes page errors to `errors`. */
export async function openAppPage(browser: Browser, harness: Harness, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.addInitScript(harness.bridgeScript);
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.cspViolations.push(`${e.violatedDirective}: ${e.blockedURI}`),
    );
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return page;
}

/** The CSP violations a page of openAppPage reported (a blocked inline style counts). */
export const cspViolations = (page: Page): Promise<string[]> =>
  page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

/** Why the window tests skip here, or false where Chromium is installed. */
export const withoutChromium = (): string | false =>
  skipUnless(existsSync(CHROMIUM), `${CHROMIUM} is not installed (bash .ci/system-deps installs it)`);

/**
 * The set-up of a test file that drives one app page: the renderer built, a harness, Chromium and a page (with its
 * errors collected), opened before the file's tests (then `setUp` runs) and closed after them; nothing when `skip` says so.
 */
export function appPageForTests(
  skip: unknown,
  setUp?: (harness: Harness) => Promise<void>,
): { readonly harness: Harness; readonly page: Page; readonly errors: string[] } {
  const state = { errors: [] as string[] } as { harness: Harness; browser: Browser; page: Page; errors: string[] };
  before(async () => {
    if (skip) return;
    await ensureRendererBuilt();
    state.harness = await startHarness();
    state.browser = await launchChromium();
    state.page = await openAppPage(state.browser, state.harness, state.errors);
    await setUp?.(state.harness);
  });
  after(async () => {
    await state.browser?.close();
    await state.harness?.close();
  });
  return state;
}
