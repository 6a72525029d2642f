/**
 * The API contract bound to Electron IPC, main side. Takes `IpcMainLike` and `WebContentsTargetLike`
 * instead of Electron objects (as Bruno's sqlite package does), so the registrar is tested under
 * plain Node with fakes. One invoke channel carries every method; nothing runs before the sender
 * and the payload are checked.
 */
import type { ApiResult, EventName, EventPayload, MethodName } from '../../common/api/contract.js';
import { EVENTS, isEventName, isMethodName, parseInput } from '../../common/api/contract.js';
import type { AppErrorShape } from '../../common/errors.js';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../preload/channels.js';
import { APP_ORIGIN } from './app-protocol.js';
import { isAppUrl } from './url-gate.js';

export interface FrameLike {
  readonly url: string;
  readonly origin?: string;
  readonly parent: FrameLike | null;
  readonly detached?: boolean;
}

export interface IpcInvokeEventLike {
  readonly senderFrame: FrameLike | null;
  readonly sender: { readonly id: number };
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** Who asked: lets a native dialog open over the window that asked for it. */
export interface CallContext {
  readonly webContentsId: number;
}

export type CallFn = (method: MethodName, input: unknown, context: CallContext) => Promise<ApiResult<unknown>>;

/**
 * Why a sender is refused, or null when it is Baton's own page: the main frame (not an iframe) of a
 * known Baton window, currently showing `app://baton/`. The frame can be null when it navigated
 * away or was destroyed while the message was in flight.
 */
export function senderProblem(event: IpcInvokeEventLike, isKnownWebContents: (id: number) => boolean): string | null {
  const frame = event.senderFrame;
  if (!frame) return 'the sending frame is gone';
  if (frame.detached) return 'the sending frame is detached';
  if (frame.parent !== null) return 'the sender is a subframe, not the main frame';
  if (!isAppUrl(frame.url)) return `the sender is not Baton's page (${JSON.stringify(frame.url)})`;
  if (frame.origin !== undefined && frame.origin !== APP_ORIGIN) return `the sender's origin is ${JSON.stringify(frame.origin)}`;
  if (!isKnownWebContents(event.sender.id)) return 'the sender is not a Baton window';
  return null;
}

function usage(message: string): { ok: false; error: AppErrorShape } {
  return { ok: false, error: { code: 'USAGE', message } };
}

/**
 * Registers the API's invoke handler. Order of checks: sender, argument count, method name, input
 * schema (`parseInput` from the contract) — only then is `call` run, with the parsed input. Every
 * outcome is an ApiResult; nothing is thrown across IPC (Electron would keep only the message).
 * Returns the function that unregisters it.
 */
export function registerApiIpc(
  ipcMain: IpcMainLike,
  opts: { call: CallFn; isKnownWebContents: (id: number) => boolean; log?: (message: string) => void },
): () => void {
  const log = opts.log ?? (() => {});
  ipcMain.handle(CALL_CHANNEL, async (event, ...args): Promise<ApiResult<unknown>> => {
    const problem = senderProblem(event, opts.isKnownWebContents);
    if (problem) {
      log(`IPC refused: ${problem}`);
      return usage(`Refused: ${problem}.`);
    }
    if (args.length < 1 || args.length > 2) return usage(`Expected (method, input), got ${args.length} arguments.`);
    const [method, input] = args;
    if (typeof method !== 'string' || !isMethodName(method)) return usage(`Unknown method ${JSON.stringify(method)}.`);
    const parsed = parseInput(method, input);
    if (!parsed.ok) return parsed;
    try {
      return await opts.call(method, parsed.value, { webContentsId: event.sender.id });
    } catch (e) {
      return { ok: false, error: { code: 'INTERNAL', message: `${method} failed in the desktop shell: ${(e as Error).message}` } };
    }
  });
  return () => ipcMain.removeHandler(CALL_CHANNEL);
}

export interface WebContentsTargetLike {
  readonly id: number;
  isDestroyed(): boolean;
  getURL(): string;
  send(channel: string, ...args: unknown[]): void;
}

/**
 * Sends contract events to windows. A payload is checked against the event's schema first (the
 * engine's events cross a process boundary to get here) and goes only to live windows that show
 * Baton's own page.
 */
export function createEventSender(getTargets: () => Iterable<WebContentsTargetLike>, log: (message: string) => void = () => {}) {
  function prepare(name: string, payload: unknown): unknown {
    if (!isEventName(name)) {
      log(`dropped unknown event ${JSON.stringify(name)}`);
      return undefined;
    }
    const parsed = EVENTS[name].safeParse(payload);
    if (!parsed.success) {
      log(`dropped ${name}: invalid payload (${parsed.error.issues[0]?.message ?? ''})`);
      return undefined;
    }
    return parsed.data;
  }
  function deliver(target: WebContentsTargetLike, name: string, data: unknown): boolean {
    if (target.isDestroyed() || !isAppUrl(target.getURL())) return false;
    try {
      target.send(EVENT_CHANNEL, name, data);
      return true;
    } catch (e) {
      log(`could not send ${name} to window ${target.id}: ${(e as Error).message}`);
      return false;
    }
  }
  return {
    /** To every window; returns how many got it. */
    broadcast(name: string, payload: unknown): number {
      const data = prepare(name, payload);
      if (data === undefined) return 0;
      let n = 0;
      for (const target of getTargets()) if (deliver(target, name, data)) n++;
      return n;
    },
    /** To one window (menu commands go to the focused one). */
    sendTo<E extends EventName>(target: WebContentsTargetLike, name: E, payload: EventPayload<E>): boolean {
      const data = prepare(name, payload);
      return data !== undefined && deliver(target, name, data);
    },
  };
}

export type EventSender = ReturnType<typeof createEventSender>;
