/**
 * The engine process loads better-sqlite3's addon from out/native/ (the Electron build) instead of
 * node_modules. Proven here with a copy of the Node build at another path, in a fresh process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT, tempDir } from '../../helpers.js';

const require = createRequire(import.meta.url);
const CHILD = path.join(REPO_ROOT, 'tests', 'unit', 'electron', 'fixtures', 'native-binding-child.ts');

function runChild(binding: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', CHILD, binding], { encoding: 'utf8', cwd: REPO_ROOT });
}

describe('installNativeBinding', () => {
  test('better-sqlite3 uses the addon from the given file, not the one in node_modules', () => {
    const original = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
    const alt = path.join(tempDir('baton-native-'), 'electron-vX', 'better_sqlite3.node');
    fs.mkdirSync(path.dirname(alt), { recursive: true });
    fs.copyFileSync(original, alt);
    const r = runChild(alt);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.target, fs.realpathSync(original));
    assert.match(String(out.sqlite), /^3\./);
    assert.equal(out.cachedIsOurs, true);
    assert.equal(out.again, true, 'installing the same file twice is harmless');
    if (process.platform === 'linux') {
      assert.equal(out.altMapped, true, 'the alternative addon is loaded');
      assert.equal(out.originalMapped, false, "node_modules' addon is never loaded");
    }
  });

  test('a missing file is a clear error', () => {
    const r = runChild(path.join(tempDir(), 'missing.node'));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /The SQLite native module for this Electron is missing/);
  });
});
