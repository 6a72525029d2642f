/** React binding of the store: one store (and its Api) per window, provided at the root. */
import { createContext, useContext } from 'react';
import type { ReactNode } from 'react';
import { useStore } from 'zustand';
import type { Api } from '../../../common/api/contract.js';
import type { AppStore } from './create-store.js';
import type { AppState } from './types.js';

const StoreContext = createContext<{ store: AppStore; api: Api } | null>(null);

export function AppStoreProvider({ store, api, children }: { store: AppStore; api: Api; children: ReactNode }) {
  return <StoreContext.Provider value={{ store, api }}>{children}</StoreContext.Provider>;
}

function useCtx(): { store: AppStore; api: Api } {
  const ctx = useContext(StoreContext);
  if (!ctx) throw new Error('useAppStore outside AppStoreProvider');
  return ctx;
}

export function useAppStoreApi(): AppStore {
  return useCtx().store;
}

export function useApi(): Api {
  return useCtx().api;
}

/** Subscribes to the smallest slice a component needs (wrap object results in useShallow). */
export function useAppStore<T>(selector: (s: AppState) => T): T {
  return useStore(useCtx().store, selector);
}
