/**
 * React Flow's node changes for the store, with the moves of a drag batched to one store update per
 * animation frame. React Flow reports a drag on every mousemove, and Chromium can hand the page
 * several moves per frame (a fast mouse, or a page that is busy): each was a whole store update —
 * new nodes array, every subscriber, a React render — of which only the frame's last is ever
 * painted. The latest position of each dragged node is kept and applied in the next frame.
 * Everything else (the end of a drag, selection, measurements, removals) goes through at once,
 * after any batched moves, so the store sees the changes in the order React Flow made them.
 */
import { useCallback, useEffect, useRef } from 'react';
import type { NodeChange } from '@xyflow/react';
import type { AppNode } from '../../graph/types.js';

type Changes = NodeChange<AppNode>[];

const isDragMove = (c: NodeChange<AppNode>): boolean =>
  c.type === 'position' && c.dragging === true && c.position !== undefined;

export function useFrameNodeChanges(apply: (changes: Changes) => void): (changes: Changes) => void {
  const pending = useRef<Map<string, NodeChange<AppNode>> | null>(null);
  const frame = useRef(0);
  const latest = useRef(apply);
  useEffect(() => {
    latest.current = apply;
  }, [apply]);

  const flush = useCallback(() => {
    if (frame.current) cancelAnimationFrame(frame.current);
    frame.current = 0;
    const moves = pending.current;
    pending.current = null;
    if (moves) latest.current([...moves.values()]);
  }, []);

  // Unmounting mid-drag: the last position still reaches the store.
  useEffect(() => flush, [flush]);

  return useCallback(
    (changes: Changes) => {
      if (changes.length === 0 || !changes.every(isDragMove)) {
        flush();
        latest.current(changes);
        return;
      }
      const moves = (pending.current ??= new Map());
      for (const c of changes) if (c.type === 'position') moves.set(c.id, c);
      if (!frame.current) frame.current = requestAnimationFrame(flush);
    },
    [flush],
  );
}
