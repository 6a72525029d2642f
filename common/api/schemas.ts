/**
 * zod schemas of the domain objects that cross the API boundary (IPC, HTTP). They mirror
 * common/types.ts; `satisfies` checks below keep the two in step.
 */
import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { PARAM_TYPES, RUN_STATUSES, STEP_STATUSES } from '../types.js';
import { WORKFLOW_VERSION } from '../workflow/types.js';
import type { WorkflowSpec } from '../workflow/types.js';

export const ErrorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

export const ProblemSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  file: z.string().optional(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
});

export const AppErrorSchema = z.object({ code: ErrorCodeSchema, message: z.string(), details: z.unknown().optional() });

export const RunStatusSchema = z.enum(RUN_STATUSES);
export const StepStatusSchema = z.enum(STEP_STATUSES);
export const WorkflowRunStatusSchema = z.enum(['RUNNING', 'FINISHED', 'FAILED', 'KILLED']);

/** NaN and infinities travel as strings ("NaN", "Infinity", "-Infinity"), as in MLflow's REST API. */
export const MetricValueSchema = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);

export const RunSchema = z.object({
  run_id: z.string(),
  experiment_id: z.string(),
  run_name: z.string(),
  status: RunStatusSchema,
  start_time: z.number().nullable(),
  end_time: z.number().nullable(),
  lifecycle_stage: z.enum(['active', 'deleted']),
  project_dir: z.string(),
  entry_point: z.string(),
  command: z.string(),
  exit_code: z.number().int().nullable(),
  params: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), MetricValueSchema),
  tags: z.record(z.string(), z.string()),
  artifact_uri: z.string(),
  artifact_dir: z.string(),
  workflow_run_id: z.string().nullable(),
  step_name: z.string().nullable(),
});
export type RunDto = z.infer<typeof RunSchema>;

/** A run as the history table and run page show it: the run plus the names its ids point to. */
export const RunRowSchema = RunSchema.extend({
  experiment_name: z.string(),
  /** The workflow the run was a step of (workflow_runs.workflow_name), if any. */
  workflow_name: z.string().nullable(),
});
export type RunRowDto = z.infer<typeof RunRowSchema>;

export const RunViewTypeSchema = z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']);

/** One edge of lineage: a run attribute (`run_id`, `artifact_dir`, `metrics.rmse`…) fed into a parameter. */
export const LineageLinkSchema = z.object({
  /** The other run: the source (for `inputs`) or the consumer (for `consumers`). */
  run_id: z.string(),
  run_name: z.string().nullable(),
  status: RunStatusSchema.nullable(),
  step_name: z.string().nullable(),
  /** The consuming run's parameter. */
  param: z.string(),
  /** The source run's attribute. */
  attribute: z.string(),
  /** False when the other run was deleted from the history (its id is still known). */
  exists: z.boolean(),
});

export const ArtifactEntrySchema = z.object({
  name: z.string(),
  /** Relative to the run's artifact folder, '/'-separated. */
  path: z.string(),
  kind: z.enum(['dir', 'file']),
  size: z.number().int(),
});

export const MetricPointSchema = z.object({ key: z.string(), value: MetricValueSchema, timestamp: z.number(), step: z.number() });
export type MetricPointDto = z.infer<typeof MetricPointSchema>;

export const StepRunSchema = z.object({
  step_name: z.string(),
  status: StepStatusSchema,
  run_id: z.string().nullable(),
  cached: z.boolean(),
  reason: z.string().nullable(),
});

export const WorkflowRunSchema = z.object({
  workflow_run_id: z.string(),
  workflow_name: z.string(),
  workflow_file: z.string(),
  status: WorkflowRunStatusSchema,
  start_time: z.number(),
  end_time: z.number().nullable(),
  inputs: z.record(z.string(), z.string()),
  parent_workflow_run_id: z.string().nullable(),
  steps: z.record(z.string(), StepRunSchema),
});
export type WorkflowRunDto = z.infer<typeof WorkflowRunSchema>;

export const ParameterSpecSchema = z.object({
  name: z.string(),
  type: z.string(),
  default: z.string().nullable(),
  required: z.boolean(),
  line: z.number().int().optional(),
});

export const EntryPointSpecSchema = z.object({
  name: z.string(),
  parameters: z.array(ParameterSpecSchema),
  command: z.string(),
  implicit: z.boolean(),
});

export const ProjectSchema = z.object({
  dir: z.string(),
  name: z.string().nullable(),
  mlprojectPath: z.string().nullable(),
  env: z.object({ kind: z.enum(['python_env', 'conda_env', 'docker_env', 'local']), value: z.unknown() }),
  entryPoints: z.array(EntryPointSpecSchema),
  /** `.py` and `.sh` files in the folder, runnable as implicit entry points. */
  scripts: z.array(z.string()),
});
export type ProjectDto = z.infer<typeof ProjectSchema>;

export const ExperimentSchema = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string(),
  lifecycle_stage: z.enum(['active', 'deleted']),
  creation_time: z.number(),
  last_update_time: z.number(),
});

/** Canvas positions of a workflow's nodes, kept in a sidecar file next to the workflow file. */
const SourcePosSchema = z.object({ line: z.number().int(), column: z.number().int(), offset: z.number().int() });
const pos = SourcePosSchema.optional();

/** A workflow file parsed (common/workflow/types.ts), source positions included. */
export const WorkflowSpecSchema = z.object({
  version: z.literal(WORKFLOW_VERSION),
  name: z.string(),
  description: z.string().nullable(),
  experiment: z.string().nullable(),
  inputs: z.array(
    z.object({
      name: z.string(),
      type: z.enum(PARAM_TYPES),
      default: z.string().nullable(),
      description: z.string().nullable(),
      pos,
      defaultPos: pos,
      typePos: pos,
    }),
  ),
  steps: z.array(
    z.object({
      name: z.string(),
      description: z.string().nullable(),
      project: z.string(),
      entryPoint: z.string(),
      parameters: z.array(
        z.object({ name: z.string(), value: z.string(), pos, valuePos: pos, valueSource: z.string().optional() }),
      ),
      needs: z.array(z.object({ step: z.string(), pos })),
      cache: z.boolean(),
      pos,
      projectPos: pos,
      entryPointPos: pos,
      parametersPos: pos,
      needsPos: pos,
      cachePos: pos,
    }),
  ),
  file: z.string().optional(),
  pos,
  namePos: pos,
  inputsPos: pos,
  stepsPos: pos,
});
// The schema and the TypeScript type must describe the same thing.
const specMatches: [z.output<typeof WorkflowSpecSchema>] extends [WorkflowSpec]
  ? [WorkflowSpec] extends [z.output<typeof WorkflowSpecSchema>]
    ? true
    : false
  : false = true;
void specMatches;

export const LayoutSchema = z.object({
  version: z.literal(1),
  nodes: z.record(z.string(), z.object({ x: z.number(), y: z.number() })),
});
export type Layout = z.infer<typeof LayoutSchema>;

export const DirEntrySchema = z.object({
  name: z.string(),
  path: z.string(),
  kind: z.enum(['dir', 'file']),
  /** A folder holding an MLproject file. */
  isProject: z.boolean(),
});

/** A non-empty absolute or relative file-system path (the engine resolves relative ones). */
export const PathSchema = z.string().min(1, 'a path is required').max(4096);
export const IdSchema = z.string().regex(/^[0-9a-fA-F]{6,32}$/, 'expected a run id (hex, 6 to 32 characters)');
