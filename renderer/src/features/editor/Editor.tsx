/**
 * The editor: its toolbar, the project panel, React Flow's canvas, the inspector, the log panel and
 * the add-step palette, under one ReactFlowProvider. A lazy chunk (App.tsx): a window opened on
 * the history never loads React Flow, d3 or the editor's panes. Hidden rather than unmounted when
 * the history is shown, so the canvas keeps its viewport and the editor its state.
 */
import { Suspense, lazy, useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useAppStore } from '../../store/context.js';
import { useShortcuts } from '../../hooks/useShortcuts.js';
import { FIT_OPTIONS } from '../../hooks/useLayoutAndFit.js';
import { Toolbar } from '../runs/Toolbar.js';
import { SearchPalette } from '../palette/SearchPalette.js';
import { FirstRun } from '../first-run/FirstRun.js';
import { Canvas } from '../canvas/Canvas.js';
import { Inspector } from '../inspector/Inspector.js';
import { ProjectPanel } from '../projects/ProjectPanel.js';

const LogPanel = lazy(() => import('../runs/LogPanel.js').then((m) => ({ default: m.LogPanel })));

/** The editor's keyboard shortcuts, only while the editor is shown. */
function EditorShortcuts() {
  useShortcuts();
  return null;
}

/** Fits the view when asked through the store (the desktop menu's View → Fit). */
function FitOnRequest() {
  const flow = useReactFlow();
  const request = useAppStore((s) => s.fitRequest);
  const seen = useRef(request);
  useEffect(() => {
    if (request === seen.current) return;
    seen.current = request;
    void flow.fitView(FIT_OPTIONS);
  }, [request, flow]);
  return null;
}

export function Editor({ hidden, viewSwitch }: { hidden: boolean; viewSwitch: ReactNode }) {
  const ready = useAppStore((s) => s.ready);
  const firstRun = useAppStore((s) => s.firstRun);
  const logOpen = useAppStore((s) => s.logPanelOpen);
  return (
    <ReactFlowProvider>
      {!hidden && <EditorShortcuts />}
      {!hidden && <Toolbar viewSwitch={viewSwitch} />}
      <FitOnRequest />
      <div className="workspace" hidden={hidden}>
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
      </div>
      <SearchPalette />
    </ReactFlowProvider>
  );
}
