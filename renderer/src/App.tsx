import { Suspense, lazy, useState } from 'react';
import { FileBrowser } from './features/files/FileBrowser.js';
import { Toasts } from './components/Toasts.js';
import { useUnsavedGuard } from './hooks/useUnsavedGuard.js';
import { useWindowTitle } from './hooks/useWindowTitle.js';
import { useMenuCommands } from './hooks/useMenuCommands.js';
import { useAppStore } from './store/context.js';
import { HistoryToolbar, HistoryView, ViewSwitch, useHashRoute } from './features/history/HistoryView.js';

// The editor (React Flow's canvas and its panes, features/editor/Editor.tsx) is a separate chunk:
// the history's runs table never evaluates it. main.tsx starts loading it before React mounts when
// the page opens on the editor, so the canvas doesn't wait for it.
export const loadEditor = () => import('./features/editor/Editor.js');
const Editor = lazy(() => loadEditor().then((m) => ({ default: m.Editor })));

export function App() {
  const ready = useAppStore((s) => s.ready);
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
      {inHistory && <HistoryToolbar route={route} />}
      {editorSeen && (
        <Suspense fallback={null}>
          <Editor hidden={inHistory} viewSwitch={<ViewSwitch route={route} />} />
        </Suspense>
      )}
      {inHistory && <HistoryView route={route} />}
      <FileBrowser />
      <Toasts />
    </div>
  );
}
