/**
 * The main process's side of the engine process: matches API calls to answers by request id,
 * times calls out, relays events and dialog requests, and restarts the engine process when it dies.
 * Takes a `spawn()` that returns an `EngineProcessLike` (an Electron UtilityProcess in the app, a
 * Node child process or an in-memory fake in tests), so all of it is tested without Electron.
 *
 * Guarantees:
 * - every call settles exactly once with an ApiResult, never a rejection;
 * - a call that reached a process that then died gets INTERNAL saying so (it is not retried: it may
 *   have started a run); a call that had not been sent yet waits for the restarted process;
 * - more than `maxRestarts` deaths within `restartWindowMs` stop the restarts: every call then
 *   gets one INTERNAL error saying Baton gave up, until `restart()`;
 * - a `fatal` message (the engine could not open, e.g. better-sqlite3 built for the wrong ABI) is
 *   not retried either: restarting would fail the same way, so calls get that error.
 */
import type { ApiResult, MethodName } from '../../common/api/contract.js';
import type { AppErrorShape } from '../../common/errors.js';
import type { DialogRequest, ToHost } from './engine-protocol.js';
import { FromHostSchema, internalError } from './engine-protocol.js';
import type { CallContext } from './ipc.js';

export interface EngineProcessLike {
  postMessage(message: ToHost): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
  readonly pid?: number | undefined;
}

export interface EngineRelayOptions {
  spawn(): EngineProcessLike;
  /** An engine event, to be checked and sent to the windows. */
  onEvent(name: string, payload: unknown): void;
  /** Shows a native dialog over the window that made the call (context null: no call known). */
  showDialog(request: DialogRequest, context: CallContext | null): Promise<string | null>;
  /** Per-call limit (default 2 minutes); `untimedMethods` wait for a person and have none. */
  callTimeoutMs?: number;
  untimedMethods?: readonly MethodName[];
  maxRestarts?: number;
  restartWindowMs?: number;
  /** How long `stop()` waits for the engine to close before killing it (cancelling runs takes up to the 5 s grace). */
  shutdownTimeoutMs?: number;
  now?: () => number;
  log?: (message: string) => void;
}

export type RelayState = 'idle' | 'starting' | 'ready' | 'failed' | 'stopping' | 'stopped';

interface Pending {
  readonly id: number;
  readonly method: MethodName;
  readonly input: unknown;
  readonly context: CallContext | null;
  readonly resolve: (result: ApiResult<unknown>) => void;
  timer: ReturnType<typeof setTimeout> | null;
  sent: boolean;
}

const DEFAULT_UNTIMED: readonly MethodName[] = ['dialogs.openFolder', 'dialogs.openFile', 'dialogs.saveFile'];

export class EngineRelay {
  private proc: EngineProcessLike | null = null;
  private currentState: RelayState = 'idle';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private deaths: number[] = [];
  private failure: AppErrorShape | null = null;
  private stopped: Promise<void> | null = null;
  private onStopped: (() => void) | null = null;
  private readonly opts: Required<Omit<EngineRelayOptions, 'spawn' | 'onEvent' | 'showDialog'>> &
    Pick<EngineRelayOptions, 'spawn' | 'onEvent' | 'showDialog'>;

  constructor(opts: EngineRelayOptions) {
    this.opts = {
      callTimeoutMs: 120_000,
      untimedMethods: DEFAULT_UNTIMED,
      maxRestarts: 5,
      restartWindowMs: 60_000,
      shutdownTimeoutMs: 10_000,
      now: Date.now,
      log: () => {},
      ...opts,
    };
  }

  get state(): RelayState {
    return this.currentState;
  }

  /** The engine process's pid while one runs. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts the engine process (calls start it too). */
  start(): void {
    if (this.currentState === 'idle') this.spawn();
  }

  /** After a crash loop or a fatal start: forget the failure and try again. */
  restart(): void {
    if (this.currentState !== 'failed') return;
    const old = this.proc;
    this.proc = null;
    old?.kill();
    this.failure = null;
    this.deaths = [];
    this.spawn();
  }

  call(method: MethodName, input: unknown, context: CallContext | null = null): Promise<ApiResult<unknown>> {
    if (this.currentState === 'stopping' || this.currentState === 'stopped') {
      return Promise.resolve(internalError(`${method} was not run: Baton is shutting down.`));
    }
    this.start();
    if (this.currentState === 'failed' && this.failure) return Promise.resolve({ ok: false, error: this.failure });
    return new Promise((resolve) => {
      const id = this.nextId++;
      const p: Pending = { id, method, input, context, resolve, timer: null, sent: false };
      if (!this.opts.untimedMethods.includes(method)) {
        p.timer = setTimeout(() => {
          const s = Number((this.opts.callTimeoutMs / 1000).toFixed(2));
          this.opts.log(`${method} (#${id}) timed out after ${s} s`);
          this.settle(p, internalError(`${method} got no answer from the engine within ${s} s; it may be stuck. Try again, or restart Baton.`));
        }, this.opts.callTimeoutMs);
      }
      this.pending.set(id, p);
      if (this.currentState === 'ready') this.send(p);
    });
  }

  /** Asks the engine to close (it cancels what it runs), kills it after `shutdownTimeoutMs`. */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    const proc = this.proc;
    this.currentState = 'stopping';
    for (const p of [...this.pending.values()]) this.settle(p, internalError(`${p.method} was interrupted: Baton is shutting down.`));
    if (!proc) {
      this.currentState = 'stopped';
      this.stopped = Promise.resolve();
      return this.stopped;
    }
    this.stopped = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.opts.log(`the engine did not exit within ${this.opts.shutdownTimeoutMs} ms; killing it`);
        proc.kill();
      }, this.opts.shutdownTimeoutMs);
      this.onStopped = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    try {
      proc.postMessage({ type: 'shutdown' });
    } catch {
      proc.kill();
    }
    return this.stopped;
  }

  private spawn(): void {
    let proc: EngineProcessLike;
    try {
      proc = this.opts.spawn();
    } catch (e) {
      this.fail({ code: 'INTERNAL', message: `The engine process could not be started: ${(e as Error).message}` });
      return;
    }
    this.proc = proc;
    this.currentState = 'starting';
    proc.on('message', (m) => this.onMessage(proc, m));
    proc.on('exit', (code) => this.onExit(proc, code));
  }

  private send(p: Pending): void {
    try {
      this.proc!.postMessage({ type: 'call', id: p.id, method: p.method, input: p.input });
      p.sent = true;
    } catch (e) {
      this.settle(p, internalError(`${p.method} could not be sent to the engine: ${(e as Error).message}`));
    }
  }

  private settle(p: Pending, result: ApiResult<unknown>): void {
    if (this.pending.get(p.id) !== p) return;
    this.pending.delete(p.id);
    if (p.timer) clearTimeout(p.timer);
    p.resolve(result);
  }

  private fail(error: AppErrorShape): void {
    this.failure = error;
    this.currentState = 'failed';
    for (const p of [...this.pending.values()]) this.settle(p, { ok: false, error });
  }

  private onMessage(proc: EngineProcessLike, raw: unknown): void {
    if (proc !== this.proc) return; // a late message from a process already replaced
    const parsed = FromHostSchema.safeParse(raw);
    if (!parsed.success) {
      this.opts.log(`ignored a malformed message from the engine: ${parsed.error.issues[0]?.message ?? ''}`);
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'ready':
        if (this.currentState !== 'starting') return;
        this.currentState = 'ready';
        for (const p of [...this.pending.values()]) if (!p.sent) this.send(p);
        return;
      case 'fatal':
        this.opts.log(`the engine could not start: ${msg.error.message}`);
        this.fail(msg.error);
        return;
      case 'result': {
        const p = this.pending.get(msg.id);
        if (!p) {
          this.opts.log(`ignored the answer to call #${msg.id}: it had already timed out or been settled`);
          return;
        }
        this.settle(p, msg.result);
        return;
      }
      case 'event':
        this.opts.onEvent(msg.name, msg.payload);
        return;
      case 'dialog': {
        const context = msg.callId === null ? null : (this.pending.get(msg.callId)?.context ?? null);
        const request: DialogRequest = { kind: msg.kind, title: msg.title, defaultPath: msg.defaultPath };
        const reply = (path: string | null, error?: string) => {
          if (proc !== this.proc) return;
          try {
            proc.postMessage({ type: 'dialogResult', id: msg.id, path, ...(error === undefined ? {} : { error }) });
          } catch (e) {
            this.opts.log(`could not send a dialog result to the engine: ${(e as Error).message}`);
          }
        };
        this.opts.showDialog(request, context).then(
          (path) => reply(path),
          (e: unknown) => reply(null, (e as Error).message ?? String(e)),
        );
        return;
      }
    }
  }

  private onExit(proc: EngineProcessLike, code: number): void {
    if (proc !== this.proc) return;
    this.proc = null;
    if (this.currentState === 'stopping') {
      this.currentState = 'stopped';
      this.onStopped?.();
      return;
    }
    if (this.currentState === 'failed') return;
    const now = this.opts.now();
    this.deaths = [...this.deaths.filter((t) => now - t < this.opts.restartWindowMs), now];
    const givingUp = this.deaths.length > this.opts.maxRestarts;
    this.opts.log(`the engine process exited unexpectedly (exit code ${code})${givingUp ? '' : '; restarting it'}`);
    for (const p of [...this.pending.values()]) {
      if (!p.sent) continue;
      this.settle(
        p,
        internalError(
          `The engine process stopped unexpectedly (exit code ${code}) while handling ${p.method}. ` +
            (givingUp ? 'It keeps stopping, so Baton stopped restarting it.' : 'It has been restarted; try again.'),
        ),
      );
    }
    if (givingUp) {
      const s = Math.round(this.opts.restartWindowMs / 1000);
      this.fail({
        code: 'INTERNAL',
        message:
          `The engine process stopped ${this.deaths.length} times within ${s} s (last exit code ${code}), so Baton stopped restarting it. ` +
          'Quit and reopen Baton; the terminal output or the system log says why it stopped.',
      });
      return;
    }
    this.spawn();
  }
}
