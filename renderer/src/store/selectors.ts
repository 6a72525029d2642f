/**
 * Derived values over the store's state. Pure; results that components subscribe to are either
 * primitives or objects already held in the state, so selectors stay referentially stable.
 */
import { shellQuote } from '../../../common/shlex.js';
import type { Problem } from '../../../common/errors.js';
import type { EntryPointSpec } from '../../../common/types.js';
import { parseWorkflowYaml, workflowToYaml } from '../../../common/workflow/serialize.js';
import { graphToWorkflow } from '../graph/convert.js';
import type { AppNode, StepData } from '../graph/types.js';
import { isStepNode } from '../graph/types.js';
import type { EntryPointLookup } from '../graph/wiring.js';
import { dirname, isAbsolutePath, resolvePath } from '../lib/paths.js';
import type { AppState, ProjectEntry } from './types.js';

export function workflowDir(s: Pick<AppState, 'file'>): string | null {
  return s.file ? dirname(s.file) : null;
}

/** The absolute folder of a step's project, or null when it cannot be known yet. */
export function resolveProjectDir(s: Pick<AppState, 'file'>, project: string): string | null {
  if (project.trim() === '') return null;
  if (isAbsolutePath(project)) return resolvePath('/', project);
  const dir = workflowDir(s);
  return dir ? resolvePath(dir, project) : null;
}

export function projectEntryFor(s: Pick<AppState, 'file' | 'projects'>, project: string): ProjectEntry | null {
  const dir = resolveProjectDir(s, project);
  return dir ? (s.projects[dir] ?? null) : null;
}

const implicitCache = new Map<string, EntryPointSpec>();

/** The implicit entry point MLflow makes of a `.py`/`.sh` file (stable object per name). */
export function implicitEntryPoint(name: string): EntryPointSpec | null {
  const ext = /\.(py|sh)$/.exec(name)?.[1];
  if (!ext) return null;
  let ep = implicitCache.get(name);
  if (!ep) {
    const program = ext === 'py' ? 'python' : 'bash';
    ep = { name, parameters: [], command: `${program} ${shellQuote(name)}`.replace(/[{}]/g, (b) => b + b), implicit: true };
    implicitCache.set(name, ep);
  }
  return ep;
}

export function entryPointFor(s: Pick<AppState, 'file' | 'projects'>, step: Pick<StepData, 'project' | 'entryPoint'>): EntryPointSpec | null {
  const entry = projectEntryFor(s, step.project);
  if (!entry?.project) return null;
  return entry.project.entryPoints.find((ep) => ep.name === step.entryPoint) ?? implicitEntryPoint(step.entryPoint);
}

export function entryPointLookup(s: Pick<AppState, 'file' | 'projects'>): EntryPointLookup {
  return (step) => entryPointFor(s, step);
}

export function currentSpec(s: Pick<AppState, 'meta' | 'inputs' | 'nodes'>) {
  return graphToWorkflow({ meta: s.meta, inputs: s.inputs, nodes: s.nodes });
}

export function currentYaml(s: Pick<AppState, 'meta' | 'inputs' | 'nodes'>): string {
  return workflowToYaml(currentSpec(s));
}

export function isDirty(s: Pick<AppState, 'docVersion' | 'savedVersion'>): boolean {
  return s.docVersion !== s.savedVersion;
}

export function findStep(nodes: readonly AppNode[], name: string): StepData | null {
  const n = nodes.find((x) => isStepNode(x) && x.id === name);
  return n && isStepNode(n) ? n.data : null;
}

export function selectedStepName(s: Pick<AppState, 'selection' | 'nodes'>): string | null {
  if (s.selection.nodes.length !== 1) return null;
  const id = s.selection.nodes[0] ?? '';
  return s.nodes.some((n) => isStepNode(n) && n.id === id) ? id : null;
}

export interface StepProblems {
  /** Problems that belong to a step, by step name. */
  byStep: Record<string, Problem[]>;
  /** Problems about the workflow as a whole (name, inputs, …). */
  general: Problem[];
}

/**
 * Assigns validation problems (positions in `yaml`, the text they were computed for) to steps by
 * where the steps are in that text. Problems without a position are matched by the `step "NAME"`
 * their message starts with.
 */
export function problemsByStep(yaml: string, problems: readonly Problem[]): StepProblems {
  const out: StepProblems = { byStep: {}, general: [] };
  const parsed = parseWorkflowYaml(yaml, 'workflow');
  const steps = (parsed.spec?.steps ?? [])
    .filter((s) => s.pos)
    .map((s) => ({ name: s.name, line: s.pos?.line ?? 0 }))
    .sort((a, b) => a.line - b.line);
  const stepsLine = parsed.spec?.stepsPos?.line ?? Infinity;
  for (const p of problems) {
    let owner: string | null = null;
    const named = /^step "([^"]+)"/.exec(p.message)?.[1];
    if (named !== undefined) owner = named;
    else if (p.line !== undefined && p.line > stepsLine) {
      for (const s of steps) if (s.line <= p.line) owner = s.name;
    }
    if (owner === null) out.general.push(p);
    else (out.byStep[owner] ??= []).push(p);
  }
  return out;
}

/** The human label of a step status. */
export function statusLabel(status: string | undefined): string {
  switch (status) {
    case 'PENDING':
      return 'queued';
    case undefined:
    case 'IDLE':
      return 'idle';
    default:
      return status.toLowerCase();
  }
}
