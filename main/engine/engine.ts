import fs from 'node:fs';
import os from 'node:os';
import { AppError } from '../../common/errors.js';
import type { Metric, RunRecord, RunStatus } from '../../common/types.js';
import { EngineEmitter } from './events.js';
import type { HomeLayout } from './paths.js';
import { defaultHome, homeLayout } from './paths.js';
import { isOrphan, orphanOutcome, recoverOrphans } from './runner/recovery.js';
import { isProcessAlive } from './runner/process.js';
import type { RecoveryReport } from './runner/recovery.js';
import type { RunRequest, TrackingEndpoint } from './runner/run-manager.js';
import { DEFAULT_GRACE_MS, RunManager } from './runner/run-manager.js';
import { SubmittedRun } from './runner/submitted-run.js';
import type { ListRunsQuery } from './store/store.js';
import { Store } from './store/store.js';
import type { TrackingServer } from './tracking/server.js';
import { startTrackingServer } from './tracking/server.js';
import { RemoteTracking, remoteOptionsFromEnv } from './tracking/remote.js';
import { WorkflowRunner } from './workflow/execute.js';
import type { WorkflowExecution, WorkflowStartOptions } from './workflow/execute.js';

export interface EngineOptions {
  /** The data folder; default BATON_HOME or the platform app-data folder. */
  home?: string;
  /** Grace period between SIGTERM and SIGKILL on cancel. */
  graceMs?: number;
  /** Default parallelism for workflow runs (default: the CPU core count). */
  maxParallel?: number;
  /**
   * Shared-server mode: an MLflow tracking server (http(s)://…) on which runs are created and logged
   * instead of the embedded one; credentials from MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD.
   */
  trackingUri?: string;
  /** Per-request timeout for the shared server (default 30 s). */
  trackingTimeoutMs?: number;
}

/**
 * Baton's engine under plain Node: projects, runs, workflows and their history. Every host (CLI,
 * web host, Electron utility process) drives this one class.
 */
export class Engine {
  readonly events = new EngineEmitter();
  readonly layout: HomeLayout;
  readonly store: Store;
  readonly runs: RunManager;
  readonly workflows: WorkflowRunner;
  readonly recovery: RecoveryReport;
  private tracking: Promise<TrackingServer> | null = null;
  /** Shared-server mode's client, or null for the embedded server. */
  readonly remote: RemoteTracking | null;
  private closed = false;

  private constructor(opts: EngineOptions) {
    this.layout = homeLayout(opts.home ?? defaultHome());
    fs.mkdirSync(this.layout.runsDir, { recursive: true });
    fs.mkdirSync(this.layout.artifactRoot, { recursive: true });
    this.store = new Store(this.layout.dbFile, this.layout.artifactRoot);
    this.store.getOrCreateExperiment('Default');
    this.remote = opts.trackingUri
      ? new RemoteTracking({ ...remoteOptionsFromEnv(opts.trackingUri), timeoutMs: opts.trackingTimeoutMs })
      : null;
    this.runs = new RunManager(this.store, this.layout, this.events, () => this.trackingEndpoint(), opts.graceMs ?? DEFAULT_GRACE_MS, this.remote);
    this.workflows = new WorkflowRunner(this.store, this.runs, this.events, opts.maxParallel ?? os.availableParallelism());
    this.recovery = recoverOrphans(this.store, this.runs, this.events);
  }

  /** Opens the data folder (creating it), migrates the history and settles what a crashed Baton left. */
  static open(opts: EngineOptions = {}): Engine {
    return new Engine(opts);
  }

  /** The embedded MLflow tracking server, started on first need. */
  async trackingEndpoint(): Promise<TrackingEndpoint> {
    this.tracking ??= startTrackingServer(this.store, {
      artifactRoot: this.layout.artifactRoot,
      isSupervised: (runId) => this.runs.isLive(runId),
    });
    const t = await this.tracking;
    return { uri: t.uri, token: t.token };
  }

  /** Like `mlflow.projects.run(..., synchronous=False)`: validates everything, then launches. */
  async runProject(req: RunRequest): Promise<SubmittedRun> {
    const prepared = await this.runs.prepare(req);
    const runId = await this.runs.start(prepared);
    return new SubmittedRun(runId, this.store, this.runs);
  }

  /**
   * Runs a run again with the same project, entry point, parameters and experiment; `params`
   * replaces some parameters (validated against the entry point like any run). Only the parameters
   * the run was launched with are reused, not those its script logged itself.
   */
  async rerun(runIdOrPrefix: string, params: Record<string, string> = {}): Promise<SubmittedRun> {
    const old = this.getRun(runIdOrPrefix);
    if (!old.project_dir) {
      throw new AppError('RUN_NOT_FOUND', `Run '${old.run_id}' was not launched from a project, so it cannot be re-run.`);
    }
    const sub = await this.runProject({
      uri: old.project_dir,
      entryPoint: old.entry_point,
      parameters: { ...this.store.launchParams(old.run_id), ...params },
      experimentId: old.experiment_id,
      baseDir: old.project_dir,
    });
    this.store.setTags(sub.runId, { 'baton.rerun_of': old.run_id });
    return sub;
  }

  /** Renames a run and/or sets its note (`mlflow.note.content`; an empty note removes it). */
  updateRun(runIdOrPrefix: string, u: { name?: string; note?: string }): RunRecord {
    const runId = this.store.resolveRunId(runIdOrPrefix);
    if (u.name !== undefined && !u.name.trim()) throw new AppError('USAGE', 'A run name cannot be empty.');
    this.store.updateRun(runId, { name: u.name?.trim(), note: u.note });
    const run = this.store.requireRun(runId);
    this.emitRunUpdated(run);
    return run;
  }

  /** Soft-deletes runs (all or nothing); running runs are refused. Returns how many changed. */
  deleteRuns(runIds: readonly string[]): number {
    return this.setLifecycle(runIds, 'deleted');
  }

  /** Restores deleted runs (all or nothing). Returns how many changed. */
  restoreRuns(runIds: readonly string[]): number {
    return this.setLifecycle(runIds, 'active');
  }

  private setLifecycle(runIds: readonly string[], stage: 'active' | 'deleted'): number {
    const missing: string[] = [];
    const ids = [
      ...new Set(
        runIds.map((id) => {
          try {
            return this.store.resolveRunId(id);
          } catch {
            missing.push(id);
            return id;
          }
        }),
      ),
    ];
    if (missing.length) {
      throw new AppError('RUN_NOT_FOUND', `${missing.length === 1 ? 'Run' : 'Runs'} not found: ${missing.join(', ')}. Nothing was changed.`, {
        runIds: missing,
      });
    }
    const changed = this.store.setRunsLifecycle(ids, stage);
    for (const id of changed) this.emitRunUpdated(this.store.requireRun(id));
    return changed.length;
  }

  /** RUNNING/SCHEDULED, but neither its process nor the Baton supervising it is alive. */
  isStale(runId: string): boolean {
    const row = this.store.runProcess(runId);
    return !!row && isOrphan(row, this.runs);
  }

  /**
   * Settles a run stuck in RUNNING/SCHEDULED whose process is provably gone: FAILED (or what its
   * recorded exit code says), with end_time and a `baton.settled` tag saying why. Its workflow step,
   * if still shown running, follows.
   */
  markFailed(runIdOrPrefix: string): RunStatus {
    const runId = this.store.resolveRunId(runIdOrPrefix);
    const row = this.store.runProcess(runId)!;
    if (row.status !== 'RUNNING' && row.status !== 'SCHEDULED') {
      throw new AppError('RUN_NOT_ACTIVE', `Run ${runId} already ended (${row.status}); there is nothing to mark.`);
    }
    if (!isOrphan(row, this.runs)) {
      const why =
        row.supervisor_pid === null && row.pid === null
          ? 'it was started through the tracking API by a client Baton does not supervise, so Baton cannot tell whether it is still logging; end it from that client'
          : `its process is still alive (${this.runs.isLive(runId) ? 'this Baton is watching it' : `pid ${isProcessAlive(row.pid, row.process_start) ? row.pid : row.supervisor_pid}`}); cancel it instead`;
      throw new AppError('RUN_ACTIVE', `Run ${runId} cannot be marked failed: ${why}.`);
    }
    const outcome = orphanOutcome(row);
    const reason = `Marked as ended by the user: its process is gone. ${outcome.reason}`;
    const final = this.store.finishRun(runId, outcome.status, outcome.code, Date.now(), { 'baton.settled': reason });
    if (row.workflow_run_id) {
      const wf = this.store.getWorkflowRun(row.workflow_run_id);
      const step = wf && Object.values(wf.steps).find((s) => s.run_id === runId && (s.status === 'RUNNING' || s.status === 'PENDING'));
      if (step) {
        const status = final === 'FINISHED' ? 'FINISHED' : final === 'KILLED' ? 'KILLED' : 'FAILED';
        this.store.updateStep(row.workflow_run_id, step.step_name, { status, runId, reason });
        this.events.emit('step.updated', { workflowRunId: row.workflow_run_id, step: { ...step, status, reason } });
      }
    }
    this.emitRunUpdated(this.store.requireRun(runId));
    return final;
  }

  private emitRunUpdated(run: RunRecord): void {
    this.events.emit('run.updated', { runId: run.run_id, status: run.status, workflowRunId: run.workflow_run_id, stepName: run.step_name });
  }

  submitted(runId: string): SubmittedRun {
    return new SubmittedRun(this.store.resolveRunId(runId), this.store, this.runs);
  }

  getRun(runIdOrPrefix: string): RunRecord {
    return this.store.requireRun(this.store.resolveRunId(runIdOrPrefix));
  }

  listRuns(q: ListRunsQuery & { experimentName?: string } = {}): RunRecord[] {
    let experimentId = q.experimentId;
    if (q.experimentName !== undefined) {
      const exp = this.store.findExperimentByName(q.experimentName);
      if (!exp) throw new AppError('EXPERIMENT_NOT_FOUND', `Experiment '${q.experimentName}' does not exist.`);
      experimentId = exp.experiment_id;
    }
    return this.store.listRuns({ ...q, experimentId });
  }

  /**
   * Every logged value of a metric. For a run that lives on a shared MLflow server (only its latest
   * values are copied when it ends), the history is fetched from there and kept locally.
   */
  async metricHistory(runIdOrPrefix: string, key: string): Promise<Metric[]> {
    const run = this.getRun(runIdOrPrefix);
    if (this.remote && run.tags['baton.tracking_uri'] === this.remote.uri) {
      const points = await this.remote.metricHistory(run.run_id, key);
      if (points.length) this.store.replaceMetricHistory(run.run_id, key, points);
      return points;
    }
    return this.store.metricHistory(run.run_id, key);
  }

  /**
   * A metric's points for a chart, downsampled to at most maxPoints (min/max per bucket, see
   * HistoryQueries.downsample). A shared-server run's history is fetched first, as metricHistory.
   */
  async metricChart(runIdOrPrefix: string, key: string, maxPoints: number | undefined, x: 'step' | 'time' = 'step'): Promise<{ points: Metric[]; total: number; downsampled: boolean }> {
    const run = this.getRun(runIdOrPrefix);
    if (this.remote && run.tags['baton.tracking_uri'] === this.remote.uri) {
      const points = await this.remote.metricHistory(run.run_id, key);
      if (points.length) this.store.replaceMetricHistory(run.run_id, key, points);
    }
    const r = this.store.history.downsample(run.run_id, key, maxPoints, x);
    return {
      points: r.points.map((p) => ({ key, value: p.is_nan ? NaN : p.value, timestamp: p.timestamp, step: p.step })),
      total: r.total,
      downsampled: r.downsampled,
    };
  }

  /** The run's captured output file (stdout and stderr interleaved). */
  logPath(runIdOrPrefix: string): string | null {
    return this.store.logPath(this.store.resolveRunId(runIdOrPrefix));
  }

  async cancelRun(runIdOrPrefix: string): Promise<RunStatus> {
    return this.runs.cancel(this.store.resolveRunId(runIdOrPrefix));
  }

  startWorkflow(file: string, opts: WorkflowStartOptions = {}): Promise<WorkflowExecution> {
    return this.workflows.start(file, opts);
  }

  resumeWorkflow(workflowRunId: string, opts: Omit<WorkflowStartOptions, 'parent'> = {}): Promise<WorkflowExecution> {
    return this.workflows.resume(workflowRunId, opts);
  }

  /** Cancels everything this process runs, stops the tracking server and closes the history. */
  async close(opts: { cancelRunning?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (opts.cancelRunning ?? true) await this.workflows.cancelAll();
    if (opts.cancelRunning ?? true) await this.runs.cancelAll();
    this.runs.dispose();
    if (this.tracking) await (await this.tracking).close();
    this.store.close();
  }
}
