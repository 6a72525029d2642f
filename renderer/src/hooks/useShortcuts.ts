/**
 * Keyboard shortcuts, in one place (see docs/ui.md). Text fields keep their own keys (undo, copy,
 * delete) except for the app-wide ones: save, open, run, search and Escape.
 */
import { useEffect } from 'react';
import { useReactFlow } from '@xyflow/react';
import { useAppStoreApi } from '../store/context.js';
import { FIT_OPTIONS, useLayoutAndFit } from './useLayoutAndFit.js';
import { selectedStepName } from '../store/selectors.js';

function isTextField(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  return t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT';
}

export function useShortcuts(): void {
  const store = useAppStoreApi();
  const flow = useReactFlow();
  const layout = useLayoutAndFit();
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const s = store.getState();
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      const inField = isTextField(e.target);
      const modal = s.browser !== null || s.paletteOpen;
      const run = (f: () => unknown): void => {
        e.preventDefault();
        void f();
      };

      if (key === 'escape') {
        if (s.paletteOpen) return run(() => s.setPaletteOpen(false));
        if (s.browser) return run(() => s.browser?.onCancel());
        if (!inField && s.selection.nodes.length + s.selection.edges.length) return run(() => s.selectNodes([]));
        return;
      }
      if (mod && key === 'k') return run(() => s.setPaletteOpen(!s.paletteOpen));
      if (modal) return;
      if (mod && key === 's') return run(() => s.saveWorkflow({ saveAs: e.shiftKey }));
      if (mod && key === 'o') return run(() => s.openWorkflowDialog());
      if (mod && key === 'enter') {
        const step = e.shiftKey ? selectedStepName(s) : null;
        return run(() => (step ? s.runFromStep(step) : s.startRun()));
      }
      if (inField) return;
      if (mod && key === 'z' && !e.shiftKey) return run(() => s.undo());
      if ((mod && key === 'z' && e.shiftKey) || (mod && key === 'y')) return run(() => s.redo());
      if (mod && key === 'c') {
        if (window.getSelection()?.toString()) return; // copying text from a panel
        return run(() => {
          const n = s.copySelection();
          if (n) s.toast('info', `Copied ${n} step${n > 1 ? 's' : ''}`);
        });
      }
      if (mod && key === 'v') return run(() => s.paste());
      if (mod && key === 'a') return run(() => s.selectNodes(s.nodes.map((n) => n.id)));
      if (mod || e.altKey) return;
      if (key === 'delete' || key === 'backspace') return run(() => s.deleteSelection());
      if (key === 'l') return run(() => layout());
      if (key === 'f') return run(() => flow.fitView(FIT_OPTIONS));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, flow, layout]);
}
