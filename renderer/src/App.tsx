import { useAppStore } from './store/context.js';
import { Toolbar } from './features/runs/Toolbar.js';
import { ProjectPanel } from './features/projects/ProjectPanel.js';
import { Canvas } from './features/canvas/Canvas.js';
import { Inspector } from './features/inspector/Inspector.js';
import { LogPanel } from './features/runs/LogPanel.js';
import { FileBrowser } from './features/files/FileBrowser.js';
import { SearchPalette } from './features/palette/SearchPalette.js';
import { FirstRun } from './features/first-run/FirstRun.js';
import { Toasts } from './components/Toasts.js';
import { useShortcuts } from './hooks/useShortcuts.js';
import { useUnsavedGuard } from './hooks/useUnsavedGuard.js';
import { useWindowTitle } from './hooks/useWindowTitle.js';
import { useMenuCommands } from './hooks/useMenuCommands.js';

export function App() {
  const ready = useAppStore((s) => s.ready);
  const firstRun = useAppStore((s) => s.firstRun);
  const logOpen = useAppStore((s) => s.logPanelOpen);
  useShortcuts();
  useUnsavedGuard();
  useWindowTitle();
  useMenuCommands();
  return (
    <div className="app" data-testid={ready ? 'app-ready' : 'app-loading'}>
      <Toolbar />
      <div className="workspace">
        <ProjectPanel />
        <main className={logOpen && !firstRun ? 'center with-log' : 'center'}>
          <div className="canvas-wrap">
            <Canvas />
            {ready && firstRun && <FirstRun />}
          </div>
          {logOpen && !firstRun && <LogPanel />}
        </main>
        <Inspector />
      </div>
      <FileBrowser />
      <SearchPalette />
      <Toasts />
    </div>
  );
}
