/**
 * The API contract: every method (`noun.verb`) and event (`noun.pastTense`) the renderer can use,
 * with zod schemas for inputs, outputs and payloads. Implemented once in main/api/ and bound twice:
 * to Electron IPC (through preload) and to the local web host (HTTP + server-sent events). Adding a
 * method is one entry here; the compiler then lists every place that must follow.
 */
import { z } from 'zod';
import type { AppErrorShape } from '../errors.js';
import { EVENT_NAMES } from './event-names.js';
import type { EventName } from './event-names.js';
import {
  ArtifactEntrySchema,
  DirEntrySchema,
  ExperimentSchema,
  IdSchema,
  LayoutSchema,
  WorkflowSpecSchema,
  LineageLinkSchema,
  MetricPointSchema,
  PathSchema,
  ProblemSchema,
  ProjectSchema,
  RunRowSchema,
  RunSchema,
  RunStatusSchema,
  RunViewTypeSchema,
  StepRunSchema,
  WorkflowRunSchema,
  WorkflowRunStatusSchema,
} from './schemas.js';

const Empty = z.object({}).strict();
const Inputs = z.record(z.string(), z.string());

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) {
  return { input, output, doc };
}

export const METHODS = {
  'app.info': method(
    Empty,
    z.object({
      version: z.string(),
      home: z.string(),
      platform: z.string(),
      /** The bundled example project folder, for the first-run screen. */
      exampleProject: z.string().nullable(),
      /** The example workflow file next to it. */
      exampleWorkflow: z.string().nullable(),
      /** The workflow file the app had open last, if it still exists. */
      lastWorkflow: z.string().nullable(),
      /** Whether native open/save dialogs exist (Electron) or the UI must offer its own folder browser. */
      nativeDialogs: z.boolean(),
    }),
    'Versions, folders and what the host can do.',
  ),
  'app.setLastWorkflow': method(z.object({ file: PathSchema.nullable() }).strict(), Empty, 'Remember the open workflow file.'),

  'fs.listDir': method(
    z.object({ path: PathSchema.optional() }).strict(),
    z.object({ path: z.string(), parent: z.string().nullable(), entries: z.array(DirEntrySchema) }),
    'List a folder (default: the home folder) for the in-app folder and file browser.',
  ),
  'dialogs.openFolder': method(
    z.object({ title: z.string().optional() }).strict(),
    z.object({ path: z.string().nullable() }),
    'Native folder picker (Electron only; the web host answers USAGE).',
  ),
  'dialogs.openFile': method(
    z.object({ title: z.string().optional() }).strict(),
    z.object({ path: z.string().nullable() }),
    'Native open-workflow dialog (Electron only; the web host answers USAGE).',
  ),
  'dialogs.saveFile': method(
    z.object({ title: z.string().optional(), defaultPath: z.string().optional() }).strict(),
    z.object({ path: z.string().nullable() }),
    'Native save dialog (Electron only; the web host answers USAGE).',
  ),

  'projects.open': method(z.object({ path: PathSchema }).strict(), ProjectSchema, 'Load an MLflow project folder.'),

  'workflows.load': method(
    z.object({ file: PathSchema }).strict(),
    z.object({
      file: z.string(),
      yaml: z.string(),
      layout: LayoutSchema.nullable(),
      problems: z.array(ProblemSchema),
      /**
       * The text parsed as the editor reads it (no project checks): the spec when the text is a
       * YAML mapping, and the problems of that parse. The editor draws from it instead of parsing
       * the text again (the engine's YAML parse is several times faster than the page's).
       */
      parsed: z.object({ spec: WorkflowSpecSchema.nullable(), problems: z.array(ProblemSchema) }),
    }),
    'Read a workflow file and its layout sidecar; problems are reported, not thrown, so a broken file still opens.',
  ),
  'workflows.validate': method(
    z.object({ file: PathSchema, yaml: z.string() }).strict(),
    z.object({ problems: z.array(ProblemSchema) }),
    'Validate workflow text as if it were saved at `file` (projects resolved relative to it).',
  ),
  'workflows.save': method(
    z.object({ file: PathSchema, yaml: z.string(), layout: LayoutSchema }).strict(),
    z.object({ file: z.string() }),
    'Write the workflow file and its layout sidecar atomically.',
  ),
  'workflows.run': method(
    z
      .object({
        file: PathSchema,
        inputs: Inputs.optional(),
        noCache: z.boolean().optional(),
        maxParallel: z.number().int().positive().optional(),
        /** Run these steps and everything downstream again; the others reuse `parent`'s runs. */
        fromSteps: z.array(z.string()).optional(),
        parent: IdSchema.optional(),
      })
      .strict(),
    z.object({ workflowRunId: z.string() }),
    'Validate and start a saved workflow file (optionally from some steps on, reusing an earlier run).',
  ),
  'workflows.resume': method(
    z
      .object({
        workflowRunId: IdSchema,
        fromSteps: z.array(z.string()).optional(),
        noCache: z.boolean().optional(),
        maxParallel: z.number().int().positive().optional(),
      })
      .strict(),
    z.object({ workflowRunId: z.string() }),
    'Re-run what failed/was skipped in a workflow run, or (fromSteps) those steps and everything downstream.',
  ),

  'workflowRuns.get': method(z.object({ workflowRunId: IdSchema }).strict(), WorkflowRunSchema, 'One workflow run.'),
  'workflowRuns.list': method(
    z.object({ limit: z.number().int().positive().max(10_000).optional() }).strict(),
    z.array(WorkflowRunSchema),
    'Workflow runs, newest first.',
  ),
  'workflowRuns.snapshot': method(
    z.object({ workflowRunId: IdSchema }).strict(),
    z.object({
      workflowRun: WorkflowRunSchema,
      /** The workflow file as it was run. */
      yaml: z.string(),
      /** The layout sidecar next to the workflow file today, if any (positions only). */
      layout: LayoutSchema.nullable(),
      /** The run of every step that has one. */
      runs: z.array(RunRowSchema),
    }),
    'A workflow run as it ran, for a read-only canvas.',
  ),
  'workflowRuns.diff': method(
    z.object({ a: IdSchema, b: IdSchema }).strict(),
    z.object({
      steps: z.array(
        z.object({
          step_name: z.string(),
          a: StepRunSchema.nullable(),
          b: StepRunSchema.nullable(),
          /** Same run in both (cached or carried over), or two different runs. */
          sameRun: z.boolean(),
          params: z.array(z.object({ key: z.string(), a: z.string().nullable(), b: z.string().nullable() })),
          /** Git commit or project fingerprint differ; null when unknown. */
          codeChanged: z.boolean().nullable(),
          codeA: z.string().nullable(),
          codeB: z.string().nullable(),
        }),
      ),
    }),
    'Per-step differences between two workflow runs: which steps re-ran or were cached, changed params and code.',
  ),
  'workflowRuns.cancel': method(z.object({ workflowRunId: IdSchema }).strict(), Empty, 'Cancel a running workflow run.'),

  'runs.get': method(z.object({ runId: IdSchema }).strict(), RunSchema, 'One run.'),
  'runs.list': method(
    z
      .object({
        experimentId: z.string().optional(),
        status: RunStatusSchema.optional(),
        workflowRunId: z.string().optional(),
        limit: z.number().int().positive().max(50_000).optional(),
      })
      .strict(),
    z.array(RunSchema),
    'Runs, newest first.',
  ),
  'runs.cancel': method(z.object({ runId: IdSchema }).strict(), z.object({ status: RunStatusSchema }), 'Stop a run (its whole process tree).'),
  'runs.rerun': method(
    z.object({ runId: IdSchema, params: Inputs.optional() }).strict(),
    z.object({ runId: z.string() }),
    'Run a run again: with the same parameters, or with `params` replacing some of them (validated against the entry point).',
  ),
  'runs.search': method(
    z
      .object({
        /** MLflow search syntax: `metrics.rmse < 0.8 and params.alpha = '0.1'`. */
        filter: z.string().max(20_000).optional(),
        /** MLflow order_by terms (`metrics.rmse ASC`, `start_time DESC`, `params.alpha`) and Baton's `duration`, `experiment_name`, `workflow_name`, `step_name`, `entry_point` (docs/history.md). */
        orderBy: z.array(z.string()).max(10).optional(),
        experimentIds: z.array(z.string()).optional(),
        statuses: z.array(RunStatusSchema).optional(),
        workflowName: z.string().optional(),
        workflowRunId: z.string().optional(),
        /** start_time bounds, epoch ms, inclusive. */
        startedAfter: z.number().optional(),
        startedBefore: z.number().optional(),
        viewType: RunViewTypeSchema.optional(),
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().positive().max(1000).optional(),
      })
      .strict(),
    z.object({ runs: z.array(RunRowSchema), total: z.number().int(), offset: z.number().int() }),
    'A page of the runs matching the filters, sorted; `total` counts every match (for a virtualised table). A bad filter or order_by is FILTER_INVALID naming the problem.',
  ),
  'runs.columns': method(
    z.object({ experimentIds: z.array(z.string()).optional() }).strict(),
    z.object({ params: z.array(z.string()), metrics: z.array(z.string()), tags: z.array(z.string()) }),
    'Every param, metric and tag key in the history (for choosing table columns), sorted.',
  ),
  'runs.detail': method(
    z
      .object({
        runId: IdSchema,
        /** Seen from this workflow run: when one of its steps reused the run, cache.decision is `reused`. */
        workflowRunId: IdSchema.optional(),
      })
      .strict(),
    z.object({
      run: RunRowSchema,
      /** Each metric's number of logged points (a chart per key). */
      metricKeys: z.array(z.object({ key: z.string(), count: z.number().int() })),
      lineage: z.object({ inputs: z.array(LineageLinkSchema), consumers: z.array(LineageLinkSchema) }),
      cache: z.object({
        key: z.string().nullable(),
        /** ran: executed (reason says why not reused); reused: a workflow step took an earlier run instead; none: not a workflow step. */
        decision: z.enum(['ran', 'reused', 'none']),
        reason: z.string().nullable(),
        /** Workflow steps that reused this run instead of running again. */
        reusedBy: z.array(z.object({ workflow_run_id: z.string(), step_name: z.string() })),
      }),
      git: z.object({ commit: z.string().nullable(), branch: z.string().nullable(), repoUrl: z.string().nullable(), dirty: z.boolean().nullable() }),
      /** RUNNING/SCHEDULED but no process alive: it can be marked failed. */
      stale: z.boolean(),
      logSize: z.number().int(),
      artifactDir: z.string(),
    }),
    'Everything the run page shows in one call.',
  ),
  'runs.update': method(
    z
      .object({
        runId: IdSchema,
        name: z.string().trim().min(1, 'a run name cannot be empty').max(250).optional(),
        /** The `mlflow.note.content` tag; an empty string removes the note. */
        note: z.string().max(100_000).optional(),
      })
      .strict(),
    RunRowSchema,
    'Rename a run and/or set its note.',
  ),
  'runs.delete': method(
    z.object({ runIds: z.array(IdSchema).min(1).max(10_000) }).strict(),
    z.object({ count: z.number().int() }),
    'Soft-delete runs (lifecycle_stage deleted, as MLflow); running runs are refused.',
  ),
  'runs.restore': method(
    z.object({ runIds: z.array(IdSchema).min(1).max(10_000) }).strict(),
    z.object({ count: z.number().int() }),
    'Restore deleted runs.',
  ),
  'runs.markFailed': method(
    z.object({ runId: IdSchema }).strict(),
    z.object({ status: RunStatusSchema }),
    'Mark a run stuck in RUNNING/SCHEDULED as FAILED when its process is gone (or as its recorded exit code says); RUN_ACTIVE if its process is still alive or unknown, RUN_NOT_ACTIVE if it already ended.',
  ),
  'runs.searchLogs': method(
    z
      .object({
        runId: IdSchema,
        query: z.string().min(1).max(1000),
        regex: z.boolean().optional(),
        caseSensitive: z.boolean().optional(),
        maxMatches: z.number().int().positive().max(10_000).optional(),
      })
      .strict(),
    z.object({
      matches: z.array(z.object({ line: z.number().int(), offset: z.number().int(), text: z.string() })),
      truncated: z.boolean(),
    }),
    "Lines of a run's output matching a text or regular expression (1-based line numbers, byte offsets for runs.logs).",
  ),
  'runs.artifacts': method(
    z.object({ runId: IdSchema, path: z.string().max(4096).optional() }).strict(),
    z.object({ path: z.string(), entries: z.array(ArtifactEntrySchema) }),
    "One folder of a run's artifacts (default: the root); paths outside the artifact folder are refused.",
  ),
  'runs.artifactPreview': method(
    z.object({ runId: IdSchema, path: z.string().min(1).max(4096), maxBytes: z.number().int().positive().max(8 * 1024 * 1024).optional() }).strict(),
    z.object({
      path: z.string(),
      size: z.number().int(),
      kind: z.enum(['text', 'image', 'binary']),
      mime: z.string(),
      /** Text files: the first maxBytes, UTF-8. */
      text: z.string().nullable(),
      /** Images: a data: URL. */
      dataUrl: z.string().nullable(),
      truncated: z.boolean(),
    }),
    'The start of one artifact file for preview.',
  ),
  'app.openPath': method(
    z.object({ path: PathSchema }).strict(),
    Empty,
    "Open a folder in the platform's file manager (desktop app only; the web host answers USAGE).",
  ),
  'runs.logs': method(
    z
      .object({
        runId: IdSchema,
        /** Byte offset to read from; negative counts from the end (the last N bytes). */
        offset: z.number().int().optional(),
        limit: z.number().int().positive().max(4 * 1024 * 1024).optional(),
      })
      .strict(),
    z.object({ text: z.string(), offset: z.number().int(), nextOffset: z.number().int(), size: z.number().int() }),
    "A page of a run's captured output (UTF-8 safe at both ends).",
  ),
  'runs.metricHistory': method(
    z
      .object({
        runId: IdSchema,
        key: z.string().min(1),
        /** Downsample to about this many points (min and max of each bucket kept, so peaks survive). */
        maxPoints: z.number().int().min(10).max(1_000_000).optional(),
        /** The x axis the buckets are taken on. Default step. */
        x: z.enum(['step', 'time']).optional(),
      })
      .strict(),
    z.object({ metrics: z.array(MetricPointSchema), total: z.number().int(), downsampled: z.boolean() }),
    'The logged values of one metric, in step order (or time order), downsampled when maxPoints is given.',
  ),

  'experiments.list': method(Empty, z.array(ExperimentSchema), 'All experiments.'),
} as const;

/**
 * What the desktop app's menus ask the page to do. The page owns these actions (it knows the open
 * workflow, the selection, the canvas); the menu only names them. Clipboard, zoom, reload and
 * devtools are handled natively and never reach the page as commands.
 */
export const MENU_COMMANDS = [
  'workflow.new',
  'workflow.open',
  'workflow.save',
  'workflow.saveAs',
  'project.open',
  'edit.undo',
  'edit.redo',
  'view.fit',
  'run.start',
  'run.cancel',
  'run.rerun',
] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export const EVENTS = {
  'run.updated': z.object({
    runId: z.string(),
    status: RunStatusSchema,
    workflowRunId: z.string().nullable(),
    stepName: z.string().nullable(),
  }),
  'run.logAppended': z.object({ runId: z.string(), text: z.string() }),
  'step.updated': z.object({ workflowRunId: z.string(), step: StepRunSchema }),
  'workflowRun.updated': z.object({ workflowRunId: z.string(), status: WorkflowRunStatusSchema }),
  /** A native menu item or its shortcut was used (desktop app only; the web host never emits it). */
  'app.menuCommand': z.object({ command: z.enum(MENU_COMMANDS) }),
} as const;

export type MethodName = keyof typeof METHODS;
export type { EventName };
export type MethodInput<M extends MethodName> = z.input<(typeof METHODS)[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<(typeof METHODS)[M]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof EVENTS)[E]>;

/** What every call returns: never a thrown exception across a boundary. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape };

/** The object the renderer talks to; it cannot tell which transport is underneath. */
export interface Api {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<ApiResult<MethodOutput<M>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** The engine-side implementation: one async function per method (inputs already validated). */
export type Handlers = { [M in MethodName]: (input: z.output<(typeof METHODS)[M]['input']>) => Promise<MethodOutput<M>> };

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];
export { EVENT_NAMES };
// The zod-free list (event-names.ts) and the EVENTS map must name the same events.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const eventNamesMatch: SameKeys<keyof typeof EVENTS, EventName> = true;
void eventNamesMatch;
/** Events emitted by the host shell itself (native menus), not by the engine. */
export const HOST_EVENT_NAMES = ['app.menuCommand'] as const satisfies readonly EventName[];
export type HostEventName = (typeof HOST_EVENT_NAMES)[number];
export type EngineEventName = Exclude<EventName, HostEventName>;
/** The events every host forwards from the engine. */
export const ENGINE_EVENT_NAMES = EVENT_NAMES.filter(
  (name): name is EngineEventName => !(HOST_EVENT_NAMES as readonly string[]).includes(name),
);

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(EVENTS, name);
}

/** Parses a method's input; a USAGE error naming the method and the first problems when it fails. */
export function parseInput<M extends MethodName>(method: M, input: unknown): ApiResult<z.output<(typeof METHODS)[M]['input']>> {
  const r = METHODS[method].input.safeParse(input ?? {});
  if (r.success) return { ok: true, value: r.data as z.output<(typeof METHODS)[M]['input']> };
  const issues = r.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
  return { ok: false, error: { code: 'USAGE', message: `Invalid input for ${method}: ${issues}`, details: { issues: r.error.issues } } };
}

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(METHODS, name);
}
