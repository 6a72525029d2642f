/**
 * Tells React Flow to re-measure a node's handles when they change after the node was first
 * measured (a parameter or an output added, renamed or removed: the size may stay the same, so
 * React Flow's ResizeObserver would not notice).
 *
 * Two things keep this cheap on a big canvas:
 *  - nothing happens on mount: React Flow measures a node, handles included, when it starts
 *    observing it (also when culling mounts it again);
 *  - the nodes that changed in one commit (e.g. all 500 when a project's entry points arrive) are
 *    sent in ONE updateNodeInternals call, not one per node: each call is a store update that
 *    re-measures, updates the absolute positions of every node and re-renders the flow (a
 *    per-node call made opening a 500-step workflow quadratic).
 */
import { useEffect, useRef } from 'react';
import { useStoreApi, useUpdateNodeInternals } from '@xyflow/react';

type Update = (ids: string[]) => void;
/**
 * Pending ids per React Flow instance, flushed once the current commit's effects ran. Keyed by the
 * instance's `getState` (useStoreApi() wraps the store in a new object for every component).
 */
const pending = new Map<object, { update: Update; ids: Set<string> }>();

export function useHandlesChanged(id: string, handleKey: string): void {
  const flow = useStoreApi().getState;
  const update = useUpdateNodeInternals();
  const measured = useRef(handleKey);
  useEffect(() => {
    if (measured.current === handleKey) return;
    measured.current = handleKey;
    let batch = pending.get(flow);
    if (!batch) {
      const b = { update, ids: new Set<string>() };
      pending.set(flow, b);
      queueMicrotask(() => {
        pending.delete(flow);
        b.update([...b.ids]);
      });
      batch = b;
    }
    batch.ids.add(id);
  }, [flow, update, id, handleKey]);
}
