/**
 * The history views' queries (runs table, run page, charts, lineage, housekeeping) over the store's
 * schema. Every statement is prepared once and served by an index; docs/benchmarks.md shows the
 * query plans at 100,000 runs.
 */
import type { Db } from './db.js';
import type { RunStatus } from '../../../common/types.js';

export interface LineageRow {
  run_id: string;
  param: string;
  attribute: string;
  run_name: string | null;
  status: RunStatus | null;
  step_name: string | null;
}

export interface MetricPointRow {
  step: number;
  timestamp: number;
  value: number;
  is_nan: number;
}

export interface DownsampleResult {
  points: MetricPointRow[];
  total: number;
  downsampled: boolean;
}

type KeyTable = 'params' | 'tags' | 'latest_metrics';

/** Distinct keys by skip scan over a (key, …) index: one index seek per distinct key, not a scan of every row. */
function distinctKeysSql(table: KeyTable): string {
  return `WITH RECURSIVE k(key) AS (
      SELECT (SELECT min(key) FROM ${table})
      UNION ALL
      SELECT (SELECT min(key) FROM ${table} WHERE key > k.key) FROM k WHERE k.key IS NOT NULL
    ) SELECT key FROM k WHERE key IS NOT NULL`;
}

/** The same, keeping keys some run of the given experiments has (one EXISTS probe per key). */
function distinctKeysInExperimentsSql(table: KeyTable): string {
  return `WITH RECURSIVE k(key) AS (
      SELECT (SELECT min(key) FROM ${table})
      UNION ALL
      SELECT (SELECT min(key) FROM ${table} WHERE key > k.key) FROM k WHERE k.key IS NOT NULL
    ) SELECT key FROM k WHERE key IS NOT NULL AND EXISTS (
      SELECT 1 FROM ${table} AS t JOIN runs AS r ON r.run_id = t.run_id
      WHERE t.key = k.key AND r.experiment_id IN (SELECT value FROM json_each(?)))`;
}

export class HistoryQueries {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      keys: {
        params: db.prepare<[], { key: string }>(distinctKeysSql('params')),
        tags: db.prepare<[], { key: string }>(distinctKeysSql('tags')),
        latest_metrics: db.prepare<[], { key: string }>(distinctKeysSql('latest_metrics')),
      },
      keysIn: {
        params: db.prepare<[string], { key: string }>(distinctKeysInExperimentsSql('params')),
        tags: db.prepare<[string], { key: string }>(distinctKeysInExperimentsSql('tags')),
        latest_metrics: db.prepare<[string], { key: string }>(distinctKeysInExperimentsSql('latest_metrics')),
      },
      experimentNames: db.prepare<[], { experiment_id: number; name: string }>('SELECT experiment_id, name FROM experiments'),
      workflowNames: db.prepare<[string], { workflow_run_id: string; workflow_name: string }>(
        'SELECT workflow_run_id, workflow_name FROM workflow_runs WHERE workflow_run_id IN (SELECT value FROM json_each(?))',
      ),
      metricKeys: db.prepare<[string], { key: string }>('SELECT key FROM latest_metrics WHERE run_id = ? ORDER BY key'),
      inputs: db.prepare<[string], LineageRow>(
        `SELECT i.source_run_id AS run_id, i.param, i.attribute, r.run_name, r.status, r.step_name
         FROM run_inputs AS i LEFT JOIN runs AS r ON r.run_id = i.source_run_id
         WHERE i.run_id = ? ORDER BY i.param, i.attribute`,
      ),
      consumers: db.prepare<[string], LineageRow>(
        `SELECT i.run_id AS run_id, i.param, i.attribute, r.run_name, r.status, r.step_name
         FROM run_inputs AS i LEFT JOIN runs AS r ON r.run_id = i.run_id
         WHERE i.source_run_id = ? ORDER BY r.start_time, i.run_id, i.param`,
      ),
      stepsUsing: db.prepare<[string], { workflow_run_id: string; step_name: string; cached: number; reason: string | null; status: string }>(
        `SELECT s.workflow_run_id, s.step_name, s.cached, s.reason, s.status FROM workflow_steps AS s
         JOIN workflow_runs AS w ON w.workflow_run_id = s.workflow_run_id
         WHERE s.run_id = ? ORDER BY w.start_time, s.workflow_run_id`,
      ),
      runBrief: db.prepare<[string], { run_id: string; status: RunStatus; lifecycle_stage: string; cache_key: string | null }>(
        'SELECT run_id, status, lifecycle_stage, cache_key FROM runs WHERE run_id = ?',
      ),
      // All points of a metric, x = step (the index order) or x = time.
      pointsByStep: db.prepare<[string, string], MetricPointRow>(
        'SELECT step, timestamp, value, is_nan FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, timestamp',
      ),
      pointsByTime: db.prepare<[string, string], MetricPointRow>(
        'SELECT step, timestamp, value, is_nan FROM metrics WHERE run_id = ? AND key = ? ORDER BY timestamp, step',
      ),
      // One step bucket: SQLite's min()/max() with bare columns returns the row that holds the extreme.
      bucketMin: db.prepare<[string, string, number, number], MetricPointRow & { m: number | null }>(
        `SELECT step, timestamp, value, is_nan, min(value) AS m FROM metrics
         WHERE run_id = ? AND key = ? AND step >= ? AND step < ? AND is_nan = 0`,
      ),
      bucketMax: db.prepare<[string, string, number, number], MetricPointRow & { m: number | null }>(
        `SELECT step, timestamp, value, is_nan, max(value) AS m FROM metrics
         WHERE run_id = ? AND key = ? AND step >= ? AND step < ? AND is_nan = 0`,
      ),
      bucketNan: db.prepare<[string, string, number, number], MetricPointRow>(
        `SELECT step, timestamp, value, is_nan FROM metrics
         WHERE run_id = ? AND key = ? AND step >= ? AND step < ? AND is_nan = 1 LIMIT 1`,
      ),
      tiles: db.prepare<[string, string], TileRow>(
        `SELECT tile, n, lo_value, lo_step, lo_ts, hi_value, hi_step, hi_ts, nan_step, nan_ts
         FROM metric_tiles WHERE run_id = ? AND key = ? ORDER BY tile`,
      ),
      pointCount: db.prepare<[string, string], { n: number | null }>('SELECT sum(n) AS n FROM metric_tiles WHERE run_id = ? AND key = ?'),
      firstPoint: db.prepare<[string, string], MetricPointRow>(
        'SELECT step, timestamp, value, is_nan FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, timestamp LIMIT 1',
      ),
      lastPoint: db.prepare<[string, string], MetricPointRow>(
        'SELECT step, timestamp, value, is_nan FROM metrics WHERE run_id = ? AND key = ? ORDER BY step DESC, timestamp DESC LIMIT 1',
      ),
    };
  }

  /** The SQL of every statement, by name (for query-plan checks: bench:history --plans). */
  statementSources(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, st] of Object.entries(this.s)) {
      if ('source' in st) out[name] = (st as { source: string }).source;
      else for (const [table, sub] of Object.entries(st as Record<string, { source: string }>)) out[`${name}.${table}`] = sub.source;
    }
    return out;
  }

  /** Every param, metric and tag key (optionally only those some run of these experiments has), sorted. */
  columns(experimentIds?: readonly number[]): { params: string[]; metrics: string[]; tags: string[] } {
    const keys = (table: KeyTable): string[] =>
      (experimentIds === undefined ? this.s.keys[table].all() : this.s.keysIn[table].all(JSON.stringify(experimentIds))).map((r) => r.key);
    return { params: keys('params'), metrics: keys('latest_metrics'), tags: keys('tags') };
  }

  experimentNames(): Map<string, string> {
    return new Map(this.s.experimentNames.all().map((r) => [String(r.experiment_id), r.name]));
  }

  workflowNames(workflowRunIds: readonly string[]): Map<string, string> {
    if (!workflowRunIds.length) return new Map();
    return new Map(this.s.workflowNames.all(JSON.stringify([...new Set(workflowRunIds)])).map((r) => [r.workflow_run_id, r.workflow_name]));
  }

  /** Each metric key of a run and its number of logged points. */
  metricKeys(runId: string): { key: string; count: number }[] {
    return this.s.metricKeys.all(runId).map(({ key }) => ({ key, count: this.pointCount(runId, key) }));
  }

  lineage(runId: string): { inputs: LineageRow[]; consumers: LineageRow[] } {
    return { inputs: this.s.inputs.all(runId), consumers: this.s.consumers.all(runId) };
  }

  /** Workflow steps whose run this is (made by the step, or reused by it from the cache). */
  stepsUsing(runId: string): { workflow_run_id: string; step_name: string; cached: boolean; reason: string | null; status: string }[] {
    return this.s.stepsUsing.all(runId).map((r) => ({ ...r, cached: r.cached === 1 }));
  }

  runBrief(runId: string): { run_id: string; status: RunStatus; lifecycle_stage: string; cache_key: string | null } | null {
    return this.s.runBrief.get(runId) ?? null;
  }

  /**
   * A metric's points, downsampled to at most maxPoints: the first and last points (by step), and
   * per bucket of steps the lowest and highest value (so peaks survive) and the first NaN point
   * where the bucket has NaNs (so gaps show). Buckets are runs of consecutive metric tiles (1024
   * steps each, summarised as points are logged), so a 1,000,000-point metric costs ~1,000 tile
   * rows; when a metric has too few tiles for the resolution asked (many points on few steps), each
   * bucket is a step range read through the metric index. With x = time the same points come back
   * in time order.
   */
  downsample(runId: string, key: string, maxPoints: number | undefined, x: 'step' | 'time'): DownsampleResult {
    const tiles = this.s.tiles.all(runId, key);
    let total = 0;
    for (const t of tiles) total += t.n;
    if (total === 0) return { points: [], total, downsampled: false };
    if (maxPoints === undefined || total <= maxPoints) {
      return { points: (x === 'step' ? this.s.pointsByStep : this.s.pointsByTime).all(runId, key), total, downsampled: false };
    }
    const buckets = Math.max(1, Math.floor((maxPoints - 2) / 3));
    const points: MetricPointRow[] = [this.s.firstPoint.get(runId, key)!];
    if (tiles.length * 4 >= buckets) {
      const per = Math.ceil(tiles.length / buckets);
      for (let i = 0; i < tiles.length; i += per) {
        let lo: TileRow | null = null;
        let hi: TileRow | null = null;
        let nan: TileRow | null = null;
        for (const t of tiles.slice(i, i + per)) {
          if (t.lo_value !== null && (!lo || t.lo_value < lo.lo_value!)) lo = t;
          if (t.hi_value !== null && (!hi || t.hi_value > hi.hi_value!)) hi = t;
          if (t.nan_step !== null && !nan) nan = t;
        }
        const group: MetricPointRow[] = [];
        if (lo) group.push({ step: lo.lo_step!, timestamp: lo.lo_ts!, value: lo.lo_value!, is_nan: 0 });
        if (hi && !(lo && hi.hi_step === lo.lo_step && hi.hi_ts === lo.lo_ts && hi.hi_value === lo.lo_value)) {
          group.push({ step: hi.hi_step!, timestamp: hi.hi_ts!, value: hi.hi_value!, is_nan: 0 });
        }
        if (nan) group.push({ step: nan.nan_step!, timestamp: nan.nan_ts!, value: 0, is_nan: 1 });
        group.sort(byStep);
        points.push(...group);
      }
    } else {
      const lo = points[0]!.step;
      const hi = this.s.lastPoint.get(runId, key)!.step;
      const width = Math.max(1, Math.ceil((hi - lo + 1) / buckets));
      for (let from = lo; from <= hi; from += width) {
        const to = from + width;
        const group: MetricPointRow[] = [];
        const min = this.s.bucketMin.get(runId, key, from, to);
        if (min && min.m !== null) group.push(strip(min));
        const max = this.s.bucketMax.get(runId, key, from, to);
        if (max && max.m !== null && (max.step !== min?.step || max.timestamp !== min.timestamp || max.value !== min.value)) group.push(strip(max));
        const nan = this.s.bucketNan.get(runId, key, from, to);
        if (nan) group.push(nan);
        group.sort(byStep);
        points.push(...group);
      }
    }
    points.push(this.s.lastPoint.get(runId, key)!);
    const out = dedupe(points, byStep);
    if (x === 'time') out.sort(byTime);
    return { points: out, total, downsampled: true };
  }

  /** Each metric key of a run and its number of logged points (a sum over the metric's tiles). */
  pointCount(runId: string, key: string): number {
    return this.s.pointCount.get(runId, key)?.n ?? 0;
  }
}

interface TileRow {
  tile: number;
  n: number;
  lo_value: number | null;
  lo_step: number | null;
  lo_ts: number | null;
  hi_value: number | null;
  hi_step: number | null;
  hi_ts: number | null;
  nan_step: number | null;
  nan_ts: number | null;
}

function strip(r: MetricPointRow & { m?: number | null }): MetricPointRow {
  return { step: r.step, timestamp: r.timestamp, value: r.value, is_nan: r.is_nan };
}

function byStep(a: MetricPointRow, b: MetricPointRow): number {
  return a.step - b.step || a.timestamp - b.timestamp;
}

function byTime(a: MetricPointRow, b: MetricPointRow): number {
  return a.timestamp - b.timestamp || a.step - b.step;
}

/** Drops repeated points (the first/last point is usually also a bucket's extreme); keeps order. */
function dedupe(points: MetricPointRow[], cmp: (a: MetricPointRow, b: MetricPointRow) => number): MetricPointRow[] {
  const out: MetricPointRow[] = [];
  for (const p of points) {
    const prev = out[out.length - 1];
    if (prev && cmp(prev, p) === 0 && prev.value === p.value && prev.is_nan === p.is_nan) continue;
    out.push(p);
  }
  return out;
}
