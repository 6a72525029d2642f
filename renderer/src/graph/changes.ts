/**
 * React Flow's `applyNodeChanges` / `applyEdgeChanges` (@xyflow/react 12, MIT), ported so the store
 * can apply the canvas's changes without importing @xyflow/react: that package is one module, and
 * importing anything from it puts all of it (and d3) into the first chunk, which the runs table
 * doesn't need. tests/unit/renderer/graph-changes.test.ts checks this port against the library's
 * own functions change by change.
 */
import type { Edge, EdgeChange, Node, NodeChange } from '@xyflow/react';

type Change<T extends { id: string }> =
  | { type: 'add'; item: T; index?: number }
  | { type: 'remove'; id: string }
  | { type: 'replace'; id: string; item: T }
  | { type: 'select'; id: string; selected: boolean }
  | {
      type: 'position';
      id: string;
      position?: { x: number; y: number };
      dragging?: boolean;
    }
  | {
      type: 'dimensions';
      id: string;
      dimensions?: { width: number; height: number };
      resizing?: boolean;
      setAttributes?: boolean | 'width' | 'height';
    };

type Mutable = Record<string, unknown>;

/** One change to a copy of an element, in place. */
function applyChange(change: Change<{ id: string }>, el: Mutable): void {
  switch (change.type) {
    case 'select':
      el.selected = change.selected;
      return;
    case 'position':
      if (change.position !== undefined) el.position = change.position;
      if (change.dragging !== undefined) el.dragging = change.dragging;
      return;
    case 'dimensions':
      if (change.dimensions !== undefined) {
        el.measured = { ...change.dimensions };
        const set = change.setAttributes;
        if (set === true || set === 'width') el.width = change.dimensions.width;
        if (set === true || set === 'height') el.height = change.dimensions.height;
      }
      if (typeof change.resizing === 'boolean') el.resizing = change.resizing;
      return;
    default:
      return;
  }
}

function applyChanges<T extends { id: string }>(changes: readonly Change<T>[], elements: readonly T[]): T[] {
  const byId = new Map<string, Change<T>[]>();
  const adds: Extract<Change<T>, { type: 'add' }>[] = [];
  for (const c of changes) {
    if (c.type === 'add') adds.push(c);
    // A removal or replacement makes every other change to that element moot.
    else if (c.type === 'remove' || c.type === 'replace') byId.set(c.id, [c]);
    else {
      const list = byId.get(c.id);
      if (list) list.push(c);
      else byId.set(c.id, [c]);
    }
  }
  const out: T[] = [];
  for (const el of elements) {
    const list = byId.get(el.id);
    if (!list) {
      out.push(el); // unchanged: the same object, so memoised components skip it
      continue;
    }
    const head = list[0];
    if (head?.type === 'remove') continue;
    if (head?.type === 'replace') {
      out.push({ ...head.item });
      continue;
    }
    const copy: Mutable = { ...el };
    for (const c of list) applyChange(c, copy);
    out.push(copy as T);
  }
  // Additions last, so their indexes refer to the updated list.
  for (const a of adds) {
    if (a.index !== undefined) out.splice(a.index, 0, { ...a.item });
    else out.push({ ...a.item });
  }
  return out;
}

export function applyNodeChanges<N extends Node>(changes: readonly NodeChange<N>[], nodes: readonly N[]): N[] {
  return applyChanges(changes as readonly Change<N>[], nodes);
}

export function applyEdgeChanges<E extends Edge>(changes: readonly EdgeChange<E>[], edges: readonly E[]): E[] {
  return applyChanges(changes as readonly Change<E>[], edges);
}
