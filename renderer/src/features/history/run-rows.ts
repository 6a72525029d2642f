/**
 * The runs table's columns and what a row's cells show, React-free. A cell is a `Cell`: plain text
 * or one element (a span, the run's link) with its text already cut to the column. RunsView's `Row`
 * draws cells as React elements (a recycled row on scroll changes text in place); `rowHtml` writes
 * the same row as escaped HTML for the page's first paint before React has loaded (first-paint.ts).
 * docs/ui.md, "Start-up".
 */
import type { RunRowDto } from '../../../../common/api/schemas.js';
import { formatDuration, formatMetric, statusLabel } from '../../lib/format.js';
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
  cell: (run: RunRowDto, now: number) => Cell;
}

/** A cell's content: its text, alone or in one element. */
export type Cell =
  | string
  /** A span: a badge (`status` is its data-status), monospaced text, or text cut with its whole in `title`. */
  | { tag: 'span'; text: string; className?: string; title?: string; status?: string }
  /** The run's link, with the "deleted" tag after the name for a deleted run. */
  | { tag: 'a'; text: string; href: string; title: string; deleted: boolean };

/** Row height in CSS pixels (styles.css .h-row). */
export const ROW_H = 28;
/** Rows drawn beyond each edge of the view (the rows the next scroll needs). */
export const OVERSCAN = 10;
/**
 * The window of rows moves in blocks of this many rows: between two block boundaries the browser
 * scrolls the rows already in the DOM by itself and React does no work.
 */
export const BLOCK = 10;

/**
 * The rows the table draws for a window at `block`, for a body `height` px tall: [first, last),
 * and the window's size in rows (its pool of row slots: the block, the overscan on both sides and
 * the rows in view, rounded up so that small changes of height keep the same slots). Before the
 * first paint (`overscan` false) only the rows in view.
 */
export function rowWindow(
  block: number,
  height: number,
  total: number,
  overscan = true,
): { first: number; last: number; size: number } {
  const inView = Math.ceil(height / ROW_H);
  const size = BLOCK + 2 * OVERSCAN + Math.ceil(inView / 4) * 4;
  const first = Math.max(0, block * BLOCK - (overscan ? OVERSCAN : 0));
  const last = Math.min(total, overscan ? first + size : block * BLOCK + 1 + inView);
  return { first, last, size };
}

/** The block of a scroll position. */
export const blockAt = (scrollTop: number): number => Math.floor(scrollTop / (ROW_H * BLOCK));

/** Whether the window at `block` draws every row in view for a body scrolled to `scrollTop`. */
export function windowCovers(block: number, scrollTop: number, height: number, total: number): boolean {
  const w = rowWindow(block, height, total);
  const firstInView = Math.floor(scrollTop / ROW_H);
  const lastInView = Math.min(total, Math.ceil((scrollTop + height) / ROW_H));
  return w.first <= firstInView && w.last >= lastInView;
}

/** At least this much of the window is not the table's body (toolbar, filters, table bar, header). */
const CHROME_H = 150;
/** The selection checkbox's column. */
export const SELECT_W = 34;

/**
 * The table body's height assumed before it is measured (RunsView's first render, and the first
 * paint before React): the window's height less the chrome above the table.
 */
export function initialViewHeight(innerHeight: number): number {
  return Math.max(ROW_H, innerHeight - CHROME_H);
}

/** Text escaped for HTML content and for attribute values in double quotes. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/** The status badge (components/StatusBadge.tsx draws the same for a run's status). */
function badge(status: string): Cell {
  const label = statusLabel(status);
  return { tag: 'span', text: label, className: `badge badge-${label}`, status: label };
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
function fitted(text: string, width: number, font: FontSpec, className?: string): Cell {
  const shown = fitText(text, width - CELL_PAD, font);
  if (shown === text && !className) return text;
  return { tag: 'span', text: shown, className, title: shown === text ? undefined : text };
}

export const BUILT_IN: Column[] = [
  {
    id: 'status',
    label: 'Status',
    width: 92,
    sort: 'status',
    cell: (r) => badge(r.status),
  },
  {
    id: 'name',
    label: 'Run',
    width: 210,
    sort: 'run_name',
    cell: (r) => {
      const name = r.run_name || r.run_id.slice(0, 8);
      const deleted = r.lifecycle_stage === 'deleted';
      const shown = fitText(name, 210 - CELL_PAD - (deleted ? DELETED_TAG_W : 0), BOLD);
      const title = shown === name ? r.run_id : `${name} (${r.run_id})`;
      return { tag: 'a', text: shown, href: runHref(r.run_id), title, deleted };
    },
  },
  {
    id: 'start',
    label: 'Started',
    width: 162,
    sort: 'start_time',
    numeric: true,
    cell: (r) => ({ tag: 'span', text: formatTime(r.start_time), className: 'mono' }),
  },
  {
    id: 'duration',
    label: 'Duration',
    width: 84,
    sort: 'duration',
    numeric: true,
    cell: (r, now) => {
      const d = runDuration(r, now);
      return d === null ? '' : formatDuration(d);
    },
  },
  {
    id: 'experiment',
    label: 'Experiment',
    width: 120,
    sort: 'experiment_name',
    cell: (r) => fitted(r.experiment_name, 120, PLAIN),
  },
  {
    id: 'workflow',
    label: 'Workflow',
    width: 120,
    sort: 'workflow_name',
    cell: (r) => fitted(r.workflow_name ?? '', 120, PLAIN),
  },
  {
    id: 'step',
    label: 'Step',
    width: 110,
    sort: 'step_name',
    cell: (r) => fitted(r.step_name ?? '', 110, PLAIN),
  },
  {
    id: 'entry',
    label: 'Entry point',
    width: 110,
    sort: 'entry_point',
    cell: (r) => fitted(r.entry_point, 110, MONO, 'mono'),
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
    cell: (r) => {
      const v =
        k.kind === 'metrics' ? r.metrics[k.key] : k.kind === 'params' ? r.params[k.key] : r.tags[k.key];
      if (v === undefined) return '';
      return fitted(typeof v === 'number' ? formatMetric(v) : v, width, MONO, 'mono');
    },
  };
}

const attr = (name: string, value: string | undefined): string =>
  value === undefined ? '' : ` ${name}="${esc(value)}"`;

/** A cell's content as HTML, every value escaped (RunsView's cellNode draws the same as React elements). */
export function cellHtml(cell: Cell): string {
  if (typeof cell === 'string') return esc(cell);
  if (cell.tag === 'a') {
    const tag = cell.deleted ? '<span class="h-deleted-tag">deleted</span>' : '';
    return `<a class="h-runlink"${attr('href', cell.href)} tabindex="-1"${attr('title', cell.title)}>${esc(cell.text)}${tag}</a>`;
  }
  return `<span${attr('class', cell.className)}${attr('title', cell.title)}${attr('data-status', cell.status)}>${esc(cell.text)}</span>`;
}

/**
 * A loaded row's cells as HTML: the selection checkbox, then one cell per column (RunsView's Row
 * draws the same with React, and test ids, which this leaves out: nothing finds a row before React).
 */
export function rowHtml(run: RunRowDto, columns: readonly Column[], now: number, selected: boolean): string {
  let out =
    `<span class="h-cell h-sel" role="gridcell"><input type="checkbox"${selected ? ' checked' : ''} tabindex="-1"` +
    `${attr('aria-label', `Select ${run.run_name}`)}></span>`;
  for (const c of columns) {
    out +=
      `<span class="h-cell${c.numeric ? ' num' : ''}" role="gridcell"${attr('data-col', c.id)} style="width: ${c.width}px;">` +
      `${cellHtml(c.cell(run, now))}</span>`;
  }
  return out;
}
