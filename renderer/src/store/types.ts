/**
 * The shape of the one renderer store: typed slices combined by createAppStore(api). Each slice
 * holds its state and the actions that change it; cross-slice reactions (engine events, validation,
 * auto-opening projects, following logs) live in effects.ts.
 */
import type { Connection, EdgeChange, NodeChange } from '@xyflow/react';
import type { Api, EventPayload, MethodOutput } from '../../../common/api/contract.js';
import type { ProjectDto, RunDto, WorkflowRunDto } from '../../../common/api/schemas.js';
import type { Problem } from '../../../common/errors.js';
import type { StepStatus } from '../../../common/types.js';
import type { Clipboard } from '../graph/clipboard.js';
import type { AppEdge, AppNode, InputDef, StepData, WorkflowMeta } from '../graph/types.js';
import type { WiringCheck } from '../graph/wiring.js';
import type { LogBuffer } from '../logs/log-buffer.js';

export type AppInfo = MethodOutput<'app.info'>;
export type MetricValue = RunDto['metrics'][string];

// ------------------------------------------------------------------------------------------------
// graph: the workflow document on the canvas

export interface Validation {
  /** The YAML the problems were computed for (problems of older text are not shown as current). */
  yaml: string;
  problems: Problem[];
}

export interface GraphState {
  meta: WorkflowMeta;
  inputs: InputDef[];
  nodes: AppNode[];
  edges: AppEdge[];
  /** Selected node and edge ids, kept apart so panels can subscribe to it cheaply. */
  selection: { nodes: string[]; edges: string[] };
  /** The workflow file, null for a new unsaved workflow. */
  file: string | null;
  /** Identifies the document's content; undo restores older ids, so "dirty" is exact. */
  docVersion: number;
  savedVersion: number;
  /** Set when a document was opened without positions: the canvas lays it out once measured. */
  needsLayout: boolean;
  /** Problems from `workflows.validate` (set by effects). */
  validation: Validation | null;
  clipboard: Clipboard | null;
}

export interface GraphActions {
  onNodesChange: (changes: NodeChange<AppNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<AppEdge>[]) => void;
  /** Checks a canvas connection without changing anything. */
  checkConnection: (conn: Connection) => WiringCheck;
  /** Wires a connection into the file, or refuses it with a toast naming the reason. */
  connect: (conn: Connection) => WiringCheck;
  /** Adds a step (selected, one undo step), optionally with literal parameter values; returns its name. */
  addStep: (
    projectDir: string,
    entryPoint: string,
    position: { x: number; y: number },
    parameters?: readonly { name: string; value: string }[],
  ) => string;
  deleteSelection: () => void;
  deleteSteps: (names: string[]) => void;
  /** Returns the reason when the name cannot be used. */
  renameStep: (from: string, to: string) => string | null;
  /** null removes the parameter (its default applies). */
  setParameter: (step: string, name: string, value: string | null) => void;
  setStepFields: (step: string, patch: Partial<Pick<StepData, 'description' | 'cache' | 'entryPoint' | 'project'>>) => void;
  addNeed: (step: string, need: string) => void;
  removeNeed: (step: string, need: string) => void;
  setMeta: (patch: Partial<WorkflowMeta>) => void;
  addInput: () => string;
  updateInput: (name: string, patch: Partial<InputDef>) => string | null;
  removeInput: (name: string) => void;
  selectNodes: (ids: string[]) => void;
  copySelection: () => number;
  paste: () => string[];
  applyPositions: (positions: Record<string, { x: number; y: number }>, record: boolean) => void;
  /** `aspect`: the canvas's width / height, so long chains wrap to fit it. */
  autoLayout: (record?: boolean, aspect?: number) => Promise<void>;
  setValidation: (v: Validation | null) => void;
  /** Replaces the document (new/open). */
  replaceDocument: (doc: { meta: WorkflowMeta; inputs: InputDef[]; nodes: AppNode[] }, file: string | null, needsLayout: boolean) => void;
}

// ------------------------------------------------------------------------------------------------
// history: undo/redo over document snapshots

export interface Snapshot {
  meta: WorkflowMeta;
  inputs: InputDef[];
  nodes: AppNode[];
  docVersion: number;
}

export interface HistoryState {
  past: Snapshot[];
  future: Snapshot[];
  /** Coalesces a burst of edits of one kind (typing in a field, a drag) into one undo step. */
  lastEdit: { key: string; at: number } | null;
}

export interface HistoryActions {
  /** Records the document as it is before an edit. */
  record: (key?: string) => void;
  undo: () => void;
  redo: () => void;
  clearHistory: () => void;
}

// ------------------------------------------------------------------------------------------------
// projects: opened MLflow project folders

export interface ProjectEntry {
  dir: string;
  status: 'loading' | 'ready' | 'error';
  project: ProjectDto | null;
  error: string | null;
}

export interface ProjectsState {
  projects: Record<string, ProjectEntry>;
  /** Folders in the order they were opened (the panel's order). */
  projectOrder: string[];
}

export interface ProjectsActions {
  openProject: (dir: string) => Promise<ProjectDto | null>;
  closeProject: (dir: string) => void;
}

// ------------------------------------------------------------------------------------------------
// runs: the workflow run shown on the canvas

export interface StepRunView {
  status: StepStatus;
  runId: string | null;
  cached: boolean;
  reason: string | null;
  startTime: number | null;
  endTime: number | null;
  metrics: Record<string, MetricValue>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface KnownKeys {
  metrics: string[];
  params: string[];
  tags: string[];
}

export interface RunsState {
  workflowRun: WorkflowRunDto | null;
  stepRuns: Record<string, StepRunView>;
  /** Output keys seen on each step's runs (for output handles), kept across runs. */
  knownKeys: Record<string, KnownKeys>;
  /** A run is being started (save, validate, launch). */
  runStarting: boolean;
  /** The workflow text the shown run was started from by this window (resume runs that snapshot). */
  ranYaml: string | null;
}

export interface RunsActions {
  /** Saves if needed and runs the workflow file; with `fromStep`, that step and everything downstream run again and the steps before it reuse the last run. */
  startRun: (fromStep?: string) => Promise<string | null>;
  cancelRun: () => Promise<void>;
  rerunLast: () => Promise<string | null>;
  resumeFailed: () => Promise<string | null>;
  runFromStep: (step: string) => Promise<string | null>;
  showWorkflowRun: (workflowRunId: string) => Promise<void>;
  showLatestRunOf: (file: string) => Promise<void>;
  fetchRunDetails: (runId: string) => Promise<void>;
  /** Fetches metrics, params and tags of every step run shown. */
  refreshRunDetails: () => Promise<void>;
  applyWorkflowRunSnapshot: (wr: WorkflowRunDto) => void;
  applyStepUpdate: (p: EventPayload<'step.updated'>) => void;
  applyRunUpdate: (p: EventPayload<'run.updated'>) => void;
  applyWorkflowRunUpdate: (p: EventPayload<'workflowRun.updated'>) => void;
  applyRunDetails: (run: RunDto) => void;
  clearRuns: () => void;
  /** After lost events: fetch the shown run and the followed output again. */
  resync: () => Promise<void>;
}

// ------------------------------------------------------------------------------------------------
// logs: the output of one run, windowed

export interface LogsState {
  log: LogBuffer;
  /** The step whose output is shown. */
  logStep: string | null;
  logFollow: boolean;
  logLoading: boolean;
  /** New output was announced while a page was loading. */
  logStale: boolean;
  logError: string | null;
}

export interface LogsActions {
  showLog: (step: string | null, runId: string | null) => Promise<void>;
  fetchNewerLog: () => Promise<void>;
  fetchOlderLog: () => Promise<void>;
  setLogFollow: (on: boolean) => void;
}

// ------------------------------------------------------------------------------------------------
// ui: app-level state, toasts, dialogs

export interface Toast {
  id: number;
  kind: 'info' | 'error' | 'success';
  message: string;
  code?: string;
}

export type BrowserMode = 'folder' | 'open' | 'save';

export interface BrowserRequest {
  mode: BrowserMode;
  title: string;
  startPath: string | null;
  /** Save mode: the suggested file name. */
  fileName?: string;
  onChoose: (path: string) => void;
  onCancel: () => void;
}

export interface UiState {
  appInfo: AppInfo | null;
  /** The first API call answered and the start-up sequence (reopening the last workflow) ran. */
  ready: boolean;
  /** No workflow open and no run history: show the first-run screen. */
  firstRun: boolean;
  toasts: Toast[];
  paletteOpen: boolean;
  /** Bumped to ask the canvas to fit the view (the desktop menu's View → Fit, which has no canvas at hand). */
  fitRequest: number;
  browser: BrowserRequest | null;
  logPanelOpen: boolean;
  /** Output handles a person added by hand ("+ output"), per step. */
  addedOutputs: Record<string, string[]>;
  /** Values for the workflow inputs of the next run. */
  runInputs: Record<string, string>;
}

export interface UiActions {
  init: () => Promise<void>;
  toast: (kind: Toast['kind'], message: string, code?: string) => void;
  dismissToast: (id: number) => void;
  setPaletteOpen: (open: boolean) => void;
  requestFit: () => void;
  setBrowser: (b: BrowserRequest | null) => void;
  setLogPanelOpen: (open: boolean) => void;
  addOutput: (step: string, attr: string) => void;
  setRunInput: (name: string, value: string) => void;
  dismissFirstRun: () => void;
  /** Asks for a folder: the native dialog when the host has one, else the in-app browser. */
  pickFolder: (title: string) => Promise<string | null>;
  pickWorkflowFile: () => Promise<string | null>;
  pickSaveFile: (suggested: string) => Promise<string | null>;
  // files
  newWorkflow: () => boolean;
  openWorkflow: (file: string, opts?: { force?: boolean }) => Promise<boolean>;
  openWorkflowDialog: () => Promise<boolean>;
  openProjectDialog: () => Promise<void>;
  openExample: () => Promise<void>;
  saveWorkflow: (opts?: { saveAs?: boolean }) => Promise<boolean>;
  /** Whether unsaved changes may be dropped (asks the person through `confirm`). */
  confirmDiscard: () => boolean;
}

export type AppState = GraphState &
  GraphActions &
  HistoryState &
  HistoryActions &
  ProjectsState &
  ProjectsActions &
  RunsState &
  RunsActions &
  LogsState &
  LogsActions &
  UiState &
  UiActions;

export type SetState = (partial: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => void;
export type GetState = () => AppState;

/** Host hooks the store needs but cannot own (a browser's confirm, a clock): tests pass their own. */
export interface StoreEnv {
  confirm: (message: string) => boolean;
  now: () => number;
}

export type SliceCreator<T> = (set: SetState, get: GetState, api: Api, env: StoreEnv) => T;
