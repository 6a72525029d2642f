/**
 * The runs table's first paint before React: when the page opens on the runs table and the first
 * page of runs has arrived before the app's chunk has mounted, main.tsx writes the page as React's
 * first render will draw it (the toolbar, the filter bar, the table bar, the header and the rows in
 * view) as one escaped HTML string, so the rows show while the app's chunk still compiles and React
 * makes its first render. React replaces it at its first commit (createRoot clears the container).
 *
 * It is inert (no clicks, no focus) and carries no test ids: nothing can act on it before React.
 * tests/e2e/history.test.ts checks that every element here has the same place, size, classes and
 * text in React's render. docs/ui.md, "Start-up".
 */
import type { MethodOutput } from '../../../../common/api/contract.js';
import { RUN_STATUSES } from '../../../../common/types.js';
import { formatCount } from '../../lib/format.js';
import { hasFilters, parseSort, storedColumns } from './columns.js';
import { EMPTY_QUERY, formatRoute } from './route.js';
import type { RunsQuery } from './route.js';
import { BUILT_IN, ROW_H, SELECT_W, esc, initialViewHeight, keyColumn, rowHtml } from './run-rows.js';
import type { Column } from './run-rows.js';

/** The attribute that marks the first paint's root element (the benchmark and the e2e test look for it). */
export const FIRST_PAINT_ATTR = 'data-first-paint';

const FILTER_PLACEHOLDER =
  "metrics.rmse < 0.8 and params.alpha = '0.1' and tags.mlflow.project.entryPoint = 'train'";

/** Only a query without filters is drawn here: its filter bar is the plain one React first draws. */
export function canPaintFirst(query: RunsQuery): boolean {
  return !hasFilters(query) && query.viewType === 'ACTIVE_ONLY';
}

/** HistoryToolbar and ViewSwitch (HistoryView.tsx) on the runs table, before any other query was shown. */
function toolbarHtml(): string {
  const runs = esc(formatRoute({ view: 'runs', query: EMPTY_QUERY }));
  return (
    '<header class="toolbar"><div class="brand" title="Baton — MLflow Project workflows"><span class="brand-mark">◆</span> Baton</div>' +
    `<nav class="h-switch" aria-label="Area"><a class="" href="${esc(formatRoute({ view: 'editor' }))}">Editor</a>` +
    `<a class="on" aria-current="page" href="${runs}">History</a></nav>` +
    `<div class="tb-group h-navtabs"><a class="h-navtab on" aria-current="page" href="${runs}">Runs</a>` +
    `<a class="h-navtab" href="${esc(formatRoute({ view: 'workflowRuns' }))}">Workflow runs</a></div>` +
    '<div class="tb-spacer"></div></header>'
  );
}

/** RunsView's FilterBar with no filter set and the experiment and workflow lists not loaded yet. */
function filtersHtml(): string {
  const chips = RUN_STATUSES.map(
    (s) => `<button class="h-chip" aria-pressed="false">${esc(s.toLowerCase())}</button>`,
  ).join('');
  const time = (label: string): string =>
    `<label class="h-time"><span class="muted small">${label}</span><input type="datetime-local" value=""></label>`;
  return (
    '<div class="h-filters"><div class="h-filter-row"><div class="h-filter-expr">' +
    `<input class="mono" placeholder="${esc(FILTER_PLACEHOLDER)}" spellcheck="false" aria-label="Filter expression" aria-invalid="false" value="">` +
    '<button class="btn">Search</button></div>' +
    '<select aria-label="Experiment"><option value="">All experiments</option></select>' +
    '<select aria-label="Workflow"><option value="">All workflows</option></select>' +
    '<select aria-label="Lifecycle"><option value="ACTIVE_ONLY">Active runs</option><option value="DELETED_ONLY">Deleted runs</option><option value="ALL">Active and deleted</option></select>' +
    `</div><div class="h-filter-row"><div class="h-status-chips" role="group" aria-label="Status">${chips}</div>` +
    `${time('from')}${time('to')}</div></div>`
  );
}

/** RunsView's header row: the select-all box, then one sort button per column. */
function headHtml(columns: readonly Column[], sortTerm: string, width: number): string {
  const sort = parseSort(sortTerm);
  let out = `<div class="h-head" role="row" aria-rowindex="1" style="width: ${width}px;"><span class="h-cell h-sel"><input aria-label="Select the runs in view" title="Select the runs in view" type="checkbox"></span>`;
  for (const c of columns) {
    const sorted = c.sort !== null && sort.column === c.sort;
    const title = c.sort ? `${c.title ?? c.label}: sort` : c.title;
    out +=
      `<button class="h-cell h-th${c.numeric ? ' num' : ''}${sorted ? ' sorted' : ''}"${title === undefined ? '' : ` title="${esc(title)}"`}` +
      `${c.sort === null ? ' disabled=""' : ''} data-col="${esc(c.id)}" aria-sort="${sorted ? (sort.ascending ? 'ascending' : 'descending') : 'none'}" style="width: ${c.width}px;">` +
      `<span class="h-th-label">${esc(c.label)}</span>${sorted ? `<span class="h-sort">${sort.ascending ? '▲' : '▼'}</span>` : ''}</button>`;
  }
  return `${out}</div>`;
}

/**
 * Writes the runs table's first paint into `root` (which must be empty) and returns true; false
 * (nothing written) when the query has filters or the page has no rows.
 */
export function paintFirstRows(
  root: { firstChild: unknown; innerHTML: string },
  query: RunsQuery,
  page: MethodOutput<'runs.search'>,
  innerHeight: number,
  now = Date.now(),
): boolean {
  if (!canPaintFirst(query) || page.total === 0 || page.runs.length === 0 || root.firstChild) return false;
  // The columns of RunsView's first render: the chosen ones, or none until the keys are known.
  const stored = storedColumns();
  const keyCols = stored.chosen ? stored.columns : [];
  const columns = [...BUILT_IN, ...keyCols.map(keyColumn).filter((c): c is Column => c !== null)];
  const width = SELECT_W + columns.reduce((n, c) => n + c.width, 0);
  // The rows of RunsView's first render (its window before the table is measured).
  const shown = Math.min(page.runs.length, page.total, Math.ceil(initialViewHeight(innerHeight) / ROW_H) + 1);
  let rows = '';
  for (let i = 0; i < shown; i++) {
    const run = page.runs[i]!;
    const cls = `h-row${i === 0 ? ' active' : ''}${run.lifecycle_stage === 'deleted' ? ' deleted' : ''}`;
    rows +=
      `<div class="${cls}" style="top: ${i * ROW_H}px; width: ${width}px;" data-run-id="${esc(run.run_id)}" data-index="${i}" role="row" aria-rowindex="${i + 2}" aria-selected="false">` +
      `${rowHtml(run, columns, now, false)}</div>`;
  }
  const count = `${formatCount(page.total)} run${page.total === 1 ? '' : 's'}`;
  root.innerHTML =
    `<div class="app" ${FIRST_PAINT_ATTR}="" inert="" aria-busy="true">${toolbarHtml()}<div class="history"><div class="h-runs">` +
    filtersHtml() +
    `<div class="h-tablebar"><span class="muted small" data-total="${page.total}">${esc(count)}</span><span class="tb-spacer"></span>` +
    '<button class="btn small" aria-haspopup="dialog">Columns…</button><button class="btn small" title="Fetch the runs again">Refresh</button></div>' +
    `<div class="h-table" tabindex="0" role="grid" aria-rowcount="${page.total}" aria-label="Runs">${headHtml(columns, query.sort, width)}` +
    `<div class="h-spacer" style="height: ${page.total * ROW_H}px; width: ${width}px;" role="rowgroup">${rows}</div></div>` +
    '</div></div><div class="toasts" aria-live="polite"></div></div>';
  return true;
}
