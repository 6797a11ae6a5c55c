// The Electron hardening that can be checked without Electron: the window's options, the CSP, and how the
// app protocol serves files (only from out/renderer, always with the CSP header).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { windowOptions } from '../../main/app/window-options.ts';
import { CONTENT_SECURITY_POLICY } from '../../main/app/csp.ts';
import { APP_ORIGIN, isAppUrl, rendererResponse } from '../../main/app/renderer-files.ts';

test('the window runs the renderer isolated and sandboxed, without Node', () => {
  const options = windowOptions('/app/out/preload/preload.cjs');
  assert.equal(options.webPreferences.preload, '/app/out/preload/preload.cjs');
  assert.equal(options.webPreferences.contextIsolation, true);
  assert.equal(options.webPreferences.sandbox, true);
  assert.equal(options.webPreferences.nodeIntegration, false);
  assert.equal(options.webPreferences.nodeIntegrationInWorker, false);
  assert.equal(options.webPreferences.nodeIntegrationInSubFrames, false);
  assert.equal(options.webPreferences.webSecurity, true);
  assert.equal(options.webPreferences.allowRunningInsecureContent, false);
  assert.equal(options.webPreferences.webviewTag, false);
});

test('the CSP allows only the app itself: no inline code, no eval, no network, no plugins, no framing', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );
  assert.deepEqual(directives.get('default-src'), ["'self'"]);
  assert.deepEqual(directives.get('script-src'), ["'self'"]);
  assert.deepEqual(directives.get('style-src'), ["'self'"]);
  assert.deepEqual(directives.get('img-src'), ["'self'", 'data:']);
  assert.deepEqual(directives.get('connect-src'), ["'self'"]);
  assert.deepEqual(directives.get('object-src'), ["'none'"]);
  assert.deepEqual(directives.get('base-uri'), ["'none'"]);
  assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-|\*|https?:|blob:/);
});

test('only app://workbench pages count as the app', () => {
  assert.equal(isAppUrl(`${APP_ORIGIN}/index.html`), true);
  assert.equal(isAppUrl(`${APP_ORIGIN}/index.html#/about`), true);
  for (const url of [
    'app://elsewhere/index.html',
    'https://workbench/index.html',
    'file:///etc/passwd',
    'devtools://x',
    '',
    undefined,
    'not a url',
  ]) {
    assert.equal(isAppUrl(url), false, String(url));
  }
});

test('the app protocol serves files of out/renderer with the CSP, and nothing outside it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'taughtnet-renderer-files-'));
  try {
    const folder = join(root, 'renderer');
    mkdirSync(join(folder, 'assets'), { recursive: true });
    writeFileSync(join(folder, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(folder, 'assets', 'app.js'), 'export {}');
    writeFileSync(join(root, 'secret.txt'), 'not for the page');

    const index = await rendererResponse(folder, '/');
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(index.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
    const script = await rendererResponse(folder, '/assets/app.js');
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(await script.text(), 'export {}');

    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/../../secret.txt',
      '/..%2fsecret.txt',
      '/missing.js',
    ]) {
      assert.equal((await rendererResponse(folder, path)).status, 404, path);
    }
    assert.equal((await rendererResponse(folder, '/%E0%A4%A')).status, 400);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
