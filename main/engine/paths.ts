import os from 'node:os';
import path from 'node:path';

/**
 * The data folder: BATON_HOME, else the platform's app-data folder — the same folder Electron's
 * `app.getPath('userData')` gives for an app named "Baton", so the CLI and the desktop app share history.
 */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BATON_HOME) return path.resolve(env.BATON_HOME);
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Baton');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Baton');
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Baton');
  }
}

export interface HomeLayout {
  home: string;
  dbFile: string;
  artifactRoot: string;
  runsDir: string;
}

/** Where everything lives under the data folder. */
export function homeLayout(home: string): HomeLayout {
  return {
    home,
    dbFile: path.join(home, 'baton.db'),
    artifactRoot: path.join(home, 'artifacts'),
    // Per-run bookkeeping: the captured output and the exit-code file the launcher writes.
    runsDir: path.join(home, 'runs'),
  };
}
