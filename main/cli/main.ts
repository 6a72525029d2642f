import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, toAppError } from '../../common/errors.js';
import type { ErrorCode } from '../../common/errors.js';
import { Engine } from '../engine/engine.js';
import type { Command, ExitCode, Io } from './commands.js';
import { run, runs, workflow } from './commands.js';
import { HELP } from './help.js';
import { server } from './server.js';
import { ui } from './ui.js';

const COMMANDS: Record<string, Command> = { run, workflow, runs, ui, server };

/** Errors that mean "the input was wrong and nothing ran": exit code 2. */
const SYSTEM_ERRORS: ErrorCode[] = ['INTERNAL', 'STORE_ERROR', 'LAUNCH_FAILED', 'TRACKING_UNAVAILABLE', 'TRACKING_AUTH', 'TRACKING_ERROR'];

/**
 * `--tracking-uri URI` (or BATON_TRACKING_URI) may stand anywhere on the command line: it selects
 * shared-server mode for every command. Returns the remaining arguments and the URI.
 */
function takeTrackingUri(argv: string[], env: NodeJS.ProcessEnv): { argv: string[]; trackingUri?: string } {
  const rest: string[] = [];
  let uri = env.BATON_TRACKING_URI || undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--tracking-uri') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('-')) throw new AppError('USAGE', "Option '--tracking-uri <value>' argument missing.");
      uri = v;
    } else if (a.startsWith('--tracking-uri=')) uri = a.slice('--tracking-uri='.length);
    else rest.push(a);
  }
  return { argv: rest, trackingUri: uri };
}

/** The package version, from the nearest package.json above this file (source or compiled). */
function version(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

/**
 * The CLI: results on stdout, progress and logs on stderr, `error[CODE]: message` on stderr for
 * any failure, never a stack trace. Ctrl-C cancels what is running (a second one forces it).
 */
export async function main(rawArgv: string[], io: Io = processIo()): Promise<ExitCode> {
  let engine: Engine | null = null;
  let trackingUri: string | undefined;
  const getEngine = (): Engine => (engine ??= Engine.open({ trackingUri }));
  try {
    const taken = takeTrackingUri(rawArgv, process.env);
    trackingUri = taken.trackingUri;
    const [name, ...rest] = taken.argv;
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      io.out(HELP.main);
      return 0;
    }
    if (name === '--version' || name === '-V') {
      io.out(`${version()}\n`);
      return 0;
    }
    const cmd = COMMANDS[name];
    if (!cmd) throw new AppError('USAGE', `Unknown command '${name}'. Run 'baton --help' for the list of commands.`);
    // Until a command says what Ctrl-C should stop, stop everything this process has started.
    io.onInterrupt(() => {
      if (engine) void Promise.all([engine.workflows.cancelAll(), engine.runs.cancelAll()]);
    });
    return await cmd(rest, io, getEngine);
  } catch (e) {
    const err = toAppError(e);
    io.err(`error[${err.code}]: ${err.message}\n`);
    return SYSTEM_ERRORS.includes(err.code) ? 1 : 2;
  } finally {
    if (engine) await (engine as Engine).close({ cancelRunning: true }).catch(() => undefined);
  }
}

function processIo(): Io {
  let interrupt: (() => void) | null = null;
  let interrupted = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted++;
    if (interrupted === 1 && interrupt) {
      process.stderr.write(`\n${sig === 'SIGINT' ? 'Ctrl-C' : sig}: cancelling (press Ctrl-C again to stop at once)…\n`);
      interrupt();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', () => undefined); // a closed pipe (| head) must not crash a run
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    tty: process.stderr.isTTY === true,
    cwd: process.cwd(),
    onInterrupt: (fn) => {
      interrupt = fn;
    },
  };
}
