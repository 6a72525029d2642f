#!/usr/bin/env node
/**
 * Build, launch and package steps of the desktop app (`npm start`, `npm run dist`).
 *
 *   node scripts/electron.mjs start [--no-build] [-- ELECTRON_ARGS]  build, then run Baton in Electron
 *   node scripts/electron.mjs dist [--no-build] [--dir]            build and package (electron-builder.yml)
 *   node scripts/electron.mjs preload                              bundle preload/ → out/preload/index.cjs
 *   node scripts/electron.mjs native [--force]                     better-sqlite3 for Electron's ABI → out/native/
 *   node scripts/electron.mjs paths                                where the binary and built parts are (JSON)
 *
 * `start` and `dist` first check that the Electron binary is installed and, when it is not, exit at
 * once with status 1 and what to do instead. Nothing here downloads Electron.
 *
 * Native module: node_modules keeps better-sqlite3 built for Node (tests, CLI, web host). `native`
 * builds a second copy for Electron's ABI in a staging folder with electron-builder's
 * `install-app-deps` (@electron/rebuild) and keeps only the .node file, under
 * out/native/electron-v<abi>-<platform>-<arch>/. In development the engine process loads it from
 * there (main/electron/native-binding.ts); `dist` copies it into the packaged app (the afterPack
 * hook below, named in electron-builder.yml). node_modules is never rebuilt in place, so `npm test`
 * works before, during and after `npm start`.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));

const MAIN_ENTRY = path.join(ROOT, 'out', 'main', 'electron', 'main.js');
const PRELOAD_ENTRY = path.join(ROOT, 'preload', 'index.ts');
const PRELOAD_BUNDLE = path.join(ROOT, 'out', 'preload', 'index.cjs');
const NATIVE_FILE = 'better_sqlite3.node';

class UserError extends Error {}

/** The installed electron package: its folder, version and Node ABI, or null. */
export function electronPackage() {
  let pkgJson;
  try {
    pkgJson = require.resolve('electron/package.json');
  } catch {
    return null;
  }
  const dir = path.dirname(pkgJson);
  const version = JSON.parse(fs.readFileSync(pkgJson, 'utf8')).version;
  let abi = null;
  try {
    abi = fs.readFileSync(path.join(dir, 'abi_version'), 'utf8').trim();
  } catch {
    abi = null;
  }
  return { dir, version, abi };
}

function platformExecutable(platform = process.platform) {
  if (platform === 'darwin') return path.join('Electron.app', 'Contents', 'MacOS', 'Electron');
  if (platform === 'win32') return 'electron.exe';
  return 'electron';
}

/**
 * Where the Electron binary is, without running or downloading anything: ELECTRON_OVERRIDE_DIST_PATH
 * (as the electron package itself honours it), else node_modules/electron/dist/<path.txt>.
 * Returns { ok: true, binary, distDir, version } or { ok: false, reason, version }.
 */
export function locateElectron(env = process.env) {
  const pkg = electronPackage();
  if (!pkg) return { ok: false, version: null, reason: 'the electron package is not installed in node_modules (run npm ci)' };
  const exe = platformExecutable();
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const distDir = path.resolve(env.ELECTRON_OVERRIDE_DIST_PATH);
    const binary = path.join(distDir, exe);
    if (fs.existsSync(binary)) return { ok: true, binary, distDir, version: pkg.version };
    return { ok: false, version: pkg.version, reason: `ELECTRON_OVERRIDE_DIST_PATH is ${distDir}, which has no ${exe}` };
  }
  let rel;
  try {
    rel = fs.readFileSync(path.join(pkg.dir, 'path.txt'), 'utf8').trim();
  } catch {
    return {
      ok: false,
      version: pkg.version,
      reason: `${path.relative(ROOT, path.join(pkg.dir, 'path.txt'))} is missing: the electron package's install step, which downloads the binary, did not run or did not finish`,
    };
  }
  const distDir = path.join(pkg.dir, 'dist');
  const binary = path.join(distDir, rel);
  if (!fs.existsSync(binary)) return { ok: false, version: pkg.version, reason: `${path.relative(ROOT, binary)} does not exist` };
  return { ok: true, binary, distDir, version: pkg.version };
}

function requireElectron(action) {
  const found = locateElectron();
  if (found.ok) return found;
  const v = found.version ?? '';
  throw new UserError(
    [
      `Cannot ${action}: the Electron ${v} binary is not installed.`,
      `  Why: ${found.reason}.`,
      '  Baton never downloads it on its own. To install it, with network access run:',
      '      node node_modules/electron/install.js',
      `  or set ELECTRON_OVERRIDE_DIST_PATH to a folder holding an unpacked Electron ${v}.`,
      '  Without Electron, use Baton in a browser instead:  npm run web',
    ].join('\n'),
  );
}

function requireDisplay() {
  if (process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY) return;
  throw new UserError(
    [
      'Cannot start the desktop app: there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set).',
      '  On a machine without a screen, use Baton in a browser instead:  npm run web',
      '  (or run the app under a virtual display: xvfb-run npm start).',
    ].join('\n'),
  );
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (r.error) throw new UserError(`${cmd} ${args.join(' ')} could not run: ${r.error.message}`);
  if (r.status !== 0) throw new UserError(`${path.basename(cmd)} ${args.join(' ')} failed (exit ${r.status ?? r.signal}).`);
}

function npmRun(script) {
  // Under npm, npm_execpath is npm's own CLI; run it with this Node so no shell is needed.
  if (process.env.npm_execpath && /npm-cli\.c?js$/.test(process.env.npm_execpath)) {
    run(process.execPath, [process.env.npm_execpath, 'run', script]);
  } else {
    run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', script], { shell: process.platform === 'win32' });
  }
}

/** Bundles the preload to one CommonJS file: sandboxed preloads cannot load ES modules or other files. */
export async function bundlePreload() {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [PRELOAD_ENTRY],
    outfile: PRELOAD_BUNDLE,
    bundle: true,
    format: 'cjs',
    platform: 'browser',
    target: 'chrome120',
    external: ['electron'],
    // The contract's name lists pull in zod; minified, the bundle parses in a few milliseconds per window.
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return PRELOAD_BUNDLE;
}

/** out/native/electron-v<abi>-<platform>-<arch> (main/electron/app-paths.ts nativeBuildDir must agree). */
export function nativeBuildDir(abi, platform = process.platform, arch = process.arch) {
  return path.join(ROOT, 'out', 'native', `electron-v${abi}-${platform}-${arch}`);
}

function nativeTarget() {
  const pkg = electronPackage();
  if (!pkg?.abi) throw new UserError('The electron package is not installed (or has no abi_version); run npm ci.');
  const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'));
  const sqliteVersion = JSON.parse(fs.readFileSync(path.join(sqliteDir, 'package.json'), 'utf8')).version;
  const dir = nativeBuildDir(pkg.abi);
  return {
    pkg,
    sqliteDir,
    dir,
    file: path.join(dir, NATIVE_FILE),
    metaFile: path.join(dir, 'build.json'),
    meta: { electron: pkg.version, abi: pkg.abi, platform: process.platform, arch: process.arch, betterSqlite3: sqliteVersion },
  };
}

function nativeIsCurrent(t) {
  try {
    return fs.existsSync(t.file) && JSON.stringify(JSON.parse(fs.readFileSync(t.metaFile, 'utf8'))) === JSON.stringify(t.meta);
  } catch {
    return false;
  }
}

/** Builds better-sqlite3 for Electron's ABI out of place (see the header). Returns the .node file. */
export function buildNative({ force = false } = {}) {
  const t = nativeTarget();
  if (!force && nativeIsCurrent(t)) return t.file;
  const staging = path.join(ROOT, 'out', 'native', '.staging');
  fs.rmSync(staging, { recursive: true, force: true });
  const moduleCopy = path.join(staging, 'node_modules', 'better-sqlite3');
  const ownBuild = path.join(t.sqliteDir, 'build');
  fs.cpSync(t.sqliteDir, moduleCopy, { recursive: true, filter: (src) => src !== ownBuild && !src.startsWith(ownBuild + path.sep) });
  fs.writeFileSync(
    path.join(staging, 'package.json'),
    JSON.stringify(
      {
        name: 'baton-native-staging',
        version: '0.0.0',
        private: true,
        dependencies: { 'better-sqlite3': t.meta.betterSqlite3 },
        build: { electronVersion: t.pkg.version },
      },
      null,
      2,
    ),
  );
  console.error(`Building better-sqlite3 ${t.meta.betterSqlite3} for Electron ${t.pkg.version} (ABI ${t.pkg.abi}, ${process.platform}-${process.arch})…`);
  const cli = path.join(path.dirname(require.resolve('electron-builder/package.json')), 'cli.js');
  try {
    try {
      run(process.execPath, [cli, 'install-app-deps', '--platform', process.platform, '--arch', process.arch], { cwd: staging });
    } catch (e) {
      throw new UserError(
        `${e.message}\n  better-sqlite3 could not be built for Electron: @electron/rebuild needs either a prebuilt binary (downloaded from GitHub) ` +
          "or Electron's headers (downloaded from electronjs.org) plus a C++ toolchain.",
      );
    }
    const built = path.join(moduleCopy, 'build', 'Release', NATIVE_FILE);
    if (!fs.existsSync(built)) throw new UserError(`The Electron build of better-sqlite3 is missing after the rebuild (${built}).`);
    fs.mkdirSync(t.dir, { recursive: true });
    fs.copyFileSync(built, t.file);
    fs.writeFileSync(t.metaFile, `${JSON.stringify(t.meta, null, 2)}\n`);
    return t.file;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * electron-builder afterPack hook (electron-builder.yml: `afterPack: ./scripts/electron.mjs`): puts
 * the Electron build of better-sqlite3 into the packaged app, replacing the Node build copied from
 * node_modules, before the app is signed.
 */
export async function afterPack(context) {
  const { Arch } = await import('electron-builder');
  const arch = Arch[context.arch];
  if (context.electronPlatformName !== process.platform || arch !== process.arch) {
    throw new Error(
      `Packaging for ${context.electronPlatformName}-${arch} on ${process.platform}-${process.arch}: the better-sqlite3 build in out/native/ ` +
        'is for this machine only. Package on the target platform and architecture.',
    );
  }
  const t = nativeTarget();
  if (!nativeIsCurrent(t)) throw new Error(`No current Electron build of better-sqlite3 at ${t.file}; run: node scripts/electron.mjs native`);
  const productFilename = context.packager.appInfo.productFilename;
  const rel = path.join('app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', NATIVE_FILE);
  const candidates = [
    path.join(context.appOutDir, 'resources', rel),
    path.join(context.appOutDir, `${productFilename}.app`, 'Contents', 'Resources', rel),
  ];
  const target = candidates.find((p) => fs.existsSync(p));
  if (!target) throw new Error(`better-sqlite3 is not unpacked from the asar (looked for ${candidates.join(', ')}); keep it in asarUnpack.`);
  fs.copyFileSync(t.file, target);
  console.error(`  • replaced ${path.relative(context.appOutDir, target)} with the Electron ${t.pkg.version} build`);
}

async function start(flags, passthrough) {
  const electron = requireElectron('start the desktop app');
  requireDisplay();
  if (!flags['no-build']) npmRun('build');
  await bundlePreload();
  buildNative();
  if (!fs.existsSync(MAIN_ENTRY)) throw new UserError(`${path.relative(ROOT, MAIN_ENTRY)} is missing; run npm run build.`);
  const child = spawn(electron.binary, [MAIN_ENTRY, ...passthrough], { stdio: 'inherit', cwd: ROOT });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => {
    child.on('error', (e) => {
      console.error(`Electron could not be started: ${e.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function dist(flags) {
  const electron = requireElectron('package the desktop app');
  if (!flags['no-build']) npmRun('build');
  await bundlePreload();
  buildNative();
  const { build } = await import('electron-builder');
  // electron-builder.yml is read as usual; these override it. electronDist: package the binary that is
  // already here instead of downloading one (so this works offline, for this platform).
  await build({ projectDir: ROOT, publish: 'never', dir: !!flags.dir, config: { electronDist: electron.distDir } });
  return 0;
}

function paths() {
  const electron = locateElectron();
  const pkg = electronPackage();
  const out = {
    electron: electron.ok ? { binary: electron.binary, distDir: electron.distDir, version: electron.version } : { missing: electron.reason },
    abi: pkg?.abi ?? null,
    main: MAIN_ENTRY,
    preload: PRELOAD_BUNDLE,
    native: pkg?.abi ? path.join(nativeBuildDir(pkg.abi), NATIVE_FILE) : null,
    renderer: path.join(ROOT, 'renderer', 'dist', 'index.html'),
  };
  console.log(JSON.stringify(out, null, 2));
  return 0;
}

async function main(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'no-build': { type: 'boolean' }, dir: { type: 'boolean' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  const [command, ...rest] = positionals;
  switch (values.help ? 'help' : command) {
    case 'start':
      return start(values, rest);
    case 'dist':
      return dist(values);
    case 'preload':
      console.error(`bundled ${path.relative(ROOT, await bundlePreload())}`);
      return 0;
    case 'native':
      console.error(`better-sqlite3 for Electron: ${path.relative(ROOT, buildNative({ force: !!values.force }))}`);
      return 0;
    case 'paths':
      return paths();
    default:
      console.error('usage: node scripts/electron.mjs start|dist|preload|native|paths [--no-build] [--dir] [--force]');
      return command === undefined || values.help ? 0 : 2;
  }
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      if (e instanceof UserError) console.error(`error: ${e.message}`);
      else console.error(e);
      process.exit(1);
    },
  );
}
