import { Suspense, lazy, useState } from 'react';
import { useAppStore } from './store/context.js';
import { Toolbar } from './features/runs/Toolbar.js';
import { FileBrowser } from './features/files/FileBrowser.js';
import { SearchPalette } from './features/palette/SearchPalette.js';
import { FirstRun } from './features/first-run/FirstRun.js';
import { Toasts } from './components/Toasts.js';
import { useShortcuts } from './hooks/useShortcuts.js';
import { useUnsavedGuard } from './hooks/useUnsavedGuard.js';
import { useWindowTitle } from './hooks/useWindowTitle.js';
import { useMenuCommands } from './hooks/useMenuCommands.js';
import { HistoryToolbar, HistoryView, ViewSwitch, useHashRoute } from './features/history/HistoryView.js';

// The editor's panes (React Flow's canvas, the inspector, the project panel, the log panel) are
// separate chunks: the history's runs table never evaluates them. main.tsx starts loading them
// before React mounts when the page opens on the editor, so the canvas doesn't wait for them.
export const loadEditor = (): Promise<unknown> =>
  Promise.all([canvasChunk(), inspectorChunk(), projectChunk()]);
const canvasChunk = () => import('./features/canvas/Canvas.js');
const inspectorChunk = () => import('./features/inspector/Inspector.js');
const projectChunk = () => import('./features/projects/ProjectPanel.js');
const Canvas = lazy(() => canvasChunk().then((m) => ({ default: m.Canvas })));
const Inspector = lazy(() => inspectorChunk().then((m) => ({ default: m.Inspector })));
const ProjectPanel = lazy(() => projectChunk().then((m) => ({ default: m.ProjectPanel })));
const LogPanel = lazy(() => import('./features/runs/LogPanel.js').then((m) => ({ default: m.LogPanel })));

/** The editor's keyboard shortcuts, only while the editor is shown. */
function EditorShortcuts() {
  useShortcuts();
  return null;
}

export function App() {
  const ready = useAppStore((s) => s.ready);
  const firstRun = useAppStore((s) => s.firstRun);
  const logOpen = useAppStore((s) => s.logPanelOpen);
  const route = useHashRoute();
  const inHistory = route.view !== 'editor';
  // Opened straight onto the history (a link, a reload), the editor mounts the first time it is shown.
  const [editorSeen, setEditorSeen] = useState(!inHistory);
  if (!inHistory && !editorSeen) setEditorSeen(true);
  useUnsavedGuard();
  useWindowTitle();
  useMenuCommands();
  return (
    <div className="app" data-testid={ready ? 'app-ready' : 'app-loading'}>
      {!inHistory && <EditorShortcuts />}
      {inHistory ? <HistoryToolbar route={route} /> : <Toolbar viewSwitch={<ViewSwitch route={route} />} />}
      {/* Hidden, not unmounted: the canvas keeps its viewport and the editor its state. */}
      {editorSeen && (
        <div className="workspace" hidden={inHistory}>
          <Suspense fallback={null}>
            <ProjectPanel />
            <main className={logOpen && !firstRun ? 'center with-log' : 'center'}>
              <div className="canvas-wrap">
                <Canvas />
                {ready && firstRun && <FirstRun />}
              </div>
              {logOpen && !firstRun && (
                <Suspense fallback={null}>
                  <LogPanel />
                </Suspense>
              )}
            </main>
            <Inspector />
          </Suspense>
        </div>
      )}
      {inHistory && <HistoryView route={route} />}
      <FileBrowser />
      <SearchPalette />
      <Toasts />
    </div>
  );
}
