/**
 * The Api over Electron IPC: a thin typed wrapper around `window.baton`, which the preload exposes
 * (preload/bridge.ts). The preload checks names, the main process checks the sender and parses every
 * input with the contract's schemas; this side only restores the types. Browser-only code.
 */
import type { Api, ApiResult, EventName, EventPayload, MethodInput, MethodName, MethodOutput } from '../../../common/api/contract.js';

/** `window.baton` as the preload exposes it. */
export interface BatonBridge {
  call(method: string, input?: unknown): Promise<ApiResult<unknown>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    /** Present only inside Baton's desktop app. */
    readonly baton?: BatonBridge;
  }
}

/** The bridge when running inside the desktop app, else undefined (the web host has none). */
export function electronBridge(): BatonBridge | undefined {
  return (globalThis as { baton?: BatonBridge }).baton;
}

export function createElectronApi(bridge: BatonBridge | undefined = electronBridge()): Api {
  if (!bridge) {
    throw new Error("window.baton is missing: this page is not running inside Baton's desktop app (use the web API).");
  }
  return {
    call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<ApiResult<MethodOutput<M>>> {
      return bridge.call(method, input) as Promise<ApiResult<MethodOutput<M>>>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      return bridge.on(event, listener as (payload: unknown) => void);
    },
  };
}
