/**
 * The runs table: every run of the history, virtualised (fixed row height, only the rows in view
 * plus an overscan in the DOM, pages of `runs.search` fetched as they scroll in), sortable by any
 * column, filtered by status, experiment, workflow, time range and an MLflow filter expression
 * (the engine's error shown under it), with chosen param/metric/tag columns and a selection to
 * compare, delete or restore. The query lives in the URL hash.
 */
import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import type { KeyboardEvent as ReactKeyboardEvent, ReactNode } from 'react';
import { flushSync } from 'react-dom';
import type { MethodOutput } from '../../../../common/api/contract.js';
import type { RunRowDto } from '../../../../common/api/schemas.js';
import { RUN_STATUSES } from '../../../../common/types.js';
import type { RunStatus } from '../../../../common/types.js';
import { formatCount } from '../../lib/format.js';
import { useNow } from '../../hooks/useNow.js';
import { useApi, useAppStore } from '../../store/context.js';
import { errorCode, errorText, useCall } from './api.js';
import { fromLocalInput, hasFilters, nextSort, parseSort, searchInput, toLocalInput } from './columns.js';
import { Confirm, Modal } from './Dialogs.js';
import { MAX_COMPARE, useHistoryStore } from './history-store.js';
import { formatRoute, runHref } from './route.js';
import type { RunsQuery } from './route.js';
import { RunPages, rowAt } from './run-pages.js';
import {
  BUILT_IN,
  ROW_H,
  SELECT_W,
  blockAt,
  initialViewHeight,
  keyColumn,
  rowWindow,
  windowCovers,
} from './run-rows.js';
import type { Cell, Column } from './run-rows.js';
import { navigate } from './useHashRoute.js';
import { useLoad } from './useLoad.js';

/**
 * A cell's content as React elements (run-rows.ts cellHtml writes the same as HTML). A function,
 * not a component: no fiber of its own for each of the table's cells.
 */
function cellNode(cell: Cell): ReactNode {
  if (typeof cell === 'string') return cell;
  if (cell.tag === 'a') {
    return (
      <a className="h-runlink" href={cell.href} tabIndex={-1} title={cell.title}>
        {cell.text}
        {cell.deleted && <span className="h-deleted-tag">deleted</span>}
      </a>
    );
  }
  return (
    <span className={cell.className} title={cell.title} data-status={cell.status}>
      {cell.text}
    </span>
  );
}

const Row = memo(function Row({
  run,
  index,
  columns,
  template,
  selected,
  active,
  now,
  onToggle,
}: {
  run: RunRowDto | undefined;
  index: number;
  columns: Column[];
  template: { width: number };
  selected: boolean;
  active: boolean;
  now: number;
  onToggle: (id: string) => void;
}) {
  if (!run) {
    return (
      <div
        className="h-row h-row-loading"
        style={{ top: index * ROW_H, width: template.width }}
        role="row"
        aria-rowindex={index + 2}
        aria-busy="true"
      >
        <span className="h-cell h-sel" />
        <span className="h-skeleton" />
      </div>
    );
  }
  // run-rows.ts rowHtml writes the same row as HTML (the page's first paint, before React).
  return (
    <div
      className={`h-row${selected ? ' selected' : ''}${active ? ' active' : ''}${run.lifecycle_stage === 'deleted' ? ' deleted' : ''}`}
      style={{ top: index * ROW_H, width: template.width }}
      data-testid="run-row"
      data-run-id={run.run_id}
      data-index={index}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      onClick={(e) => {
        if ((e.target as HTMLElement).closest('input')) return;
        navigate(runHref(run.run_id));
      }}
    >
      <span className="h-cell h-sel" role="gridcell">
        <input
          type="checkbox"
          checked={selected}
          tabIndex={-1}
          aria-label={`Select ${run.run_name}`}
          data-testid={`select-${run.run_id}`}
          onChange={() => onToggle(run.run_id)}
        />
      </span>
      {columns.map((c) => (
        <span
          key={c.id}
          className={`h-cell${c.numeric ? ' num' : ''}`}
          role="gridcell"
          data-col={c.id}
          style={{ width: c.width }}
        >
          {cellNode(c.cell(run, now))}
        </span>
      ))}
    </div>
  );
});

export function RunsView({ query }: { query: RunsQuery }) {
  const call = useCall();
  const api = useApi();
  const toast = useAppStore((s) => s.toast);

  const columnsChosen = useHistoryStore((s) => s.columnsChosen);
  const chosen = useHistoryStore((s) => s.columns);
  const selected = useHistoryStore((s) => s.selected);
  const toggleSelected = useHistoryStore((s) => s.toggleSelected);
  const setSelected = useHistoryStore((s) => s.setSelected);
  const setLastQuery = useHistoryStore((s) => s.setLastQuery);
  const [refresh, setRefresh] = useState(0);
  const [chooser, setChooser] = useState(false);
  const [confirm, setConfirm] = useState<null | 'delete' | 'restore'>(null);

  // The search goes out first (its effect is declared before the column and filter lists').
  const input = useMemo(() => searchInput(query), [query]);
  const key = JSON.stringify(input);
  const [pages] = useState(() => {
    const p = new RunPages(call);
    p.prime(input, key);
    return p;
  });
  const snap = useSyncExternalStore(pages.subscribe, pages.getSnapshot);
  const lastKey = useRef<string | null>(null);
  const bodyRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const same = lastKey.current === key;
    // A new query starts at the top (its first page is the one to ask for).
    if (!same && lastKey.current !== null && bodyRef.current) bodyRef.current.scrollTop = 0;
    pages.setQuery(input, key, same);
    lastKey.current = key;
    setLastQuery(query);
  }, [pages, input, key, refresh, query, setLastQuery]);

  const loadKeys = useCallback(() => call('runs.columns', {}), [call]);
  const keys = useLoad(loadKeys);
  const loadFilters = useCallback(async () => {
    const [experiments, wfRuns] = await Promise.all([
      call('experiments.list', {}),
      call('workflowRuns.list', { limit: 10_000 }),
    ]);
    return { experiments, workflows: [...new Set(wfRuns.map((w) => w.workflow_name))].sort() };
  }, [call]);
  const filters = useLoad(loadFilters);

  const keyCols = useMemo(() => {
    if (columnsChosen) return chosen;
    const k = keys.data;
    if (!k) return [];
    return [
      ...k.metrics.slice(0, 4).map((m) => `metrics.${m}`),
      ...k.params.slice(0, 4).map((p) => `params.${p}`),
    ];
  }, [columnsChosen, chosen, keys.data]);
  const columns = useMemo(
    () => [...BUILT_IN, ...keyCols.map(keyColumn).filter((c): c is Column => c !== null)],
    [keyCols],
  );
  const width = SELECT_W + columns.reduce((n, c) => n + c.width, 0);
  // Rows are flex boxes of fixed-width cells (cheaper to lay out than a grid per row).
  const template = useMemo(() => ({ width }), [width]);

  // New runs and status changes: refresh the pages in view, at most once a second.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = api.on('run.updated', () => {
      timer ??= setTimeout(() => {
        timer = null;
        setRefresh((n) => n + 1);
      }, 1000);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [api]);

  const loaded = snap.queryKey === key;
  const total = loaded ? (snap.total ?? 0) : 0;
  const setQuery = useCallback(
    (patch: Partial<RunsQuery>, replace = false): void =>
      navigate(formatRoute({ view: 'runs', query: { ...query, ...patch } }), { replace }),
    [query],
  );
  const sort = parseSort(query.sort);

  // ---------------------------------------------------------------- the window
  // The scroll position quantised to blocks (run-rows.ts BLOCK), and the viewport height. Until the
  // table is measured (a ResizeObserver, after the first layout), the window's height bounds it;
  // measuring it before the first paint would force a layout and a synchronous second render.
  // A move whose rows in view the window does not hold yet (a jump, the scroll bar dragged) is
  // rendered at once (flushSync), before the frame is painted: no frame shows them missing.
  const [view, setView] = useState(() => ({ block: 0, height: initialViewHeight(window.innerHeight) }));
  const shown = useRef(view);
  const totalRef = useRef(0);
  useEffect(() => {
    totalRef.current = total;
  }, [total]);
  const onScroll = useCallback((el: HTMLDivElement) => {
    const v = shown.current;
    const next = { block: blockAt(el.scrollTop), height: el.clientHeight };
    if (next.block === v.block && next.height === v.height) return;
    shown.current = next;
    if (windowCovers(v.block, el.scrollTop, next.height, totalRef.current)) setView(next);
    else flushSync(() => setView(next));
  }, []);
  const [active, setActive] = useState(0);
  useLayoutEffect(() => {
    const el = bodyRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => onScroll(el));
    ro.observe(el);
    return () => ro.disconnect();
  }, [onScroll]);
  // The first paint shows only the rows in view; the overscan (rows the next scroll needs) follows
  // in the next frame, so the table appears sooner.
  const [painted, setPainted] = useState(false);
  useEffect(() => {
    const id = requestAnimationFrame(() => setPainted(true));
    return () => cancelAnimationFrame(id);
  }, []);
  const rowsShown = loaded && total > 0;
  useLayoutEffect(() => {
    if (rowsShown && performance.getEntriesByName('baton:rows-committed').length === 0)
      performance.mark('baton:rows-committed');
  }, [rowsShown]);
  const { first, last, size: pool } = rowWindow(view.block, view.height, total, painted);
  let anyRunning = false;
  for (let i = first; i < last && !anyRunning; i++) anyRunning = rowAt(snap, i)?.status === 'RUNNING';
  // Durations of running runs tick; the table re-renders each second only while one is in view.
  const now = useNow(anyRunning);
  useEffect(() => {
    pages.want(first, Math.max(first, last - 1));
  }, [pages, first, last, key]);

  const scrollToRow = (i: number): void => {
    const el = bodyRef.current;
    if (!el) return;
    const top = i * ROW_H;
    const headH = ROW_H;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_H > el.scrollTop + el.clientHeight - headH)
      el.scrollTop = top + ROW_H - el.clientHeight + headH;
  };
  const onKeyDown = (e: ReactKeyboardEvent<HTMLDivElement>): void => {
    if (e.target !== e.currentTarget || total === 0) return;
    const pageRows = Math.max(1, Math.floor(view.height / ROW_H) - 2);
    const move = (to: number): void => {
      e.preventDefault();
      const i = Math.max(0, Math.min(total - 1, to));
      setActive(i);
      scrollToRow(i);
    };
    if (e.key === 'ArrowDown') return move(active + 1);
    if (e.key === 'ArrowUp') return move(active - 1);
    if (e.key === 'PageDown') return move(active + pageRows);
    if (e.key === 'PageUp') return move(active - pageRows);
    if (e.key === 'Home') return move(0);
    if (e.key === 'End') return move(total - 1);
    const run = rowAt(snap, active);
    if (!run) return;
    if (e.key === 'Enter') {
      e.preventDefault();
      navigate(runHref(run.run_id));
    } else if (e.key === ' ') {
      e.preventDefault();
      toggleSelected(run.run_id);
    }
  };

  // Rows are keyed by slot (index modulo the window's size) and kept in slot order: when the window
  // moves, the rows that leave it hand their DOM to the rows that enter, which React fills in place
  // (new text, a new `top`) instead of creating and deleting elements or moving them around. The
  // DOM order is therefore rotated; aria-rowindex gives each row its place in the table.
  const slots: ReactNode[] = new Array<ReactNode>(pool).fill(null);
  const selectedSet = new Set(selected);
  for (let i = first; i < last; i++) {
    const run = loaded ? rowAt(snap, i) : undefined;
    slots[i % pool] = (
      <Row
        key={i % pool}
        run={run}
        index={i}
        columns={columns}
        template={template}
        selected={run ? selectedSet.has(run.run_id) : false}
        active={i === active}
        now={now}
        onToggle={toggleSelected}
      />
    );
  }
  const rows = slots.filter((r) => r !== null);

  const housekeeping = async (what: 'delete' | 'restore'): Promise<void> => {
    setConfirm(null);
    try {
      const r = await call(what === 'delete' ? 'runs.delete' : 'runs.restore', { runIds: selected });
      toast(
        'success',
        `${what === 'delete' ? 'Deleted' : 'Restored'} ${r.count} run${r.count === 1 ? '' : 's'}`,
      );
      setSelected([]);
      setRefresh((n) => n + 1);
    } catch (e) {
      toast('error', errorText(e), errorCode(e));
    }
  };

  return (
    <div className="h-runs" data-testid="runs-view">
      <FilterBar
        query={query}
        onChange={setQuery}
        error={loaded && snap.error ? snap.error : null}
        experiments={filters.data?.experiments ?? []}
        workflows={filters.data?.workflows ?? []}
      />
      <div className="h-tablebar">
        <span className="muted small" data-testid="runs-total" data-total={loaded ? total : ''}>
          {!loaded
            ? 'Loading…'
            : snap.error
              ? 'The search failed'
              : `${formatCount(total)} run${total === 1 ? '' : 's'}`}
        </span>
        <span className="tb-spacer" />
        {selected.length > 0 && (
          <div className="h-selbar" data-testid="selection-bar">
            <span className="small">{selected.length} selected</span>
            <button
              className="btn small btn-primary"
              data-testid="btn-compare"
              disabled={selected.length < 2 || selected.length > MAX_COMPARE}
              title={
                selected.length > MAX_COMPARE
                  ? `Compare at most ${MAX_COMPARE} runs`
                  : 'Compare the selected runs'
              }
              onClick={() => navigate(formatRoute({ view: 'compare', runIds: selected }))}
            >
              Compare
            </button>
            <button
              className="btn small"
              data-testid="btn-delete-selected"
              onClick={() => setConfirm('delete')}
            >
              Delete
            </button>
            {query.viewType !== 'ACTIVE_ONLY' && (
              <button
                className="btn small"
                data-testid="btn-restore-selected"
                onClick={() => setConfirm('restore')}
              >
                Restore
              </button>
            )}
            <button className="btn small ghost" onClick={() => setSelected([])}>
              Clear
            </button>
          </div>
        )}
        <button
          className="btn small"
          data-testid="btn-columns"
          onClick={() => setChooser(true)}
          aria-haspopup="dialog"
        >
          Columns…
        </button>
        <button
          className="btn small"
          data-testid="btn-refresh"
          onClick={() => setRefresh((n) => n + 1)}
          title="Fetch the runs again"
        >
          Refresh
        </button>
      </div>
      <div
        className="h-table"
        ref={bodyRef}
        tabIndex={0}
        role="grid"
        aria-rowcount={total}
        aria-label="Runs"
        data-testid="runs-table"
        onKeyDown={onKeyDown}
        onScroll={(e) => onScroll(e.currentTarget)}
      >
        <div className="h-head" style={{ width }} role="row" aria-rowindex={1}>
          <span className="h-cell h-sel">
            <input
              type="checkbox"
              aria-label="Select the runs in view"
              title="Select the runs in view"
              checked={
                rows.length > 0 &&
                selected.length > 0 &&
                Array.from({ length: last - first }, (_, k) => rowAt(snap, first + k)).every(
                  (r) => !r || selectedSet.has(r.run_id),
                )
              }
              onChange={(e) => {
                const inView = Array.from(
                  { length: last - first },
                  (_, k) => rowAt(snap, first + k)?.run_id,
                ).filter((x): x is string => !!x);
                setSelected(
                  e.target.checked
                    ? [...new Set([...selected, ...inView])]
                    : selected.filter((id) => !inView.includes(id)),
                );
              }}
            />
          </span>
          {columns.map((c) => {
            const sorted = c.sort !== null && sort.column === c.sort;
            return (
              <button
                key={c.id}
                className={`h-cell h-th${c.numeric ? ' num' : ''}${sorted ? ' sorted' : ''}`}
                style={{ width: c.width }}
                title={c.sort ? `${c.title ?? c.label}: sort` : c.title}
                disabled={c.sort === null}
                data-testid={`th-${c.id}`}
                data-col={c.id}
                aria-sort={sorted ? (sort.ascending ? 'ascending' : 'descending') : 'none'}
                onClick={() => c.sort && setQuery({ sort: nextSort(query.sort, c.sort, !!c.numeric) })}
              >
                <span className="h-th-label">{c.label}</span>
                {sorted && <span className="h-sort">{sort.ascending ? '▲' : '▼'}</span>}
              </button>
            );
          })}
        </div>
        <div className="h-spacer" style={{ height: total * ROW_H, width }} role="rowgroup">
          {rows}
        </div>
        {loaded && total === 0 && !snap.error && (
          <div className="empty-note h-empty" data-testid="runs-empty">
            No runs match.{' '}
            {hasFilters(query)
              ? 'Clear the filters to see every run.'
              : 'Run a step or a workflow and it appears here.'}
          </div>
        )}
      </div>
      {chooser && keys.data && (
        <ColumnChooser keys={keys.data} current={keyCols} onClose={() => setChooser(false)} />
      )}
      {confirm && (
        <Confirm
          title={confirm === 'delete' ? 'Delete runs' : 'Restore runs'}
          message={
            confirm === 'delete'
              ? `Delete ${selected.length} run${selected.length === 1 ? '' : 's'}? They move to the deleted runs (lifecycle stage "deleted", as in MLflow) and can be restored.`
              : `Restore ${selected.length} run${selected.length === 1 ? '' : 's'}?`
          }
          confirmLabel={confirm === 'delete' ? 'Delete' : 'Restore'}
          danger={confirm === 'delete'}
          onCancel={() => setConfirm(null)}
          onConfirm={() => void housekeeping(confirm)}
        />
      )}
    </div>
  );
}

const FilterBar = memo(function FilterBar({
  query,
  onChange,
  error,
  experiments,
  workflows,
}: {
  query: RunsQuery;
  onChange: (patch: Partial<RunsQuery>, replace?: boolean) => void;
  error: { code: string; message: string } | null;
  experiments: MethodOutput<'experiments.list'>;
  workflows: string[];
}) {
  const [text, setText] = useState(query.filter);
  const [shown, setShown] = useState(query.filter);
  if (shown !== query.filter) {
    // The URL changed (back button, a link): the field follows it.
    setShown(query.filter);
    setText(query.filter);
  }
  const apply = (): void => onChange({ filter: text.trim() });
  const toggleStatus = (s: RunStatus): void =>
    onChange({
      statuses: query.statuses.includes(s) ? query.statuses.filter((x) => x !== s) : [...query.statuses, s],
    });
  const anyFilter = hasFilters(query);
  return (
    <div className="h-filters" data-testid="runs-filters">
      <div className="h-filter-row">
        <div className="h-filter-expr">
          <input
            className={error ? 'invalid mono' : 'mono'}
            data-testid="filter-input"
            placeholder="metrics.rmse < 0.8 and params.alpha = '0.1' and tags.mlflow.project.entryPoint = 'train'"
            value={text}
            spellCheck={false}
            aria-label="Filter expression"
            aria-invalid={!!error}
            aria-describedby={error ? 'filter-error' : undefined}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') apply();
              if (e.key === 'Escape') setText(query.filter);
            }}
          />
          <button className="btn" data-testid="filter-apply" onClick={apply}>
            Search
          </button>
        </div>
        <select
          aria-label="Experiment"
          data-testid="filter-experiment"
          value={query.experimentIds[0] ?? ''}
          onChange={(e) => onChange({ experimentIds: e.target.value ? [e.target.value] : [] })}
        >
          <option value="">All experiments</option>
          {experiments.map((x) => (
            <option key={x.experiment_id} value={x.experiment_id}>
              {x.name}
            </option>
          ))}
        </select>
        <select
          aria-label="Workflow"
          data-testid="filter-workflow"
          value={query.workflowName}
          onChange={(e) => onChange({ workflowName: e.target.value })}
        >
          <option value="">All workflows</option>
          {workflows.map((w) => (
            <option key={w} value={w}>
              {w}
            </option>
          ))}
        </select>
        <select
          aria-label="Lifecycle"
          data-testid="filter-lifecycle"
          value={query.viewType}
          onChange={(e) => onChange({ viewType: e.target.value as RunsQuery['viewType'] })}
        >
          <option value="ACTIVE_ONLY">Active runs</option>
          <option value="DELETED_ONLY">Deleted runs</option>
          <option value="ALL">Active and deleted</option>
        </select>
      </div>
      {error && (
        <div
          className="field-error h-filter-error"
          id="filter-error"
          role="alert"
          data-testid="filter-error"
          data-code={error.code}
        >
          <code>{error.code}</code> {error.message}
        </div>
      )}
      <div className="h-filter-row">
        <div className="h-status-chips" role="group" aria-label="Status">
          {RUN_STATUSES.map((s) => (
            <button
              key={s}
              className={`h-chip${query.statuses.includes(s) ? ' on' : ''}`}
              aria-pressed={query.statuses.includes(s)}
              data-testid={`filter-status-${s}`}
              onClick={() => toggleStatus(s)}
            >
              {s.toLowerCase()}
            </button>
          ))}
        </div>
        <label className="h-time">
          <span className="muted small">from</span>
          <input
            type="datetime-local"
            data-testid="filter-after"
            value={toLocalInput(query.after)}
            onChange={(e) => onChange({ after: fromLocalInput(e.target.value) }, true)}
          />
        </label>
        <label className="h-time">
          <span className="muted small">to</span>
          <input
            type="datetime-local"
            data-testid="filter-before"
            value={toLocalInput(query.before)}
            onChange={(e) => onChange({ before: fromLocalInput(e.target.value) }, true)}
          />
        </label>
        {anyFilter && (
          <button
            className="btn small ghost"
            data-testid="filter-clear"
            onClick={() => {
              setText('');
              onChange({
                filter: '',
                statuses: [],
                experimentIds: [],
                workflowName: '',
                after: null,
                before: null,
              });
            }}
          >
            Clear filters
          </button>
        )}
      </div>
    </div>
  );
});

function ColumnChooser({
  keys,
  current,
  onClose,
}: {
  keys: MethodOutput<'runs.columns'>;
  current: string[];
  onClose: () => void;
}) {
  const setColumns = useHistoryStore((s) => s.setColumns);
  const [cols, setCols] = useState(current);
  const [q, setQ] = useState('');
  const groups: { kind: 'metrics' | 'params' | 'tags'; title: string }[] = [
    { kind: 'metrics', title: 'Metrics' },
    { kind: 'params', title: 'Parameters' },
    { kind: 'tags', title: 'Tags' },
  ];
  const toggle = (c: string): void =>
    setCols((cs) => (cs.includes(c) ? cs.filter((x) => x !== c) : [...cs, c]));
  return (
    <Modal
      title="Columns"
      onClose={onClose}
      testId="column-chooser"
      footer={
        <>
          <button className="btn small ghost" onClick={() => setCols([])}>
            None
          </button>
          <span className="tb-spacer" />
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            className="btn btn-primary"
            data-testid="columns-apply"
            onClick={() => {
              setColumns(cols);
              onClose();
            }}
          >
            Apply
          </button>
        </>
      }
    >
      <div className="pad">
        <input
          placeholder="Filter keys"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          aria-label="Filter keys"
        />
      </div>
      <div className="h-chooser">
        {groups.map((g) => {
          const list = keys[g.kind].filter((k) => k.toLowerCase().includes(q.toLowerCase()));
          return (
            <div key={g.kind} className="h-chooser-group">
              <div className="subhead">{g.title}</div>
              {list.length === 0 && <div className="muted small">none</div>}
              {list.map((k) => {
                const c = `${g.kind}.${k}`;
                return (
                  <label key={c} className="check small">
                    <input
                      type="checkbox"
                      checked={cols.includes(c)}
                      data-testid={`column-${c}`}
                      onChange={() => toggle(c)}
                    />
                    <span className="mono">{k}</span>
                  </label>
                );
              })}
            </div>
          );
        })}
      </div>
    </Modal>
  );
}
