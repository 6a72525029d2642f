/** Pure helpers of the runs table: key quoting, sort terms, the search input for a query. */
import type { MethodInput } from '../../../../common/api/contract.js';
import type { RunRowDto } from '../../../../common/api/schemas.js';
import type { RunsQuery } from './route.js';

export type KeyKind = 'params' | 'metrics' | 'tags';

/** `metrics.rmse`, or `metrics.\`my key\`` when the key needs quoting in MLflow's languages. */
export function keyTerm(kind: KeyKind, key: string): string {
  return /^[A-Za-z0-9_.:/-]+$/.test(key) && !/^\d/.test(key)
    ? `${kind}.${key}`
    : `${kind}.\`${key.replace(/`/g, '``')}\``;
}

/** "params.alpha" → { kind: 'params', key: 'alpha' }. */
export function splitColumn(col: string): { kind: KeyKind; key: string } | null {
  const m = /^(params|metrics|tags)\.(.+)$/.exec(col);
  return m ? { kind: m[1] as KeyKind, key: m[2] ?? '' } : null;
}

export interface SortTerm {
  /** The order_by column as written: `start_time`, `metrics.rmse`, `params.\`a b\``. */
  column: string;
  ascending: boolean;
}

export function parseSort(sort: string): SortTerm {
  const m = /^(.*?)\s+(ASC|DESC)$/i.exec(sort.trim());
  if (!m) return { column: sort.trim(), ascending: true };
  return { column: m[1] ?? '', ascending: (m[2] ?? '').toUpperCase() === 'ASC' };
}

export function formatSort(t: SortTerm): string {
  return `${t.column} ${t.ascending ? 'ASC' : 'DESC'}`;
}

/** Clicking a header: the same column flips, another starts descending for times and numbers. */
export function nextSort(current: string, column: string, numeric: boolean): string {
  const cur = parseSort(current);
  if (cur.column === column) return formatSort({ column, ascending: !cur.ascending });
  return formatSort({ column, ascending: !numeric });
}

export function searchInput(q: RunsQuery): MethodInput<'runs.search'> {
  const input: MethodInput<'runs.search'> = { orderBy: [q.sort] };
  if (q.filter.trim()) input.filter = q.filter.trim();
  if (q.statuses.length) input.statuses = q.statuses;
  if (q.experimentIds.length) input.experimentIds = q.experimentIds;
  if (q.workflowName) input.workflowName = q.workflowName;
  if (q.after !== null) input.startedAfter = q.after;
  if (q.before !== null) input.startedBefore = q.before;
  if (q.viewType !== 'ACTIVE_ONLY') input.viewType = q.viewType;
  return input;
}

export function runDuration(
  run: Pick<RunRowDto, 'start_time' | 'end_time' | 'status'>,
  now: number,
): number | null {
  if (run.start_time === null) return null;
  if (run.end_time !== null) return run.end_time - run.start_time;
  return run.status === 'RUNNING' ? now - run.start_time : null;
}

export function formatTime(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** For <input type="datetime-local">: local time without seconds. */
export function toLocalInput(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(v: string): number | null {
  if (!v) return null;
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? t : null;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** System tags (MLflow's and Baton's own) are grouped apart from the person's tags. */
export function isSystemTag(key: string): boolean {
  return key.startsWith('mlflow.') || key.startsWith('baton.');
}

/** Whether the query filters the runs (the lifecycle choice aside): status, experiment, workflow, time or expression. */
export function hasFilters(q: RunsQuery): boolean {
  return (
    q.filter !== '' ||
    q.statuses.length > 0 ||
    q.experimentIds.length > 0 ||
    q.workflowName !== '' ||
    q.after !== null ||
    q.before !== null
  );
}

/** Where the runs table's chosen key columns are kept (history-store.ts saves them). */
export const COLUMNS_KEY = 'baton.history.columns';

/**
 * The key columns chosen for the runs table, kept in localStorage; `chosen` is false when none were
 * ever chosen (the table then shows the first few keys once it knows them). React-free: the first
 * paint before React (first-paint.ts) draws the same columns as the table's first render.
 */
export function storedColumns(): { columns: string[]; chosen: boolean } {
  try {
    // Read through globalThis: the module also loads under Node, where there is no storage.
    const storage = (globalThis as { localStorage?: { getItem(key: string): string | null } }).localStorage;
    const raw = storage ? storage.getItem(COLUMNS_KEY) : null;
    if (raw === null) return { columns: [], chosen: false };
    const parsed: unknown = JSON.parse(raw);
    const columns =
      Array.isArray(parsed) && parsed.every((c) => typeof c === 'string' && /^(params|metrics|tags)\./.test(c))
        ? (parsed as string[])
        : [];
    return { columns, chosen: true };
  } catch {
    // Storage disabled or a broken value: no key columns.
    return { columns: [], chosen: false };
  }
}
