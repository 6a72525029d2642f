/**
 * Derived values over the store's state. Pure; results that components subscribe to are either
 * primitives or objects already held in the state, so selectors stay referentially stable.
 */
import { shellQuote } from '../../../common/shlex.js';
import type { EntryPointSpec } from '../../../common/types.js';
import { graphToWorkflow } from '../graph/convert.js';
import type { AppNode, StepData } from '../graph/types.js';
import { isStepNode } from '../graph/types.js';
import type { EntryPointLookup } from '../graph/wiring.js';
import { dirname, projectDirOf } from '../lib/paths.js';
export { statusLabel } from '../lib/format.js';
import type { AppState, ProjectEntry } from './types.js';

export function workflowDir(s: Pick<AppState, 'file'>): string | null {
  return s.file ? dirname(s.file) : null;
}

/** The absolute folder of a step's project, or null when it cannot be known yet. */
export function resolveProjectDir(s: Pick<AppState, 'file'>, project: string): string | null {
  return projectDirOf(s.file, project);
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


/**
 * Whether two nodes arrays hold the same steps, in the same order, with the same data objects —
 * i.e. the same workflow file (positions, sizes, selection and the inputs node are not in it).
 * Step data is immutable and only replaced by an edit, so a drag or one of React Flow's
 * measurements leaves this true, in one cheap pass of identity checks.
 */
export function sameStepData(a: readonly AppNode[], b: readonly AppNode[]): boolean {
  if (a === b) return true;
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && !isStepNode(a[i]!)) i++;
    while (j < b.length && !isStepNode(b[j]!)) j++;
    if (i === a.length || j === b.length) return i === a.length && j === b.length;
    if (a[i]!.data !== b[j]!.data) return false;
    i++;
    j++;
  }
}

/** The distinct project folders the steps name (resolved; steps whose folder cannot be known yet are left out). */
export function referencedProjectDirs(s: Pick<AppState, 'file' | 'nodes'>): string[] {
  const named = new Set<string>();
  for (const n of s.nodes) if (isStepNode(n)) named.add(n.data.project);
  const dirs = new Set<string>();
  for (const project of named) {
    const dir = resolveProjectDir(s, project);
    if (dir) dirs.add(dir);
  }
  return [...dirs];
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

/**
 * Whether a document that has not been drawn yet (no node measured by React Flow) names a project
 * that is still loading: drawn now, every step would render without its parameters, then again
 * when they arrive. The canvas holds such a document back (briefly) to draw it once.
 */
export function waitsForProjects(s: Pick<AppState, 'nodes' | 'file' | 'projects'>): boolean {
  if (!s.nodes.length || s.nodes.some((n) => n.measured)) return false;
  return referencedProjectDirs(s).some((dir) => s.projects[dir]?.status === 'loading');
}


