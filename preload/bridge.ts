/**
 * What the preload exposes as `window.baton`: exactly the API contract's methods and events, and
 * nothing raw. `call` and `on` check every name against METHOD_NAMES / EVENT_NAMES before anything
 * reaches IPC, and listeners get the payload only — never Electron's event object, whose `sender`
 * would hand the page an ipcRenderer. Takes `IpcRendererLike`, so it is tested under plain Node.
 */
import type { ApiResult } from '../common/api/contract.js';
import { EVENT_NAMES, METHOD_NAMES } from '../common/api/contract.js';
import { CALL_CHANNEL, EVENT_CHANNEL } from './channels.js';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** The shape of `window.baton` (renderer/src/api/electron.ts declares the same for the page). */
export interface BatonBridge {
  call(method: string, input?: unknown): Promise<ApiResult<unknown>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

const methods: ReadonlySet<string> = new Set(METHOD_NAMES);
const events: ReadonlySet<string> = new Set(EVENT_NAMES);

function isApiResult(value: unknown): value is ApiResult<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; error?: unknown };
  return v.ok === true || (v.ok === false && typeof v.error === 'object' && v.error !== null);
}

export function createBridge(ipc: IpcRendererLike, log: (message: string) => void = () => {}): BatonBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let subscribed = false;

  const onEvent = (_event: unknown, ...args: unknown[]): void => {
    const [name, payload] = args;
    if (typeof name !== 'string') return;
    for (const listener of [...(listeners.get(name) ?? [])]) {
      try {
        listener(payload);
      } catch (e) {
        log(`a listener for ${name} threw: ${(e as Error).message}`);
      }
    }
  };

  const bridge: BatonBridge = {
    async call(method, input) {
      if (typeof method !== 'string' || !methods.has(method)) {
        return { ok: false, error: { code: 'USAGE', message: `Unknown method ${JSON.stringify(method)}.` } };
      }
      try {
        const result = await ipc.invoke(CALL_CHANNEL, method, input ?? {});
        if (isApiResult(result)) return result;
        return { ok: false, error: { code: 'INTERNAL', message: `${method} returned something that is not an API result.` } };
      } catch (e) {
        // invoke rejects when the input cannot be cloned (a function, a DOM node) or the main process has no handler.
        return { ok: false, error: { code: 'INTERNAL', message: `${method} could not be sent: ${(e as Error).message}` } };
      }
    },
    on(event, listener) {
      if (typeof event !== 'string' || !events.has(event)) throw new TypeError(`Unknown event ${JSON.stringify(event)}.`);
      if (typeof listener !== 'function') throw new TypeError('The listener must be a function.');
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      if (!subscribed) {
        ipc.on(EVENT_CHANNEL, onEvent);
        subscribed = true;
      }
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        set.delete(listener);
        if (set.size === 0) listeners.delete(event);
        if (listeners.size === 0 && subscribed) {
          ipc.removeListener(EVENT_CHANNEL, onEvent);
          subscribed = false;
        }
      };
    },
  };
  return Object.freeze(bridge);
}
