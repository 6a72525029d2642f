/** The app:// protocol on real files: path traversal in every spelling, symlinks, headers. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  createAppProtocolHandler,
  resolveAppPath,
} from '../../../main/electron/app-protocol.js';
import { tempDir, writeFiles } from '../../helpers.js';

function site() {
  const base = tempDir('baton-protocol-');
  const root = path.join(base, 'dist');
  writeFiles(root, {
    'index.html': '<!doctype html><title>Baton</title>',
    'assets/app-1.js': 'console.log(1)',
    'assets/style.css': 'body{}',
    'assets/logo.svg': '<svg/>',
  });
  writeFiles(base, { 'secret.txt': 'SECRET', 'dist-evil/x.txt': 'SIBLING' });
  return { base, root };
}

const get = (url: string) => ({ url, method: 'GET' });

describe('resolveAppPath', () => {
  const root = path.resolve('/srv/app/dist');

  test('maps app URLs into the root; / is index.html; query and hash are ignored', () => {
    assert.deepEqual(resolveAppPath(root, 'app://baton/'), { ok: true, file: path.join(root, 'index.html') });
    assert.deepEqual(resolveAppPath(root, 'app://baton/assets/a%20b.js?x=1#y'), { ok: true, file: path.join(root, 'assets', 'a b.js') });
  });

  test('refuses encoded separators, NUL and drive colons', () => {
    for (const url of [
      'app://baton/..%2fsecret.txt',
      'app://baton/..%2F..%2Fetc%2Fpasswd',
      'app://baton/%2fetc%2fpasswd',
      'app://baton/..%5c..%5csecret.txt',
      'app://baton/index.html%00.js',
      'app://baton/C:%5cWindows%5cwin.ini',
      'app://baton/c:/windows/win.ini',
    ]) {
      const r = resolveAppPath(root, url);
      assert.equal(r.ok, false, url);
    }
  });

  test('dot segments, literal or encoded (%2e%2e), never leave the root', () => {
    // The URL parser resolves these before the resolver sees them (as Chromium does): either way the
    // result is refused or lies inside the root.
    for (const url of [
      'app://baton/../../etc/passwd',
      'app://baton/assets/../../../secret.txt',
      'app://baton/%2e%2e/secret.txt',
      'app://baton/assets/%2E%2E/%2e%2e/%2e%2e/secret.txt',
      'app://baton/.%2e/secret.txt',
      'app://baton/%2e',
      'app://baton//etc/passwd',
    ]) {
      const r = resolveAppPath(root, url);
      if (r.ok) assert.ok(r.file.startsWith(root + path.sep), `${url} → ${r.file}`);
    }
  });

  test('other origins, credentials and malformed escapes are refused', () => {
    assert.deepEqual(resolveAppPath(root, 'app://evil/index.html').ok, false);
    assert.deepEqual(resolveAppPath(root, 'file:///etc/passwd').ok, false);
    assert.deepEqual(resolveAppPath(root, 'https://baton/index.html').ok, false);
    assert.deepEqual(resolveAppPath(root, 'app://user:pw@baton/index.html').ok, false);
    assert.deepEqual(resolveAppPath(root, 'app://baton/%E0%A4%A'), { ok: false, status: 400, reason: "malformed escape in '%E0%A4%A'" });
    assert.equal(resolveAppPath(root, 'not a url').ok, false);
  });
});

describe('createAppProtocolHandler', () => {
  test('serves files with their type and the security headers', async () => {
    const { root } = site();
    const handle = createAppProtocolHandler({ root });
    const html = await handle(get('app://baton/index.html'));
    assert.equal(html.status, 200);
    assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(html.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.equal(html.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await html.text(), /<title>Baton/);
    assert.equal((await handle(get('app://baton/assets/app-1.js'))).headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal((await handle(get('app://baton/assets/style.css'))).headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal((await handle(get('app://baton/assets/logo.svg'))).headers.get('content-type'), 'image/svg+xml');
    assert.match(await (await handle(get('app://baton/'))).text(), /<title>Baton/);
  });

  test('the CSP allows only the app itself to run script and reach the network', () => {
    const directives: Record<string, string> = Object.fromEntries(
      CONTENT_SECURITY_POLICY.split('; ').map((d): [string, string] => [d.split(' ')[0]!, d.split(' ').slice(1).join(' ')]),
    );
    assert.equal(directives['default-src'], "'none'");
    assert.equal(directives['script-src'], "'self'");
    assert.equal(directives['connect-src'], "'self'");
    assert.equal(directives['object-src'], "'none'");
    assert.equal(directives['base-uri'], "'none'");
    assert.equal(directives['frame-ancestors'], "'none'");
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval|https?:|\*/);
    assert.doesNotMatch(directives['script-src'] ?? '', /unsafe-inline/);
  });

  test('the scheme is standard and secure, and weakens nothing', () => {
    assert.equal(APP_SCHEME_PRIVILEGES.standard, true);
    assert.equal(APP_SCHEME_PRIVILEGES.secure, true);
    // V8's code cache for the app's scripts: a relaunch skips compiling them (docs/benchmarks.md).
    assert.equal(APP_SCHEME_PRIVILEGES.codeCache, true);
    assert.equal(APP_SCHEME_PRIVILEGES.bypassCSP, false);
    assert.equal(APP_SCHEME_PRIVILEGES.corsEnabled, false);
    assert.equal(APP_SCHEME_PRIVILEGES.allowServiceWorkers, false);
  });

  test('never serves a file outside the root, however the path is spelled', async () => {
    const { root } = site();
    const handle = createAppProtocolHandler({ root });
    for (const url of [
      'app://baton/../secret.txt',
      'app://baton/%2e%2e/secret.txt',
      'app://baton/..%2fsecret.txt',
      'app://baton/%2e%2e%2fsecret.txt',
      'app://baton/..%5csecret.txt',
      'app://baton/..%2fdist-evil%2fx.txt',
      'app://baton/secret.txt%00.html',
      `app://baton/${encodeURIComponent(path.join(path.dirname(root), 'secret.txt'))}`,
    ]) {
      const res = await handle(get(url));
      const body = await res.text();
      assert.notEqual(res.status, 200, url);
      assert.doesNotMatch(body, /SECRET|SIBLING/, url);
    }
  });

  test('a symlink out of the root is refused; one inside it is served', async () => {
    const { base, root } = site();
    fs.symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'leak.txt'));
    fs.symlinkSync(base, path.join(root, 'up'));
    fs.symlinkSync(path.join(root, 'index.html'), path.join(root, 'alias.html'));
    const handle = createAppProtocolHandler({ root });
    const leak = await handle(get('app://baton/leak.txt'));
    assert.equal(leak.status, 403);
    assert.doesNotMatch(await leak.text(), /SECRET/);
    const up = await handle(get('app://baton/up/secret.txt'));
    assert.equal(up.status, 403);
    assert.equal((await handle(get('app://baton/alias.html'))).status, 200);
  });

  test('missing files: 404, except extension-less routes, which get the page', async () => {
    const { root } = site();
    const handle = createAppProtocolHandler({ root });
    assert.equal((await handle(get('app://baton/assets/missing.js'))).status, 404);
    assert.equal((await handle(get('app://baton/assets'))).status, 404);
    const route = await handle(get('app://baton/runs/abc'));
    assert.equal(route.status, 200);
    assert.match(await route.text(), /<title>Baton/);
  });

  test('only GET and HEAD', async () => {
    const { root } = site();
    const handle = createAppProtocolHandler({ root });
    assert.equal((await handle({ url: 'app://baton/index.html', method: 'POST' })).status, 405);
    const head = await handle({ url: 'app://baton/index.html', method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  test('a missing renderer build is a 404 that says so', async () => {
    const handle = createAppProtocolHandler({ root: path.join(tempDir(), 'nope') });
    const res = await handle(get('app://baton/index.html'));
    assert.equal(res.status, 404);
    assert.match(await res.text(), /npm run build/);
  });
});
