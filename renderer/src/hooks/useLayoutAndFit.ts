/** Auto-layout sized to the canvas on screen, then fit the view: the L key, the Layout button, a file without positions. */
import { useCallback } from 'react';
import { useReactFlow } from '@xyflow/react';
import { useAppStoreApi } from '../store/context.js';

export const FIT_OPTIONS = { padding: 0.12, maxZoom: 1.1, duration: 200 };

export function canvasAspect(): number | undefined {
  const r = document.querySelector('.react-flow')?.getBoundingClientRect();
  return r && r.height > 0 ? r.width / r.height : undefined;
}

export function useLayoutAndFit(): (record?: boolean) => Promise<void> {
  const store = useAppStoreApi();
  const flow = useReactFlow();
  return useCallback(
    async (record = true) => {
      await store.getState().autoLayout(record, canvasAspect());
      await new Promise((r) => requestAnimationFrame(r));
      await flow.fitView(FIT_OPTIONS);
    },
    [store, flow],
  );
}
