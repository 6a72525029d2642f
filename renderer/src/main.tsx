import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ReactFlowProvider } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { createApi, onResync } from './api/index.js';
import { App } from './App.js';
import { createAppStore } from './store/create-store.js';
import { AppStoreProvider } from './store/context.js';
import { startEffects } from './store/effects.js';

const rootElement = document.getElementById('root');
if (rootElement) {
  try {
    const api = createApi();
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
