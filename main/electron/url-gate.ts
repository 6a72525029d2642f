/**
 * The URL gate: which URLs a Baton window may load, navigate to, open or ask permissions for.
 * Pure functions plus two `harden*` functions that take small interfaces (`WebContentsLike`,
 * `SessionLike`) instead of Electron objects, so every rule is unit-tested under plain Node.
 */
import { APP_HOST, APP_ORIGIN, APP_SCHEME } from './app-protocol.js';

/** True for `app://baton/…`, the only content a Baton window shows. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && !u.username && !u.password && !u.port;
  } catch {
    return false;
  }
}

/**
 * The URL to hand to the system browser, or null. Only http(s) with a host and without credentials:
 * `file:`, `javascript:`, `smb:` and custom OS handlers (`ms-msdt:`, …) are how openExternal turns
 * into code execution, so they are never passed on.
 */
export function externalHttpUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (!u.hostname || u.username || u.password) return null;
  return u.href;
}

export interface ShellLike {
  openExternal(url: string): Promise<void>;
}

/** shell.openExternal for http(s) URLs only; returns whether the URL was passed on. */
export function openExternalSafely(shell: ShellLike, url: string, log: (message: string) => void = () => {}): boolean {
  const href = externalHttpUrl(url);
  if (!href) {
    log(`refused to open ${JSON.stringify(url)} outside the app: only http(s) links are opened`);
    return false;
  }
  shell.openExternal(href).catch((e: unknown) => log(`could not open ${href}: ${(e as Error).message}`));
  return true;
}

/** What a window does with a navigation or a window.open: never follow it; maybe open a browser. */
export interface NavigationDecision {
  readonly allow: false;
  readonly openExternally: string | null;
}

export function decideNavigation(url: string): NavigationDecision {
  return { allow: false, openExternally: externalHttpUrl(url) };
}

/**
 * Permission policy for every window: everything is denied, except writing text to the clipboard
 * from the app's own page (the "copy error code" buttons). Reading the clipboard, notifications,
 * media, geolocation, devices, fullscreen, openExternal via the permission API — all denied.
 */
export function isPermissionAllowed(permission: string, requestingUrlOrOrigin: string | undefined): boolean {
  if (permission !== 'clipboard-sanitized-write') return false;
  if (!requestingUrlOrOrigin) return false;
  return requestingUrlOrOrigin === APP_ORIGIN || isAppUrl(requestingUrlOrOrigin);
}

export interface PreventableLike {
  preventDefault(): void;
}

export interface NavigationEventLike extends PreventableLike {
  readonly url?: string;
}

export interface WebContentsLike {
  on(event: 'will-navigate', listener: (event: NavigationEventLike, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableLike) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * Applied to every web contents the app creates (app.on('web-contents-created')): no navigation
 * away from the app, no new windows, no <webview>. http(s) links go to the system browser.
 */
export function hardenWebContents(contents: WebContentsLike, deps: { openExternal(url: string): void; log?: (message: string) => void }): void {
  const log = deps.log ?? (() => {});
  contents.on('will-navigate', (event, url) => {
    const target = event.url ?? url;
    event.preventDefault();
    const decision = decideNavigation(target);
    if (decision.openExternally) deps.openExternal(decision.openExternally);
    else log(`blocked navigation to ${JSON.stringify(target)}`);
  });
  contents.setWindowOpenHandler(({ url }) => {
    const decision = decideNavigation(url);
    if (decision.openExternally) deps.openExternal(decision.openExternally);
    else log(`blocked window.open(${JSON.stringify(url)})`);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('blocked a <webview>');
  });
}

/** Request URL patterns the window's session cancels: there is no remote content in Baton. */
export const BLOCKED_REQUEST_PATTERNS = ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'file:///*'] as const;

export interface SessionLike {
  setPermissionRequestHandler(
    handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void, details: { requestingUrl?: string }) => void,
  ): void;
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string, requestingOrigin: string) => boolean): void;
  setDevicePermissionHandler(handler: () => boolean): void;
  webRequest: {
    onBeforeRequest(filter: { urls: string[] }, listener: (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void): void;
  };
  on(event: 'will-download', listener: (event: PreventableLike) => void): unknown;
}

/** Applied to the windows' session before any page loads. */
export function hardenSession(session: SessionLike, opts: { log?: (message: string) => void } = {}): void {
  const log = opts.log ?? (() => {});
  session.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const granted = isPermissionAllowed(permission, details.requestingUrl);
    if (!granted) log(`denied permission request '${permission}' from ${details.requestingUrl ?? 'an unknown page'}`);
    callback(granted);
  });
  session.setPermissionCheckHandler((_wc, permission, requestingOrigin) => isPermissionAllowed(permission, requestingOrigin));
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest({ urls: [...BLOCKED_REQUEST_PATTERNS] }, (details, callback) => {
    log(`blocked request to ${details.url}: Baton loads no remote content`);
    callback({ cancel: true });
  });
  session.on('will-download', (event) => event.preventDefault());
}
