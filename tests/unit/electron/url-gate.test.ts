/** The URL gate: navigation, new windows, external links, permissions and blocked requests. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { NavigationEventLike, PreventableLike, SessionLike, WebContentsLike } from '../../../main/electron/url-gate.js';
import {
  BLOCKED_REQUEST_PATTERNS,
  decideNavigation,
  externalHttpUrl,
  hardenSession,
  hardenWebContents,
  isAppUrl,
  isPermissionAllowed,
  openExternalSafely,
} from '../../../main/electron/url-gate.js';

class FakeWebContents extends EventEmitter implements WebContentsLike {
  openHandler: ((details: { url: string }) => { action: 'deny' }) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void {
    this.openHandler = handler;
  }
  navigate(url: string, withEventUrl = true): boolean {
    let prevented = false;
    const event: NavigationEventLike = { preventDefault: () => (prevented = true), ...(withEventUrl ? { url } : {}) };
    this.emit('will-navigate', event, url);
    return prevented;
  }
}

function fakeShell() {
  const opened: string[] = [];
  return { opened, openExternal: (url: string) => (opened.push(url), Promise.resolve()) };
}

describe('isAppUrl', () => {
  test('only app://baton', () => {
    assert.equal(isAppUrl('app://baton/index.html'), true);
    assert.equal(isAppUrl('app://baton/'), true);
    for (const url of ['app://other/index.html', 'app://baton:1/', 'app://u@baton/', 'https://baton/', 'file:///index.html', 'about:blank', '', 'garbage']) {
      assert.equal(isAppUrl(url), false, url);
    }
  });
});

describe('externalHttpUrl and openExternalSafely', () => {
  test('http(s) with a host passes; everything else is refused', () => {
    assert.equal(externalHttpUrl('https://mlflow.org/docs/latest/projects.html'), 'https://mlflow.org/docs/latest/projects.html');
    assert.equal(externalHttpUrl('http://127.0.0.1:5000/#/runs'), 'http://127.0.0.1:5000/#/runs');
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'ms-msdt:/id PCWDiagnostic',
      'vscode://file/x',
      'app://baton/index.html',
      'https://user:pw@example.com/',
      'data:text/html,<b>x</b>',
      'not a url',
    ]) {
      assert.equal(externalHttpUrl(url), null, url);
    }
  });

  test('shell.openExternal is called only for http(s)', () => {
    const shell = fakeShell();
    const logs: string[] = [];
    assert.equal(openExternalSafely(shell, 'https://example.com/a', (m) => logs.push(m)), true);
    assert.equal(openExternalSafely(shell, 'file:///etc/passwd', (m) => logs.push(m)), false);
    assert.equal(openExternalSafely(shell, 'javascript:alert(1)', (m) => logs.push(m)), false);
    assert.deepEqual(shell.opened, ['https://example.com/a']);
    assert.equal(logs.length, 2);
  });
});

describe('hardenWebContents', () => {
  function setup() {
    const contents = new FakeWebContents();
    const external: string[] = [];
    hardenWebContents(contents, { openExternal: (url) => external.push(url) });
    return { contents, external };
  }

  test('every navigation is prevented; http(s) targets open in the browser', () => {
    const { contents, external } = setup();
    assert.equal(contents.navigate('https://example.com/'), true);
    assert.equal(contents.navigate('app://baton/other.html'), true);
    assert.equal(contents.navigate('file:///etc/passwd'), true);
    assert.equal(contents.navigate('http://example.org/x', false), true); // older Electron: url only as an argument
    assert.deepEqual(external, ['https://example.com/', 'http://example.org/x']);
  });

  test('window.open is always denied; http(s) goes to the browser', () => {
    const { contents, external } = setup();
    assert.deepEqual(contents.openHandler!({ url: 'https://example.com/new' }), { action: 'deny' });
    assert.deepEqual(contents.openHandler!({ url: 'app://baton/index.html' }), { action: 'deny' });
    assert.deepEqual(contents.openHandler!({ url: 'javascript:alert(1)' }), { action: 'deny' });
    assert.deepEqual(external, ['https://example.com/new']);
  });

  test('<webview> is never attached', () => {
    const { contents } = setup();
    let prevented = false;
    const event: PreventableLike = { preventDefault: () => (prevented = true) };
    contents.emit('will-attach-webview', event);
    assert.equal(prevented, true);
  });

  test('decideNavigation never allows', () => {
    assert.deepEqual(decideNavigation('app://baton/'), { allow: false, openExternally: null });
    assert.deepEqual(decideNavigation('https://x.org/'), { allow: false, openExternally: 'https://x.org/' });
  });
});

describe('permissions and session', () => {
  test('only clipboard writes from the app are allowed', () => {
    assert.equal(isPermissionAllowed('clipboard-sanitized-write', 'app://baton'), true);
    assert.equal(isPermissionAllowed('clipboard-sanitized-write', 'app://baton/index.html'), true);
    assert.equal(isPermissionAllowed('clipboard-sanitized-write', 'https://evil.example'), false);
    assert.equal(isPermissionAllowed('clipboard-sanitized-write', undefined), false);
    for (const p of ['clipboard-read', 'media', 'geolocation', 'notifications', 'openExternal', 'fullscreen', 'midi', 'unknown']) {
      assert.equal(isPermissionAllowed(p, 'app://baton'), false, p);
    }
  });

  test('hardenSession installs deny-by-default handlers and blocks remote requests and downloads', () => {
    const calls: Record<string, unknown> = {};
    const session = new (class extends EventEmitter implements SessionLike {
      setPermissionRequestHandler(h: unknown) {
        calls.request = h;
      }
      setPermissionCheckHandler(h: unknown) {
        calls.check = h;
      }
      setDevicePermissionHandler(h: unknown) {
        calls.device = h;
      }
      webRequest = {
        onBeforeRequest: (filter: { urls: string[] }, listener: unknown) => {
          calls.filter = filter;
          calls.beforeRequest = listener;
        },
      };
    })();
    hardenSession(session);

    const request = calls.request as Parameters<SessionLike['setPermissionRequestHandler']>[0];
    const answers: boolean[] = [];
    request(null, 'media', (g) => answers.push(g), { requestingUrl: 'app://baton/index.html' });
    request(null, 'notifications', (g) => answers.push(g), {});
    request(null, 'clipboard-sanitized-write', (g) => answers.push(g), { requestingUrl: 'app://baton/index.html' });
    assert.deepEqual(answers, [false, false, true]);

    const check = calls.check as Parameters<SessionLike['setPermissionCheckHandler']>[0];
    assert.equal(check(null, 'geolocation', 'app://baton'), false);
    assert.equal((calls.device as () => boolean)(), false);

    assert.deepEqual((calls.filter as { urls: string[] }).urls, [...BLOCKED_REQUEST_PATTERNS]);
    const before = calls.beforeRequest as Parameters<SessionLike['webRequest']['onBeforeRequest']>[1];
    let response: { cancel: boolean } | null = null;
    before({ url: 'https://cdn.example/x.js' }, (r) => (response = r));
    assert.deepEqual(response, { cancel: true });

    let prevented = false;
    session.emit('will-download', { preventDefault: () => (prevented = true) });
    assert.equal(prevented, true);
  });
});
