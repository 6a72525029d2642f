/**
 * Migration 3: the history views (runs.search, runs.metricHistory, workflow filters).
 *
 * - metric_tiles: a summary of each metric's history per tile of 1024 steps (`step >> 10`): the
 *   number of points, the lowest and highest value with their step and timestamp, and the first NaN.
 *   Kept by Store.logMetrics. A chart of a 1,000,000-point metric reads ~1,000 tiles instead of the
 *   points, and a metric's point count is a sum over its tiles. Filled here for existing metrics.
 * - The metric history index also carries value and is_nan, so reading points (and the per-bucket
 *   queries for sparse steps) never visits the table (it replaces metrics_run_key_step, same prefix).
 * - Workflow runs by name, for the history's "workflow" filter.
 * - Deleted runs in their own partial index: DELETED_ONLY lists them without scanning active runs.
 */
export const sql = `
DROP INDEX metrics_run_key_step;
CREATE INDEX metrics_run_key_step_value ON metrics(run_id, key, step, timestamp, value, is_nan);
CREATE INDEX workflow_runs_name ON workflow_runs(workflow_name, start_time DESC);
CREATE INDEX runs_deleted_start ON runs(start_time DESC) WHERE lifecycle_stage = 'deleted';

CREATE TABLE metric_tiles (
  run_id   TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key      TEXT NOT NULL,
  tile     INTEGER NOT NULL,
  n        INTEGER NOT NULL,
  -- The lowest and highest non-NaN value (NULL when the tile holds only NaNs), and where it is.
  lo_value REAL,
  lo_step  INTEGER,
  lo_ts    INTEGER,
  hi_value REAL,
  hi_step  INTEGER,
  hi_ts    INTEGER,
  -- The first NaN point of the tile, if any.
  nan_step INTEGER,
  nan_ts   INTEGER,
  PRIMARY KEY (run_id, key, tile)
) WITHOUT ROWID;

INSERT INTO metric_tiles (run_id, key, tile, n, lo_value, hi_value)
  SELECT run_id, key, step >> 10, count(*), min(CASE WHEN is_nan = 0 THEN value END), max(CASE WHEN is_nan = 0 THEN value END)
  FROM metrics GROUP BY run_id, key, step >> 10;
UPDATE metric_tiles SET (lo_step, lo_ts) = (
  SELECT m.step, m.timestamp FROM metrics AS m
  WHERE m.run_id = metric_tiles.run_id AND m.key = metric_tiles.key AND m.step >= (metric_tiles.tile << 10)
    AND m.step < ((metric_tiles.tile + 1) << 10) AND m.is_nan = 0 AND m.value = metric_tiles.lo_value
  ORDER BY m.step, m.timestamp LIMIT 1);
UPDATE metric_tiles SET (hi_step, hi_ts) = (
  SELECT m.step, m.timestamp FROM metrics AS m
  WHERE m.run_id = metric_tiles.run_id AND m.key = metric_tiles.key AND m.step >= (metric_tiles.tile << 10)
    AND m.step < ((metric_tiles.tile + 1) << 10) AND m.is_nan = 0 AND m.value = metric_tiles.hi_value
  ORDER BY m.step, m.timestamp LIMIT 1);
UPDATE metric_tiles SET (nan_step, nan_ts) = (
  SELECT m.step, m.timestamp FROM metrics AS m
  WHERE m.run_id = metric_tiles.run_id AND m.key = metric_tiles.key AND m.step >= (metric_tiles.tile << 10)
    AND m.step < ((metric_tiles.tile + 1) << 10) AND m.is_nan = 1
  ORDER BY m.step, m.timestamp LIMIT 1);
`;
