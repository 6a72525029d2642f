/**
 * Loads a workflow file completely: YAML, structure, references, cycles, and every step's project,
 * entry point and parameters. Either returns a workflow that can run, or throws one AppError listing
 * every problem (details.problems) with file, line and column.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError, problemsError, toAppError } from '../../../common/errors.js';
import type { Problem } from '../../../common/errors.js';
import type { EntryPointSpec, ProjectSpec } from '../../../common/types.js';
import { checkWorkflowShape, parseWorkflowShape } from '../../../common/workflow/serialize.js';
import type { WorkflowShape } from '../../../common/workflow/serialize.js';
import type { WorkflowSpec } from '../../../common/workflow/types.js';
import type { ProjectInfo } from '../../../common/workflow/validate.js';

export interface LoadedStepProject {
  project: ProjectSpec;
  entryPoint: EntryPointSpec;
}

export interface LoadedWorkflow {
  spec: WorkflowSpec;
  /** Absolute path of the workflow file. */
  file: string;
  /** Absolute folder of the workflow file: step projects are relative to it. */
  baseDir: string;
  /** Every step's project and resolved entry point, by step name. */
  projects: Record<string, LoadedStepProject>;
}

export type ProjectLoader = (absDir: string) => ProjectSpec;
export type EntryPointResolver = (project: ProjectSpec, name: string) => EntryPointSpec;

/**
 * Reads and loads a workflow file. Throws AppError('WORKFLOW_NOT_FOUND') when it cannot be read, and
 * problemsError('WORKFLOW_INVALID' | 'WORKFLOW_CYCLE', ...) when it has problems.
 */
export function loadWorkflowFile(file: string, loadProject: ProjectLoader, resolveEntryPoint: EntryPointResolver): LoadedWorkflow {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a folder, not a workflow file'
          : `cannot be read: ${(e as Error).message}`;
    throw new AppError('WORKFLOW_NOT_FOUND', `Workflow file ${abs} ${why}`, { path: abs });
  }
  return loadWorkflowText(text, abs, loadProject, resolveEntryPoint, file);
}

/**
 * Loads a workflow from its text as if it were the file `file` (e.g. the snapshot stored with a
 * workflow run): step projects are resolved against `file`'s folder. `label` names the file in
 * problems (default: `file`).
 */
export function loadWorkflowText(
  text: string,
  file: string,
  loadProject: ProjectLoader,
  resolveEntryPoint: EntryPointResolver,
  label: string = file,
): LoadedWorkflow {
  return loadWorkflowShape(parseWorkflowShape(text, label), file, loadProject, resolveEntryPoint, label);
}

/** loadWorkflowText for a text already parsed (parseWorkflowShape with the same `label`). */
export function loadWorkflowShape(
  parsed: WorkflowShape,
  file: string,
  loadProject: ProjectLoader,
  resolveEntryPoint: EntryPointResolver,
  label: string = file,
): LoadedWorkflow {
  const abs = path.resolve(file);
  const baseDir = path.dirname(abs);
  const projectCache = new Map<string, ProjectSpec | AppError>();
  const projects: Record<string, LoadedStepProject> = {};

  const lookup = (step: WorkflowSpec['steps'][number]): ProjectInfo => {
    const dir = path.resolve(baseDir, step.project);
    let project = projectCache.get(dir);
    if (project === undefined) {
      try {
        project = loadProject(dir);
      } catch (e) {
        project = toAppError(e);
      }
      projectCache.set(dir, project);
    }
    if (project instanceof AppError) return { error: project.message, code: project.code };
    try {
      const entryPoint = resolveEntryPoint(project, step.entryPoint);
      if (!Object.hasOwn(projects, step.name)) projects[step.name] = { project, entryPoint };
      return { entryPoint };
    } catch (e) {
      const err = toAppError(e);
      return { error: err.message, code: err.code };
    }
  };

  const { spec, problems } = checkWorkflowShape(parsed, lookup);
  if (!spec || problems.length) throw workflowProblems(label, problems);
  return { spec, file: abs, baseDir, projects };
}

function workflowProblems(label: string, problems: Problem[]): AppError {
  const n = problems.length;
  if (n > 0 && problems.every((p) => p.code === 'WORKFLOW_CYCLE')) {
    return problemsError('WORKFLOW_CYCLE', `The steps of workflow ${label} depend on each other in a cycle:`, problems);
  }
  return problemsError('WORKFLOW_INVALID', `Workflow ${label} has ${n} problem${n === 1 ? '' : 's'}:`, problems);
}
