/**
 * The history's own small store (not a slice of the canvas store): which columns the runs table
 * shows (kept in localStorage), the runs selected for comparing, and the last runs query (so
 * "Runs" returns to the table as it was left).
 */
import { create } from 'zustand';
import type { RunsQuery } from './route.js';
import { EMPTY_QUERY } from './route.js';
import { COLUMNS_KEY, storedColumns } from './columns.js';

/** `params.alpha`, `metrics.rmse`, `tags.team`. */
export type KeyColumn = string;

function saveColumns(cols: KeyColumn[]): void {
  try {
    window.localStorage.setItem(COLUMNS_KEY, JSON.stringify(cols));
  } catch {
    // Storage disabled: the choice lasts for this page.
  }
}

interface HistoryStore {
  columns: KeyColumn[];
  /** Whether the columns were chosen by the person (else the table picks the first few keys). */
  columnsChosen: boolean;
  selected: string[];
  lastQuery: RunsQuery;
  setColumns: (cols: KeyColumn[]) => void;
  toggleSelected: (runId: string) => void;
  setSelected: (ids: string[]) => void;
  setLastQuery: (q: RunsQuery) => void;
}

export const MAX_COMPARE = 50;

export const useHistoryStore = create<HistoryStore>()((set) => {
  const stored = storedColumns();
  return {
    columns: stored.columns,
    columnsChosen: stored.chosen,
    selected: [],
    lastQuery: EMPTY_QUERY,
    setColumns: (cols) => {
      saveColumns(cols);
      set({ columns: cols, columnsChosen: true });
    },
    toggleSelected: (runId) =>
      set((s) => ({
        selected: s.selected.includes(runId) ? s.selected.filter((x) => x !== runId) : [...s.selected, runId],
      })),
    setSelected: (ids) => set({ selected: ids }),
    setLastQuery: (q) => set({ lastQuery: q }),
  };
});
