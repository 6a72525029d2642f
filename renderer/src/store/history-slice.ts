/**
 * Undo/redo over document snapshots. Nodes are immutable, so a snapshot is a few references;
 * edits of one kind in quick succession (typing in a field, nudging with the keyboard) coalesce
 * into one step. Restoring re-derives the edges and keeps the current selection where it can.
 */
import { deriveEdges } from '../graph/edges.js';
import { selectionOf } from './graph-slice.js';
import type { AppState, HistoryActions, HistoryState, SliceCreator, Snapshot } from './types.js';

export const HISTORY_LIMIT = 200;
/** Edits with the same key closer together than this are one undo step. */
export const COALESCE_MS = 1500;

function snapshotOf(s: AppState): Snapshot {
  return { meta: s.meta, inputs: s.inputs, nodes: s.nodes, docVersion: s.docVersion };
}

export const createHistorySlice: SliceCreator<HistoryState & HistoryActions> = (set, get, _api, env) => {
  const restore = (snap: Snapshot): Partial<AppState> => {
    const s = get();
    const selected = new Set(s.selection.nodes);
    const nodes = snap.nodes.map((n) => (!!n.selected === selected.has(n.id) ? n : { ...n, selected: selected.has(n.id) }));
    const edges = deriveEdges(nodes, snap.inputs, s.edges);
    return { meta: snap.meta, inputs: snap.inputs, nodes, edges, selection: selectionOf(nodes, edges, s.selection), docVersion: snap.docVersion };
  };

  return {
    past: [],
    future: [],
    lastEdit: null,

    record(key) {
      const s = get();
      const now = env.now();
      if (key && s.lastEdit?.key === key && now - s.lastEdit.at < COALESCE_MS && s.past.length) {
        set({ lastEdit: { key, at: now }, future: [] });
        return;
      }
      set({ past: [...s.past, snapshotOf(s)].slice(-HISTORY_LIMIT), future: [], lastEdit: key ? { key, at: now } : null });
    },

    undo() {
      const s = get();
      const prev = s.past[s.past.length - 1];
      if (!prev) return;
      set({ ...restore(prev), past: s.past.slice(0, -1), future: [...s.future, snapshotOf(s)], lastEdit: null });
    },

    redo() {
      const s = get();
      const next = s.future[s.future.length - 1];
      if (!next) return;
      set({ ...restore(next), future: s.future.slice(0, -1), past: [...s.past, snapshotOf(s)], lastEdit: null });
    },

    clearHistory() {
      set({ past: [], future: [], lastEdit: null });
    },
  };
};
