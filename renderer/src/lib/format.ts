/** Small display helpers. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function formatMetric(v: number | string): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/**
 * A count with its thousands grouped by commas (`100,001`), as the app's English text reads. Not
 * `toLocaleString()`: its first call sets up ICU's number formatting, ~15–30 ms of the runs table's
 * first render on a cold start (docs/benchmarks.md, History UI).
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [int, frac] = String(Math.abs(n)).split('.');
  const grouped = (int ?? '').replace(/\B(?=(\d{3})+$)/g, ',');
  return `${n < 0 ? '-' : ''}${grouped}${frac === undefined ? '' : `.${frac}`}`;
}

/** The label of a step's or run's status (`PENDING` → queued; the CSS classes `badge-<label>`). */
export function statusLabel(status: string | undefined): string {
  switch (status) {
    case 'PENDING':
      return 'queued';
    case undefined:
    case 'IDLE':
      return 'idle';
    default:
      return status.toLowerCase();
  }
}

export function shortId(id: string | null | undefined): string {
  return id ? id.slice(0, 8) : '';
}
