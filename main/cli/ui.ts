/**
 * `baton ui`: the web host on 127.0.0.1 for machines without a display. Prints the address (with
 * its per-launch token) on stdout, opens it in the default browser, and serves until Ctrl-C or
 * SIGTERM; main() then closes the engine, cancelling whatever the browser started.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../common/errors.js';
import { startWebHost } from '../server/web-host.js';
import { BUILD_COMMAND } from '../server/static.js';
import { parse } from './args.js';
import type { Command, ExitCode } from './commands.js';
import { HELP } from './help.js';

/** renderer/dist next to the package.json above this file (source or compiled in out/). */
export function defaultRendererDir(): string {
  for (
    let dir = path.dirname(fileURLToPath(import.meta.url));
    dir !== path.dirname(dir);
    dir = path.dirname(dir)
  ) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'renderer', 'dist');
  }
  return path.resolve('renderer', 'dist');
}

function portNumber(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new AppError('USAGE', `--port expects a port number from 0 to 65535, got '${value}'.`);
  return Number(value);
}

/**
 * Opens the address in the default browser. Best effort: no opener, no display or an opener that
 * fails never stops the server; the address is on stdout either way. Returns whether it tried.
 */
export function openBrowser(url: string): boolean {
  let cmd: string;
  let args: string[];
  let verbatim = false;
  if (process.platform === 'darwin') {
    [cmd, args] = ['open', [url]];
  } else if (process.platform === 'win32') {
    // `start` treats its first quoted argument as a window title, hence the empty one.
    [cmd, args, verbatim] = ['cmd', ['/c', 'start', '""', `"${url}"`], true];
  } else {
    // Without a display xdg-open would fall back to a terminal browser with no terminal.
    if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return false;
    [cmd, args] = ['xdg-open', [url]];
  }
  try {
    const child = spawn(cmd, args, {
      stdio: 'ignore',
      detached: true,
      windowsHide: true,
      windowsVerbatimArguments: verbatim,
    });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

export const ui: Command = async (argv, io, engine): Promise<ExitCode> => {
  const { values } = parse(
    argv,
    {
      port: { type: 'string', short: 'p' },
      'no-open': { type: 'boolean' },
      'renderer-dir': { type: 'string' },
    },
    { min: 0, max: 0, names: '' },
  );
  if (values.help) {
    io.out(HELP.ui);
    return 0;
  }
  const port = values.port === undefined ? 0 : portNumber(values.port);
  const rendererDir =
    values['renderer-dir'] !== undefined
      ? path.resolve(io.cwd, values['renderer-dir'])
      : defaultRendererDir();
  // Registered before anything starts, so a Ctrl-C during start-up is not lost.
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  io.onInterrupt(() => stop());

  const host = await startWebHost({
    engine: engine(),
    port,
    rendererDir,
    log: (m) => io.err(`baton ui: ${m}\n`),
  });
  io.out(`${host.url}\n`);
  io.err(
    `Baton is serving on ${host.origin} (127.0.0.1 only). Open the address above; its token is new every launch. Ctrl-C stops it.\n`,
  );
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    io.err(
      `warning: the UI is not built (${rendererDir} has no index.html); pages answer 503 until you run \`${BUILD_COMMAND}\`.\n`,
    );
  }
  if (!values['no-open'] && !openBrowser(host.url)) {
    io.err(
      `No display to open a browser on. From another machine: ssh -L ${host.port}:127.0.0.1:${host.port} THIS_HOST, then open the address above there.\n`,
    );
  }
  await stopped;
  await host.close();
  return 0;
};
