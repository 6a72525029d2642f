/**
 * One metric as a uPlot chart: one series per run (overlaid when comparing). The engine
 * downsamples to about twice the chart's pixel width (min and max per bucket, so peaks survive),
 * so a metric with a million points draws at once. x is the step or the wall-clock time; hovering
 * shows the values under the cursor in the legend. The container says what was drawn
 * (`data-points`, `data-total`, `data-drawn`) for tests and the benchmark.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MethodOutput } from '../../../../common/api/contract.js';
import { formatCount } from '../../lib/format.js';
import { errorText, useCall } from './api.js';

export const SERIES_COLORS = [
  '#2f6bf0',
  '#e5534b',
  '#16a34a',
  '#b7791f',
  '#8250df',
  '#0e9f8e',
  '#ea580c',
  '#db2777',
  '#64748b',
  '#65a30d',
];

export interface ChartSeries {
  runId: string;
  label: string;
}

type History = MethodOutput<'runs.metricHistory'>;

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

function toNumber(v: number | string): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** One run's points as an aligned table [xs, ys] (x ascending; equal x keep their order). */
function table(h: History, x: 'step' | 'time'): [number[], (number | null)[]] {
  const pts = h.metrics.map((m) => ({ x: x === 'step' ? m.step : m.timestamp / 1000, y: toNumber(m.value) }));
  pts.sort((a, b) => a.x - b.x);
  return [pts.map((p) => p.x), pts.map((p) => p.y)];
}

export function MetricChart({
  metricKey,
  series,
  x,
  height = 220,
  testId,
}: {
  metricKey: string;
  series: ChartSeries[];
  x: 'step' | 'time';
  height?: number;
  testId?: string;
}) {
  const call = useCall();
  const wrap = useRef<HTMLDivElement>(null);
  const plotEl = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [state, setState] = useState<{ key: string; histories: History[] | null; error: string | null }>({
    key: '',
    histories: null,
    error: null,
  });
  const [drawn, setDrawn] = useState<{ points: number; total: number; downsampled: boolean } | null>(null);

  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Points asked for: about 2× the pixel width, in steps of 200 px so a small resize does not refetch.
  const bucketWidth = width > 0 ? Math.ceil(width / 200) * 200 : 0;
  const maxPoints = Math.max(100, bucketWidth * 2);
  const loadKey =
    bucketWidth > 0 ? JSON.stringify([metricKey, x, maxPoints, series.map((s) => s.runId)]) : '';
  useEffect(() => {
    if (!loadKey) return;
    let live = true;
    Promise.all(
      series.map((s) => call('runs.metricHistory', { runId: s.runId, key: metricKey, maxPoints, x })),
    ).then(
      (histories) => live && setState({ key: loadKey, histories, error: null }),
      (e: unknown) => live && setState({ key: loadKey, histories: null, error: errorText(e) }),
    );
    return () => {
      live = false;
    };
    // series identity is in loadKey
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loadKey, call]);

  const histories = state.key === loadKey ? state.histories : null;
  useEffect(() => {
    const el = plotEl.current;
    if (!el || !histories || width <= 0) return;
    const tables = histories.map((h) => table(h, x));
    const data: uPlot.AlignedData =
      tables.length === 1
        ? (tables[0] as uPlot.AlignedData)
        : uPlot.join(tables.map((t) => t as uPlot.AlignedData));
    const muted = cssVar('--muted', '#6b7682');
    const grid = cssVar('--border', '#e1e4e8');
    const axis = {
      stroke: muted,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      font: '11px system-ui, sans-serif',
    };
    const opts: uPlot.Options = {
      width,
      height,
      scales: { x: { time: x === 'time' } },
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      series: [
        { label: x === 'step' ? 'step' : 'time' },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: SERIES_COLORS[i % SERIES_COLORS.length],
          width: 1.5,
          spanGaps: true,
          points: { show: (histories[i]?.metrics.length ?? 0) < 60 },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : String(Number(v.toPrecision(6)))),
        })),
      ],
      axes: [axis, { ...axis, size: 60 }],
      hooks: {
        draw: [
          (u: uPlot) => {
            let points = 0;
            for (let i = 1; i < u.data.length; i++)
              for (const v of u.data[i] ?? []) if (v !== null && v !== undefined) points++;
            setDrawn({
              points,
              total: histories.reduce((n, h) => n + h.total, 0),
              downsampled: histories.some((h) => h.downsampled),
            });
          },
        ],
      },
    };
    const u = new uPlot(opts, data, el);
    return () => u.destroy();
  }, [histories, width, height, x, series]);

  const error = state.key === loadKey ? state.error : null;
  const empty = histories !== null && histories.every((h) => h.metrics.length === 0);
  return (
    <div
      className="h-chart"
      ref={wrap}
      data-testid={testId ?? `metric-chart-${metricKey}`}
      data-points={drawn?.points ?? ''}
      data-total={drawn?.total ?? ''}
      data-drawn={drawn ? '1' : ''}
    >
      {error && <div className="inline-error pad">{error}</div>}
      {!histories && !error && (
        <div className="h-chart-loading muted small" style={{ height }}>
          Loading {metricKey}…
        </div>
      )}
      {empty && <div className="muted small pad">No points logged.</div>}
      <div ref={plotEl} />
      {drawn?.downsampled && (
        <div className="muted small h-chart-note">
          {formatCount(drawn.total)} points logged, {formatCount(drawn.points)} drawn (min and max of
          each bucket)
        </div>
      )}
    </div>
  );
}
