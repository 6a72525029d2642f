/**
 * The ui slice: start-up, toasts, dialogs (native when the host has them, else the in-app
 * browser), and the file commands (new, open, save) that move the document in and out of the
 * graph slice. Saving writes the engine's own format (workflowToYaml) so the CLI runs exactly
 * what the canvas shows.
 */
import type { ApiResult } from '../../../common/api/contract.js';
import type { AppErrorShape } from '../../../common/errors.js';
import { validateWorkflowSpec } from '../../../common/workflow/validate.js';
import { graphToLayout, rebaseProjects, workflowToGraph } from '../graph/convert.js';
import { basename, dirname, isAbsolutePath, joinPath, relativePath, resolvePath } from '../lib/paths.js';
import { EMPTY_META } from './graph-slice.js';
import { isDirty, workflowDir } from './selectors.js';
import { currentYaml } from './yaml.js';
import type { BrowserMode, SliceCreator, UiActions, UiState } from './types.js';

let toastCounter = 0;

function slug(name: string): string {
  return name.trim().replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'workflow';
}

export const createUiSlice: SliceCreator<UiState & UiActions> = (set, get, api, env) => {
  const errorToast = <T>(r: ApiResult<T>): r is { ok: false; error: AppErrorShape } => {
    if (r.ok) return false;
    get().toast('error', r.error.message, r.error.code);
    return true;
  };

  const browse = (mode: BrowserMode, title: string, startPath: string | null, fileName?: string): Promise<string | null> =>
    new Promise((resolve) => {
      get().setBrowser({
        mode,
        title,
        startPath,
        ...(fileName !== undefined ? { fileName } : {}),
        onChoose: (path) => {
          get().setBrowser(null);
          resolve(path);
        },
        onCancel: () => {
          get().setBrowser(null);
          resolve(null);
        },
      });
    });

  return {
    appInfo: null,
    ready: false,
    firstRun: false,
    toasts: [],
    paletteOpen: false,
    fitRequest: 0,
    browser: null,
    logPanelOpen: true,
    addedOutputs: {},
    runInputs: {},

    async init() {
      const info = await api.call('app.info', {});
      if (errorToast(info)) {
        set({ ready: true });
        return;
      }
      set({ appInfo: info.value });
      // Whether there is any history (for the first-run screen) is asked alongside the last workflow.
      const history = api.call('workflowRuns.list', { limit: 1 });
      if (info.value.lastWorkflow) await get().openWorkflow(info.value.lastWorkflow, { force: true });
      const h = await history;
      set({ firstRun: !get().file && !(h.ok && h.value.length > 0), ready: true });
    },

    toast(kind, message, code) {
      const t = { id: ++toastCounter, kind, message, ...(code ? { code } : {}) };
      set((s) => ({ toasts: [...s.toasts.slice(-4), t] }));
    },

    dismissToast(id) {
      set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
    },

    setPaletteOpen(open) {
      set({ paletteOpen: open });
    },

    requestFit() {
      set((s) => ({ fitRequest: s.fitRequest + 1 }));
    },

    setBrowser(b) {
      set({ browser: b });
    },

    setLogPanelOpen(open) {
      set({ logPanelOpen: open });
    },

    addOutput(step, attr) {
      set((s) => {
        const list = s.addedOutputs[step] ?? [];
        return list.includes(attr) ? {} : { addedOutputs: { ...s.addedOutputs, [step]: [...list, attr] } };
      });
    },

    setRunInput(name, value) {
      set((s) => ({ runInputs: { ...s.runInputs, [name]: value } }));
    },

    dismissFirstRun() {
      set({ firstRun: false });
    },

    async pickFolder(title) {
      const s = get();
      if (s.appInfo?.nativeDialogs) {
        const r = await api.call('dialogs.openFolder', { title });
        if (!errorToast(r)) return r.value.path;
        return null;
      }
      return browse('folder', title, workflowDir(s) ?? s.projectOrder[s.projectOrder.length - 1] ?? null);
    },

    pickWorkflowFile() {
      const s = get();
      return browse('open', 'Open workflow', workflowDir(s) ?? (s.appInfo?.exampleWorkflow ? dirname(s.appInfo.exampleWorkflow) : null));
    },

    async pickSaveFile(suggested) {
      const s = get();
      if (s.appInfo?.nativeDialogs) {
        const r = await api.call('dialogs.saveFile', { title: 'Save workflow', defaultPath: suggested });
        if (!errorToast(r)) return r.value.path;
        return null;
      }
      // A bare file name (no folder to suggest): the browser starts in the home folder.
      return browse('save', 'Save workflow as', isAbsolutePath(suggested) ? dirname(suggested) : null, basename(suggested));
    },

    newWorkflow() {
      if (!get().confirmDiscard()) return false;
      get().replaceDocument({ meta: EMPTY_META, inputs: [], nodes: [] }, null, false);
      set({ firstRun: false });
      void api.call('app.setLastWorkflow', { file: null });
      return true;
    },

    async openWorkflow(file, opts) {
      if (!opts?.force && !get().confirmDiscard()) return false;
      const r = await api.call('workflows.load', { file });
      if (errorToast(r)) return false;
      // The engine's parse of the text (the same parseWorkflowYaml, no project checks).
      const parsed = r.value.parsed;
      if (!parsed.spec) {
        const first = parsed.problems[0];
        get().toast('error', `${r.value.file} cannot be shown as a graph: ${first ? `line ${first.line ?? '?'}: ${first.message}` : 'it is not a workflow file'}`, first?.code);
        return false;
      }
      const graph = workflowToGraph(parsed.spec, r.value.layout);
      get().replaceDocument(graph, r.value.file, !graph.placedFromLayout);
      set({ firstRun: false });
      // Problems the canvas cannot show (an unknown key, a list where a value belongs) would be
      // dropped by the next save: say so now. The rest is re-checked and listed per step.
      const semantic = parsed.problems.length
        ? new Set(validateWorkflowSpec(parsed.spec).map((p) => p.message))
        : new Set<string>();
      const shape = parsed.problems.filter((p) => !semantic.has(p.message));
      const first = shape[0];
      if (first) {
        get().toast(
          'error',
          `${basename(r.value.file)} line ${first.line ?? '?'}: ${first.message}${shape.length > 1 ? ` (and ${shape.length - 1} more)` : ''}. Saving rewrites the file without what the editor cannot represent.`,
          first.code,
        );
      }
      void api.call('app.setLastWorkflow', { file: r.value.file });
      await get().showLatestRunOf(r.value.file);
      return true;
    },

    async openWorkflowDialog() {
      if (!get().confirmDiscard()) return false;
      const file = await get().pickWorkflowFile();
      if (!file) return false;
      return get().openWorkflow(file, { force: true });
    },

    async openProjectDialog() {
      const dir = await get().pickFolder('Open an MLflow project folder');
      if (!dir) return;
      const p = await get().openProject(dir);
      const entry = get().projects[dir];
      if (!p && entry?.status === 'error') get().toast('error', entry.error ?? `Cannot open ${dir}`);
      // A project is open: the welcome card has done its job and must not cover the canvas.
      if (p) set({ firstRun: false });
    },

    async openExample() {
      const info = get().appInfo;
      if (!info?.exampleWorkflow) {
        get().toast('error', 'The example workflow is not installed with this copy of Baton.');
        return;
      }
      // Asked first: a No leaves the document and the project panel as they were.
      if (!get().confirmDiscard()) return;
      if (info.exampleProject) void get().openProject(info.exampleProject);
      await get().openWorkflow(info.exampleWorkflow, { force: true });
    },

    async saveWorkflow(opts) {
      const s = get();
      let file = s.file;
      if (!file || opts?.saveAs) {
        // Next to the workflow, else next to its first project — but never into the bundled example's
        // folder (part of the installation): there the browser starts in the home folder.
        const firstProject = s.projectOrder[0];
        const example = s.appInfo?.exampleProject ?? null;
        const base = workflowDir(s) ?? (firstProject && firstProject !== example ? dirname(firstProject) : null);
        const suggested = s.file ?? (base ? joinPath(base, `${slug(s.meta.name)}.yaml`) : `${slug(s.meta.name)}.yaml`);
        const picked = await get().pickSaveFile(suggested);
        if (!picked) return false;
        file = /\.ya?ml$/i.test(picked) ? picked : `${picked}.yaml`;
        if (s.meta.name === EMPTY_META.name) {
          // An untitled workflow takes its name from the file it is first saved as.
          const name = basename(file).replace(/\.ya?ml$/i, '');
          if (name) set({ meta: { ...s.meta, name } });
        }
        const oldDir = workflowDir(s);
        const newDir = dirname(file);
        if (oldDir !== newDir) {
          // Projects are written relative to the workflow file: rewrite them for the new folder.
          const nodes = rebaseProjects(
            get().nodes,
            (p) => (isAbsolutePath(p) || !oldDir ? p : resolvePath(oldDir, p)),
            (abs) => (isAbsolutePath(abs) ? relativePath(newDir, abs) : abs),
          );
          set({ nodes, file });
          get().clearHistory(); // older snapshots hold paths relative to the old folder
        }
      }
      const cur = get();
      const version = cur.docVersion;
      const yaml = await currentYaml(cur);
      const r = await api.call('workflows.save', { file, yaml, layout: graphToLayout(cur.nodes) });
      if (errorToast(r)) return false;
      set({ file: r.value.file, savedVersion: version, firstRun: false });
      void api.call('app.setLastWorkflow', { file: r.value.file });
      get().toast('success', `Saved ${basename(r.value.file)}`);
      return true;
    },

    confirmDiscard() {
      const s = get();
      if (!isDirty(s) || !s.nodes.length) return true;
      return env.confirm(`"${s.meta.name}" has unsaved changes. Discard them?`);
    },
  };
};
