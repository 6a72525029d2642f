/** Where the desktop app finds its parts and keeps its data. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { appPaths, dataFolders, findAppRoot, nativeBuildDir } from '../../../main/electron/app-paths.js';
import { defaultHome } from '../../../main/engine/paths.js';
import { REPO_ROOT } from '../../helpers.js';

describe('app paths', () => {
  test('the app root is the folder with package.json', () => {
    assert.equal(findAppRoot(path.join(REPO_ROOT, 'main', 'electron')), REPO_ROOT);
    assert.equal(findAppRoot(path.join(REPO_ROOT, 'out', 'main', 'electron')), REPO_ROOT);
  });

  test('built parts', () => {
    const p = appPaths('/app', { abi: '143', platform: 'linux', arch: 'x64' });
    assert.equal(p.preload, path.join('/app', 'out', 'preload', 'index.cjs'));
    assert.equal(p.engineHost, path.join('/app', 'out', 'main', 'electron', 'engine-host.js'));
    assert.equal(p.rendererDist, path.join('/app', 'renderer', 'dist'));
    assert.equal(p.nativeBinding, path.join('/app', 'out', 'native', 'electron-v143-linux-x64', 'better_sqlite3.node'));
    assert.equal(path.dirname(p.nativeBinding), nativeBuildDir('/app', '143', 'linux', 'x64'));
  });

  test("the data folder is userData for 'Baton', the CLI's default", () => {
    const appData = '/home/u/.config';
    const f = dataFolders({}, appData);
    assert.deepEqual(f, { home: path.join(appData, 'Baton'), userData: path.join(appData, 'Baton') });
    if (process.platform === 'linux') assert.equal(defaultHome({ XDG_CONFIG_HOME: appData }), f.home);
  });

  test("BATON_HOME moves the data and gives Electron's files their own folder under it", () => {
    assert.deepEqual(dataFolders({ BATON_HOME: '/tmp/h' }, '/x'), { home: path.resolve('/tmp/h'), userData: path.join(path.resolve('/tmp/h'), 'electron') });
  });
});
