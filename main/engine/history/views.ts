/**
 * What the history views show, assembled from the store: rows of the runs table (a run plus the
 * names its ids point to), the run page, a workflow run's snapshot and the per-step diff of two
 * workflow runs. Pure reads; the handlers turn them into the contract's shapes.
 */
import fs from 'node:fs';
import type { RunRecord, StepRunRecord, WorkflowRunRecord } from '../../../common/types.js';
import type { Engine } from '../engine.js';
import type { LineageRow } from '../store/history.js';

export type RunRow = RunRecord & { experiment_name: string; workflow_name: string | null };

/** Runs with their experiment's and workflow's names (two small queries for a whole page). */
export function runRows(engine: Engine, runs: RunRecord[]): RunRow[] {
  const experiments = engine.store.history.experimentNames();
  const workflows = engine.store.history.workflowNames(runs.map((r) => r.workflow_run_id).filter((id): id is string => !!id));
  return runs.map((r) => ({
    ...r,
    experiment_name: experiments.get(r.experiment_id) ?? r.experiment_id,
    workflow_name: r.workflow_run_id ? (workflows.get(r.workflow_run_id) ?? null) : null,
  }));
}

export interface LineageLink {
  run_id: string;
  run_name: string | null;
  status: RunRecord['status'] | null;
  step_name: string | null;
  param: string;
  attribute: string;
  exists: boolean;
}

function link(r: LineageRow): LineageLink {
  return { run_id: r.run_id, run_name: r.run_name, status: r.status, step_name: r.step_name, param: r.param, attribute: r.attribute, exists: r.status !== null };
}

export interface CacheInfo {
  key: string | null;
  decision: 'ran' | 'reused' | 'none';
  reason: string | null;
  reusedBy: { workflow_run_id: string; step_name: string }[];
}

/**
 * The cache decision. Seen from a workflow run (`workflowRunId`) whose step reused this run, it is
 * `reused` with that step's reason; otherwise a run made by a workflow step `ran`, with the reason
 * it was not taken from the cache (tag `baton.cache`); a run outside workflows is `none`.
 */
export function cacheInfo(engine: Engine, run: RunRecord, workflowRunId?: string): CacheInfo {
  const steps = engine.store.history.stepsUsing(run.run_id);
  const key = engine.store.cacheKeyOf(run.run_id);
  const reusedBy = steps.filter((s) => s.cached && s.workflow_run_id !== run.workflow_run_id).map((s) => ({ workflow_run_id: s.workflow_run_id, step_name: s.step_name }));
  const seenFrom = workflowRunId ? steps.find((s) => s.workflow_run_id === workflowRunId && s.cached) : undefined;
  if (seenFrom) return { key, decision: 'reused', reason: seenFrom.reason, reusedBy };
  if (run.workflow_run_id) {
    const own = steps.find((s) => s.workflow_run_id === run.workflow_run_id && !s.cached);
    return { key, decision: 'ran', reason: run.tags['baton.cache'] ?? own?.reason ?? null, reusedBy };
  }
  return { key, decision: 'none', reason: null, reusedBy };
}

export function runDetail(engine: Engine, runId: string, workflowRunId?: string) {
  const run = engine.getRun(runId);
  const [row] = runRows(engine, [run]);
  const lineage = engine.store.history.lineage(run.run_id);
  const logPath = engine.logPath(run.run_id);
  let logSize = 0;
  try {
    logSize = logPath ? fs.statSync(logPath).size : 0;
  } catch {
    logSize = 0;
  }
  const dirty = run.tags['baton.git.dirty'];
  return {
    run: row!,
    metricKeys: engine.store.history.metricKeys(run.run_id),
    lineage: { inputs: lineage.inputs.map(link), consumers: lineage.consumers.map(link) },
    cache: cacheInfo(engine, run, workflowRunId),
    git: {
      commit: run.tags['mlflow.source.git.commit'] ?? null,
      branch: run.tags['mlflow.source.git.branch'] ?? null,
      repoUrl: run.tags['mlflow.source.git.repoURL'] ?? null,
      dirty: dirty === undefined ? null : dirty === 'true',
    },
    stale: engine.isStale(run.run_id),
    logSize,
    artifactDir: run.artifact_dir,
  };
}

/** A workflow run as it ran: its record, the YAML it ran, today's layout sidecar, each step's run. */
export function workflowSnapshot(engine: Engine, workflowRunId: string, readLayout: (file: string) => unknown) {
  const id = engine.store.resolveWorkflowRunId(workflowRunId);
  const wf = engine.store.getWorkflowRun(id)!;
  const runIds = [...new Set(Object.values(wf.steps).map((s) => s.run_id).filter((r): r is string => !!r))];
  const runs = runRows(engine, engine.store.recordsFor(runIds).map((r) => r.run));
  return { workflowRun: publicWorkflowRun(wf), yaml: wf.workflow_yaml, layout: readLayout(wf.workflow_file), runs };
}

function publicWorkflowRun(wf: WorkflowRunRecord): WorkflowRunRecord {
  const { workflow_run_id, workflow_name, workflow_file, status, start_time, end_time, inputs, parent_workflow_run_id, steps } = wf;
  return { workflow_run_id, workflow_name, workflow_file, status, start_time, end_time, inputs, parent_workflow_run_id, steps };
}

export interface StepDiff {
  step_name: string;
  a: StepRunRecord | null;
  b: StepRunRecord | null;
  sameRun: boolean;
  params: { key: string; a: string | null; b: string | null }[];
  codeChanged: boolean | null;
  codeA: string | null;
  codeB: string | null;
}

function codeOf(run: RunRecord | null): string | null {
  const commit = run?.tags['mlflow.source.git.commit'];
  if (!commit) return null;
  return run.tags['baton.git.dirty'] === 'true' ? `${commit} (dirty)` : commit;
}

/**
 * Per step (in a's order, then steps only b has): the two step records, whether both used the same
 * run, the launch parameters that differ, and whether the code differs. Code is compared exactly
 * through the cache key where it can be (same entry point and parameters but another key means the
 * project's content differed), else by git commit (clean trees only); null when unknown.
 */
export function workflowDiff(engine: Engine, a: string, b: string): { steps: StepDiff[] } {
  const wa = engine.store.getWorkflowRun(engine.store.resolveWorkflowRunId(a))!;
  const wb = engine.store.getWorkflowRun(engine.store.resolveWorkflowRunId(b))!;
  const names = [...Object.keys(wa.steps), ...Object.keys(wb.steps).filter((n) => !(n in wa.steps))];
  const getRun = (id: string | null | undefined): RunRecord | null => (id ? engine.store.getRun(id) : null);
  const steps = names.map((name): StepDiff => {
    const sa = wa.steps[name] ?? null;
    const sb = wb.steps[name] ?? null;
    const ra = getRun(sa?.run_id);
    const rb = getRun(sb?.run_id);
    const sameRun = !!ra && !!rb && ra.run_id === rb.run_id;
    const pa = ra ? engine.store.launchParams(ra.run_id) : {};
    const pb = rb ? engine.store.launchParams(rb.run_id) : {};
    const params = [...new Set([...Object.keys(pa), ...Object.keys(pb)])]
      .sort()
      .filter((k) => pa[k] !== pb[k])
      .map((k) => ({ key: k, a: pa[k] ?? null, b: pb[k] ?? null }));
    const codeA = codeOf(ra);
    const codeB = codeOf(rb);
    let codeChanged: boolean | null = null;
    if (sameRun) codeChanged = false;
    else if (ra && rb) {
      const ka = engine.store.cacheKeyOf(ra.run_id);
      const kb = engine.store.cacheKeyOf(rb.run_id);
      if (ka && kb && ra.entry_point === rb.entry_point && params.length === 0) codeChanged = ka !== kb;
      else if (codeA && codeB && codeA !== codeB) codeChanged = true;
      else if (codeA && codeB && !codeA.endsWith('(dirty)')) codeChanged = false;
    }
    return { step_name: name, a: sa, b: sb, sameRun, params, codeChanged, codeA, codeB };
  });
  return { steps };
}
