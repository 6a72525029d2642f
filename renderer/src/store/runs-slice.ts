/**
 * The runs slice: the workflow run shown on the canvas and what each step's run did (status,
 * times, metrics, params, tags). Engine events are applied by the reducers here; effects.ts
 * subscribes to the events and decides when to fetch details.
 */
import type { RunDto, WorkflowRunDto } from '../../../common/api/schemas.js';
import type { StepRunRecord, StepStatus } from '../../../common/types.js';
import { stepNodes } from '../graph/types.js';
import { isDirty } from './selectors.js';
import { currentYaml } from './yaml.js';
import type { AppState, KnownKeys, RunsActions, RunsState, SliceCreator, StepRunView } from './types.js';

const RANK: Record<StepStatus, number> = { PENDING: 0, RUNNING: 1, FINISHED: 2, FAILED: 2, KILLED: 2, SKIPPED: 2, CACHED: 2 };

export function emptyStepRun(status: StepStatus = 'PENDING'): StepRunView {
  return { status, runId: null, cached: false, reason: null, startTime: null, endTime: null, metrics: {}, params: {}, tags: {} };
}

/**
 * Merges a step record into its view. Within one workflow run a step only moves forward
 * (queued → running → done), so a stale snapshot never undoes a newer event.
 */
export function mergeStepRecord(view: StepRunView | undefined, rec: StepRunRecord): StepRunView {
  const cur = view ?? emptyStepRun();
  if (view && RANK[rec.status] < RANK[cur.status] && (rec.run_id === null || rec.run_id === cur.runId)) return cur;
  const sameRun = rec.run_id !== null && rec.run_id === cur.runId;
  const base = sameRun || rec.run_id === null ? cur : { ...emptyStepRun(), runId: rec.run_id };
  if (base.status === rec.status && base.runId === (rec.run_id ?? base.runId) && base.cached === rec.cached && base.reason === rec.reason) return base;
  return { ...base, status: rec.status, runId: rec.run_id ?? base.runId, cached: rec.cached, reason: rec.reason };
}

function union(a: readonly string[], b: readonly string[]): string[] {
  const extra = b.filter((k) => !a.includes(k));
  return extra.length ? [...a, ...extra] : (a as string[]);
}

function placeholderRun(id: string, s: AppState, steps: string[]): WorkflowRunDto {
  return {
    workflow_run_id: id,
    workflow_name: s.meta.name,
    workflow_file: s.file ?? '',
    status: 'RUNNING',
    start_time: Date.now(),
    end_time: null,
    inputs: {},
    parent_workflow_run_id: null,
    steps: Object.fromEntries(steps.map((n) => [n, { step_name: n, status: 'PENDING' as const, run_id: null, cached: false, reason: null }])),
  };
}

export const createRunsSlice: SliceCreator<RunsState & RunsActions> = (set, get, api, env) => {
  const fail = (message: string, code?: string): null => {
    get().toast('error', message, code);
    return null;
  };

  /** Shows a workflow run that was just started: every step queued, then the engine's snapshot. */
  const begin = async (workflowRunId: string, steps: string[], ranYaml: string | null): Promise<void> => {
    const s = get();
    const stepRuns: Record<string, StepRunView> = {};
    for (const name of steps) stepRuns[name] = emptyStepRun('PENDING');
    set({ workflowRun: placeholderRun(workflowRunId, s, steps), stepRuns, ranYaml });
    const r = await api.call('workflowRuns.get', { workflowRunId });
    if (!r.ok || get().workflowRun?.workflow_run_id !== workflowRunId) return;
    get().applyWorkflowRunSnapshot(r.value);
  };

  const runInputs = (s: AppState): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const i of s.inputs) {
      const v = s.runInputs[i.name];
      if (v !== undefined && v !== '') out[i.name] = v;
    }
    return out;
  };

  return {
    workflowRun: null,
    stepRuns: {},
    knownKeys: {},
    runStarting: false,
    ranYaml: null,

    async startRun(fromStep?: string) {
      const s = get();
      if (s.runStarting) return null;
      if (s.workflowRun?.status === 'RUNNING') return fail('A run is in progress: wait for it to end or cancel it.');
      if (!stepNodes(s.nodes).length) return fail('Add a step to the canvas first: drag an entry point from the project panel.');
      const missing = s.inputs.filter((i) => i.default === null && !(s.runInputs[i.name] ?? '').trim()).map((i) => i.name);
      if (missing.length) return fail(`Give a value for the required input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (workflow settings, right panel).`);
      set({ runStarting: true });
      try {
        if (isDirty(s) || !s.file) {
          if (!(await get().saveWorkflow())) return null;
        }
        const cur = get();
        const file = cur.file;
        if (!file) return null;
        // "From this step on" runs the document as it is now; the steps before it reuse the last run.
        const parent = fromStep && cur.workflowRun && cur.workflowRun.status !== 'RUNNING' ? cur.workflowRun.workflow_run_id : undefined;
        const r = await api.call('workflows.run', {
          file,
          inputs: runInputs(cur),
          ...(fromStep ? { fromSteps: [fromStep], ...(parent ? { parent } : {}) } : {}),
        });
        if (!r.ok) return fail(r.error.message, r.error.code);
        await begin(r.value.workflowRunId, stepNodes(cur.nodes).map((n) => n.id), await currentYaml(cur));
        return r.value.workflowRunId;
      } finally {
        set({ runStarting: false });
      }
    },

    async cancelRun() {
      const wr = get().workflowRun;
      if (!wr || wr.status !== 'RUNNING') return;
      const r = await api.call('workflowRuns.cancel', { workflowRunId: wr.workflow_run_id });
      if (!r.ok) fail(r.error.message, r.error.code);
    },

    async rerunLast() {
      const wr = get().workflowRun;
      if (!wr) return fail('There is no earlier run of this workflow to run again: press Run.');
      if (wr.status === 'RUNNING') return fail('The last run is still running.');
      return resume(wr, Object.keys(wr.steps));
    },

    async resumeFailed() {
      const wr = get().workflowRun;
      if (!wr) return fail('There is no earlier run to resume: press Run.');
      if (wr.status === 'RUNNING') return fail('The last run is still running.');
      if (wr.status === 'FINISHED') return fail('Nothing failed in the last run: every step finished.');
      return resume(wr, undefined);
    },

    async runFromStep(step) {
      const wr = get().workflowRun;
      if (wr?.status === 'RUNNING') return fail('The last run is still running.');
      return get().startRun(step);
    },

    async showWorkflowRun(workflowRunId) {
      const r = await api.call('workflowRuns.get', { workflowRunId });
      if (!r.ok) {
        fail(r.error.message, r.error.code);
        return;
      }
      set({ workflowRun: r.value, stepRuns: {}, ranYaml: null });
      get().applyWorkflowRunSnapshot(r.value);
      await get().refreshRunDetails();
    },

    async showLatestRunOf(file) {
      const r = await api.call('workflowRuns.list', { limit: 200 });
      if (!r.ok || get().file !== file) return;
      const latest = r.value.find((w) => w.workflow_file === file);
      if (latest) await get().showWorkflowRun(latest.workflow_run_id);
    },

    async fetchRunDetails(runId) {
      const r = await api.call('runs.get', { runId });
      if (r.ok) get().applyRunDetails(r.value);
    },

    async refreshRunDetails() {
      const wr = get().workflowRun;
      if (!wr) return;
      const r = await api.call('runs.list', { workflowRunId: wr.workflow_run_id, limit: 1000 });
      const seen = new Set<string>();
      if (r.ok) {
        for (const run of r.value) {
          seen.add(run.run_id);
          get().applyRunDetails(run);
        }
      }
      // Cached steps point at runs of earlier workflow runs.
      const others = Object.values(get().stepRuns)
        .map((v) => v.runId)
        .filter((id): id is string => id !== null && !seen.has(id));
      await Promise.all(others.map((id) => get().fetchRunDetails(id)));
    },

    applyWorkflowRunSnapshot(wr) {
      const s = get();
      if (s.workflowRun?.workflow_run_id !== wr.workflow_run_id) return;
      const stepRuns = { ...s.stepRuns };
      for (const rec of Object.values(wr.steps)) stepRuns[rec.step_name] = mergeStepRecord(stepRuns[rec.step_name], rec);
      const status = s.workflowRun.status !== 'RUNNING' && wr.status === 'RUNNING' ? s.workflowRun.status : wr.status;
      set({ workflowRun: { ...wr, status }, stepRuns });
    },

    applyStepUpdate(p) {
      const s = get();
      if (s.workflowRun?.workflow_run_id !== p.workflowRunId) return;
      const prev = s.stepRuns[p.step.step_name];
      let next = mergeStepRecord(prev, p.step);
      if (next.status === 'RUNNING' && next.startTime === null) next = { ...next, startTime: env.now() };
      if (next !== prev) set({ stepRuns: { ...s.stepRuns, [p.step.step_name]: next } });
    },

    applyRunUpdate(p) {
      const s = get();
      if (!p.stepName || s.workflowRun?.workflow_run_id !== p.workflowRunId) return;
      const prev = s.stepRuns[p.stepName] ?? emptyStepRun();
      if (prev.runId === p.runId || prev.runId === null) {
        const startTime = prev.startTime ?? (p.status === 'RUNNING' ? env.now() : null);
        if (prev.runId !== p.runId || prev.startTime !== startTime) {
          set({ stepRuns: { ...s.stepRuns, [p.stepName]: { ...prev, runId: p.runId, startTime } } });
        }
      }
    },

    applyWorkflowRunUpdate(p) {
      const s = get();
      const wr = s.workflowRun;
      if (!wr || wr.workflow_run_id !== p.workflowRunId || wr.status === p.status) return;
      set({ workflowRun: { ...wr, status: p.status, end_time: p.status === 'RUNNING' ? null : (wr.end_time ?? env.now()) } });
    },

    applyRunDetails(run: RunDto) {
      const s = get();
      const name = Object.entries(s.stepRuns).find(([, v]) => v.runId === run.run_id)?.[0] ?? (run.workflow_run_id === s.workflowRun?.workflow_run_id ? run.step_name : null);
      if (!name) return;
      const prev = s.stepRuns[name] ?? emptyStepRun();
      const view: StepRunView = {
        ...prev,
        runId: run.run_id,
        startTime: run.start_time ?? prev.startTime,
        endTime: run.end_time,
        metrics: run.metrics,
        params: run.params,
        tags: run.tags,
      };
      const known: KnownKeys = s.knownKeys[name] ?? { metrics: [], params: [], tags: [] };
      const nextKnown: KnownKeys = {
        metrics: union(known.metrics, Object.keys(run.metrics)),
        params: union(known.params, Object.keys(run.params)),
        tags: union(known.tags, Object.keys(run.tags).filter((t) => !t.startsWith('mlflow.') && !t.startsWith('baton.'))),
      };
      const changedKnown = nextKnown.metrics !== known.metrics || nextKnown.params !== known.params || nextKnown.tags !== known.tags;
      set({
        stepRuns: { ...s.stepRuns, [name]: view },
        ...(changedKnown ? { knownKeys: { ...s.knownKeys, [name]: nextKnown } } : {}),
      });
    },

    clearRuns() {
      set({ workflowRun: null, stepRuns: {}, knownKeys: {}, ranYaml: null });
    },

    async resync() {
      const wr = get().workflowRun;
      if (wr) {
        const r = await api.call('workflowRuns.get', { workflowRunId: wr.workflow_run_id });
        if (r.ok && get().workflowRun?.workflow_run_id === wr.workflow_run_id) {
          // The engine's word is final here: take its statuses as they are.
          set({ workflowRun: r.value });
          get().applyWorkflowRunSnapshot(r.value);
          await get().refreshRunDetails();
        }
      }
      if (get().log.runId) await get().fetchNewerLog();
    },
  };

  async function resume(wr: WorkflowRunDto, fromSteps: string[] | undefined): Promise<string | null> {
    const s = get();
    if (s.runStarting) return null;
    set({ runStarting: true });
    try {
      const r = await api.call('workflows.resume', fromSteps ? { workflowRunId: wr.workflow_run_id, fromSteps } : { workflowRunId: wr.workflow_run_id });
      if (!r.ok) return fail(r.error.message, r.error.code);
      const cur = get();
      const ran = cur.ranYaml;
      if ((ran !== null && ran !== (await currentYaml(cur))) || isDirty(cur)) {
        cur.toast('info', 'Re-ran the workflow as it was when it last ran. To run your edits, save and press Run.');
      }
      await begin(r.value.workflowRunId, Object.keys(wr.steps), ran);
      return r.value.workflowRunId;
    } finally {
      set({ runStarting: false });
    }
  }
};
