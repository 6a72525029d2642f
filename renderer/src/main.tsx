/**
 * The renderer's entry, kept small: it makes the transport, sends the first requests the page needs
 * (the runs table's first page when it opens on the history; the app's info and the last workflow's
 * file, and the editor's chunk, when it opens on the editor) and only then loads the app's own
 * chunk (start-app.tsx: React, the store, the views), so the data and the code arrive together
 * instead of one after the other. On the runs table it draws the first page's rows as soon as they
 * arrive, before React (features/history/first-paint.ts). docs/ui.md, "Start-up".
 */
import './styles.css';
import { createApi } from './api/index.js';
import { withEarlyCalls } from './api/early.js';
import { normalizePath, projectDirOf } from './lib/paths.js';
import { parseHash } from './features/history/route.js';
import { callApi } from './features/history/call.js';
import { searchInput } from './features/history/columns.js';
import { prefetchFirstPage } from './features/history/run-pages.js';
import { paintFirstRows } from './features/history/first-paint.js';
import type * as StartApp from './start-app.js';

/** The longest the app's first render waits for the runs table's first page (a cold database). */
const FIRST_PAGE_WAIT_MS = 250;

const rootElement = document.getElementById('root');
const fail = (e: unknown): void => {
  if (rootElement) rootElement.textContent = `Baton could not start: ${e instanceof Error ? e.message : String(e)}`;
};
if (rootElement) {
  try {
    const api = withEarlyCalls(createApi());
    const route = parseHash(window.location.hash);
    if (route.view === 'editor') {
      // The editor's start-up (store init): the app's info, then the last workflow's file, then the
      // projects its steps name (the store opens each before it draws the document).
      void api.early('app.info', {}).then(async (r) => {
        if (!r.ok || !r.value.lastWorkflow) return;
        // The editor's chunk before the workflow: the web host answers one request at a time and the
        // browser opens at most six connections to it, so the chunk asked for after a big workflow's
        // load waited for it (and projects.open for the chunk). The load runs while the chunk compiles.
        void import('./features/editor/Editor.js');
        const w = await api.early('workflows.load', { file: r.value.lastWorkflow });
        if (!w.ok || !w.value.parsed.spec) return;
        const dirs = new Set(w.value.parsed.spec.steps.map((st) => projectDirOf(w.value.file, st.project)));
        for (const dir of dirs) if (dir) void api.early('projects.open', { path: normalizePath(dir) });
      });
      void api.early('workflowRuns.list', { limit: 1 });
    }
    const firstPage =
      route.view === 'runs'
        ? prefetchFirstPage((m, i) => callApi(api, m, i), searchInput(route.query))
        : Promise.resolve();
    // The table's first render shows the first page when it is there by then: wait for it a little
    // (one render and paint of the app instead of two), but never long.
    const answered = Promise.race([firstPage, new Promise((r) => setTimeout(r, FIRST_PAGE_WAIT_MS))]);
    let app: Promise<typeof StartApp>;
    let reactStarted = false;
    if (route.view === 'runs') {
      // The rows are drawn the moment they arrive, while React is still on its way. (Not once React
      // has started without them, after the wait: its first commit would replace them with rows
      // still loading.)
      const { query } = route;
      void firstPage.then((page) => {
        if (page && !reactStarted && paintFirstRows(rootElement, query, page, window.innerHeight))
          performance.mark('baton:first-paint');
      });
      // The app's chunk is imported once the page is in (or the wait is over): loaded at once, its
      // compilation and evaluation on the main thread held up the answer's handling and that paint.
      app = answered.then(() => import('./start-app.js'));
    } else {
      app = import('./start-app.js');
    }
    if (route.view === 'editor') void app.then((m) => m.loadEditor());
    // Marks for the Performance panel and bench/history-ui.ts: where the start-up time goes.
    void app.then(() => performance.mark('baton:app-chunk'));
    void firstPage.then(() => performance.mark('baton:first-page'));
    Promise.all([app, answered]).then(([m]) => {
      reactStarted = true;
      performance.mark('baton:start-app');
      m.startApp(rootElement, api, { background: route.view !== 'editor' });
    }, fail);
  } catch (e) {
    fail(e);
  }
}
