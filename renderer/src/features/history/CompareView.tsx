/**
 * Runs side by side (2 to 50, `#/compare?runs=…`): params with an "only differences" toggle,
 * the latest metrics with deltas against the first run, and one chart per metric with every run
 * overlaid. Charts draw as they scroll into view.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { RunRowDto } from '../../../../common/api/schemas.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { formatMetric } from '../../lib/format.js';
import { errorCode, errorText, useCall } from './api.js';
import { MAX_COMPARE, useHistoryStore } from './history-store.js';
import { MetricChart, SERIES_COLORS } from './MetricChart.js';
import type { ChartSeries } from './MetricChart.js';
import { formatRoute, runHref } from './route.js';
import { useLoad } from './useLoad.js';

const label = (r: RunRowDto): string => r.run_name || r.run_id.slice(0, 8);

function num(v: number | string | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function formatDelta(
  base: number | string | undefined,
  v: number | string | undefined,
): { text: string; sign: -1 | 0 | 1 } | null {
  const a = num(base);
  const b = num(v);
  if (a === null || b === null) return null;
  const d = b - a;
  if (d === 0) return { text: '±0', sign: 0 };
  const pct = a !== 0 ? ` (${d > 0 ? '+' : ''}${((d / Math.abs(a)) * 100).toFixed(1)}%)` : '';
  return { text: `${d > 0 ? '+' : ''}${formatMetric(d)}${pct}`, sign: d > 0 ? 1 : -1 };
}

function LazyChart({
  metricKey,
  series,
  x,
}: {
  metricKey: string;
  series: ChartSeries[];
  x: 'step' | 'time';
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || seen) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setSeen(true);
    });
    io.observe(el);
    return () => io.disconnect();
  }, [seen]);
  return (
    <div ref={ref}>
      {seen ? (
        <MetricChart metricKey={metricKey} series={series} x={x} testId={`compare-chart-${metricKey}`} />
      ) : (
        <div className="h-chart-loading" style={{ height: 220 }} />
      )}
    </div>
  );
}

export function CompareView({ runIds }: { runIds: string[] }) {
  const call = useCall();
  const lastQuery = useHistoryStore((s) => s.lastQuery);
  const ids = useMemo(() => [...new Set(runIds)].slice(0, MAX_COMPARE), [runIds]);
  const load = useCallback(async () => {
    if (ids.length === 0) return [];
    const list = ids.map((id) => `'${id}'`).join(', ');
    const r = await call('runs.search', {
      filter: `attributes.run_id IN (${list})`,
      viewType: 'ALL',
      limit: MAX_COMPARE,
    });
    const byId = new Map(r.runs.map((x) => [x.run_id, x]));
    return ids.map((id) => byId.get(id)).filter((x): x is RunRowDto => x !== undefined);
  }, [call, ids]);
  const runs = useLoad(load);
  const [onlyDiff, setOnlyDiff] = useState(true);
  const [x, setX] = useState<'step' | 'time'>('step');

  const rs = runs.data ?? [];
  const series: ChartSeries[] = useMemo(
    () => (runs.data ?? []).map((r) => ({ runId: r.run_id, label: label(r) })),
    [runs.data],
  );
  const paramKeys = [...new Set(rs.flatMap((r) => Object.keys(r.params)))].sort();
  const metricKeys = [...new Set(rs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const differs = (k: string): boolean => new Set(rs.map((r) => r.params[k] ?? '\u0000missing')).size > 1;
  const shownParams = onlyDiff ? paramKeys.filter(differs) : paramKeys;
  const base = rs[0];

  return (
    <div className="h-page h-compare" data-testid="compare-view">
      <div className="h-crumbs">
        <a href={formatRoute({ view: 'runs', query: lastQuery })}>Runs</a>
        <span className="muted">/</span>
        <span>Compare {ids.length} runs</span>
      </div>
      {runIds.length > MAX_COMPARE && (
        <div className="problem">Only the first {MAX_COMPARE} runs are compared.</div>
      )}
      {ids.length < 2 && (
        <div className="problem">Choose at least two runs in the table to compare them.</div>
      )}
      {runs.error !== null && (
        <div className="problem">
          <code>{errorCode(runs.error)}</code> {errorText(runs.error)}
        </div>
      )}
      {runs.data && runs.data.length < ids.length && (
        <div className="muted small">
          {ids.length - runs.data.length} of the runs asked for are not in the history.
        </div>
      )}
      {runs.loading && !runs.data && <div className="muted pad">Loading runs…</div>}
      {rs.length > 0 && (
        <>
          <section className="h-card">
            <h2>
              Parameters
              <label className="check small">
                <input
                  type="checkbox"
                  checked={onlyDiff}
                  onChange={(e) => setOnlyDiff(e.target.checked)}
                  data-testid="only-differences"
                />
                Only differences
              </label>
            </h2>
            <div className="h-cmp-scroll">
              <table className="h-cmp" data-testid="compare-params">
                <thead>
                  <tr>
                    <th />
                    {rs.map((r, i) => (
                      <th key={r.run_id}>
                        <span
                          className="h-swatch"
                          style={{ background: SERIES_COLORS[i % SERIES_COLORS.length] }}
                        />
                        <a href={runHref(r.run_id)}>{label(r)}</a> <StatusBadge status={r.status} />
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {shownParams.length === 0 && (
                    <tr>
                      <td colSpan={rs.length + 1} className="muted small">
                        {onlyDiff ? 'Every parameter is the same in all runs.' : 'No parameters.'}
                      </td>
                    </tr>
                  )}
                  {shownParams.map((k) => (
                    <tr key={k} className={differs(k) ? 'diff' : ''} data-testid={`compare-param-${k}`}>
                      <td className="mono">{k}</td>
                      {rs.map((r) => (
                        <td key={r.run_id} className="mono">
                          {r.params[k] ?? <span className="muted">—</span>}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section className="h-card">
            <h2>
              Metrics
              <span className="small muted">
                latest values; Δ against {base ? label(base) : 'the first run'}
              </span>
            </h2>
            <div className="h-cmp-scroll">
              <table className="h-cmp" data-testid="compare-metrics">
                <thead>
                  <tr>
                    <th />
                    {rs.map((r) => (
                      <th key={r.run_id}>{label(r)}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {metricKeys.map((k) => (
                    <tr key={k} data-testid={`compare-metric-${k}`}>
                      <td className="mono">{k}</td>
                      {rs.map((r, i) => {
                        const v = r.metrics[k];
                        const delta = i > 0 ? formatDelta(base?.metrics[k], v) : null;
                        return (
                          <td key={r.run_id} className="mono num">
                            {v === undefined ? <span className="muted">—</span> : formatMetric(v)}
                            {delta && <span className={`h-delta d${delta.sign}`}> {delta.text}</span>}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          {metricKeys.length > 0 && (
            <section className="h-card">
              <h2>
                Charts
                <div className="h-seg" role="group" aria-label="x axis">
                  <button
                    className={x === 'step' ? 'on' : ''}
                    aria-pressed={x === 'step'}
                    onClick={() => setX('step')}
                  >
                    Step
                  </button>
                  <button
                    className={x === 'time' ? 'on' : ''}
                    aria-pressed={x === 'time'}
                    onClick={() => setX('time')}
                  >
                    Time
                  </button>
                </div>
              </h2>
              <div className="h-charts">
                {metricKeys.map((k) => (
                  <div key={k} className="h-chart-card">
                    <div className="mono small">{k}</div>
                    <LazyChart metricKey={k} series={series} x={x} />
                  </div>
                ))}
              </div>
            </section>
          )}
        </>
      )}
    </div>
  );
}
