/** Adds a step in the middle of the visible canvas (double-click in the project panel, the search box). */
import { useCallback } from 'react';
import { useReactFlow } from '@xyflow/react';
import { useAppStoreApi } from '../store/context.js';

export const DRAG_MIME = 'application/x-baton-entry-point';

export interface DraggedEntryPoint {
  dir: string;
  entryPoint: string;
}

export function useAddStepAtCenter(): (dir: string, entryPoint: string) => string {
  const store = useAppStoreApi();
  const flow = useReactFlow();
  return useCallback(
    (dir, entryPoint) => {
      const el = document.querySelector('.react-flow');
      const r = el?.getBoundingClientRect();
      const center = r ? { x: r.left + r.width / 2, y: r.top + r.height / 2 } : { x: 400, y: 300 };
      const p = flow.screenToFlowPosition(center);
      // Nudge each new step so several added in a row do not stack exactly.
      const n = store.getState().nodes.length % 6;
      return store.getState().addStep(dir, entryPoint, { x: p.x - 140 + n * 24, y: p.y - 80 + n * 24 });
    },
    [flow, store],
  );
}
