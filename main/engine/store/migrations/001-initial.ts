/** Migration 1: the initial history schema. Applied migrations never change; add a new file instead. */
export const sql = `
CREATE TABLE experiments (
  experiment_id     INTEGER PRIMARY KEY,
  name              TEXT NOT NULL UNIQUE,
  artifact_location TEXT NOT NULL,
  lifecycle_stage   TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
  creation_time     INTEGER NOT NULL,
  last_update_time  INTEGER NOT NULL
);

CREATE TABLE experiment_tags (
  experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
  key           TEXT NOT NULL,
  value         TEXT NOT NULL,
  PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;

CREATE TABLE workflow_runs (
  workflow_run_id        TEXT PRIMARY KEY,
  workflow_name          TEXT NOT NULL,
  workflow_file          TEXT NOT NULL,
  workflow_yaml          TEXT NOT NULL,
  inputs_json            TEXT NOT NULL,
  options_json           TEXT NOT NULL,
  status                 TEXT NOT NULL CHECK (status IN ('RUNNING', 'FINISHED', 'FAILED', 'KILLED')),
  start_time             INTEGER NOT NULL,
  end_time               INTEGER,
  parent_workflow_run_id TEXT REFERENCES workflow_runs(workflow_run_id) ON DELETE SET NULL,
  supervisor_pid         INTEGER,
  supervisor_start       TEXT,
  cancel_requested       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX workflow_runs_start ON workflow_runs(start_time DESC);

CREATE TABLE runs (
  run_id           TEXT PRIMARY KEY CHECK (length(run_id) = 32),
  experiment_id    INTEGER NOT NULL REFERENCES experiments(experiment_id),
  run_name         TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('SCHEDULED', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED')),
  start_time       INTEGER,
  end_time         INTEGER,
  lifecycle_stage  TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
  user_id          TEXT NOT NULL DEFAULT '',
  project_dir      TEXT NOT NULL DEFAULT '',
  entry_point      TEXT NOT NULL DEFAULT '',
  command          TEXT NOT NULL DEFAULT '',
  exit_code        INTEGER,
  artifact_uri     TEXT NOT NULL,
  log_path         TEXT,
  pid              INTEGER,
  process_start    TEXT,
  supervisor_pid   INTEGER,
  supervisor_start TEXT,
  exit_file        TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  workflow_run_id  TEXT REFERENCES workflow_runs(workflow_run_id) ON DELETE SET NULL,
  step_name        TEXT,
  cache_key        TEXT,
  created_time     INTEGER NOT NULL
);
CREATE INDEX runs_start ON runs(start_time DESC);
CREATE INDEX runs_experiment_start ON runs(experiment_id, start_time DESC);
CREATE INDEX runs_status_start ON runs(status, start_time DESC);
CREATE INDEX runs_workflow ON runs(workflow_run_id) WHERE workflow_run_id IS NOT NULL;
CREATE INDEX runs_cache ON runs(cache_key, status, end_time DESC) WHERE cache_key IS NOT NULL;
CREATE INDEX runs_active ON runs(status) WHERE status IN ('SCHEDULED', 'RUNNING');

CREATE TABLE params (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL,
  pos    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX params_key_value ON params(key, value);

CREATE TABLE tags (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX tags_key_value ON tags(key, value);

-- Full metric history. NaN cannot be stored as REAL in SQLite (it becomes NULL), so as MLflow does
-- we store is_nan = 1 with value 0.
CREATE TABLE metrics (
  run_id    TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key       TEXT NOT NULL,
  value     REAL NOT NULL,
  is_nan    INTEGER NOT NULL DEFAULT 0,
  timestamp INTEGER NOT NULL,
  step      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX metrics_run_key_step ON metrics(run_id, key, step, timestamp);

-- The latest value of each metric (max by step, then timestamp, then value, as MLflow), for listing.
CREATE TABLE latest_metrics (
  run_id    TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key       TEXT NOT NULL,
  value     REAL NOT NULL,
  is_nan    INTEGER NOT NULL DEFAULT 0,
  timestamp INTEGER NOT NULL,
  step      INTEGER NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX latest_metrics_key_value ON latest_metrics(key, value);

CREATE TABLE workflow_steps (
  workflow_run_id TEXT NOT NULL REFERENCES workflow_runs(workflow_run_id) ON DELETE CASCADE,
  step_name       TEXT NOT NULL,
  position        INTEGER NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED', 'SKIPPED', 'CACHED')),
  run_id          TEXT REFERENCES runs(run_id) ON DELETE SET NULL,
  cached          INTEGER NOT NULL DEFAULT 0,
  reason          TEXT,
  PRIMARY KEY (workflow_run_id, step_name)
) WITHOUT ROWID;
CREATE INDEX workflow_steps_run ON workflow_steps(run_id) WHERE run_id IS NOT NULL;

-- Lineage: which run attribute fed which parameter of which run.
CREATE TABLE run_inputs (
  run_id        TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  param         TEXT NOT NULL,
  source_run_id TEXT NOT NULL,
  attribute     TEXT NOT NULL,
  PRIMARY KEY (run_id, param, source_run_id, attribute)
) WITHOUT ROWID;
CREATE INDEX run_inputs_source ON run_inputs(source_run_id);
`;
