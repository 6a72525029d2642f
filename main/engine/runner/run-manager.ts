import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../common/errors.js';
import type { EntryPointSpec, GitInfo, ProjectSpec, RunStatus } from '../../../common/types.js';
import { isTerminal } from '../../../common/types.js';
import type { EngineEmitter } from '../events.js';
import type { HomeLayout } from '../paths.js';
import { computeParameters, gitInfo, loadProject, resolveEntryPoint } from '../projects/index.js';
import type { ExperimentRecord, RunInputLink, Store } from '../store/store.js';
import { DEFAULT_EXPERIMENT_NAME, fileUri } from '../store/store.js';
import { LogTail } from './log-tail.js';
import { isGroupAlive, isProcessAlive, launch, processStartTime, sleep, stopGroup } from './process.js';
import { randomRunName } from './run-names.js';
import type { RemoteTracking } from '../tracking/remote.js';

export interface RunRequest {
  /** The project folder (absolute, or relative to baseDir). */
  uri: string;
  entryPoint?: string;
  parameters?: Record<string, string>;
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  /** The folder relative `path` parameters and the project uri are resolved against (default: cwd). */
  baseDir?: string;
}

/** Links a run to the workflow step that made it. */
export interface RunContext {
  workflowRunId?: string;
  stepName?: string;
  cacheKey?: string | null;
  inputs?: RunInputLink[];
  tags?: Record<string, string>;
}

/** Everything a run needs, computed and validated before any run record exists. */
export interface PreparedRun {
  project: ProjectSpec;
  entryPoint: EntryPointSpec;
  params: Record<string, string>;
  extra: Record<string, string>;
  command: string;
  experiment: ExperimentRecord;
  git: GitInfo | null;
  runName: string;
  /** Shared-server mode: the experiment's id on the MLflow server. */
  remoteExperimentId?: string;
}

export interface TrackingEndpoint {
  uri: string;
  token: string | null;
}

interface LiveRun {
  pgid: number;
  done: Promise<RunStatus>;
  cancelling: boolean;
  /** Started by another (dead) Baton process and only watched by this one. */
  reattached: boolean;
  /** The cancel in progress: SIGTERM to the group, SIGKILL after the grace period. */
  stopping: Promise<void> | null;
}

/** Grace period between SIGTERM and SIGKILL when a run is cancelled. */
export const DEFAULT_GRACE_MS = 5000;

/**
 * Creates, launches, watches and settles runs. A run is created only after every validation has
 * passed, its process lives in its own process group, and its final status is written exactly once.
 */
export class RunManager {
  private readonly live = new Map<string, LiveRun>();
  private readonly supervisorStart = processStartTime(process.pid);
  private disposed = false;

  constructor(
    private readonly store: Store,
    private readonly layout: HomeLayout,
    private readonly events: EngineEmitter,
    private readonly tracking: () => Promise<TrackingEndpoint>,
    private readonly graceMs = DEFAULT_GRACE_MS,
    /** Shared-server mode: runs are created on this MLflow server; null for the embedded one. */
    private readonly remote: RemoteTracking | null = null,
  ) {}

  /** Validates a request completely (project, entry point, every parameter) without side effects on the history. */
  async prepare(req: RunRequest, git?: Promise<GitInfo | null>): Promise<PreparedRun> {
    const baseDir = req.baseDir ?? process.cwd();
    const project = loadProject(path.resolve(baseDir, req.uri));
    const entryPoint = resolveEntryPoint(project, req.entryPoint ?? 'main');
    const { params, extra, command } = computeParameters(entryPoint, req.parameters ?? {}, { baseDir });
    const experiment = this.resolveExperiment(req);
    const info = await (git ?? gitInfo(project.dir));
    const remoteExperimentId = this.remote ? await this.remote.getOrCreateExperiment(experiment.name) : undefined;
    return { project, entryPoint, params, extra, command, experiment, git: info, runName: req.runName ?? randomRunName(), remoteExperimentId };
  }

  private resolveExperiment(req: RunRequest): ExperimentRecord {
    if (req.experimentId !== undefined) {
      const exp = this.store.getExperiment(req.experimentId);
      if (!exp) throw new AppError('EXPERIMENT_NOT_FOUND', `Experiment with id '${req.experimentId}' does not exist.`);
      return exp;
    }
    // Like `mlflow run --experiment-name`: an unknown name creates the experiment.
    return this.store.getOrCreateExperiment(req.experimentName ?? DEFAULT_EXPERIMENT_NAME);
  }

  /** Creates the run (SCHEDULED), launches its process (RUNNING) and returns its id. */
  async start(p: PreparedRun, ctx: RunContext = {}): Promise<string> {
    const now = Date.now();
    const tags = { ...runTags(p), ...(ctx.tags ?? {}) };
    // Logged as given (MLflow logs the shell-quoted form, e.g. 'a b').
    const params = { ...p.params, ...p.extra };
    let runId: string;
    let artifactUri: string;
    let stepEnv: Record<string, string>;
    if (this.remote) {
      // Shared-server mode: the run is created on the MLflow server first (a failure there is a clear
      // error and nothing exists anywhere); its id is the local record's id, so nothing diverges.
      const remote = await this.remote.createRun({
        experimentId: p.remoteExperimentId!,
        runName: p.runName,
        startTime: now,
        tags,
        userId: currentUser(),
      });
      await this.remote.logParamsAndTags(remote.run_id, params);
      runId = remote.run_id;
      artifactUri = remote.artifact_uri;
      tags['baton.tracking_uri'] = this.remote.uri;
      stepEnv = { ...this.remote.stepEnv(), MLFLOW_EXPERIMENT_ID: p.remoteExperimentId! };
    } else {
      runId = randomBytes(16).toString('hex');
      const artifactDir = path.join(this.layout.artifactRoot, p.experiment.experiment_id, runId, 'artifacts');
      fs.mkdirSync(artifactDir, { recursive: true });
      artifactUri = fileUri(artifactDir);
      stepEnv = { MLFLOW_EXPERIMENT_ID: p.experiment.experiment_id };
    }
    const runDir = path.join(this.layout.runsDir, runId);
    fs.mkdirSync(runDir, { recursive: true });
    const logPath = path.join(runDir, 'output.log');
    const exitFile = path.join(runDir, 'exit_code');
    fs.writeFileSync(logPath, '');
    this.store.createRun({
      runId,
      experimentId: p.experiment.experiment_id,
      runName: p.runName,
      userId: currentUser(),
      projectDir: p.project.dir,
      entryPoint: p.entryPoint.name,
      command: p.command,
      artifactUri,
      logPath,
      exitFile,
      params,
      tags,
      workflowRunId: ctx.workflowRunId ?? null,
      stepName: ctx.stepName ?? null,
      cacheKey: ctx.cacheKey ?? null,
      inputs: ctx.inputs,
      time: now,
    });
    this.emit(runId, 'SCHEDULED');

    const env: NodeJS.ProcessEnv = { ...process.env, MLFLOW_RUN_ID: runId, ...stepEnv };
    if (!this.remote) {
      let tracking: TrackingEndpoint;
      try {
        tracking = await this.tracking();
      } catch (e) {
        this.settleLaunchFailure(runId, e);
        return runId;
      }
      env.MLFLOW_TRACKING_URI = tracking.uri;
      if (tracking.token) env.MLFLOW_TRACKING_TOKEN = tracking.token;
      else delete env.MLFLOW_TRACKING_TOKEN;
    }

    let proc;
    try {
      proc = await launch({ command: p.command, cwd: p.project.dir, env, logPath, exitFile });
    } catch (e) {
      this.settleLaunchFailure(runId, e);
      return runId;
    }
    this.store.markRunning(runId, {
      time: Date.now(),
      pid: proc.pid,
      processStart: processStartTime(proc.pid),
      supervisorPid: process.pid,
      supervisorStart: this.supervisorStart,
    });
    this.emit(runId, 'RUNNING');
    this.watch(runId, proc.pid, logPath, proc.exited);
    return runId;
  }

  private settleLaunchFailure(runId: string, e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.emit(runId, this.store.finishRun(runId, 'FAILED', null, Date.now(), { 'baton.launch_error': msg }));
  }

  /** Follows the log and settles the run when its process exits. */
  private watch(runId: string, pgid: number, logPath: string, exited: Promise<{ code: number }>): void {
    const tail = new LogTail(logPath, (text) => this.events.emit('run.logAppended', { runId, text }));
    tail.start();
    const entry: LiveRun = { pgid, cancelling: false, reattached: false, stopping: null, done: Promise.resolve('RUNNING') };
    entry.done = exited.then(async ({ code }) => {
      // When cancelling, the launcher may die before the rest of the group (a step that ignores
      // SIGTERM): the run is over only when the whole group is gone.
      if (entry.stopping) await entry.stopping;
      tail.stop();
      const wanted = this.finalStatus(runId, code, entry.cancelling);
      const end = Date.now();
      const remoteTags = this.remote ? await this.syncRemote(runId, wanted, end) : {};
      const status = this.store.finishRun(runId, wanted, code, end, remoteTags);
      this.live.delete(runId);
      this.emit(runId, status);
      return status;
    });
    this.live.set(runId, entry);
  }

  /**
   * Shared-server mode, when a step ends: set the final status on the server, then copy what the
   * script logged there (params, tags, latest metrics) into the local record, so references, caching
   * and the history work as in local mode. A failure never loses the local record: it is noted in a
   * `baton.remote_error` tag on it.
   */
  private async syncRemote(runId: string, status: RunStatus, end: number): Promise<Record<string, string>> {
    const remote = this.remote!;
    try {
      await remote.updateRun(runId, status, end);
      const r = await remote.getRun(runId);
      const local = this.store.requireRun(runId);
      const freshParams = Object.fromEntries(Object.entries(r.params).filter(([k]) => !(k in local.params)));
      this.store.db.transaction(() => {
        this.store.logParams(runId, freshParams);
        this.store.setTags(runId, r.tags);
        this.store.logMetrics(runId, r.metrics.filter((m) => local.metrics[m.key] === undefined));
      })();
      return {};
    } catch (e) {
      return { 'baton.remote_error': e instanceof Error ? e.message : String(e) };
    }
  }

  /** FINISHED exactly when the exit code is 0 (as MLflow); KILLED when someone cancelled it. */
  private finalStatus(runId: string, code: number, cancelling: boolean): RunStatus {
    if (code === 0) return 'FINISHED';
    if (cancelling || this.store.runProcess(runId)?.cancel_requested) return 'KILLED';
    return 'FAILED';
  }

  /**
   * Keeps watching a run whose supervisor died but whose process is alive: polls the process and
   * settles the run from the exit-code file the launcher writes.
   */
  reattach(runId: string, pid: number, processStart: string | null, logPath: string | null, exitFile: string | null): void {
    if (this.live.has(runId)) return;
    const entry: LiveRun = { pgid: pid, cancelling: false, reattached: true, stopping: null, done: Promise.resolve('RUNNING') };
    const tail = logPath ? new LogTail(logPath, (text) => this.events.emit('run.logAppended', { runId, text })) : null;
    tail?.start();
    this.store.markRunning(runId, {
      time: this.store.getRun(runId)?.start_time ?? Date.now(),
      pid,
      processStart,
      supervisorPid: process.pid,
      supervisorStart: this.supervisorStart,
    });
    entry.done = (async () => {
      while (isProcessAlive(pid, processStart)) {
        if (this.disposed) {
          // This process is going away: leave the run to the next Baton that opens the history.
          tail?.stop();
          this.live.delete(runId);
          return 'RUNNING';
        }
        await sleep(200);
      }
      tail?.stop();
      if (this.disposed) {
        this.live.delete(runId);
        return 'RUNNING';
      }
      const code = readExitCode(exitFile);
      const status: RunStatus =
        code === null ? (entry.cancelling ? 'KILLED' : 'FAILED') : this.finalStatus(runId, code, entry.cancelling);
      const tags: Record<string, string> = { 'baton.reattached': 'true' };
      if (code === null) tags['baton.settled'] = 'The process ended while no Baton was watching it; its exit code is unknown.';
      if (entry.stopping) await entry.stopping;
      const final = this.store.finishRun(runId, status, code, Date.now(), tags);
      this.live.delete(runId);
      this.emit(runId, final);
      return final;
    })();
    this.live.set(runId, entry);
  }

  isLive(runId: string): boolean {
    return this.live.has(runId);
  }

  liveRunIds(): string[] {
    return [...this.live.keys()];
  }

  /** Resolves with the final status; works for runs watched by this process or by another one. */
  async waitFor(runId: string): Promise<RunStatus> {
    const live = this.live.get(runId);
    if (live) return live.done;
    for (;;) {
      const row = this.store.runProcess(runId);
      if (!row) throw new AppError('RUN_NOT_FOUND', `Run '${runId}' not found.`);
      if (isTerminal(row.status)) return row.status;
      const again = this.live.get(runId);
      if (again) return again.done;
      await sleep(100);
    }
  }

  /**
   * Stops the run's whole process tree: SIGTERM to its process group, SIGKILL after the grace period.
   * Works for a run started by another Baton process too (its pid is in the history).
   */
  async cancel(runId: string): Promise<RunStatus> {
    const row = this.store.runProcess(runId);
    if (!row) throw new AppError('RUN_NOT_FOUND', `Run '${runId}' not found.`);
    if (isTerminal(row.status)) return row.status;
    this.store.requestCancel(runId);
    const live = this.live.get(runId);
    if (live) {
      live.cancelling = true;
      live.stopping ??= stopGroup(live.pgid, this.graceMs);
      await live.stopping;
      return live.done;
    }
    if (row.status === 'SCHEDULED' || !row.pid) {
      // Not launched yet: the launcher sees cancel_requested; if nobody owns it, settle it here.
      if (!isProcessAlive(row.supervisor_pid, row.supervisor_start)) {
        const status = this.store.finishRun(runId, 'KILLED', null, Date.now());
        this.emit(runId, status);
        return status;
      }
      return this.waitFor(runId);
    }
    if (isProcessAlive(row.pid, row.process_start) || isGroupAlive(row.pid)) await stopGroup(row.pid, this.graceMs);
    if (isProcessAlive(row.supervisor_pid, row.supervisor_start)) {
      // The owning Baton (another process, or another engine in this one) sees the exit and records KILLED.
      return this.waitFor(runId);
    }
    // The owner is gone (or exited right after its step): settle it here unless it already did.
    const status = this.store.finishRun(runId, 'KILLED', readExitCode(row.exit_file), Date.now());
    this.emit(runId, status);
    return status;
  }

  /** Cancels every run this process started (Ctrl-C, shutdown); reattached runs are left running. */
  async cancelAll(): Promise<void> {
    await Promise.all([...this.live].filter(([, l]) => !l.reattached).map(([id]) => this.cancel(id)));
  }

  /** Stops watching reattached runs; they stay RUNNING for the next Baton process to pick up. */
  dispose(): void {
    this.disposed = true;
  }

  private emit(runId: string, status: RunStatus): void {
    const row = this.store.getRun(runId);
    this.events.emit('run.updated', {
      runId,
      status,
      workflowRunId: row?.workflow_run_id ?? null,
      stepName: row?.step_name ?? null,
    });
  }
}

export function readExitCode(file: string | null): number | null {
  if (!file) return null;
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/** The system tags MLflow sets on a project run (mlflow/projects/utils.py), plus Baton's own. */
function runTags(p: PreparedRun): Record<string, string> {
  const tags: Record<string, string> = {
    'mlflow.user': currentUser(),
    'mlflow.source.name': sourceName(p),
    'mlflow.source.type': 'PROJECT',
    'mlflow.project.entryPoint': p.entryPoint.name,
    'mlflow.project.backend': 'local',
    'mlflow.project.env': 'local',
    'mlflow.runName': p.runName,
  };
  if (p.git) {
    tags['mlflow.source.git.commit'] = p.git.commit;
    if (p.git.branch) {
      tags['mlflow.source.git.branch'] = p.git.branch;
      tags['mlflow.gitBranchName'] = p.git.branch;
    }
    if (p.git.repoUrl) {
      tags['mlflow.source.git.repoURL'] = p.git.repoUrl;
      tags['mlflow.gitRepoURL'] = p.git.repoUrl;
    }
    tags['baton.git.dirty'] = String(p.git.dirty);
  }
  return tags;
}

/** MLflow names a local project in a git repository by its repo URL, else by its absolute path. */
function sourceName(p: PreparedRun): string {
  return p.git?.repoUrl ?? p.project.dir;
}
