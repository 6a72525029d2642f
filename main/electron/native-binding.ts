/**
 * Lets the engine process load better-sqlite3's native addon from a file outside node_modules.
 *
 * Why: node_modules keeps the build for Node's ABI, which the tests, the CLI and the web host load.
 * Electron has its own ABI, so `npm start` builds a second copy into out/native/ (see
 * scripts/electron.mjs) instead of rebuilding node_modules in place — nothing else ever sees it, and
 * `npm test` keeps working while the app runs.
 *
 * How: better-sqlite3 loads its addon through the `bindings` package, which require()s
 * `<better-sqlite3>/build/Release/better_sqlite3.node`. We load the Electron build ourselves and put
 * it in require's cache under that exact filename, so that require returns it. This must run before
 * the first database is opened, which is why the engine host calls it before opening the engine.
 */
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';

/** Returns the filename the addon was registered under. */
export function installNativeBinding(bindingFile: string, from: string = import.meta.url): string {
  const require = createRequire(from);
  const file = path.resolve(bindingFile);
  if (!fs.existsSync(file)) throw new Error(`The SQLite native module for this Electron is missing: ${file}`);
  let target: string;
  try {
    target = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
  } catch {
    throw new Error('better-sqlite3 has no build/Release/better_sqlite3.node in node_modules to stand in for; run npm ci.');
  }
  const cached = require.cache[target];
  if (cached) {
    if ((cached as { batonBinding?: string }).batonBinding === file) return target;
    throw new Error('better-sqlite3 was loaded before its Electron build could be installed.');
  }
  const m = new Module(target) as Module & { batonBinding?: string };
  m.filename = target;
  m.paths = [];
  process.dlopen(m, file);
  m.loaded = true;
  m.batonBinding = file;
  require.cache[target] = m;
  return target;
}
