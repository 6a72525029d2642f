import { AppError } from '../../common/errors.js';
import { startTrackingServer } from '../engine/tracking/server.js';
import { parse, positiveInt } from './args.js';
import type { Command, ExitCode } from './commands.js';
import { HELP } from './help.js';

/**
 * `baton server [--port N]`: Baton's history as an MLflow tracking server on 127.0.0.1, so any
 * script (MLFLOW_TRACKING_URI=http://127.0.0.1:N plus the printed MLFLOW_TRACKING_TOKEN) logs into it.
 * Runs until Ctrl-C or SIGTERM.
 */
export const server: Command = async (argv, io, engine): Promise<ExitCode> => {
  const { values } = parse(argv, { port: { type: 'string' } }, { min: 0, max: 0, names: '' });
  if (values.help) {
    io.out(HELP.server);
    return 0;
  }
  const port = values.port === '0' ? 0 : positiveInt(values.port, '--port');
  if (port !== undefined && port > 65535) throw new AppError('USAGE', `--port must be at most 65535, got ${port}.`);
  const e = engine();
  let srv;
  try {
    srv = await startTrackingServer(e.store, { port, artifactRoot: e.layout.artifactRoot, keepAlive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AppError('USAGE', `Cannot listen on 127.0.0.1:${port ?? 0}: ${code === 'EADDRINUSE' ? 'the port is in use' : (err as Error).message}.`);
  }
  io.out(`export MLFLOW_TRACKING_URI=${srv.uri}\nexport MLFLOW_TRACKING_TOKEN=${srv.token}\n`);
  io.err(`Baton's MLflow tracking server is listening on ${srv.uri} (history: ${e.layout.home}). Ctrl-C stops it.\n`);
  await new Promise<void>((resolve) => io.onInterrupt(resolve));
  await srv.close();
  return 0;
};
