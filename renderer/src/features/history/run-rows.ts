/**
 * The runs table's columns and the markup of its rows, React-free. A row's cells are one HTML
 * string (every value escaped), which RunsView's `Row` sets as the row's inner HTML: the browser's
 * parser builds a row's ~15 elements in one call, where React made and diffed a fiber for each
 * (on a cold start the table's first render took ~100 ms in React, most of it for the rows; a
 * recycled row on scroll is one string compare and, when it changed, one parse). Clicks reach the
 * row's React handler by bubbling (RunsView: the checkbox toggles the selection, the rest opens the
 * run). docs/ui.md, "Runs table".
 */
import type { RunRowDto } from '../../../../common/api/schemas.js';
import { formatDuration, formatMetric } from '../../lib/format.js';
import { fitText } from '../../lib/fit-text.js';
import type { FontSpec } from '../../lib/fit-text.js';
import { formatTime, keyTerm, runDuration, splitColumn } from './columns.js';
import { runHref } from './route.js';

export interface Column {
  id: string;
  label: string;
  width: number;
  /** The order_by column, or null when it cannot be sorted on. */
  sort: string | null;
  numeric?: boolean;
  title?: string;
  /** The cell's content as HTML (escaped). */
  html: (run: RunRowDto, now: number) => string;
}

/** Text escaped for HTML content and for attribute values in double quotes. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/** The status badge's markup (components/StatusBadge.tsx draws the same for a run's status). */
function badgeHtml(status: string): string {
  const label = status === 'PENDING' ? 'queued' : status.toLowerCase();
  return `<span class="badge badge-${esc(label)}" data-status="${esc(label)}">${esc(label)}</span>`;
}

// The cells' fonts (styles.css: .h-cell, .mono, .h-runlink) and padding, for fitting their text.
const PLAIN: FontSpec = { style: '12px', familyVar: '--font' };
const MONO: FontSpec = { style: '12px', familyVar: '--mono' };
const BOLD: FontSpec = { style: '600 12px', familyVar: '--font' };
const CELL_PAD = 17;
const DELETED_TAG_W = 58;

/**
 * A cell's text cut to its column with an ellipsis (the whole text as the tooltip when cut). Row
 * cells don't clip (styles.css, .h-row): their text must fit.
 */
function fitted(text: string, width: number, font: FontSpec, className?: string): string {
  const shown = fitText(text, width - CELL_PAD, font);
  if (shown === text && !className) return esc(text);
  const cls = className ? ` class="${className}"` : '';
  const title = shown === text ? '' : ` title="${esc(text)}"`;
  return `<span${cls}${title}>${esc(shown)}</span>`;
}

export const BUILT_IN: Column[] = [
  {
    id: 'status',
    label: 'Status',
    width: 92,
    sort: 'status',
    html: (r) => badgeHtml(r.status),
  },
  {
    id: 'name',
    label: 'Run',
    width: 210,
    sort: 'run_name',
    html: (r) => {
      const name = r.run_name || r.run_id.slice(0, 8);
      const deleted = r.lifecycle_stage === 'deleted';
      const shown = fitText(name, 210 - CELL_PAD - (deleted ? DELETED_TAG_W : 0), BOLD);
      const title = shown === name ? r.run_id : `${name} (${r.run_id})`;
      return (
        `<a class="h-runlink" href="${esc(runHref(r.run_id))}" tabindex="-1" title="${esc(title)}">${esc(shown)}` +
        `${deleted ? '<span class="h-deleted-tag">deleted</span>' : ''}</a>`
      );
    },
  },
  {
    id: 'start',
    label: 'Started',
    width: 162,
    sort: 'start_time',
    numeric: true,
    html: (r) => `<span class="mono">${esc(formatTime(r.start_time))}</span>`,
  },
  {
    id: 'duration',
    label: 'Duration',
    width: 84,
    sort: 'duration',
    numeric: true,
    html: (r, now) => {
      const d = runDuration(r, now);
      return d === null ? '' : esc(formatDuration(d));
    },
  },
  {
    id: 'experiment',
    label: 'Experiment',
    width: 120,
    sort: 'experiment_name',
    html: (r) => fitted(r.experiment_name, 120, PLAIN),
  },
  {
    id: 'workflow',
    label: 'Workflow',
    width: 120,
    sort: 'workflow_name',
    html: (r) => fitted(r.workflow_name ?? '', 120, PLAIN),
  },
  {
    id: 'step',
    label: 'Step',
    width: 110,
    sort: 'step_name',
    html: (r) => fitted(r.step_name ?? '', 110, PLAIN),
  },
  {
    id: 'entry',
    label: 'Entry point',
    width: 110,
    sort: 'entry_point',
    html: (r) => fitted(r.entry_point, 110, MONO, 'mono'),
  },
];

/** A `metrics.x` / `params.x` / `tags.x` column, or null for a malformed one. */
export function keyColumn(col: string): Column | null {
  const k = splitColumn(col);
  if (!k) return null;
  const numeric = k.kind === 'metrics';
  const width = numeric ? 96 : 110;
  return {
    id: col,
    label: k.key,
    title: col,
    width,
    sort: keyTerm(k.kind, k.key),
    numeric,
    html: (r) => {
      const v =
        k.kind === 'metrics' ? r.metrics[k.key] : k.kind === 'params' ? r.params[k.key] : r.tags[k.key];
      if (v === undefined) return '';
      return fitted(typeof v === 'number' ? formatMetric(v) : v, width, MONO, 'mono');
    },
  };
}

/** The selection checkbox's column. */
export const SELECT_W = 34;

/** A loaded row's cells: the selection checkbox, then one cell per column. */
export function rowHtml(run: RunRowDto, columns: readonly Column[], now: number, selected: boolean): string {
  let out =
    `<span class="h-cell h-sel" role="gridcell"><input type="checkbox"${selected ? ' checked' : ''} tabindex="-1"` +
    ` aria-label="Select ${esc(run.run_name)}" data-testid="select-${esc(run.run_id)}"></span>`;
  for (const c of columns) {
    out +=
      `<span class="h-cell${c.numeric ? ' num' : ''}" role="gridcell" data-col="${esc(c.id)}" style="width:${c.width}px">` +
      `${c.html(run, now)}</span>`;
  }
  return out;
}

/** A row whose run is still being fetched. */
export const LOADING_ROW_HTML = '<span class="h-cell h-sel"></span><span class="h-skeleton"></span>';
