/**
 * Mounts the app: the store, its effects, React. A chunk of its own, loaded by main.tsx, which has
 * already made the transport and sent the runs table's first search while this chunk downloads.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { Api } from '../../common/api/contract.js';
import { onResync } from './api/index.js';
import { App } from './App.js';
import { createAppStore } from './store/create-store.js';
import { AppStoreProvider } from './store/context.js';
import { startEffects } from './store/effects.js';

export { loadEditor } from './App.js';

/**
 * `background`: the page opened on the history, so the editor's start-up (its effects, app.info,
 * reopening the last workflow) waits until the first frame is painted instead of competing with it.
 */
export function startApp(rootElement: HTMLElement, api: Api, { background = false } = {}): void {
  const store = createAppStore(api);
  let stopEffects = (): void => {};
  const start = (): void => {
    stopEffects = startEffects(store, api);
    void store.getState().init();
  };
  const stopResync = onResync(api, () => void store.getState().resync());
  window.addEventListener('pagehide', () => {
    stopResync();
    stopEffects();
  });
  if (background) requestAnimationFrame(() => setTimeout(start, 0));
  else start();
  createRoot(rootElement).render(
    <StrictMode>
      <AppStoreProvider store={store} api={api}>
        <App />
      </AppStoreProvider>
    </StrictMode>,
  );
}
