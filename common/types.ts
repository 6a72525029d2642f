/** Domain types shared by the engine, the CLI and (later) the renderer. Wire names are MLflow's. */

export const RUN_STATUSES = ['SCHEDULED', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_STATUSES: readonly RunStatus[] = ['FINISHED', 'FAILED', 'KILLED'];
export function isTerminal(s: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(s);
}

/** The parameter types MLflow knows. Other type strings are accepted and treated like `string`, as MLflow does. */
export const PARAM_TYPES = ['string', 'float', 'int', 'path', 'uri'] as const;
export type KnownParamType = (typeof PARAM_TYPES)[number];

export interface ParameterSpec {
  name: string;
  /** The type as written in MLproject (MLflow defaults to "string"). */
  type: string;
  /** The default as a string (YAML numbers keep their written form), or null when required. */
  default: string | null;
  required: boolean;
  /** 1-based position of the parameter's key in the MLproject file, when known. */
  line?: number;
}

export interface EntryPointSpec {
  name: string;
  parameters: ParameterSpec[];
  command: string;
  /** true for `.py`/`.sh` files run without a declaration in MLproject. */
  implicit: boolean;
}

export type ProjectEnvKind = 'python_env' | 'conda_env' | 'docker_env' | 'local';

export interface ProjectSpec {
  /** Absolute folder. */
  dir: string;
  name: string | null;
  /** Absolute path of the MLproject file, or null for a folder without one. */
  mlprojectPath: string | null;
  env: { kind: ProjectEnvKind; value: unknown };
  entryPoints: EntryPointSpec[];
}

export interface GitInfo {
  commit: string;
  branch: string | null;
  repoUrl: string | null;
  dirty: boolean;
}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** A run as the CLI prints it with --json and the API returns it. */
export interface RunRecord {
  run_id: string;
  experiment_id: string;
  run_name: string;
  status: RunStatus;
  start_time: number | null;
  end_time: number | null;
  lifecycle_stage: 'active' | 'deleted';
  project_dir: string;
  entry_point: string;
  command: string;
  exit_code: number | null;
  params: Record<string, string>;
  /** Latest value of each metric. */
  metrics: Record<string, number>;
  tags: Record<string, string>;
  artifact_uri: string;
  artifact_dir: string;
  workflow_run_id: string | null;
  step_name: string | null;
}

export const STEP_STATUSES = ['PENDING', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED', 'SKIPPED', 'CACHED'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export type WorkflowRunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface StepRunRecord {
  step_name: string;
  status: StepStatus;
  run_id: string | null;
  cached: boolean;
  /** Why the step was cached, skipped or not cached: for people. */
  reason: string | null;
}

export interface WorkflowRunRecord {
  workflow_run_id: string;
  workflow_name: string;
  workflow_file: string;
  status: WorkflowRunStatus;
  start_time: number;
  end_time: number | null;
  inputs: Record<string, string>;
  /** The workflow run this one resumed or re-ran, if any. */
  parent_workflow_run_id: string | null;
  steps: Record<string, StepRunRecord>;
}

/** Attributes a `${{ steps.NAME.ATTR }}` reference may read. */
export const RUN_ATTRIBUTES = ['run_id', 'status', 'experiment_id', 'artifact_uri', 'artifact_dir'] as const;
export const RUN_ATTRIBUTE_PREFIXES = ['params', 'metrics', 'tags'] as const;
