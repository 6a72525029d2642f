/** The exact BrowserWindow options a Baton window is created with: Electron's security checklist. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { APP_ENTRY_URL } from '../../../main/electron/app-protocol.js';
import { createWindowOptions } from '../../../main/electron/window-options.js';

const preload = path.resolve('/app/out/preload/index.cjs');

describe('createWindowOptions', () => {
  test('sandboxed, context-isolated, no Node, web security on', () => {
    const o = createWindowOptions({ preload, dev: false });
    const wp = o.webPreferences!;
    assert.equal(wp.sandbox, true);
    assert.equal(wp.contextIsolation, true);
    assert.equal(wp.nodeIntegration, false);
    assert.equal(wp.nodeIntegrationInWorker, false);
    assert.equal(wp.nodeIntegrationInSubFrames, false);
    assert.equal(wp.webSecurity, true);
    assert.equal(wp.allowRunningInsecureContent, false);
    assert.equal(wp.experimentalFeatures, false);
    assert.equal(wp.webviewTag, false);
    assert.equal(wp.navigateOnDragDrop, false);
    assert.equal(wp.preload, preload);
  });

  test('turns on nothing that weakens the page', () => {
    const wp = createWindowOptions({ preload, dev: true }).webPreferences!;
    for (const key of ['enableBlinkFeatures', 'additionalArguments', 'partition', 'session', 'disableBlinkFeatures'] as const) {
      assert.equal(wp[key], undefined, key);
    }
  });

  test('devtools only in development', () => {
    assert.equal(createWindowOptions({ preload, dev: false }).webPreferences!.devTools, false);
    assert.equal(createWindowOptions({ preload, dev: true }).webPreferences!.devTools, true);
  });

  test('shown only once painted; icon only when given', () => {
    const o = createWindowOptions({ preload, dev: false });
    assert.equal(o.show, false);
    assert.equal('icon' in o, false);
    assert.equal(createWindowOptions({ preload, dev: false, icon: '/i.png' }).icon, '/i.png');
  });

  test('the preload must be an absolute CommonJS bundle', () => {
    assert.throws(() => createWindowOptions({ preload: 'out/preload/index.cjs', dev: false }), /absolute/);
    assert.throws(() => createWindowOptions({ preload: '/app/preload/index.js', dev: false }), /CommonJS/);
  });

  test('the window loads only the app protocol', () => {
    assert.match(APP_ENTRY_URL, /^app:\/\/baton\//);
  });
});
