/**
 * Renderer test helpers: a real engine behind the typed Api (createDispatcher + forwardEvents, the
 * same seam both transports use), the bundled example, and small waiting helpers.
 */
import { after, before } from 'node:test';
import path from 'node:path';
import fs from 'node:fs';
import type { Api, EventName, EventPayload } from '../../../common/api/contract.js';
import { createDispatcher, createHandlers, forwardEvents } from '../../../main/api/handlers.js';
import type { Engine } from '../../../main/engine/engine.js';
import { createAppStore } from '../../../renderer/src/store/create-store.js';
import type { AppStore } from '../../../renderer/src/store/create-store.js';
import { startEffects } from '../../../renderer/src/store/effects.js';
import { REPO_ROOT, openEngine, tempDir } from '../../helpers.js';

export { REPO_ROOT, tempDir };

export interface EngineApi {
  api: Api;
  engine: Engine;
  /** Every method call made, for assertions on what the store asked for. */
  calls: string[];
  close(): Promise<void>;
}

export function engineApi(): EngineApi {
  const engine = openEngine();
  const dispatch = createDispatcher(createHandlers(engine));
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const stop = forwardEvents(engine, (event, payload) => {
    for (const l of listeners.get(event) ?? []) l(payload);
  });
  const calls: string[] = [];
  const api: Api = {
    call: ((method: string, input: unknown) => {
      calls.push(method);
      return dispatch(method, input);
    }) as Api['call'],
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const l = listener as (p: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
  };
  return {
    api,
    engine,
    calls,
    close: async () => {
      stop();
      await engine.close();
    },
  };
}

/** A copy of examples/ in a temp folder (tests save into it). */
export function copyExample(): { dir: string; workflow: string; project: string } {
  const dir = tempDir('baton-ui-example-');
  fs.cpSync(path.join(REPO_ROOT, 'examples'), dir, { recursive: true });
  return { dir, workflow: path.join(dir, 'workflow.yaml'), project: path.join(dir, 'multistep') };
}

export async function waitFor<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The store with its effects on a real engine, for a test file: made before its tests, closed after. */
export interface EngineStore {
  env: EngineApi;
  store: AppStore;
}

export function storeOnEngine(): EngineStore {
  const t = {} as EngineStore;
  let stop = (): void => {};
  before(() => {
    t.env = engineApi();
    t.store = createAppStore(t.env.api, { confirm: () => true });
    stop = startEffects(t.store, t.env.api, { validateDelayMs: 10 });
  });
  after(async () => {
    stop();
    await t.env.close();
  });
  return t;
}
