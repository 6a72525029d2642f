/**
 * Pure functions over the step graph. An edge "a → b" means b depends on a: b references one of a's
 * attributes in a parameter, or lists a in `needs`. References to unknown steps, a step's references
 * to itself and duplicate step names are ignored here (validation reports them).
 */
import { AppError } from '../errors.js';
import { referencesOf } from './references.js';
import type { WorkflowSpec } from './types.js';

/**
 * For each step (file order), the steps it depends on: steps it references, then steps it `needs`,
 * each once, in order of first mention.
 */
export function stepDependencies(spec: WorkflowSpec): Map<string, string[]> {
  const known = new Set(spec.steps.map((s) => s.name));
  const deps = new Map<string, string[]>();
  for (const step of spec.steps) {
    if (deps.has(step.name)) continue; // duplicate name: the first definition wins
    const list: string[] = [];
    const add = (name: string): void => {
      if (name !== step.name && known.has(name) && !list.includes(name)) list.push(name);
    };
    for (const r of referencesOf(step)) if (r.ref.kind === 'step') add(r.ref.step);
    for (const need of step.needs) add(need.step);
    deps.set(step.name, list);
  }
  return deps;
}

/** For each step (file order), the steps that depend on it directly, in file order. */
export function stepDependants(spec: WorkflowSpec): Map<string, string[]> {
  const deps = stepDependencies(spec);
  const out = new Map<string, string[]>();
  for (const name of deps.keys()) out.set(name, []);
  for (const [name, list] of deps) for (const d of list) out.get(d)?.push(name);
  return out;
}

/**
 * Every cycle, one per strongly connected group of steps. Each cycle is a path in execution direction
 * that starts and ends at the group's first step in file order: ["a", "b", "c", "a"] means b depends on
 * a, c on b and a on c. Groups are listed in file order of their first step.
 */
export function findCycles(spec: WorkflowSpec): string[][] {
  const deps = stepDependencies(spec);
  const dependants = stepDependants(spec);
  const order = [...deps.keys()];
  const index = new Map(order.map((n, i) => [n, i]));

  // Tarjan's strongly connected components (iteration order = file order, so results are stable).
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    idx.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of deps.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, idx.get(w) ?? 0));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) components.push(comp);
    }
  };
  for (const v of order) if (!idx.has(v)) visit(v);

  const byFileOrder = (a: string, b: string): number => (index.get(a) ?? 0) - (index.get(b) ?? 0);
  const cycles: string[][] = [];
  for (const comp of components) {
    const members = new Set(comp);
    const first = [...comp].sort(byFileOrder)[0];
    if (first === undefined) continue;
    // Shortest path from `first` back to itself along dependant edges inside the group (BFS, file order).
    const prev = new Map<string, string>();
    const queue = [first];
    let found = false;
    while (queue.length && !found) {
      const v = queue.shift() as string;
      for (const w of [...(dependants.get(v) ?? [])].sort(byFileOrder)) {
        if (!members.has(w)) continue;
        if (w === first) {
          prev.set(first, v);
          found = true;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    const path = [first];
    let cur = prev.get(first);
    while (cur !== undefined && cur !== first) {
      path.unshift(cur);
      cur = prev.get(cur);
    }
    path.unshift(first);
    cycles.push(path);
  }
  return cycles.sort((a, b) => byFileOrder(a[0] ?? '', b[0] ?? ''));
}

/** The first cycle of `findCycles`, or null when the steps form a DAG. */
export function findCycle(spec: WorkflowSpec): string[] | null {
  return findCycles(spec)[0] ?? null;
}

/** "a → b → c → a" */
export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(' → ');
}

/**
 * Step names so that every step comes after the steps it depends on. Stable: among the steps that are
 * ready, the one written first in the file comes first. Throws AppError('WORKFLOW_CYCLE') on a cycle.
 */
export function topologicalOrder(spec: WorkflowSpec): string[] {
  const deps = stepDependencies(spec);
  const names = [...deps.keys()];
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < names.length) {
    const next = names.find((n) => !done.has(n) && (deps.get(n) ?? []).every((d) => done.has(d)));
    if (next === undefined) {
      const cycle = findCycle(spec);
      throw new AppError(
        'WORKFLOW_CYCLE',
        `The workflow steps depend on each other in a cycle: ${cycle ? formatCycle(cycle) : names.filter((n) => !done.has(n)).join(', ')}`,
      );
    }
    done.add(next);
    order.push(next);
  }
  return order;
}

function closure(spec: WorkflowSpec, stepNames: readonly string[], edges: Map<string, string[]>): string[] {
  const unknown = stepNames.filter((n) => !edges.has(n));
  if (unknown.length) {
    throw new AppError(
      'USAGE',
      `Unknown step${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; the workflow's steps are: ${[...edges.keys()].join(', ')}`,
    );
  }
  const seen = new Set<string>();
  const stack = [...stepNames];
  while (stack.length) {
    const v = stack.pop() as string;
    if (seen.has(v)) continue;
    seen.add(v);
    for (const w of edges.get(v) ?? []) stack.push(w);
  }
  return [...edges.keys()].filter((n) => seen.has(n));
}

/**
 * The given steps and every step that depends on them, directly or not ("run from this step on"),
 * in file order. Throws AppError('USAGE') for an unknown step name.
 */
export function downstreamOf(spec: WorkflowSpec, stepNames: readonly string[]): string[] {
  return closure(spec, stepNames, stepDependants(spec));
}

/**
 * The given steps and every step they depend on, directly or not ("run up to this step"), in file order.
 * Throws AppError('USAGE') for an unknown step name.
 */
export function upstreamOf(spec: WorkflowSpec, stepNames: readonly string[]): string[] {
  return closure(spec, stepNames, stepDependencies(spec));
}
