/**
 * Every side effect of the store in one place: engine events into the runs and logs slices,
 * validation of the document (debounced) through `workflows.validate`, opening the projects the
 * steps name, and which run's output the log panel follows. Setters stay pure; this wires them up.
 * Returns a function that undoes all of it (a closed window, the end of a test).
 */
import type { Api } from '../../../common/api/contract.js';
import { stepNodes } from '../graph/types.js';
import { joinPath } from '../lib/paths.js';
import type { AppStore } from './create-store.js';
import { referencedProjectDirs, sameStepData, selectedStepName } from './selectors.js';
import { currentYaml } from './yaml.js';
import type { AppState } from './types.js';

export interface EffectsOptions {
  /** Quiet time after the last edit before the document is validated. */
  validateDelayMs?: number;
}

/**
 * Runs `f` when the page is idle (requestIdleCallback, at most `timeoutMs` later), or at once where
 * there is no such thing (Node, in tests). Returns a cancel function.
 */
function whenIdle(f: () => void, timeoutMs: number): () => void {
  const g = globalThis as { requestIdleCallback?: (cb: () => void, o: { timeout: number }) => number; cancelIdleCallback?: (h: number) => void };
  if (!g.requestIdleCallback || !g.cancelIdleCallback) {
    f();
    return () => {};
  }
  const h = g.requestIdleCallback(f, { timeout: timeoutMs });
  return () => g.cancelIdleCallback?.(h);
}

const TERMINAL = new Set(['FINISHED', 'FAILED', 'KILLED', 'SKIPPED', 'CACHED']);

export function startEffects(store: AppStore, api: Api, opts: EffectsOptions = {}): () => void {
  const delay = opts.validateDelayMs ?? 300;
  const offs: (() => void)[] = [];
  const get = (): AppState => store.getState();
  const activeRun = (): string | null => get().workflowRun?.workflow_run_id ?? null;

  // Engine events ------------------------------------------------------------------------------
  offs.push(
    api.on('step.updated', (p) => {
      if (p.workflowRunId !== activeRun()) return;
      get().applyStepUpdate(p);
      if (p.step.run_id && (p.step.status === 'RUNNING' || TERMINAL.has(p.step.status))) void get().fetchRunDetails(p.step.run_id);
    }),
    api.on('run.updated', (p) => {
      if (p.workflowRunId === null || p.workflowRunId !== activeRun()) return;
      get().applyRunUpdate(p);
      if (p.status !== 'SCHEDULED') void get().fetchRunDetails(p.runId);
    }),
    api.on('workflowRun.updated', (p) => {
      if (p.workflowRunId !== activeRun()) return;
      get().applyWorkflowRunUpdate(p);
      if (p.status !== 'RUNNING') {
        // The final word: every step's status, then metrics/params/tags for the output handles.
        void api.call('workflowRuns.get', { workflowRunId: p.workflowRunId }).then((r) => {
          if (r.ok) get().applyWorkflowRunSnapshot(r.value);
          return get().refreshRunDetails();
        });
      }
    }),
    api.on('run.logAppended', (p) => {
      if (p.runId === get().log.runId) void get().fetchNewerLog();
    }),
  );

  // Validation ---------------------------------------------------------------------------------
  // Only an edit of what the file says schedules it: a drag, React Flow's measurements and
  // selection make new nodes arrays with the same step data (sameStepData), and serialising a
  // big workflow to YAML takes 50–200 ms. `docSeq` counts those edits, so an answer that arrives
  // after another edit is dropped without serialising the document again to find out.
  let timer: ReturnType<typeof setTimeout> | null = null;
  let cancelIdle: (() => void) | null = null;
  let docSeq = 0;
  let requested: string | null = null;
  const validate = async (): Promise<void> => {
    cancelIdle = null;
    const s = get();
    if (!stepNodes(s.nodes).length) {
      if (s.validation) s.setValidation(null);
      return;
    }
    const seq = docSeq;
    const yaml = await currentYaml(s);
    if (s.validation?.yaml === yaml || requested === yaml) return;
    requested = yaml;
    // An unsaved workflow has absolute project paths, so any file name resolves them.
    const file = s.file ?? joinPath(s.appInfo?.home ?? '/', 'untitled.yaml');
    const r = await api.call('workflows.validate', { file, yaml });
    if (requested === yaml) requested = null;
    if (!r.ok || seq !== docSeq) return;
    get().setValidation({ yaml, problems: r.value.problems });
  };
  const scheduleValidation = (): void => {
    docSeq++;
    if (timer) clearTimeout(timer);
    cancelIdle?.();
    cancelIdle = null;
    timer = setTimeout(() => {
      timer = null;
      // Then when the page is idle (a document just opened is still being drawn), within a second.
      cancelIdle = whenIdle(() => void validate(), 1000);
    }, delay);
  };
  const documentChanged = (s: AppState, prev: AppState): boolean =>
    s.inputs !== prev.inputs || s.meta !== prev.meta || s.file !== prev.file || !sameStepData(s.nodes, prev.nodes);
  offs.push(
    store.subscribe((s, prev) => {
      if (s.nodes === prev.nodes && s.inputs === prev.inputs && s.meta === prev.meta && s.file === prev.file) return;
      if (documentChanged(s, prev)) {
        scheduleValidation();
        openReferencedProjects(s);
      }
    }),
  );

  // Projects named by steps are opened so nodes know their parameters -----------------------------
  // (run for edits of step data only, and per distinct project, not per step).
  function openReferencedProjects(s: AppState): void {
    for (const dir of referencedProjectDirs(s)) if (!s.projects[dir]) void s.openProject(dir);
  }

  // The log panel follows the selected step, or the step that started last ------------------------
  const followLog = (s: AppState, prev: AppState): void => {
    const selected = selectedStepName(s);
    let step = selected ?? s.logStep;
    if (!selected && s.stepRuns !== prev.stepRuns) {
      // Nothing selected: follow a step that just started running.
      const started = Object.entries(s.stepRuns).find(([name, v]) => v.status === 'RUNNING' && prev.stepRuns[name]?.status !== 'RUNNING');
      if (started && (!s.logStep || s.stepRuns[s.logStep]?.status !== 'RUNNING')) step = started[0];
    }
    if (!step) return;
    const runId = s.stepRuns[step]?.runId ?? null;
    if (step !== s.logStep || runId !== s.log.runId) void s.showLog(step, runId);
  };
  offs.push(
    store.subscribe((s, prev) => {
      if (s.selection !== prev.selection || s.stepRuns !== prev.stepRuns) followLog(s, prev);
    }),
  );

  openReferencedProjects(get());
  scheduleValidation();

  return () => {
    if (timer) clearTimeout(timer);
    cancelIdle?.();
    for (const off of offs) off();
  };
}
