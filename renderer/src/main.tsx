import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ReactFlowProvider } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { createApi, onResync } from './api/index.js';
import { App, loadEditor } from './App.js';
import { parseHash } from './features/history/route.js';
import { callApi } from './features/history/call.js';
import { searchInput } from './features/history/columns.js';
import { prefetchFirstPage } from './features/history/run-pages.js';
import { createAppStore } from './store/create-store.js';
import { AppStoreProvider } from './store/context.js';
import { startEffects } from './store/effects.js';

const rootElement = document.getElementById('root');
if (rootElement) {
  try {
    const api = createApi();
    const route = parseHash(window.location.hash);
    // Opened on the runs table: its first page is asked for now, ahead of the app's own start-up
    // requests and of React mounting. Opened on the editor: its chunks are fetched now.
    if (route.view === 'runs') prefetchFirstPage((m, i) => callApi(api, m, i), searchInput(route.query));
    if (route.view === 'editor') void loadEditor();
    const store = createAppStore(api);
    const stopEffects = startEffects(store, api);
    const stopResync = onResync(api, () => void store.getState().resync());
    window.addEventListener('pagehide', () => {
      stopResync();
      stopEffects();
    });
    void store.getState().init();
    createRoot(rootElement).render(
      <StrictMode>
        <AppStoreProvider store={store} api={api}>
          <ReactFlowProvider>
            <App />
          </ReactFlowProvider>
        </AppStoreProvider>
      </StrictMode>,
    );
  } catch (e) {
    rootElement.textContent = `Baton could not start: ${e instanceof Error ? e.message : String(e)}`;
  }
}
