import fs from 'node:fs';
import os from 'node:os';
import { AppError } from '../../common/errors.js';
import type { Metric, RunRecord, RunStatus } from '../../common/types.js';
import { EngineEmitter } from './events.js';
import type { HomeLayout } from './paths.js';
import { defaultHome, homeLayout } from './paths.js';
import { recoverOrphans } from './runner/recovery.js';
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

  /** Runs a run again with the same project, entry point, parameters and experiment. */
  async rerun(runIdOrPrefix: string): Promise<SubmittedRun> {
    const old = this.getRun(runIdOrPrefix);
    if (!old.project_dir) {
      throw new AppError('RUN_NOT_FOUND', `Run '${old.run_id}' was not launched from a project, so it cannot be re-run.`);
    }
    const sub = await this.runProject({
      uri: old.project_dir,
      entryPoint: old.entry_point,
      parameters: old.params,
      experimentId: old.experiment_id,
      baseDir: old.project_dir,
    });
    this.store.setTags(sub.runId, { 'baton.rerun_of': old.run_id });
    return sub;
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
