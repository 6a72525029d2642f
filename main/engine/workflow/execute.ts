import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError, toAppError } from '../../../common/errors.js';
import type { GitInfo, RunRecord, StepRunRecord, StepStatus, WorkflowRunRecord, WorkflowRunStatus } from '../../../common/types.js';
import { downstreamOf, stepDependencies, topologicalOrder } from '../../../common/workflow/graph.js';
import { referencesOf, renderTemplate } from '../../../common/workflow/references.js';
import type { InputSpec, Reference, StepSpec, WorkflowSpec } from '../../../common/workflow/types.js';
import type { EngineEmitter } from '../events.js';
import { gitInfo, loadProject, projectFingerprint, resolveEntryPoint } from '../projects/index.js';
import { isProcessAlive, processStartTime } from '../runner/process.js';
import type { RunManager } from '../runner/run-manager.js';
import type { RunInputLink, Store } from '../store/store.js';
import { loadWorkflowFile, loadWorkflowText } from './load.js';
import type { LoadedWorkflow } from './load.js';
import { checkInputValue } from './inputs.js';

export interface WorkflowStartOptions {
  /** Values for the workflow's inputs (`-P NAME=VALUE`). */
  inputs?: Record<string, string>;
  /** Never reuse earlier runs in this workflow run. */
  noCache?: boolean;
  /** How many steps may run at once (default: the engine's, i.e. the core count). */
  maxParallel?: number;
  /** Folder that relative `path` inputs given here are resolved against (default: cwd). */
  cwd?: string;
  /** The workflow run this one continues; its successful steps are reused unless listed in `fromSteps`. */
  parent?: string;
  /** Run these steps and everything downstream of them; other steps reuse the parent's runs. */
  fromSteps?: string[];
}

export interface WorkflowExecution {
  workflowRunId: string;
  /** Resolves with the final record when every step has ended. */
  wait(): Promise<WorkflowRunRecord>;
  /** Stops every running step (process trees), skips the rest; the workflow run ends KILLED. */
  cancel(): Promise<void>;
}

const DONE_OK: readonly StepStatus[] = ['FINISHED', 'CACHED'];
const DONE_BAD: readonly StepStatus[] = ['FAILED', 'KILLED', 'SKIPPED'];

interface Active {
  id: string;
  cancelled: boolean;
  running: Map<string, string | null>;
  cancel(): Promise<void>;
}

/** Executes workflow files: dependency order, parallelism, caching, skip-on-failure, cancel, resume. */
export class WorkflowRunner {
  private readonly active = new Map<string, Active>();

  constructor(
    private readonly store: Store,
    private readonly runs: RunManager,
    private readonly events: EngineEmitter,
    private readonly defaultParallel: number,
  ) {}

  /** Validates a workflow file completely, then starts it. Nothing is recorded when validation fails. */
  async start(file: string, opts: WorkflowStartOptions = {}): Promise<WorkflowExecution> {
    const loaded = loadWorkflowFile(path.resolve(opts.cwd ?? process.cwd(), file), loadProject, resolveEntryPoint);
    const yaml = fs.readFileSync(loaded.file, 'utf8');
    const inputs = resolveInputs(loaded.spec, opts.inputs ?? {}, opts.cwd ?? process.cwd());
    if (!opts.fromSteps?.length) return this.begin(loaded, yaml, inputs, opts, new Map());
    // "Run from this step on" with the file as it is now: the steps and everything downstream run
    // again; the steps before them reuse what the parent workflow run produced (when it finished).
    const rerun = this.checkedDownstream(loaded, opts.fromSteps);
    const reuse = opts.parent ? this.reusable(this.store.resolveWorkflowRunId(opts.parent), rerun) : new Map<string, string>();
    return this.begin(loaded, yaml, inputs, { ...opts, parent: opts.parent ? this.store.resolveWorkflowRunId(opts.parent) : undefined }, reuse, rerun);
  }

  private checkedDownstream(loaded: LoadedWorkflow, fromSteps: readonly string[]): Set<string> {
    const names = loaded.spec.steps.map((s) => s.name);
    for (const s of fromSteps) {
      if (!names.includes(s)) {
        throw new AppError('USAGE', `Step '${s}' is not in workflow '${loaded.spec.name}'. Steps: ${names.join(', ')}.`);
      }
    }
    return new Set(downstreamOf(loaded.spec, fromSteps));
  }

  /** The parent's step runs that can be reused as they are: FINISHED (or reused) and not to be re-run. */
  private reusable(parentId: string, rerun: ReadonlySet<string>): Map<string, string> {
    const parent = this.store.getWorkflowRun(parentId)!;
    const reuse = new Map<string, string>();
    for (const [name, step] of Object.entries(parent.steps)) {
      if (rerun.has(name) || !DONE_OK.includes(step.status) || !step.run_id) continue;
      if (this.store.getRun(step.run_id)?.status === 'FINISHED') reuse.set(name, step.run_id);
    }
    return reuse;
  }

  /**
   * Re-runs only what failed, was killed or was skipped in an earlier workflow run (or, with
   * `fromSteps`, those steps and everything downstream), reusing the other steps' runs. Uses the
   * workflow exactly as it was run (the stored snapshot), not the file as it is now.
   */
  async resume(idOrPrefix: string, opts: Omit<WorkflowStartOptions, 'parent'> = {}): Promise<WorkflowExecution> {
    const workflowRunId = this.store.resolveWorkflowRunId(idOrPrefix);
    const parent = this.store.getWorkflowRun(workflowRunId)!;
    if (parent.status === 'RUNNING' && (this.active.has(workflowRunId) || this.isSupervised(workflowRunId))) {
      throw new AppError('USAGE', `Workflow run '${workflowRunId}' is still running; cancel it or wait for it to end first.`);
    }
    const loaded = loadWorkflowText(parent.workflow_yaml, parent.workflow_file, loadProject, resolveEntryPoint);
    const rerun = opts.fromSteps ? this.checkedDownstream(loaded, opts.fromSteps) : new Set<string>();
    const reuse = this.reusable(workflowRunId, rerun);
    const inputs = { ...parent.inputs, ...resolveInputs(loaded.spec, opts.inputs ?? {}, opts.cwd ?? process.cwd(), true) };
    const options = { ...parent.options, ...stripUndefined({ noCache: opts.noCache, maxParallel: opts.maxParallel }) } as WorkflowStartOptions;
    return this.begin(loaded, parent.workflow_yaml, inputs, { ...options, parent: workflowRunId, fromSteps: opts.fromSteps }, reuse, rerun);
  }

  private isSupervised(id: string): boolean {
    const wf = this.store.activeWorkflowRuns().find((w) => w.workflow_run_id === id);
    return !!wf && isProcessAlive(wf.supervisor_pid, wf.supervisor_start);
  }

  async cancel(idOrPrefix: string): Promise<void> {
    const workflowRunId = this.store.resolveWorkflowRunId(idOrPrefix);
    const a = this.active.get(workflowRunId);
    if (a) return a.cancel();
    const wf = this.store.getWorkflowRun(workflowRunId)!;
    if (wf.status !== 'RUNNING') return;
    // Owned by another Baton process: ask it, and stop the step processes directly.
    this.store.requestWorkflowCancel(workflowRunId);
    await Promise.all(
      Object.values(wf.steps)
        .filter((s) => s.status === 'RUNNING' && s.run_id)
        .map((s) => this.runs.cancel(s.run_id!)),
    );
  }

  async cancelAll(): Promise<void> {
    await Promise.all([...this.active.values()].map((a) => a.cancel()));
  }

  private begin(
    loaded: LoadedWorkflow,
    yaml: string,
    inputs: Record<string, string>,
    opts: WorkflowStartOptions,
    reuse: Map<string, string>,
    /** Steps asked to run again (`--from`): never served from the cache. */
    forced: ReadonlySet<string> = new Set(),
  ): Promise<WorkflowExecution> {
    const { spec } = loaded;
    const id = randomBytes(16).toString('hex');
    const order = topologicalOrder(spec);
    const byName = new Map(spec.steps.map((s) => [s.name, s]));
    const deps = stepDependencies(spec);
    const maxParallel = Math.max(1, opts.maxParallel ?? this.defaultParallel);
    const state = new Map<string, StepRunRecord>();
    for (const name of order) {
      const reused = reuse.get(name);
      state.set(
        name,
        reused
          ? { step_name: name, status: 'CACHED', run_id: reused, cached: true, reason: `Reused run ${reused} from workflow run ${opts.parent}.` }
          : { step_name: name, status: 'PENDING', run_id: null, cached: false, reason: null },
      );
    }
    this.store.createWorkflowRun({
      id,
      name: spec.name,
      file: loaded.file,
      yaml,
      inputs,
      options: stripUndefined({ noCache: opts.noCache, maxParallel: opts.maxParallel, fromSteps: opts.fromSteps }),
      parent: opts.parent ?? null,
      time: Date.now(),
      supervisorPid: process.pid,
      supervisorStart: processStartTime(process.pid),
      steps: order.map((n) => {
        const s = state.get(n)!;
        return { name: n, status: s.status, runId: s.run_id, cached: s.cached, reason: s.reason };
      }),
    });
    this.events.emit('workflowRun.updated', { workflowRunId: id, status: 'RUNNING' });

    // Per workflow run, each project's content and git info are read once: the fingerprint describes
    // the project as it was when the workflow run started, even if a step writes into its folder.
    const fingerprints = new Map<string, ReturnType<typeof projectFingerprint>>();
    const gitInfos = new Map<string, Promise<GitInfo | null>>();
    const experimentName = spec.experiment ?? spec.name;

    const active: Active = {
      id,
      cancelled: false,
      running: new Map(),
      cancel: async () => {
        active.cancelled = true;
        this.store.requestWorkflowCancel(id);
        pump();
        await Promise.all([...active.running.values()].filter((r): r is string => !!r).map((r) => this.runs.cancel(r)));
        await done;
      },
    };
    this.active.set(id, active);

    const setStep = (name: string, s: Partial<StepRunRecord> & { status: StepStatus }): void => {
      const next = { ...state.get(name)!, ...s };
      state.set(name, next);
      this.store.updateStep(id, name, { status: next.status, runId: next.run_id, cached: next.cached, reason: next.reason });
      this.events.emit('step.updated', { workflowRunId: id, step: next });
    };

    let resolveDone!: (r: WorkflowRunRecord) => void;
    const done = new Promise<WorkflowRunRecord>((r) => (resolveDone = r));
    let finished = false;

    const runStep = async (step: StepSpec): Promise<void> => {
      const dir = loaded.projects[step.name]!.project.dir;
      try {
        const parameters: Record<string, string> = {};
        for (const p of step.parameters) parameters[p.name] = renderTemplate(p.value, (ref) => this.resolveRef(ref, state, inputs));
        if (!gitInfos.has(dir)) gitInfos.set(dir, gitInfo(dir));
        const prepared = await this.runs.prepare(
          { uri: dir, entryPoint: step.entryPoint, parameters, experimentName, runName: step.name, baseDir: loaded.baseDir },
          gitInfos.get(dir),
        );
        if (!fingerprints.has(dir)) fingerprints.set(dir, projectFingerprint(dir));
        const fp = await fingerprints.get(dir)!;
        const cacheKey = createHash('sha256')
          .update(JSON.stringify([fp.hash, prepared.entryPoint.name, prepared.params, prepared.extra]))
          .digest('hex');
        let reason: string;
        if (opts.noCache) reason = 'Not cached: caching is off for this workflow run (--no-cache).';
        else if (forced.has(step.name)) reason = `Not cached: a re-run was asked for from step ${opts.fromSteps!.map((s) => `'${s}'`).join(', ')} on.`;
        else if (!step.cache) reason = 'Not cached: caching is off for this step (cache: false).';
        else {
          const hit = this.store.findCachedRun(cacheKey);
          if (hit) {
            setStep(step.name, {
              status: 'CACHED',
              run_id: hit,
              cached: true,
              reason: `Reused run ${hit}: it FINISHED with the same project content (${fp.description}), entry point '${prepared.entryPoint.name}' and parameters.`,
            });
            return;
          }
          reason = `Not cached: no earlier FINISHED run has this project content (${fp.description}), entry point '${prepared.entryPoint.name}' and parameters.`;
        }
        if (active.cancelled) {
          setStep(step.name, { status: 'SKIPPED', reason: 'The workflow run was cancelled before this step started.' });
          return;
        }
        const runId = await this.runs.start(prepared, {
          workflowRunId: id,
          stepName: step.name,
          cacheKey,
          inputs: lineage(step, state),
          tags: {
            'baton.workflow.name': spec.name,
            'baton.workflow.step': step.name,
            'baton.workflow_run_id': id,
            'baton.cache': reason,
          },
        });
        active.running.set(step.name, runId);
        setStep(step.name, { status: 'RUNNING', run_id: runId, reason });
        if (active.cancelled) await this.runs.cancel(runId);
        const status = await this.runs.waitFor(runId);
        const run = this.store.getRun(runId);
        const outcome =
          status === 'FINISHED'
            ? reason
            : status === 'KILLED'
              ? 'The step was cancelled.'
              : run?.tags['baton.launch_error']
                ? `The step could not be launched: ${run.tags['baton.launch_error']}`
                : `The step failed with exit code ${run?.exit_code ?? 'unknown'}.`;
        setStep(step.name, { status: status === 'SCHEDULED' ? 'FAILED' : status, run_id: runId, reason: outcome });
      } catch (e) {
        const err = toAppError(e);
        setStep(step.name, { status: 'FAILED', reason: `[${err.code}] ${err.message}` });
      } finally {
        active.running.delete(step.name);
      }
    };

    // For a skipped step, the failed step that caused it (not just the skipped step before it).
    const rootCause = new Map<string, string>();
    // A cancel asked for by another process (`baton workflow cancel`, another window) counts as soon
    // as this process notices it: before the poll fires, a step ending KILLED makes pump look.
    const externalCancel = (): boolean => {
      if (!active.cancelled && this.store.workflowCancelRequested(id)) void active.cancel();
      return active.cancelled;
    };
    const pump = (): void => {
      if (finished) return;
      externalCancel();
      for (const name of order) {
        const st = state.get(name)!;
        if (st.status !== 'PENDING') continue;
        if (active.cancelled) {
          setStep(name, { status: 'SKIPPED', reason: 'The workflow run was cancelled before this step started.' });
          continue;
        }
        const blocker = (deps.get(name) ?? []).find((d) => DONE_BAD.includes(state.get(d)!.status));
        if (blocker) {
          const root = rootCause.get(blocker) ?? blocker;
          rootCause.set(name, root);
          const how = state.get(root)!.status === 'KILLED' ? 'was killed' : state.get(root)!.status === 'SKIPPED' ? 'was skipped' : 'failed';
          const via = root === blocker ? '' : ` (via '${blocker}')`;
          setStep(name, { status: 'SKIPPED', reason: `Skipped because step '${root}' ${how}${via}.` });
          continue;
        }
        const ready = (deps.get(name) ?? []).every((d) => DONE_OK.includes(state.get(d)!.status));
        if (!ready || active.running.size >= maxParallel) continue;
        active.running.set(name, null);
        setStep(name, { status: 'RUNNING' });
        void runStep(byName.get(name)!).then(pump);
      }
      if (!finished && active.running.size === 0 && [...state.values()].every((s) => s.status !== 'PENDING' && s.status !== 'RUNNING')) {
        finished = true;
        clearInterval(poll);
        const statuses = [...state.values()].map((s) => s.status);
        const status: WorkflowRunStatus = active.cancelled
          ? 'KILLED'
          : statuses.every((s) => DONE_OK.includes(s))
            ? 'FINISHED'
            : 'FAILED';
        this.store.finishWorkflowRun(id, status, Date.now());
        this.active.delete(id);
        this.events.emit('workflowRun.updated', { workflowRunId: id, status });
        resolveDone(this.store.getWorkflowRun(id)!);
      }
    };

    // Another process (e.g. `baton runs cancel`, the desktop app) may ask this run to stop.
    const poll = setInterval(externalCancel, 250);
    poll.unref();

    queueMicrotask(pump);
    return Promise.resolve({ workflowRunId: id, wait: () => done, cancel: () => active.cancel() });
  }

  private resolveRef(ref: Reference, state: Map<string, StepRunRecord>, inputs: Record<string, string>): string {
    if (ref.kind === 'input') {
      const v = inputs[ref.input];
      if (v === undefined) throw new AppError('PARAM_MISSING', `Workflow input '${ref.input}' has no value.`);
      return v;
    }
    const runId = state.get(ref.step)?.run_id;
    if (!runId) throw new AppError('INTERNAL', `Step '${ref.step}' has no run to read '${ref.attribute}' from.`);
    return readAttribute(this.store.requireRun(runId), ref);
  }
}

/** Reads a run attribute as a parameter value. */
export function readAttribute(run: RunRecord, ref: Extract<Reference, { kind: 'step' }>): string {
  const expr = `steps.${ref.step}.${ref.attribute}${ref.key === null ? '' : `.${ref.key}`}`;
  switch (ref.attribute) {
    case 'run_id':
      return run.run_id;
    case 'status':
      return run.status;
    case 'experiment_id':
      return run.experiment_id;
    case 'artifact_uri':
      return run.artifact_uri;
    case 'artifact_dir':
      return run.artifact_dir;
    case 'params':
    case 'metrics':
    case 'tags': {
      const v = run[ref.attribute][ref.key];
      if (v === undefined) {
        const known = Object.keys(run[ref.attribute]);
        throw new AppError(
          'PARAM_INVALID',
          `\${{ ${expr} }}: run ${run.run_id} of step '${ref.step}' has no ${ref.attribute.slice(0, -1)} '${ref.key}' (it has: ${known.length ? known.join(', ') : 'none'}).`,
        );
      }
      return String(v);
    }
  }
}

function lineage(step: StepSpec, state: Map<string, StepRunRecord>): RunInputLink[] {
  const out: RunInputLink[] = [];
  for (const r of referencesOf(step)) {
    if (r.ref.kind !== 'step') continue;
    const src = state.get(r.ref.step)?.run_id;
    if (src) out.push({ param: r.parameter, sourceRunId: src, attribute: r.ref.key === null ? r.ref.attribute : `${r.ref.attribute}.${r.ref.key}` });
  }
  return out;
}

/** Merges given input values with defaults, checking names, required inputs and types. */
export function resolveInputs(spec: WorkflowSpec, given: Record<string, string>, cwd: string, partial = false): Record<string, string> {
  const known = new Map<string, InputSpec>(spec.inputs.map((i) => [i.name, i]));
  const problems: string[] = [];
  for (const k of Object.keys(given)) {
    if (!known.has(k)) {
      problems.push(`'${k}' is not an input of workflow '${spec.name}' (inputs: ${spec.inputs.map((i) => i.name).join(', ') || 'none'})`);
    }
  }
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const input of spec.inputs) {
    let v = given[input.name];
    if (v !== undefined && input.type === 'path' && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(v)) v = path.resolve(cwd, v);
    // A partial resolution (resume) only checks what was given; the parent's values fill the rest.
    if (!partial) v ??= input.default ?? undefined;
    if (v === undefined) {
      if (!partial) missing.push(input.name);
      continue;
    }
    const bad = checkInputValue(input, v);
    if (bad) problems.push(bad);
    out[input.name] = v;
  }
  if (missing.length) problems.unshift(`No value given for missing workflow inputs: ${missing.map((m) => `'${m}'`).join(', ')}`);
  if (problems.length) {
    // Every problem at once; the code says what kind the first one is.
    throw new AppError(missing.length ? 'PARAM_MISSING' : 'PARAM_INVALID', problems.join('; '));
  }
  return out;
}

function stripUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
