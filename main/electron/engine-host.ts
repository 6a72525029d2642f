/**
 * The engine process: forked by main.ts with Electron's utilityProcess, so SQLite's synchronous
 * calls and the run supervision never block a window. It owns the Engine and serves the API over
 * `process.parentPort` (engine-protocol.ts). It imports no Electron module; under plain Node it runs
 * the same way over a child_process IPC channel, which is how the tests start it.
 *
 *   engine-host.js --home DIR [--sqlite-binding FILE] [--examples DIR]
 *
 * --examples: the packaged app's bundled examples, copied into the data folder on first use.
 */
import { parseArgs } from 'node:util';
import { Engine } from '../engine/engine.js';
import type { FromHost } from './engine-protocol.js';
import { serveEngine } from './engine-service.js';
import type { HostPortLike } from './engine-service.js';
import { installNativeBinding } from './native-binding.js';

interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
}

/** Electron's parentPort (utility process) or Node's IPC channel (child_process.fork). */
function connectToParent(): HostPortLike {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) {
    return {
      post: (message: FromHost) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
    };
  }
  if (process.send) {
    const send = process.send.bind(process);
    return {
      post: (message: FromHost) => void send(message),
      onMessage: (listener) => {
        process.on('message', listener);
        // The parent is gone: close the engine as if it had asked.
        process.once('disconnect', () => listener({ type: 'shutdown' }));
      },
    };
  }
  throw new Error('engine-host must be started by Baton (Electron utilityProcess or child_process.fork with IPC).');
}

const { values } = parseArgs({
  options: { home: { type: 'string' }, 'sqlite-binding': { type: 'string' }, examples: { type: 'string' } },
  strict: true,
});
const log = (message: string) => console.error(`[baton engine] ${message}`);
const port = connectToParent();

await serveEngine(port, {
  openEngine: () => {
    if (values['sqlite-binding']) installNativeBinding(values['sqlite-binding']);
    return Engine.open(values.home ? { home: values.home } : {});
  },
  exit: (code) => process.exit(code),
  log,
  examples: values.examples,
});
