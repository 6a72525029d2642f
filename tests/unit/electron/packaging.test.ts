/** Packaging inputs: the icons are real images in every format, and electron-builder.yml points at what the build makes. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../helpers.js';

const res = (...p: string[]) => path.join(REPO_ROOT, 'resources', ...p);

function pngSize(buf: Buffer): { width: number; height: number } {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(buf.subarray(12, 16).toString('ascii'), 'IHDR');
  assert.equal(buf[25], 6, 'RGBA');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

describe('icons', () => {
  test('PNG icons of the sizes electron-builder uses', () => {
    assert.deepEqual(pngSize(fs.readFileSync(res('icon.png'))), { width: 512, height: 512 });
    for (const s of [16, 32, 48, 64, 128, 256, 512]) {
      assert.deepEqual(pngSize(fs.readFileSync(res('icons', `${s}x${s}.png`))), { width: s, height: s });
    }
  });

  test('icon.ico holds PNG images up to 256×256', () => {
    const ico = fs.readFileSync(res('icon.ico'));
    assert.equal(ico.readUInt16LE(2), 1, 'icon type');
    const count = ico.readUInt16LE(4);
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const e = 6 + 16 * i;
      const size = ico[e] === 0 ? 256 : ico[e]!;
      const data = ico.subarray(ico.readUInt32LE(e + 12), ico.readUInt32LE(e + 12) + ico.readUInt32LE(e + 8));
      assert.deepEqual(pngSize(data), { width: size, height: size });
      sizes.push(size);
    }
    assert.ok(sizes.includes(256) && sizes.includes(16));
  });

  test('icon.icns holds PNG images up to 1024×1024', () => {
    const icns = fs.readFileSync(res('icon.icns'));
    assert.equal(icns.subarray(0, 4).toString('ascii'), 'icns');
    assert.equal(icns.readUInt32BE(4), icns.length);
    const found: Record<string, number> = {};
    for (let o = 8; o < icns.length; ) {
      const type = icns.subarray(o, o + 4).toString('ascii');
      const len = icns.readUInt32BE(o + 4);
      found[type] = pngSize(icns.subarray(o + 8, o + len)).width;
      o += len;
    }
    assert.deepEqual(found, { icp4: 16, icp5: 32, icp6: 64, ic07: 128, ic08: 256, ic09: 512, ic10: 1024 });
  });
});

describe('electron-builder.yml', () => {
  const config = parse(fs.readFileSync(path.join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as {
    extraMetadata: { main: string };
    files: string[];
    asarUnpack: string[];
    extraResources: { from: string; to: string; filter: string[] }[];
    npmRebuild: boolean;
    afterPack: string;
    linux: { target: string[]; icon: string };
    mac: { target: string[]; icon: string };
    win: { target: string[]; icon: string };
  };

  test('Linux AppImage and deb, macOS dmg, Windows nsis, each with its icon', () => {
    assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
    assert.deepEqual(config.mac.target, ['dmg']);
    assert.deepEqual(config.win.target, ['nsis']);
    for (const icon of [config.linux.icon, config.mac.icon, config.win.icon]) assert.ok(fs.existsSync(path.join(REPO_ROOT, icon)), icon);
  });

  test('starts the Electron main process and ships what it loads', () => {
    assert.equal(config.extraMetadata.main, 'out/main/electron/main.js');
    for (const f of ['out/**/*', 'renderer/dist/**/*', 'resources/icon.png', 'package.json']) assert.ok(config.files.includes(f), f);
    assert.ok(config.asarUnpack.some((p) => p.includes('better-sqlite3')));
  });

  test("the first-run screen's examples ship as real files, where main.ts tells the engine to find them", () => {
    const examples = config.extraResources.find((r) => r.from === 'examples');
    assert.ok(examples, 'examples in extraResources');
    assert.equal(examples.to, 'examples');
    for (const f of ['multistep/MLproject', 'workflow.yaml']) assert.ok(fs.existsSync(path.join(REPO_ROOT, 'examples', f)), f);
    const main = fs.readFileSync(path.join(REPO_ROOT, 'main', 'electron', 'main.ts'), 'utf8');
    assert.match(main, /hostArgs\.push\('--examples', path\.join\(process\.resourcesPath, 'examples'\)\)/);
  });

  test('better-sqlite3 comes from out/native via the afterPack hook, never a rebuild of node_modules', async () => {
    assert.equal(config.npmRebuild, false);
    assert.equal(config.afterPack, './scripts/electron.mjs');
    const hook = (await import(pathToFileURL(path.join(REPO_ROOT, config.afterPack)).href)) as { afterPack?: unknown };
    assert.equal(typeof hook.afterPack, 'function');
  });
});
