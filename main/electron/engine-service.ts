/**
 * The engine process's side of the relay protocol (see engine-protocol.ts): owns the Engine, the
 * contract's handlers and dispatcher, and forwards engine events. Native dialogs are asked of the
 * main process, tagged with the id of the call that needs them (AsyncLocalStorage carries it through
 * the handler), so the dialog opens over the window that asked. Plain Node; tested with a real
 * Engine on a temp data folder and an in-memory port.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventName, EventPayload } from '../../common/api/contract.js';
import { AppError, toAppError } from '../../common/errors.js';
import type { AppErrorShape } from '../../common/errors.js';
import type { HostCapabilities } from '../api/handlers.js';
import { createDispatcher, createHandlers, forwardEvents, prepareLastWorkflow } from '../api/handlers.js';
import type { Engine } from '../engine/engine.js';
import type { DialogKind, FromHost } from './engine-protocol.js';
import { ToHostSchema, internalError } from './engine-protocol.js';

export interface HostPortLike {
  post(message: FromHost): void;
  onMessage(listener: (message: unknown) => void): void;
}

export interface EngineServiceOptions {
  /** Opens the engine (and anything it needs first, like the native SQLite binding). May throw. */
  openEngine(): Engine | Promise<Engine>;
  /** Called once the engine is closed after a shutdown request. */
  exit(code: number): void;
  log?: (message: string) => void;
  /** The bundled examples of a packaged app (HostCapabilities.examples). */
  examples?: string;
}

/** Dialogs the host offers the handlers; `openFile` is ready for a `dialogs.openFile` method. */
export type HostDialogs = NonNullable<HostCapabilities['dialogs']> & {
  openFile(title?: string): Promise<string | null>;
};

/** A message a person can act on when the engine cannot open, with a hint for the usual causes. */
export function explainOpenError(e: unknown): AppErrorShape {
  const err = toAppError(e);
  let message = err.message;
  if (/NODE_MODULE_VERSION|compiled against a different Node\.js version|did not self-register/i.test(message)) {
    message +=
      '\n\nbetter-sqlite3 is built for a different Node.js ABI than this Electron. `npm start` builds a copy for ' +
      'Electron in out/native/ (`node scripts/electron.mjs native`); a packaged app must be rebuilt with `npm run dist`.';
  }
  return { code: err.code, message, ...(err.code === 'INTERNAL' ? {} : { details: err.details }) };
}

/** Serves the engine on `port` until a shutdown message. Resolves once the engine is open (or failed). */
export async function serveEngine(port: HostPortLike, opts: EngineServiceOptions): Promise<'ready' | 'fatal'> {
  const log = opts.log ?? (() => {});
  const callContext = new AsyncLocalStorage<{ callId: number }>();
  const dialogWaiters = new Map<number, { resolve: (path: string | null) => void; reject: (e: Error) => void }>();
  let nextDialogId = 1;
  let engine: Engine | null = null;
  let fatal: AppErrorShape | null = null;
  let dispatch: ReturnType<typeof createDispatcher> | null = null;
  let stopEvents: (() => void) | null = null;
  let shuttingDown = false;
  const early: unknown[] = [];

  const post = (message: FromHost): boolean => {
    try {
      port.post(message);
      return true;
    } catch (e) {
      log(`could not send ${message.type} to the main process: ${(e as Error).message}`);
      return false;
    }
  };

  const askDialog = (kind: DialogKind, title?: string, defaultPath?: string): Promise<string | null> => {
    const id = nextDialogId++;
    const callId = callContext.getStore()?.callId ?? null;
    return new Promise((resolve, reject) => {
      dialogWaiters.set(id, { resolve, reject });
      const sent = post({
        type: 'dialog',
        id,
        callId,
        kind,
        ...(title === undefined ? {} : { title }),
        ...(defaultPath === undefined ? {} : { defaultPath }),
      });
      if (!sent) {
        dialogWaiters.delete(id);
        reject(new AppError('INTERNAL', 'The dialog request could not reach the main process.'));
      }
    });
  };
  const dialogs: HostDialogs = {
    openFolder: (title) => askDialog('openFolder', title),
    saveFile: (title, defaultPath) => askDialog('saveFile', title, defaultPath),
    openFile: (title) => askDialog('openFile', title),
  };

  const shutdown = async (): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    stopEvents?.();
    for (const w of dialogWaiters.values()) w.reject(new AppError('INTERNAL', 'Baton is shutting down.'));
    dialogWaiters.clear();
    try {
      await engine?.close();
    } catch (e) {
      log(`closing the engine failed: ${(e as Error).message}`);
    }
    opts.exit(0);
  };

  const handle = (raw: unknown): void => {
    const parsed = ToHostSchema.safeParse(raw);
    if (!parsed.success) {
      log(`ignored a malformed message from the main process: ${parsed.error.issues[0]?.message ?? ''}`);
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'shutdown':
        void shutdown();
        return;
      case 'dialogResult': {
        const w = dialogWaiters.get(msg.id);
        if (!w) return;
        dialogWaiters.delete(msg.id);
        if (msg.error !== undefined) w.reject(new AppError('INTERNAL', `The dialog failed: ${msg.error}`));
        else w.resolve(msg.path);
        return;
      }
      case 'call': {
        const { id, method, input } = msg;
        if (shuttingDown) {
          post({ type: 'result', id, result: internalError(`${method} was not run: Baton is shutting down.`) });
          return;
        }
        if (fatal || !dispatch) {
          post({ type: 'result', id, result: { ok: false, error: fatal ?? { code: 'INTERNAL', message: 'The engine is not open.' } } });
          return;
        }
        const run = dispatch;
        void callContext
          .run({ callId: id }, () => run(method, input))
          .then((result) => {
            if (!post({ type: 'result', id, result })) {
              post({ type: 'result', id, result: internalError(`${method}'s result could not be sent to the window (not serialisable).`) });
            }
          });
        return;
      }
    }
  };

  port.onMessage((m) => {
    if (dispatch || fatal) handle(m);
    else early.push(m);
  });

  try {
    engine = await opts.openEngine();
  } catch (e) {
    fatal = explainOpenError(e);
    log(`the engine could not open: ${fatal.message}`);
    post({ type: 'fatal', error: fatal });
    for (const m of early.splice(0)) handle(m);
    return 'fatal';
  }
  const opened = engine;
  const handlers = createHandlers(opened, { dialogs, examples: opts.examples });
  dispatch = createDispatcher(handlers);
  stopEvents = forwardEvents(opened, <E extends EventName>(name: E, payload: EventPayload<E>) => {
    post({ type: 'event', name, payload });
  });
  post({ type: 'ready', pid: process.pid });
  for (const m of early.splice(0)) handle(m);
  prepareLastWorkflow(handlers);
  return 'ready';
}
