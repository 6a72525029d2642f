/**
 * Where the desktop app finds its parts and keeps its data. Pure functions over paths.
 *
 * The app root is the folder with package.json: the repository in development, `app.asar` when
 * packaged. Built files are found relative to it: out/main/electron/ (this code), out/preload/
 * (the bundled preload), renderer/dist/ (the page), resources/ (icons).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function findAppRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`Cannot find Baton's package.json above ${from}`);
}

/** The folder for a better-sqlite3 build for one Electron ABI (must match scripts/electron.mjs). */
export function nativeBuildDir(root: string, abi: string, platform: string, arch: string): string {
  return path.join(root, 'out', 'native', `electron-v${abi}-${platform}-${arch}`);
}

export interface AppPaths {
  root: string;
  rendererDist: string;
  preload: string;
  engineHost: string;
  icon: string;
  /** better-sqlite3 built for this Electron (development only: a packaged app has it in node_modules). */
  nativeBinding: string;
}

export function appPaths(root: string, runtime: { abi: string; platform: string; arch: string }): AppPaths {
  return {
    root,
    rendererDist: path.join(root, 'renderer', 'dist'),
    preload: path.join(root, 'out', 'preload', 'index.cjs'),
    engineHost: path.join(root, 'out', 'main', 'electron', 'engine-host.js'),
    icon: path.join(root, 'resources', 'icon.png'),
    nativeBinding: path.join(nativeBuildDir(root, runtime.abi, runtime.platform, runtime.arch), 'better_sqlite3.node'),
  };
}

export interface DataFolders {
  /** The engine's data folder (history, artifacts, logs). */
  home: string;
  /** Electron's userData (Chromium profile, single-instance lock). */
  userData: string;
}

/**
 * The app's data folder is Electron's userData for "Baton" — the folder the CLI uses by default, so
 * both share one history. BATON_HOME moves the engine's data; Electron's own files then go to
 * `$BATON_HOME/electron`, so a second app on another data folder (an end-to-end test) is a separate
 * instance with its own single-instance lock.
 */
export function dataFolders(env: NodeJS.ProcessEnv, appDataDir: string): DataFolders {
  if (env.BATON_HOME) {
    const home = path.resolve(env.BATON_HOME);
    return { home, userData: path.join(home, 'electron') };
  }
  const userData = path.join(appDataDir, 'Baton');
  return { home: userData, userData };
}
