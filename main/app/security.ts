// Hardening that holds whatever the renderer does: only app:// content loads, nothing navigates away or opens
// windows, no permission is ever granted, and the CSP rides on every response.
import { app, protocol, session } from 'electron';
import { APP_HOST, APP_SCHEME, SECURITY_HEADERS, isAppUrl, rendererResponse } from './renderer-files.ts';

/** Must run before the app is ready: app:// behaves like https (a secure, standard origin for 'self'). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
}

export function serveRenderer(rendererFolder: string): void {
  protocol.handle(APP_SCHEME, (request: Request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('not found', { status: 404 });
    return rendererResponse(rendererFolder, url.pathname);
  });
}

/** Requests the app makes to itself; everything else (http, https, file, ws…) is cancelled. */
function allowedRequest(url: string): boolean {
  return isAppUrl(url) || url.startsWith('data:') || url.startsWith('devtools:');
}

// Callback parameters are typed by hand with the fields used: electron's own types are absent where its optional
// install failed (see electron-types-fallback.d.ts); where they are present they check these against the real ones.
type Headers = Record<string, string[]>;

export function hardenSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents: unknown, _permission: string, callback: (granted: boolean) => void) =>
    callback(false),
  );
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onBeforeRequest((details: { url: string }, callback: (response: { cancel: boolean }) => void) =>
    callback({ cancel: !allowedRequest(details.url) }),
  );
  ses.webRequest.onHeadersReceived(
    (details: { responseHeaders?: Headers }, callback: (response: { responseHeaders: Headers }) => void) => {
      const headers: Headers = { ...details.responseHeaders };
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers[name] = [value];
      callback({ responseHeaders: headers });
    },
  );
}

interface Preventable {
  preventDefault(): void;
}
interface WebContentsEvents {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: Preventable, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: Preventable) => void): unknown;
  setWindowOpenHandler(handler: () => { action: 'deny' }): void;
}

/** For every page the app ever creates: no navigation off the app, no new windows, no <webview>. */
export function lockDownContents(): void {
  app.on('web-contents-created', (_event: unknown, contents: WebContentsEvents) => {
    contents.on('will-navigate', (event: Preventable, url: string) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event: Preventable, url: string) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event: Preventable) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}
