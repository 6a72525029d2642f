import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventName, EventPayload, Handlers, MethodName, ApiResult, MethodOutput } from '../../common/api/contract.js';
import { ENGINE_EVENT_NAMES, METHODS, isMethodName, parseInput } from '../../common/api/contract.js';
import type { Layout, MetricPointDto, ProjectDto, RunDto, RunRowDto } from '../../common/api/schemas.js';
import { LayoutSchema } from '../../common/api/schemas.js';
import { AppError, toAppError } from '../../common/errors.js';
import type { Problem } from '../../common/errors.js';
import type { Metric, RunRecord } from '../../common/types.js';
import { listArtifacts, previewArtifact } from '../engine/history/artifacts.js';
import { searchLog } from '../engine/history/log-search.js';
import type { RunRow } from '../engine/history/views.js';
import { runDetail, runRows, workflowDiff, workflowSnapshot } from '../engine/history/views.js';
import type { Engine } from '../engine/engine.js';
import { findMlprojectFile, loadProject, resolveEntryPoint } from '../engine/projects/index.js';
import { checkWorkflowShape, parseWorkflowShape } from '../../common/workflow/serialize.js';
import type { WorkflowShape } from '../../common/workflow/serialize.js';
import { loadWorkflowShape } from '../engine/workflow/load.js';

export interface HostCapabilities {
  /**
   * A read-only folder with the bundled examples (the packaged desktop app's `resources/examples`).
   * `app.info` copies it into the data folder the first time and offers the copy: the example is
   * run there, and its workflow and layout are saved next to it. Absent: the examples of the
   * checkout (`<root>/examples`) are offered as they are.
   */
  examples?: string;
  /** Opens a folder in the platform's file manager (Electron); absent in the web host. */
  openPath?(folder: string): Promise<void>;
  /** Native dialogs (Electron); absent in the web host. */
  dialogs?: {
    openFolder(title?: string): Promise<string | null>;
    saveFile(title?: string, defaultPath?: string): Promise<string | null>;
    openFile(title?: string): Promise<string | null>;
  };
}

/** The repository (or packaged app) root: two folders up from main/api (source) or out/main/api (built). */
function appRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

/**
 * The bundled examples copied into `home/examples` the first time (into a temporary folder, then
 * renamed, so a copy cut short is never taken for one); later calls keep what is there, with the
 * person's edits. Null when there is neither a copy nor a source, or the copy failed.
 */
export function copiedExamples(source: string, home: string): string | null {
  const dest = path.join(home, 'examples');
  if (fs.existsSync(dest)) return dest;
  if (!fs.existsSync(source)) return null;
  const tmp = `${dest}.partial`;
  const removeTmp = (): void => {
    try {
      fs.rmSync(tmp, { recursive: true, force: true });
    } catch {
      // Nothing there that could be removed (its parent is not a folder): nothing was copied either.
    }
  };
  try {
    removeTmp();
    fs.cpSync(source, tmp, { recursive: true });
    fs.renameSync(tmp, dest);
  } catch {
    // The data folder cannot take it (full, read-only): no example is offered; app.info still answers.
    removeTmp();
  }
  return fs.existsSync(dest) ? dest : null;
}

export function layoutFileFor(workflowFile: string): string {
  return `${workflowFile}.layout.json`;
}

/** Writes a file atomically: a temp file in the same folder, fsync, rename. Never half-written. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function metricDto(m: Metric): MetricPointDto {
  return { ...m, value: Number.isFinite(m.value) ? m.value : (String(m.value) as 'NaN' | 'Infinity' | '-Infinity') };
}

function rowDto(r: RunRow): RunRowDto {
  return { ...runDto(r), experiment_name: r.experiment_name, workflow_name: r.workflow_name };
}

/** The local folder of a run's artifacts; a run on a shared MLflow server keeps them there. */
function localArtifactDir(run: RunRecord): string {
  if (!run.artifact_uri.startsWith('file:')) {
    throw new AppError('USAGE', `Run ${run.run_id} keeps its artifacts on the tracking server (${run.artifact_uri}); open them there.`);
  }
  return run.artifact_dir;
}

/** The layout sidecar next to a workflow file, or null when there is none (or it is unreadable). */
function readLayout(workflowFile: string): Layout | null {
  try {
    const parsed = LayoutSchema.safeParse(JSON.parse(fs.readFileSync(layoutFileFor(workflowFile), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function runDto(r: RunRecord): RunDto {
  return {
    ...r,
    metrics: Object.fromEntries(
      Object.entries(r.metrics).map(([k, v]) => [k, Number.isFinite(v) ? v : (String(v) as 'NaN' | 'Infinity' | '-Infinity')]),
    ),
  };
}

function problemsOf(e: unknown): Problem[] {
  const err = toAppError(e);
  const problems = (err.details as { problems?: Problem[] } | undefined)?.problems;
  return problems?.length ? problems : [{ code: err.code, message: err.message }];
}

/** How many workflow parses the handlers keep (see shapeOf). */
const SHAPE_CACHE_ENTRIES = 4;

/**
 * Opens the last workflow once in the background when a host starts, while its window or tab is
 * still loading: the window's own `workflows.load` then finds the parse made and the code warm
 * (~0.4 s less before a 500-step workflow can be drawn). Failures are ignored here; the window's
 * request reports them.
 */
export function prepareLastWorkflow(handlers: Handlers): void {
  setImmediate(() => {
    handlers['app.info']({})
      .then((info) => (info.lastWorkflow ? handlers['workflows.load']({ file: info.lastWorkflow }) : null))
      .catch(() => undefined);
  });
}

/** The engine side of the contract: one function per method. Inputs arrive already validated. */
export function createHandlers(engine: Engine, host: HostCapabilities = {}): Handlers {
  const root = appRoot();
  const settingsFile = path.join(engine.layout.home, 'settings.json');
  const readSettings = (): { lastWorkflow?: string | null } => {
    try {
      return JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as { lastWorkflow?: string | null };
    } catch {
      return {};
    }
  };
  // The last few parses (file and text): opening the same text again, or validating the editor's
  // text while it equals one seen, skips YAML parsing (most of a load: ~110 of ~140 ms at 500
  // steps). Parses are never mutated (checking one builds new problem lists).
  const shapes: { abs: string; text: string; shape: WorkflowShape }[] = [];
  const shapeOf = (abs: string, text: string): WorkflowShape => {
    const i = shapes.findIndex((e) => e.abs === abs && e.text === text);
    const entry = i >= 0 ? shapes.splice(i, 1)[0]! : { abs, text, shape: parseWorkflowShape(text, abs) };
    shapes.unshift(entry);
    shapes.length = Math.min(shapes.length, SHAPE_CACHE_ENTRIES);
    return entry.shape;
  };
  /** Every problem of a workflow's text, project checks included (`parsed`: its parse, if done). */
  const validateText = (file: string, yaml: string, parsed?: WorkflowShape): Problem[] => {
    const abs = path.resolve(file);
    try {
      loadWorkflowShape(parsed ?? shapeOf(abs, yaml), abs, loadProject, resolveEntryPoint);
      return [];
    } catch (e) {
      return problemsOf(e);
    }
  };

  return {
    'app.info': () => {
      const examples = host.examples ? copiedExamples(host.examples, engine.layout.home) : path.join(root, 'examples');
      const example = examples ? path.join(examples, 'multistep') : '';
      const exampleWorkflow = examples ? path.join(examples, 'workflow.yaml') : '';
      const last = readSettings().lastWorkflow ?? null;
      return Promise.resolve({
        version: (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version,
        home: engine.layout.home,
        platform: process.platform,
        exampleProject: example && fs.existsSync(example) ? example : null,
        exampleWorkflow: exampleWorkflow && fs.existsSync(exampleWorkflow) ? exampleWorkflow : null,
        lastWorkflow: last && fs.existsSync(last) ? last : null,
        nativeDialogs: !!host.dialogs,
      });
    },
    'app.setLastWorkflow': ({ file }) => {
      writeFileAtomic(settingsFile, JSON.stringify({ ...readSettings(), lastWorkflow: file ? path.resolve(file) : null }, null, 2));
      return Promise.resolve({});
    },
    'fs.listDir': ({ path: p }) => {
      const dir = path.resolve(p ?? os.homedir());
      let dirents: fs.Dirent[];
      try {
        dirents = fs.readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        throw new AppError('MLPROJECT_NOT_FOUND', `Cannot list ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const entries = dirents
        .filter((d) => !d.name.startsWith('.') && (d.isDirectory() || d.isFile()))
        .sort((a, b) => Number(b.isDirectory()) - Number(a.isDirectory()) || a.name.localeCompare(b.name))
        .slice(0, 2000)
        .map((d) => {
          const full = path.join(dir, d.name);
          let isProject = false;
          if (d.isDirectory()) {
            try {
              isProject = findMlprojectFile(full) !== null;
            } catch {
              isProject = false;
            }
          }
          return { name: d.name, path: full, kind: d.isDirectory() ? ('dir' as const) : ('file' as const), isProject };
        });
      const parent = path.dirname(dir);
      return Promise.resolve({ path: dir, parent: parent === dir ? null : parent, entries });
    },
    'dialogs.openFolder': async ({ title }) => {
      if (!host.dialogs) throw new AppError('USAGE', 'Native dialogs exist only in the desktop app; use the folder browser.');
      return { path: await host.dialogs.openFolder(title) };
    },
    'dialogs.openFile': async ({ title }) => {
      if (!host.dialogs) throw new AppError('USAGE', 'Native dialogs exist only in the desktop app; use the file browser.');
      return { path: await host.dialogs.openFile(title) };
    },
    'dialogs.saveFile': async ({ title, defaultPath }) => {
      if (!host.dialogs) throw new AppError('USAGE', 'Native dialogs exist only in the desktop app; use the folder browser.');
      return { path: await host.dialogs.saveFile(title, defaultPath) };
    },
    'projects.open': ({ path: p }) => {
      const project = loadProject(path.resolve(p));
      const scripts = fs
        .readdirSync(project.dir, { withFileTypes: true })
        .filter((d) => d.isFile() && /\.(py|sh)$/.test(d.name))
        .map((d) => d.name)
        .sort();
      const dto: ProjectDto = { ...project, scripts };
      return Promise.resolve(dto);
    },
    'workflows.load': ({ file }) => {
      const abs = path.resolve(file);
      let yaml: string;
      try {
        yaml = fs.readFileSync(abs, 'utf8');
      } catch {
        throw new AppError('WORKFLOW_NOT_FOUND', `Workflow file ${abs} does not exist or cannot be read.`);
      }
      let layout: Layout | null = null;
      try {
        const parsed = LayoutSchema.safeParse(JSON.parse(fs.readFileSync(layoutFileFor(abs), 'utf8')));
        layout = parsed.success ? parsed.data : null;
      } catch {
        layout = null; // no sidecar (or an unreadable one): the canvas lays the graph out itself
      }
      // One parse, checked twice: with the projects (the file's problems) and without (the editor's
      // view of it, sent along: the engine parses YAML several times faster than a page that has
      // just loaded, and the canvas waits for it).
      const shape = shapeOf(abs, yaml);
      const parsed = checkWorkflowShape(shape);
      return Promise.resolve({
        file: abs,
        yaml,
        layout,
        problems: validateText(abs, yaml, shape),
        parsed: { spec: parsed.spec ?? null, problems: parsed.problems },
      });
    },
    'workflows.validate': ({ file, yaml }) => Promise.resolve({ problems: validateText(file, yaml) }),
    'workflows.save': ({ file, yaml, layout }) => {
      const abs = path.resolve(file);
      if (!fs.existsSync(path.dirname(abs))) throw new AppError('WORKFLOW_NOT_FOUND', `Folder ${path.dirname(abs)} does not exist.`);
      writeFileAtomic(abs, yaml);
      writeFileAtomic(layoutFileFor(abs), `${JSON.stringify(layout, null, 2)}\n`);
      return Promise.resolve({ file: abs });
    },
    'workflows.run': async ({ file, inputs, noCache, maxParallel, fromSteps, parent }) => {
      const exec = await engine.startWorkflow(path.resolve(file), { inputs, noCache, maxParallel, fromSteps, parent });
      return { workflowRunId: exec.workflowRunId };
    },
    'workflows.resume': async ({ workflowRunId, fromSteps, noCache, maxParallel }) => {
      const exec = await engine.resumeWorkflow(workflowRunId, { fromSteps, noCache, maxParallel });
      return { workflowRunId: exec.workflowRunId };
    },
    'workflowRuns.get': ({ workflowRunId }) => {
      const store = engine.store;
      return Promise.resolve(store.getWorkflowRun(store.resolveWorkflowRunId(workflowRunId))!);
    },
    'workflowRuns.list': ({ limit }) => Promise.resolve(engine.store.listWorkflowRuns(limit ?? 100)),
    'workflowRuns.cancel': async ({ workflowRunId }) => {
      await engine.workflows.cancel(workflowRunId);
      return {};
    },
    'runs.get': ({ runId }) => Promise.resolve(runDto(engine.getRun(runId))),
    'runs.list': (q) => Promise.resolve(engine.listRuns(q).map(runDto)),
    'runs.cancel': async ({ runId }) => ({ status: await engine.cancelRun(runId) }),
    'runs.rerun': async ({ runId, params }) => ({ runId: (await engine.rerun(runId, params ?? {})).runId }),
    'runs.logs': ({ runId, offset, limit }) => Promise.resolve(readLogPage(engine.logPath(runId), offset ?? 0, limit ?? 256 * 1024)),
    'runs.metricHistory': async ({ runId, key, maxPoints, x }) => {
      const r = await engine.metricChart(runId, key, maxPoints, x ?? 'step');
      return { metrics: r.points.map(metricDto), total: r.total, downsampled: r.downsampled };
    },
    'runs.search': (q) => {
      let workflowRunId = q.workflowRunId;
      if (workflowRunId !== undefined) workflowRunId = engine.store.resolveWorkflowRunId(workflowRunId);
      const r = engine.store.searchHistory({
        filter: q.filter,
        orderBy: q.orderBy,
        experimentIds: q.experimentIds,
        statuses: q.statuses,
        workflowName: q.workflowName,
        workflowRunId,
        startedAfter: q.startedAfter,
        startedBefore: q.startedBefore,
        runViewType: q.viewType,
        offset: q.offset,
        limit: q.limit,
      });
      return Promise.resolve({ runs: runRows(engine, r.runs).map(rowDto), total: r.total, offset: r.offset });
    },
    'runs.columns': ({ experimentIds }) => {
      const ids = experimentIds?.map((id) => {
        if (!/^\d{1,15}$/.test(id)) throw new AppError('USAGE', `Invalid experiment id '${id}': experiment ids are non-negative integers.`);
        return Number(id);
      });
      return Promise.resolve(engine.store.history.columns(ids));
    },
    'runs.detail': ({ runId, workflowRunId }) => {
      const d = runDetail(engine, runId, workflowRunId === undefined ? undefined : engine.store.resolveWorkflowRunId(workflowRunId));
      return Promise.resolve({ ...d, run: rowDto(d.run) });
    },
    'runs.update': ({ runId, name, note }) => {
      if (name === undefined && note === undefined) throw new AppError('USAGE', 'Nothing to update: give a name, a note, or both.');
      const run = engine.updateRun(runId, { name, note });
      return Promise.resolve(rowDto(runRows(engine, [run])[0]!));
    },
    'runs.delete': ({ runIds }) => Promise.resolve({ count: engine.deleteRuns(runIds) }),
    'runs.restore': ({ runIds }) => Promise.resolve({ count: engine.restoreRuns(runIds) }),
    'runs.markFailed': ({ runId }) => Promise.resolve({ status: engine.markFailed(runId) }),
    'runs.searchLogs': ({ runId, query, regex, caseSensitive, maxMatches }) =>
      searchLog(engine.logPath(runId), query, { regex, caseSensitive, maxMatches }),
    'runs.artifacts': ({ runId, path: rel }) => Promise.resolve(listArtifacts(localArtifactDir(engine.getRun(runId)), rel ?? '')),
    'runs.artifactPreview': ({ runId, path: rel, maxBytes }) =>
      Promise.resolve(previewArtifact(localArtifactDir(engine.getRun(runId)), rel, maxBytes)),
    'app.openPath': async ({ path: p }) => {
      if (!host.openPath) throw new AppError('USAGE', 'Opening a folder in the file manager works only in the desktop app.');
      await host.openPath(path.resolve(p));
      return {};
    },
    'workflowRuns.snapshot': ({ workflowRunId }) => {
      const snap = workflowSnapshot(engine, workflowRunId, readLayout);
      return Promise.resolve({ ...snap, layout: snap.layout as Layout | null, runs: snap.runs.map(rowDto) });
    },
    'workflowRuns.diff': ({ a, b }) => Promise.resolve(workflowDiff(engine, a, b)),
    'experiments.list': () => Promise.resolve(engine.store.listExperiments()),
  };
}

/**
 * A page of a log file. Never splits a UTF-8 character: the start moves forward past continuation
 * bytes and the end back before an incomplete sequence.
 */
export function readLogPage(file: string | null, offset: number, limit: number): { text: string; offset: number; nextOffset: number; size: number } {
  if (!file || !fs.existsSync(file)) return { text: '', offset: 0, nextOffset: 0, size: 0 };
  const size = fs.statSync(file).size;
  let start = offset < 0 ? Math.max(0, size + offset) : Math.min(offset, size);
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(limit + 4, size - start));
    const n = fs.readSync(fd, buf, 0, buf.length, start);
    let from = 0;
    while (from < n && start + from > 0 && (buf[from]! & 0xc0) === 0x80) from++;
    let to = Math.min(n, from + limit);
    if (to < n || start + to < size) {
      // Back off to the start of the last (possibly incomplete) character.
      let k = to;
      while (k > from && (buf[k - 1]! & 0xc0) === 0x80) k--;
      if (k > from && buf[k - 1]! >= 0xc0) {
        const lead = buf[k - 1]!;
        const len = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
        if (to - (k - 1) < len) to = k - 1;
      }
    }
    start += from;
    return { text: buf.subarray(from, to).toString('utf8'), offset: start, nextOffset: start + (to - from), size };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The single entry point both transports call: validates the input with the method's schema (the
 * engine never sees a payload that fails it), runs the handler, validates the output, and turns
 * every failure into `{ ok: false, error }` — exceptions never cross the boundary.
 */
export function createDispatcher(handlers: Handlers) {
  return async function dispatch(method: string, input: unknown): Promise<ApiResult<unknown>> {
    if (!isMethodName(method)) return { ok: false, error: { code: 'USAGE', message: `Unknown method '${method}'.` } };
    const parsed = parseInput(method, input);
    if (!parsed.ok) return parsed;
    try {
      const handler = handlers[method] as (i: unknown) => Promise<MethodOutput<MethodName>>;
      const value = await handler(parsed.value);
      const out = METHODS[method].output.safeParse(value);
      if (!out.success) {
        return { ok: false, error: { code: 'INTERNAL', message: `${method} produced an invalid result: ${out.error.issues[0]?.message ?? ''}` } };
      }
      return { ok: true, value: out.data };
    } catch (e) {
      const err = toAppError(e);
      return { ok: false, error: { code: err.code, message: err.message, details: err.code === 'INTERNAL' ? undefined : err.details } };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;

/** Forwards every engine event to a sink (an IPC sender, an SSE stream); returns the unsubscribe. */
export function forwardEvents(engine: Engine, sink: <E extends EventName>(event: E, payload: EventPayload<E>) => void): () => void {
  const offs = ENGINE_EVENT_NAMES.map((name) => engine.events.on(name, (payload) => sink(name, payload as EventPayload<typeof name>)));
  return () => offs.forEach((off) => off());
}
