import type { RunRecord, StepRunRecord, WorkflowRunRecord } from '../../common/types.js';

/** The run as the CLI's --json prints it (documented in docs/cli.md). */
export function runJson(r: RunRecord): Record<string, unknown> {
  return {
    run_id: r.run_id,
    experiment_id: r.experiment_id,
    run_name: r.run_name,
    status: r.status,
    start_time: r.start_time,
    end_time: r.end_time,
    entry_point: r.entry_point,
    project_dir: r.project_dir,
    command: r.command,
    exit_code: r.exit_code,
    params: r.params,
    // JSON has no NaN or infinities; MLflow's REST API writes them as strings, and so do we.
    metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, Number.isFinite(v) ? v : String(v)])),
    tags: r.tags,
    artifact_uri: r.artifact_uri,
    artifact_dir: r.artifact_dir,
    lifecycle_stage: r.lifecycle_stage,
    workflow_run_id: r.workflow_run_id,
    step_name: r.step_name,
  };
}

export function workflowRunJson(w: WorkflowRunRecord): Record<string, unknown> {
  return {
    workflow_run_id: w.workflow_run_id,
    workflow_name: w.workflow_name,
    workflow_file: w.workflow_file,
    status: w.status,
    start_time: w.start_time,
    end_time: w.end_time,
    inputs: w.inputs,
    parent_workflow_run_id: w.parent_workflow_run_id,
    steps: Object.fromEntries(
      Object.values(w.steps).map((s) => [s.step_name, { status: s.status, run_id: s.run_id, cached: s.cached, reason: s.reason }]),
    ),
  };
}

export function duration(start: number | null, end: number | null, now = Date.now()): string {
  if (start === null) return '-';
  const ms = (end ?? now) - start;
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return m < 60 ? `${m}m${String(s).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function isoTime(t: number | null): string {
  return t === null ? '-' : new Date(t).toISOString().replace('T', ' ').slice(0, 19);
}

/** A plain text table, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function runsTable(runs: RunRecord[]): string {
  return table(
    ['RUN ID', 'STATUS', 'START', 'DURATION', 'EXPERIMENT', 'ENTRY POINT', 'NAME'],
    runs.map((r) => [r.run_id, r.status, isoTime(r.start_time), duration(r.start_time, r.end_time), r.experiment_id, r.entry_point, r.run_name]),
  );
}

export function runDetails(r: RunRecord): string {
  const kv = (o: Record<string, string | number>) =>
    Object.entries(o)
      .map(([k, v]) => `    ${k}: ${String(v)}`)
      .join('\n') || '    (none)';
  return [
    `run ${r.run_id}  ${r.status}`,
    `  name:        ${r.run_name}`,
    `  experiment:  ${r.experiment_id}`,
    `  project:     ${r.project_dir}`,
    `  entry point: ${r.entry_point}`,
    `  command:     ${r.command}`,
    `  exit code:   ${r.exit_code ?? '-'}`,
    `  started:     ${isoTime(r.start_time)}   duration: ${duration(r.start_time, r.end_time)}`,
    `  artifacts:   ${r.artifact_dir}`,
    r.workflow_run_id ? `  workflow:    ${r.workflow_run_id} (step ${r.step_name})` : null,
    '  params:',
    kv(r.params),
    '  metrics:',
    kv(r.metrics),
    '  tags:',
    kv(r.tags),
  ]
    .filter((l) => l !== null)
    .join('\n');
}

export function stepsTable(steps: StepRunRecord[]): string {
  return table(
    ['STEP', 'STATUS', 'RUN ID', 'NOTE'],
    // "Not cached: …" is kept in the history for the run page; the table only explains the unusual.
    steps.map((s) => [s.step_name, s.status, s.run_id ?? '-', s.status === 'FINISHED' || s.status === 'RUNNING' ? '' : (s.reason ?? '')]),
  );
}

const COLORS: Record<string, string> = {
  FINISHED: '32',
  CACHED: '36',
  RUNNING: '34',
  FAILED: '31',
  KILLED: '35',
  SKIPPED: '33',
  SCHEDULED: '90',
  PENDING: '90',
};

export function colorStatus(status: string, tty: boolean): string {
  return tty ? `\x1b[${COLORS[status] ?? '0'}m${status}\x1b[0m` : status;
}
