/**
 * createAppStore(api): one vanilla Zustand store made of the typed slices. A factory, so every
 * window and every test gets its own store; React binds to it through store/context.tsx.
 */
import { createStore } from 'zustand/vanilla';
import type { StoreApi } from 'zustand/vanilla';
import type { Api } from '../../../common/api/contract.js';
import { createGraphSlice } from './graph-slice.js';
import { createHistorySlice } from './history-slice.js';
import { createLogsSlice } from './logs-slice.js';
import { createProjectsSlice } from './projects-slice.js';
import { createRunsSlice } from './runs-slice.js';
import type { AppState, StoreEnv } from './types.js';
import { createUiSlice } from './ui-slice.js';

export type AppStore = StoreApi<AppState>;

const defaultEnv: StoreEnv = {
  confirm: (message) => {
    const host = globalThis as { confirm?: (m: string) => boolean };
    return typeof host.confirm === 'function' ? host.confirm(message) : true;
  },
  now: () => Date.now(),
};

export function createAppStore(api: Api, env: Partial<StoreEnv> = {}): AppStore {
  const e: StoreEnv = { ...defaultEnv, ...env };
  return createStore<AppState>()((set, get) => ({
    ...createGraphSlice(set, get, api, e),
    ...createHistorySlice(set, get, api, e),
    ...createProjectsSlice(set, get, api, e),
    ...createRunsSlice(set, get, api, e),
    ...createLogsSlice(set, get, api, e),
    ...createUiSlice(set, get, api, e),
  }));
}
