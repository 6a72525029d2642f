import type { Db } from './db.js';
import { openDatabase } from './db.js';
import { HistoryQueries } from './history.js';
import { searchHistory, searchRuns } from './search.js';
import type { HistorySearchQuery } from './search.js';
import type { SearchRunsQuery } from './search.js';
import { AppError } from '../../../common/errors.js';
import type {
  Metric,
  RunRecord,
  RunStatus,
  StepRunRecord,
  StepStatus,
  WorkflowRunRecord,
  WorkflowRunStatus,
} from '../../../common/types.js';

export const DEFAULT_EXPERIMENT_ID = '0';

/** Steps per metric tile (1 << TILE_SHIFT); see migration 3. */
export const TILE_SHIFT = 10;
const LOWER = '(excluded.lo_value IS NOT NULL AND (lo_value IS NULL OR excluded.lo_value < lo_value))';
const HIGHER = '(excluded.hi_value IS NOT NULL AND (hi_value IS NULL OR excluded.hi_value > hi_value))';
const EARLIER_NAN =
  '(excluded.nan_step IS NOT NULL AND (nan_step IS NULL OR excluded.nan_step < nan_step OR (excluded.nan_step = nan_step AND excluded.nan_ts < nan_ts)))';

interface TileSummary {
  key: string;
  tile: number;
  n: number;
  loV: number | null;
  loS: number | null;
  loT: number | null;
  hiV: number | null;
  hiS: number | null;
  hiT: number | null;
  nanS: number | null;
  nanT: number | null;
}

/** Adds a point to its tile's summary for this batch (value NaN for a NaN point). */
function addToTile(tiles: Map<string, TileSummary>, key: string, step: number, timestamp: number, value: number): void {
  const tile = Math.floor(step / (1 << TILE_SHIFT));
  const id = `${tile}\u0000${key}`;
  let t = tiles.get(id);
  if (!t) {
    t = { key, tile, n: 0, loV: null, loS: null, loT: null, hiV: null, hiS: null, hiT: null, nanS: null, nanT: null };
    tiles.set(id, t);
  }
  t.n++;
  if (Number.isNaN(value)) {
    if (t.nanS === null || step < t.nanS || (step === t.nanS && timestamp < t.nanT!)) {
      t.nanS = step;
      t.nanT = timestamp;
    }
    return;
  }
  if (t.loV === null || value < t.loV) {
    t.loV = value;
    t.loS = step;
    t.loT = timestamp;
  }
  if (t.hiV === null || value > t.hiV) {
    t.hiV = value;
    t.hiS = step;
    t.hiT = timestamp;
  }
}
export const DEFAULT_EXPERIMENT_NAME = 'Default';

export interface ExperimentRecord {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
}

export interface RunInputLink {
  param: string;
  sourceRunId: string;
  attribute: string;
}

export interface CreateRunInput {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  projectDir: string;
  entryPoint: string;
  command: string;
  artifactUri: string;
  logPath: string | null;
  exitFile: string | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  workflowRunId?: string | null;
  stepName?: string | null;
  cacheKey?: string | null;
  inputs?: RunInputLink[];
  time: number;
}

/** Process bookkeeping for a live run, used to cancel it from another process and to settle it after a crash. */
export interface RunProcessRow {
  run_id: string;
  status: RunStatus;
  pid: number | null;
  process_start: string | null;
  supervisor_pid: number | null;
  supervisor_start: string | null;
  exit_file: string | null;
  log_path: string | null;
  cancel_requested: number;
  workflow_run_id: string | null;
}

export interface ListRunsQuery {
  experimentId?: string;
  status?: RunStatus;
  workflowRunId?: string;
  includeDeleted?: boolean;
  limit?: number;
}

interface RunRow {
  run_id: string;
  experiment_id: number;
  run_name: string;
  status: RunStatus;
  start_time: number | null;
  end_time: number | null;
  lifecycle_stage: 'active' | 'deleted';
  project_dir: string;
  entry_point: string;
  command: string;
  exit_code: number | null;
  artifact_uri: string;
  log_path: string | null;
  workflow_run_id: string | null;
  step_name: string | null;
}

interface WorkflowRunRow {
  workflow_run_id: string;
  workflow_name: string;
  workflow_file: string;
  workflow_yaml: string;
  inputs_json: string;
  options_json: string;
  status: WorkflowRunStatus;
  start_time: number;
  end_time: number | null;
  parent_workflow_run_id: string | null;
}

/** A file URI for a local folder (POSIX and Windows paths). */
export function fileUri(p: string): string {
  const posix = p.replace(/\\/g, '/');
  return `file://${posix.startsWith('/') ? '' : '/'}${encodeURI(posix).replace(/#/g, '%23').replace(/\?/g, '%3F')}`;
}

/** The local folder behind a file:// artifact URI. */
export function uriToPath(uri: string): string {
  if (!uri.startsWith('file://')) return uri;
  const p = decodeURI(uri.slice('file://'.length)).replace(/%23/g, '#').replace(/%3F/g, '?');
  return /^\/[A-Za-z]:\//.test(p) ? p.slice(1) : p;
}

/**
 * The run history. All statements are prepared once; writes that belong together run in one
 * synchronous transaction, so a crash never leaves a run without its params or tags.
 */
export class Store {
  readonly db: Db;
  /** The history views' queries (runs table, run page, charts, lineage). */
  readonly history: HistoryQueries;
  private readonly s;

  constructor(
    file: string,
    private readonly artifactRoot: string,
  ) {
    this.db = openDatabase(file);
    const db = this.db;
    this.history = new HistoryQueries(db);
    this.s = {
      expByName: db.prepare<[string], ExperimentRow>('SELECT * FROM experiments WHERE name = ?'),
      expById: db.prepare<[number], ExperimentRow>('SELECT * FROM experiments WHERE experiment_id = ?'),
      expInsert: db.prepare(
        `INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
         VALUES (@id, @name, @loc, @t, @t)`,
      ),
      expMaxId: db.prepare<[], { m: number | null }>('SELECT max(experiment_id) AS m FROM experiments'),
      expList: db.prepare<[], ExperimentRow>('SELECT * FROM experiments ORDER BY experiment_id'),
      runInsert: db.prepare(
        `INSERT INTO runs (run_id, experiment_id, run_name, status, user_id, project_dir, entry_point, command,
           artifact_uri, log_path, exit_file, workflow_run_id, step_name, cache_key, created_time)
         VALUES (@runId, @experimentId, @runName, 'SCHEDULED', @userId, @projectDir, @entryPoint, @command,
           @artifactUri, @logPath, @exitFile, @workflowRunId, @stepName, @cacheKey, @time)`,
      ),
      paramInsert: db.prepare('INSERT INTO params (run_id, key, value, pos) VALUES (?, ?, ?, ?)'),
      tagUpsert: db.prepare(
        'INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value',
      ),
      tagDelete: db.prepare('DELETE FROM tags WHERE run_id = ? AND key = ?'),
      inputInsert: db.prepare(
        'INSERT OR IGNORE INTO run_inputs (run_id, param, source_run_id, attribute) VALUES (?, ?, ?, ?)',
      ),
      metricInsert: db.prepare(
        'INSERT INTO metrics (run_id, key, value, is_nan, timestamp, step) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      // Keep the latest by (step, timestamp, value) as MLflow's SQL store does.
      latestUpsert: db.prepare(
        `INSERT INTO latest_metrics (run_id, key, value, is_nan, timestamp, step) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, is_nan = excluded.is_nan,
           timestamp = excluded.timestamp, step = excluded.step
         WHERE excluded.step > latest_metrics.step
            OR (excluded.step = latest_metrics.step AND excluded.timestamp > latest_metrics.timestamp)
            OR (excluded.step = latest_metrics.step AND excluded.timestamp = latest_metrics.timestamp
                AND excluded.value > latest_metrics.value)`,
      ),
      // A tile's summary grows with each batch (see migration 3); SET expressions read the old row.
      tileUpsert: db.prepare(
        `INSERT INTO metric_tiles (run_id, key, tile, n, lo_value, lo_step, lo_ts, hi_value, hi_step, hi_ts, nan_step, nan_ts)
         VALUES (@runId, @key, @tile, @n, @loV, @loS, @loT, @hiV, @hiS, @hiT, @nanS, @nanT)
         ON CONFLICT (run_id, key, tile) DO UPDATE SET
           n = n + excluded.n,
           lo_value = CASE WHEN ${LOWER} THEN excluded.lo_value ELSE lo_value END,
           lo_step = CASE WHEN ${LOWER} THEN excluded.lo_step ELSE lo_step END,
           lo_ts = CASE WHEN ${LOWER} THEN excluded.lo_ts ELSE lo_ts END,
           hi_value = CASE WHEN ${HIGHER} THEN excluded.hi_value ELSE hi_value END,
           hi_step = CASE WHEN ${HIGHER} THEN excluded.hi_step ELSE hi_step END,
           hi_ts = CASE WHEN ${HIGHER} THEN excluded.hi_ts ELSE hi_ts END,
           nan_step = CASE WHEN ${EARLIER_NAN} THEN excluded.nan_step ELSE nan_step END,
           nan_ts = CASE WHEN ${EARLIER_NAN} THEN excluded.nan_ts ELSE nan_ts END`,
      ),
      tileDelete: db.prepare('DELETE FROM metric_tiles WHERE run_id = ? AND key = ?'),
      runGet: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE run_id = ?'),
      runLaunchParams: db.prepare<[string], { key: string; value: string }>(
        'SELECT key, value FROM params WHERE run_id = ? AND pos < 1000000 ORDER BY pos, key',
      ),
      runParams: db.prepare<[string], { key: string; value: string }>(
        'SELECT key, value FROM params WHERE run_id = ? ORDER BY pos, key',
      ),
      runTags: db.prepare<[string], { key: string; value: string }>(
        'SELECT key, value FROM tags WHERE run_id = ? ORDER BY key',
      ),
      runLatest: db.prepare<[string], { key: string; value: number; is_nan: number; timestamp: number; step: number }>(
        'SELECT key, value, is_nan, timestamp, step FROM latest_metrics WHERE run_id = ? ORDER BY key',
      ),
      metricHistory: db.prepare<[string, string], { value: number; is_nan: number; timestamp: number; step: number }>(
        'SELECT value, is_nan, timestamp, step FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, timestamp',
      ),
      runStart: db.prepare(
        `UPDATE runs SET status = 'RUNNING', start_time = @time, pid = @pid, process_start = @processStart,
           supervisor_pid = @supervisorPid, supervisor_start = @supervisorStart WHERE run_id = @runId`,
      ),
      // A final status is written once: whoever settles a run first wins, later attempts change nothing.
      runFinish: db.prepare(
        `UPDATE runs SET status = @status, end_time = @time, exit_code = @exitCode,
           start_time = coalesce(start_time, @time) WHERE run_id = @runId AND status IN ('SCHEDULED', 'RUNNING')`,
      ),
      runExternalStart: db.prepare(
        "UPDATE runs SET status = 'RUNNING', start_time = ? WHERE run_id = ?",
      ),
      runExternalStatus: db.prepare(
        `UPDATE runs SET status = @status,
           end_time = CASE WHEN @status IN ('FINISHED', 'FAILED', 'KILLED') THEN coalesce(@end, end_time, @now) ELSE end_time END
         WHERE run_id = @runId`,
      ),
      runRename: db.prepare('UPDATE runs SET run_name = ? WHERE run_id = ?'),
      runCancelRequest: db.prepare('UPDATE runs SET cancel_requested = 1 WHERE run_id = ?'),
      runStage: db.prepare<[string], { lifecycle_stage: 'active' | 'deleted' }>('SELECT lifecycle_stage FROM runs WHERE run_id = ?'),
      pageRuns: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE run_id IN (SELECT value FROM json_each(?))'),
      pageParams: db.prepare<[string], { run_id: string; key: string; value: string }>(
        'SELECT run_id, key, value FROM params WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, pos, key',
      ),
      pageTags: db.prepare<[string], { run_id: string; key: string; value: string }>(
        'SELECT run_id, key, value FROM tags WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key',
      ),
      pageLatest: db.prepare<[string], { run_id: string; key: string; value: number; is_nan: number; timestamp: number; step: number }>(
        'SELECT run_id, key, value, is_nan, timestamp, step FROM latest_metrics WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key',
      ),
      metricDelete: db.prepare('DELETE FROM metrics WHERE run_id = ? AND key = ?'),
      latestDelete: db.prepare('DELETE FROM latest_metrics WHERE run_id = ? AND key = ?'),
      runLifecycle: db.prepare('UPDATE runs SET lifecycle_stage = ? WHERE run_id = ?'),
      runProcess: db.prepare<[string], RunProcessRow>(
        `SELECT run_id, status, pid, process_start, supervisor_pid, supervisor_start, exit_file, log_path,
           cancel_requested, workflow_run_id FROM runs WHERE run_id = ?`,
      ),
      runsActive: db.prepare<[], RunProcessRow>(
        `SELECT run_id, status, pid, process_start, supervisor_pid, supervisor_start, exit_file, log_path,
           cancel_requested, workflow_run_id FROM runs WHERE status IN ('SCHEDULED', 'RUNNING')`,
      ),
      runCached: db.prepare<[string], { run_id: string }>(
        `SELECT run_id FROM runs WHERE cache_key = ? AND status = 'FINISHED' AND lifecycle_stage = 'active'
         ORDER BY end_time DESC LIMIT 1`,
      ),
      runCacheKey: db.prepare<[string], { cache_key: string | null }>('SELECT cache_key FROM runs WHERE run_id = ?'),
      runIdsByPrefix: db.prepare<[string], { run_id: string }>(
        "SELECT run_id FROM runs WHERE run_id >= ? ORDER BY run_id LIMIT 2",
      ),
      inputsOf: db.prepare<[string], { param: string; source_run_id: string; attribute: string }>(
        'SELECT param, source_run_id, attribute FROM run_inputs WHERE run_id = ? ORDER BY param',
      ),
      wfInsert: db.prepare(
        `INSERT INTO workflow_runs (workflow_run_id, workflow_name, workflow_file, workflow_yaml, inputs_json,
           options_json, status, start_time, parent_workflow_run_id, supervisor_pid, supervisor_start)
         VALUES (@id, @name, @file, @yaml, @inputs, @options, 'RUNNING', @time, @parent, @supervisorPid, @supervisorStart)`,
      ),
      wfStepInsert: db.prepare(
        `INSERT INTO workflow_steps (workflow_run_id, step_name, position, status, run_id, cached, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      wfStepUpdate: db.prepare(
        `UPDATE workflow_steps SET status = @status, run_id = coalesce(@runId, run_id), cached = @cached, reason = @reason
         WHERE workflow_run_id = @id AND step_name = @step`,
      ),
      wfFinish: db.prepare('UPDATE workflow_runs SET status = ?, end_time = ? WHERE workflow_run_id = ?'),
      wfGet: db.prepare<[string], WorkflowRunRow>('SELECT * FROM workflow_runs WHERE workflow_run_id = ?'),
      wfSteps: db.prepare<[string], { step_name: string; status: StepStatus; run_id: string | null; cached: number; reason: string | null }>(
        'SELECT step_name, status, run_id, cached, reason FROM workflow_steps WHERE workflow_run_id = ? ORDER BY position',
      ),
      wfIdsByPrefix: db.prepare<[string], { workflow_run_id: string }>(
        'SELECT workflow_run_id FROM workflow_runs WHERE workflow_run_id >= ? ORDER BY workflow_run_id LIMIT 2',
      ),
      wfList: db.prepare<[number], { workflow_run_id: string }>(
        'SELECT workflow_run_id FROM workflow_runs ORDER BY start_time DESC LIMIT ?',
      ),
      wfActive: db.prepare<[], { workflow_run_id: string; supervisor_pid: number | null; supervisor_start: string | null }>(
        "SELECT workflow_run_id, supervisor_pid, supervisor_start FROM workflow_runs WHERE status = 'RUNNING'",
      ),
      wfCancelRequest: db.prepare('UPDATE workflow_runs SET cancel_requested = 1 WHERE workflow_run_id = ?'),
      wfCancelRequested: db.prepare<[string], { cancel_requested: number }>(
        'SELECT cancel_requested FROM workflow_runs WHERE workflow_run_id = ?',
      ),
    };
  }

  close(): void {
    if (!this.db.open) return;
    try {
      this.db.pragma('optimize'); // refresh planner statistics that went stale, cheaply (SQLite's advice)
    } catch {
      // another connection holds the lock: next time
    }
    this.db.close();
  }

  // ---- experiments -------------------------------------------------------------------------

  /** The experiment with this name, created (with the next id) when missing. "Default" is id 0. */
  getOrCreateExperiment(name: string, time = Date.now()): ExperimentRecord {
    const existing = this.s.expByName.get(name);
    if (existing) return toExperiment(existing);
    return this.db
      .transaction(() => {
        const again = this.s.expByName.get(name);
        if (again) return toExperiment(again);
        const max = this.s.expMaxId.get()?.m;
        const id = name === DEFAULT_EXPERIMENT_NAME && max == null ? 0 : (max ?? 0) + 1;
        const loc = fileUri(`${this.artifactRoot}/${id}`);
        this.s.expInsert.run({ id, name, loc, t: time });
        return toExperiment(this.s.expById.get(id)!);
      })
      .immediate();
  }

  getExperiment(id: string): ExperimentRecord | null {
    const n = Number(id);
    if (!Number.isInteger(n)) return null;
    const row = this.s.expById.get(n);
    return row ? toExperiment(row) : null;
  }

  findExperimentByName(name: string): ExperimentRecord | null {
    const row = this.s.expByName.get(name);
    return row ? toExperiment(row) : null;
  }

  listExperiments(): ExperimentRecord[] {
    return this.s.expList.all().map(toExperiment);
  }

  // ---- runs --------------------------------------------------------------------------------

  /** Creates a SCHEDULED run with its params, tags and lineage links in one transaction. */
  createRun(input: CreateRunInput): void {
    this.db
      .transaction(() => {
        this.s.runInsert.run({
          ...input,
          experimentId: Number(input.experimentId),
          workflowRunId: input.workflowRunId ?? null,
          stepName: input.stepName ?? null,
          cacheKey: input.cacheKey ?? null,
        });
        let pos = 0;
        for (const [k, v] of Object.entries(input.params)) this.s.paramInsert.run(input.runId, k, v, pos++);
        for (const [k, v] of Object.entries(input.tags)) this.s.tagUpsert.run(input.runId, k, v);
        for (const l of input.inputs ?? []) this.s.inputInsert.run(input.runId, l.param, l.sourceRunId, l.attribute);
      })
      .immediate();
    this.noteWrites(10);
  }

  markRunning(
    runId: string,
    p: { time: number; pid: number; processStart: string | null; supervisorPid: number; supervisorStart: string | null },
  ): void {
    this.s.runStart.run({ runId, ...p });
  }

  /**
   * Ends a run that is still active, with the tags that explain the ending, in one transaction.
   * Returns the run's status afterwards: the given one, or the one another writer recorded first.
   */
  finishRun(runId: string, status: RunStatus, exitCode: number | null, time: number, tags: Record<string, string> = {}): RunStatus {
    return this.db
      .transaction(() => {
        if (this.s.runFinish.run({ runId, status, exitCode, time }).changes === 0) {
          return this.s.runGet.get(runId)?.status ?? status;
        }
        for (const [k, v] of Object.entries(tags)) this.s.tagUpsert.run(runId, k, v);
        return status;
      })
      .immediate();
  }

  setTags(runId: string, tags: Record<string, string>): void {
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(tags)) this.s.tagUpsert.run(runId, k, v);
    })();
  }

  deleteTag(runId: string, key: string): void {
    this.s.tagDelete.run(runId, key);
  }

  logParams(runId: string, params: Record<string, string>): void {
    this.db.transaction(() => {
      let pos = 1_000_000;
      for (const [k, v] of Object.entries(params)) this.s.paramInsert.run(runId, k, v, pos++);
    })();
  }

  logMetrics(runId: string, metrics: Metric[]): void {
    // The latest value per key is found here first, so a batch upserts latest_metrics once per key
    // (not once per point): same order as the SQL guard, by step, then timestamp, then value.
    const latest = new Map<string, { v: number; nan: number; timestamp: number; step: number }>();
    const tiles = new Map<string, TileSummary>();
    this.db.transaction(() => {
      for (const m of metrics) {
        const nan = Number.isNaN(m.value) ? 1 : 0;
        const v = nan ? 0 : m.value;
        this.s.metricInsert.run(runId, m.key, v, nan, m.timestamp, m.step);
        addToTile(tiles, m.key, m.step, m.timestamp, nan ? NaN : v);
        const cur = latest.get(m.key);
        if (
          !cur ||
          m.step > cur.step ||
          (m.step === cur.step && (m.timestamp > cur.timestamp || (m.timestamp === cur.timestamp && v > cur.v)))
        ) {
          latest.set(m.key, { v, nan, timestamp: m.timestamp, step: m.step });
        }
      }
      for (const [key, l] of latest) this.s.latestUpsert.run(runId, key, l.v, l.nan, l.timestamp, l.step);
      for (const t of tiles.values()) this.s.tileUpsert.run({ runId, ...t });
    })();
    if (metrics.length) this.noteWrites(metrics.length);
  }

  /** The run's lifecycle stage (one indexed lookup), or null when there is no such run. */
  runLifecycle(runId: string): 'active' | 'deleted' | null {
    return this.s.runStage.get(runId)?.lifecycle_stage ?? null;
  }

  paramsOf(runId: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of this.s.runParams.all(runId)) out[p.key] = p.value;
    return out;
  }

  private writes = 0;
  /**
   * Keeps the query planner's statistics fresh as the history grows (without them SQLite scans all
   * runs of an experiment for a param filter instead of starting from the param index).
   */
  private noteWrites(n: number): void {
    this.writes += n;
    if (this.writes >= 20_000) {
      this.writes = 0;
      this.db.pragma('optimize');
    }
  }

  /** Replaces a metric's stored history (a copy fetched from a shared server) in one transaction. */
  replaceMetricHistory(runId: string, key: string, points: Metric[]): void {
    this.db.transaction(() => {
      this.s.metricDelete.run(runId, key);
      this.s.latestDelete.run(runId, key);
      this.s.tileDelete.run(runId, key);
      this.logMetrics(runId, points);
    })();
  }

  metricHistory(runId: string, key: string): Metric[] {
    return this.s.metricHistory
      .all(runId, key)
      .map((r) => ({ key, value: r.is_nan ? NaN : r.value, timestamp: r.timestamp, step: r.step }));
  }

  /** A run created through the tracking API (not launched by Baton) starts RUNNING, as in MLflow. */
  markExternalRunning(runId: string, time: number): void {
    this.s.runExternalStart.run(time, runId);
  }

  updateExternalStatus(runId: string, status: RunStatus, endTime: number | null): void {
    this.s.runExternalStatus.run({ runId, status, end: endTime, now: Date.now() });
  }

  /** Renames a run; the mlflow.runName tag follows, as in MLflow. */
  renameRun(runId: string, name: string): void {
    this.db.transaction(() => {
      this.s.runRename.run(name, runId);
      this.s.tagUpsert.run(runId, 'mlflow.runName', name);
    })();
  }


  /** Soft delete and restore, as MLflow's lifecycle_stage. */
  setRunLifecycle(runId: string, stage: 'active' | 'deleted'): void {
    this.s.runLifecycle.run(stage, runId);
  }

  /**
   * Deletes or restores runs in one transaction: every id must exist and (to delete) none may be
   * SCHEDULED or RUNNING, else nothing changes. Returns the ids whose stage changed.
   */
  setRunsLifecycle(runIds: readonly string[], stage: 'active' | 'deleted'): string[] {
    return this.db
      .transaction(() => {
        const missing: string[] = [];
        const active: string[] = [];
        const rows = runIds.map((id) => {
          const row = this.s.runGet.get(id);
          if (!row) missing.push(id);
          else if (stage === 'deleted' && (row.status === 'RUNNING' || row.status === 'SCHEDULED')) active.push(`${id} (${row.status})`);
          return row;
        });
        if (missing.length) {
          throw new AppError('RUN_NOT_FOUND', `${missing.length === 1 ? 'Run' : 'Runs'} not found: ${missing.join(', ')}. Nothing was changed.`, {
            runIds: missing,
          });
        }
        if (active.length) {
          throw new AppError(
            'RUN_ACTIVE',
            `Cannot delete ${active.length === 1 ? 'a run that is' : 'runs that are'} still going: ${active.join(', ')}. Cancel ${active.length === 1 ? 'it' : 'them'} first (or mark ${active.length === 1 ? 'it' : 'them'} failed if the process is gone). Nothing was changed.`,
            { runIds: active.map((a) => a.split(' ')[0]) },
          );
        }
        const changed: string[] = [];
        for (const row of rows) {
          if (row!.lifecycle_stage === stage) continue;
          this.s.runLifecycle.run(stage, row!.run_id);
          changed.push(row!.run_id);
        }
        return changed;
      })
      .immediate();
  }

  /** Renames a run and/or sets its note (`mlflow.note.content`; empty removes it) in one transaction. */
  updateRun(runId: string, u: { name?: string; note?: string }): void {
    this.db.transaction(() => {
      if (u.name !== undefined) {
        this.s.runRename.run(u.name, runId);
        this.s.tagUpsert.run(runId, 'mlflow.runName', u.name);
      }
      if (u.note !== undefined) {
        if (u.note === '') this.s.tagDelete.run(runId, 'mlflow.note.content');
        else this.s.tagUpsert.run(runId, 'mlflow.note.content', u.note);
      }
    })();
  }

  /** The parameters a run was launched with (not those its script logged later through the tracking API). */
  launchParams(runId: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of this.s.runLaunchParams.all(runId)) out[p.key] = p.value;
    return out;
  }

  /** The runs table's search: a page of records, and how many runs match in all. */
  searchHistory(q: HistorySearchQuery): { runs: RunRecord[]; total: number; offset: number } {
    const r = searchHistory(this.db, q);
    return { runs: this.recordsFor(r.runIds).map((x) => x.run), total: r.total, offset: r.offset };
  }

  requestCancel(runId: string): void {
    this.s.runCancelRequest.run(runId);
  }

  runProcess(runId: string): RunProcessRow | null {
    return this.s.runProcess.get(runId) ?? null;
  }

  activeRuns(): RunProcessRow[] {
    return this.s.runsActive.all();
  }

  /** The latest FINISHED, active run with this cache key. */
  findCachedRun(cacheKey: string): string | null {
    return this.s.runCached.get(cacheKey)?.run_id ?? null;
  }

  cacheKeyOf(runId: string): string | null {
    return this.s.runCacheKey.get(runId)?.cache_key ?? null;
  }

  runInputs(runId: string): RunInputLink[] {
    return this.s.inputsOf.all(runId).map((r) => ({ param: r.param, sourceRunId: r.source_run_id, attribute: r.attribute }));
  }

  /** Resolves a full run id or an unambiguous prefix of at least 6 characters. */
  resolveRunId(idOrPrefix: string): string {
    const id = idOrPrefix.toLowerCase();
    if (this.s.runGet.get(id)) return id;
    if (/^[0-9a-f]{6,31}$/.test(id)) {
      const hits = this.s.runIdsByPrefix.all(id).filter((r) => r.run_id.startsWith(id));
      if (hits.length === 1) return hits[0]!.run_id;
      if (hits.length > 1) throw new AppError('RUN_NOT_FOUND', `Run id prefix '${idOrPrefix}' is ambiguous; give more characters.`);
    }
    throw new AppError('RUN_NOT_FOUND', `Run '${idOrPrefix}' not found.`);
  }

  getRun(runId: string): RunRecord | null {
    const row = this.s.runGet.get(runId);
    return row ? this.toRecord(row) : null;
  }

  requireRun(runId: string): RunRecord {
    const run = this.getRun(runId);
    if (!run) throw new AppError('RUN_NOT_FOUND', `Run '${runId}' not found.`);
    return run;
  }

  logPath(runId: string): string | null {
    return this.s.runGet.get(runId)?.log_path ?? null;
  }

  listRuns(q: ListRunsQuery = {}): RunRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.experimentId !== undefined) {
      where.push('experiment_id = ?');
      args.push(Number(q.experimentId));
    }
    if (q.status) {
      where.push('status = ?');
      args.push(q.status);
    }
    if (q.workflowRunId) {
      where.push('workflow_run_id = ?');
      args.push(q.workflowRunId);
    }
    if (!q.includeDeleted) where.push("lifecycle_stage = 'active'");
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY coalesce(start_time, created_time) DESC, run_id LIMIT ?`;
    args.push(q.limit ?? 1000);
    const ids = this.db
      .prepare<(string | number)[], RunRow>(sql)
      .all(...args)
      .map((r) => r.run_id);
    return this.recordsFor(ids).map((r) => r.run);
  }

  /** MLflow's run search (filter expression, order_by, paging); see docs/search.md. */
  searchRuns(q: SearchRunsQuery): { runs: RunRecord[]; nextPageToken: string | null } {
    const { runs, nextPageToken } = this.searchRunsDetailed(q);
    return { runs: runs.map((r) => r.run), nextPageToken };
  }

  /** searchRuns, with each run's latest metrics' step and timestamp (for MLflow's wire format). */
  searchRunsDetailed(q: SearchRunsQuery): { runs: { run: RunRecord; details: Record<string, Metric> }[]; nextPageToken: string | null } {
    const { runIds, nextPageToken } = searchRuns(this.db, q);
    return { runs: this.recordsFor(runIds), nextPageToken };
  }

  /**
   * Whole records for a page of runs in four queries (not four per run): runs, params, tags and
   * latest metrics for all ids at once, grouped here. Keeps the given order.
   */
  recordsFor(runIds: string[]): { run: RunRecord; details: Record<string, Metric> }[] {
    if (!runIds.length) return [];
    const ids = JSON.stringify(runIds);
    const rows = new Map(this.s.pageRuns.all(ids).map((r) => [r.run_id, r]));
    const params = new Map<string, Record<string, string>>();
    const tags = new Map<string, Record<string, string>>();
    const metrics = new Map<string, Record<string, number>>();
    const details = new Map<string, Record<string, Metric>>();
    const bucket = <T>(m: Map<string, Record<string, T>>, id: string): Record<string, T> => {
      let b = m.get(id);
      if (!b) m.set(id, (b = {}));
      return b;
    };
    for (const p of this.s.pageParams.all(ids)) bucket(params, p.run_id)[p.key] = p.value;
    for (const t of this.s.pageTags.all(ids)) bucket(tags, t.run_id)[t.key] = t.value;
    for (const m of this.s.pageLatest.all(ids)) {
      const value = m.is_nan ? NaN : m.value;
      bucket(metrics, m.run_id)[m.key] = value;
      bucket(details, m.run_id)[m.key] = { key: m.key, value, timestamp: m.timestamp, step: m.step };
    }
    return runIds
      .filter((id) => rows.has(id))
      .map((id) => ({
        run: this.recordFrom(rows.get(id)!, params.get(id) ?? {}, metrics.get(id) ?? {}, tags.get(id) ?? {}),
        details: details.get(id) ?? {},
      }));
  }

  /** A run with each latest metric's step and timestamp (MLflow's wire format carries them). */
  getRunWithMetricDetails(runId: string): { run: RunRecord; details: Record<string, Metric> } | null {
    const row = this.s.runGet.get(runId);
    if (!row) return null;
    const details: Record<string, Metric> = {};
    return { run: this.toRecord(row, details), details };
  }

  private toRecord(row: RunRow, details?: Record<string, Metric>): RunRecord {
    const metrics: Record<string, number> = {};
    for (const m of this.s.runLatest.all(row.run_id)) {
      const value = m.is_nan ? NaN : m.value;
      metrics[m.key] = value;
      if (details) details[m.key] = { key: m.key, value, timestamp: m.timestamp, step: m.step };
    }
    const tags: Record<string, string> = {};
    for (const t of this.s.runTags.all(row.run_id)) tags[t.key] = t.value;
    return this.recordFrom(row, this.paramsOf(row.run_id), metrics, tags);
  }

  private recordFrom(row: RunRow, params: Record<string, string>, metrics: Record<string, number>, tags: Record<string, string>): RunRecord {
    return {
      run_id: row.run_id,
      experiment_id: String(row.experiment_id),
      run_name: row.run_name,
      status: row.status,
      start_time: row.start_time,
      end_time: row.end_time,
      lifecycle_stage: row.lifecycle_stage,
      project_dir: row.project_dir,
      entry_point: row.entry_point,
      command: row.command,
      exit_code: row.exit_code,
      params,
      metrics,
      tags,
      artifact_uri: row.artifact_uri,
      artifact_dir: uriToPath(row.artifact_uri),
      workflow_run_id: row.workflow_run_id,
      step_name: row.step_name,
    };
  }

  // ---- workflow runs -----------------------------------------------------------------------

  createWorkflowRun(input: {
    id: string;
    name: string;
    file: string;
    yaml: string;
    inputs: Record<string, string>;
    options: Record<string, unknown>;
    parent: string | null;
    time: number;
    supervisorPid: number;
    supervisorStart: string | null;
    steps: { name: string; status: StepStatus; runId: string | null; cached: boolean; reason: string | null }[];
  }): void {
    this.db
      .transaction(() => {
        this.s.wfInsert.run({
          id: input.id,
          name: input.name,
          file: input.file,
          yaml: input.yaml,
          inputs: JSON.stringify(input.inputs),
          options: JSON.stringify(input.options),
          time: input.time,
          parent: input.parent,
          supervisorPid: input.supervisorPid,
          supervisorStart: input.supervisorStart,
        });
        input.steps.forEach((s, i) =>
          this.s.wfStepInsert.run(input.id, s.name, i, s.status, s.runId, s.cached ? 1 : 0, s.reason),
        );
      })
      .immediate();
  }

  updateStep(id: string, step: string, u: { status: StepStatus; runId?: string | null; cached?: boolean; reason?: string | null }): void {
    this.s.wfStepUpdate.run({
      id,
      step,
      status: u.status,
      runId: u.runId ?? null,
      cached: u.cached ? 1 : 0,
      reason: u.reason ?? null,
    });
  }

  finishWorkflowRun(id: string, status: WorkflowRunStatus, time: number): void {
    this.s.wfFinish.run(status, time, id);
  }

  requestWorkflowCancel(id: string): void {
    this.s.wfCancelRequest.run(id);
  }

  workflowCancelRequested(id: string): boolean {
    return (this.s.wfCancelRequested.get(id)?.cancel_requested ?? 0) === 1;
  }

  activeWorkflowRuns(): { workflow_run_id: string; supervisor_pid: number | null; supervisor_start: string | null }[] {
    return this.s.wfActive.all();
  }

  /** Resolves a full workflow run id or an unambiguous prefix of at least 6 characters. */
  resolveWorkflowRunId(idOrPrefix: string): string {
    const id = idOrPrefix.toLowerCase();
    if (this.s.wfGet.get(id)) return id;
    if (/^[0-9a-f]{6,31}$/.test(id)) {
      const hits = this.s.wfIdsByPrefix.all(id).filter((r) => r.workflow_run_id.startsWith(id));
      if (hits.length === 1) return hits[0]!.workflow_run_id;
      if (hits.length > 1) {
        throw new AppError('WORKFLOW_RUN_NOT_FOUND', `Workflow run id prefix '${idOrPrefix}' is ambiguous; give more characters.`);
      }
    }
    throw new AppError('WORKFLOW_RUN_NOT_FOUND', `Workflow run '${idOrPrefix}' not found.`);
  }

  getWorkflowRun(id: string): (WorkflowRunRecord & { workflow_yaml: string; options: Record<string, unknown> }) | null {
    const row = this.s.wfGet.get(id);
    if (!row) return null;
    const steps: Record<string, StepRunRecord> = {};
    for (const s of this.s.wfSteps.all(id)) {
      steps[s.step_name] = { step_name: s.step_name, status: s.status, run_id: s.run_id, cached: s.cached === 1, reason: s.reason };
    }
    return {
      workflow_run_id: row.workflow_run_id,
      workflow_name: row.workflow_name,
      workflow_file: row.workflow_file,
      status: row.status,
      start_time: row.start_time,
      end_time: row.end_time,
      inputs: JSON.parse(row.inputs_json) as Record<string, string>,
      parent_workflow_run_id: row.parent_workflow_run_id,
      steps,
      workflow_yaml: row.workflow_yaml,
      options: JSON.parse(row.options_json) as Record<string, unknown>,
    };
  }

  listWorkflowRuns(limit = 100): WorkflowRunRecord[] {
    return this.s.wfList.all(limit).map((r) => this.getWorkflowRun(r.workflow_run_id)!);
  }
}

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
}

function toExperiment(r: ExperimentRow): ExperimentRecord {
  return { ...r, experiment_id: String(r.experiment_id) };
}
