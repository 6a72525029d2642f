/**
 * Memoised views of the state for components: computed once per nodes array / validation result
 * (WeakMap on the immutable input), so node components can select a piece by step name cheaply.
 */
import type { Problem } from '../../../common/errors.js';
import { parseTemplate } from '../../../common/workflow/references.js';
import { referenceAttr } from '../graph/edges.js';
import type { AppNode, StepData } from '../graph/types.js';
import { isStepNode } from '../graph/types.js';
import { problemsByStep } from './problems.js';
import type { StepProblems } from './problems.js';
import type { Validation } from './types.js';

const usedCache = new WeakMap<readonly AppNode[], Record<string, string[]>>();
/** Step references of one step's data: parsed once per (immutable) data object. */
const refsCache = new WeakMap<StepData, { step: string; attr: string }[]>();
let previous: Record<string, string[]> = {};

function stepRefs(data: StepData): { step: string; attr: string }[] {
  let refs = refsCache.get(data);
  if (!refs) {
    refs = [];
    for (const p of data.parameters) {
      for (const s of parseTemplate(p.value).segments) {
        if (s.kind === 'reference' && s.ref.kind === 'step' && s.ref.step !== data.name) refs.push({ step: s.ref.step, attr: referenceAttr(s.ref) });
      }
    }
    refsCache.set(data, refs);
  }
  return refs;
}

/**
 * For every step, the output attributes that other steps read. One pass over the references
 * (cached per step data, so a drag that only moves nodes parses nothing), and an unchanged list
 * keeps its identity, so node components do not re-render for it.
 */
export function usedOutputsIndex(nodes: readonly AppNode[]): Record<string, string[]> {
  let idx = usedCache.get(nodes);
  if (idx) return idx;
  const lists: Record<string, string[]> = {};
  for (const n of nodes) {
    if (!isStepNode(n)) continue;
    for (const r of stepRefs(n.data)) {
      const list = (lists[r.step] ??= []);
      if (!list.includes(r.attr)) list.push(r.attr);
    }
  }
  idx = {};
  for (const [step, list] of Object.entries(lists)) {
    const prev = previous[step];
    idx[step] = prev && prev.length === list.length && prev.every((x, i) => x === list[i]) ? prev : list;
  }
  previous = idx;
  usedCache.set(nodes, idx);
  return idx;
}

const problemsCache = new WeakMap<Validation, StepProblems>();
const NONE: StepProblems = { byStep: {}, general: [] };
export const NO_PROBLEMS: Problem[] = [];

export function groupedProblems(v: Validation | null): StepProblems {
  if (!v) return NONE;
  let g = problemsCache.get(v);
  if (!g) {
    g = problemsByStep(v.yaml, v.problems);
    problemsCache.set(v, g);
  }
  return g;
}
