/**
 * scripts/electron.mjs: where the Electron binary cannot be found, `start` and `dist` fail within a
 * second with a message that says why and points to `npm run web` — no build, no download, no hang.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { nativeBuildDir } from '../../../main/electron/app-paths.js';
import { REPO_ROOT, tempDir } from '../../helpers.js';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'electron.mjs');

function script(args: string[], env: NodeJS.ProcessEnv = {}) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [SCRIPT, ...args], {
    encoding: 'utf8',
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    timeout: 10_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

/**
 * How long starting any Node process takes right now. The tests run in parallel with others, and on
 * a busy machine Node's own start-up alone can approach a second; the script's work must stay
 * under a second on top of it.
 */
function nodeStartupMs(): number {
  const started = Date.now();
  spawnSync(process.execPath, ['-e', '0']);
  return Date.now() - started;
}

function assertQuick(r: ReturnType<typeof script>) {
  const baseline = nodeStartupMs();
  assert.ok(r.ms - baseline < 1000, `took ${r.ms} ms (Node itself starts in ${baseline} ms)`);
}

function assertFailsFast(r: ReturnType<typeof script>, action: RegExp) {
  assert.equal(r.signal, null, 'it did not hang');
  assert.equal(r.status, 1, r.stderr);
  assertQuick(r);
  assert.match(r.stderr, action);
  assert.match(r.stderr, /the Electron [\d.]+ binary is not installed/);
  assert.match(r.stderr, /Why: /);
  assert.match(r.stderr, /never downloads it/);
  assert.match(r.stderr, /npm run web/);
}

const missingDist = () => path.join(tempDir('baton-no-electron-'), 'nothing-here');

describe('scripts/electron.mjs without the Electron binary', () => {
  test('start fails fast, says why, points to npm run web', () => {
    const r = script(['start'], { ELECTRON_OVERRIDE_DIST_PATH: missingDist() });
    assertFailsFast(r, /Cannot start the desktop app/);
    assert.match(r.stderr, /ELECTRON_OVERRIDE_DIST_PATH is .*nothing-here, which has no electron/);
  });

  test('dist fails fast the same way', () => {
    const r = script(['dist'], { ELECTRON_OVERRIDE_DIST_PATH: missingDist() });
    assertFailsFast(r, /Cannot package the desktop app/);
  });

  test('on this machine as installed (when its binary is missing)', (t) => {
    const paths = JSON.parse(script(['paths']).stdout) as { electron: { missing?: string } };
    if (!paths.electron.missing) {
      t.skip('the Electron binary is installed here');
      return;
    }
    const env = { ELECTRON_OVERRIDE_DIST_PATH: '' };
    assertFailsFast(script(['start'], env), /Cannot start the desktop app/);
    assertFailsFast(script(['dist'], env), /Cannot package the desktop app/);
  });

  test('start without a display fails fast too (Linux)', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
    const dist = tempDir('baton-fake-electron-');
    const fake = path.join(dist, 'electron');
    const marker = path.join(dist, 'ran');
    fs.writeFileSync(fake, `#!/bin/sh\ntouch ${JSON.stringify(marker)}\n`, { mode: 0o755 });
    const r = script(['start'], { ELECTRON_OVERRIDE_DIST_PATH: dist, DISPLAY: '', WAYLAND_DISPLAY: '' });
    assert.equal(r.status, 1, r.stderr);
    assertQuick(r);
    assert.match(r.stderr, /there is no display/);
    assert.match(r.stderr, /npm run web/);
    assert.equal(fs.existsSync(marker), false, 'Electron was not run');
  });
});

describe('scripts/electron.mjs paths and usage', () => {
  test('paths agree with the app (main/electron/app-paths.ts)', () => {
    const r = script(['paths']);
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout) as { abi: string; native: string; main: string; preload: string };
    assert.equal(p.native, path.join(nativeBuildDir(REPO_ROOT, p.abi, process.platform, process.arch), 'better_sqlite3.node'));
    assert.equal(p.main, path.join(REPO_ROOT, 'out', 'main', 'electron', 'main.js'));
    assert.equal(p.preload, path.join(REPO_ROOT, 'out', 'preload', 'index.cjs'));
  });

  test('unknown commands and flags are usage errors', () => {
    assert.equal(script(['launch']).status, 2);
    const r = script(['start', '--bogus']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bogus/);
  });
});
