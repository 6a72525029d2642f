/**
 * The nodes and edges React Flow draws at the canvas's level of detail (detail.ts): light copies
 * zoomed out, the store's own in full detail.
 */
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { EntryPointSpec } from '../../../../common/types.js';
import type { AppEdge, AppNode, StepNode } from '../../graph/types.js';
import { isStepNode } from '../../graph/types.js';
import { stepRows } from '../../lib/step-checks.js';
import { useAppStore } from '../../store/context.js';
import { usedOutputsIndex } from '../../store/derived.js';
import { entryPointFor } from '../../store/selectors.js';
import { lightEdge, lightNode } from './detail.js';
import type { Detail } from './detail.js';

/** The edges React Flow draws at a level of detail (the same array at full detail). */
export function useDetailEdges(edges: AppEdge[], detail: Detail): AppEdge[] {
  return useMemo(() => (detail === 'light' ? edges.map(lightEdge) : edges), [edges, detail]);
}

interface RowsInput {
  ep: EntryPointSpec | null;
  metricKeys: readonly string[];
  used: readonly string[];
  added: readonly string[];
  rows: number;
}

/**
 * The nodes React Flow draws at a level of detail: at light detail each step with its box's size
 * and handles (lightHandles); the same array at full detail. Per step, the row count is computed
 * again only when what it depends on changed, and the light copy only when the step did: a drag
 * tick re-makes one node, not 500.
 */
export function useDetailNodes(nodes: AppNode[], detail: Detail): AppNode[] {
  const { file, projects, knownKeys, addedOutputs } = useAppStore(
    useShallow((s) => ({ file: s.file, projects: s.projects, knownKeys: s.knownKeys, addedOutputs: s.addedOutputs })),
  );
  // Entry points by project and name, and row counts by step, for this file and these projects.
  const cache = useMemo(() => ({ file, projects, eps: new Map<string, EntryPointSpec | null>(), rows: new WeakMap<StepNode['data'], RowsInput>() }), [file, projects]);
  return useMemo(() => {
    if (detail !== 'light') return nodes;
    const used = usedOutputsIndex(nodes);
    return nodes.map((n) => {
      if (!isStepNode(n)) return n;
      const key = `${n.data.project}\n${n.data.entryPoint}`;
      let ep = cache.eps.get(key);
      if (ep === undefined) {
        ep = entryPointFor(cache, n.data);
        cache.eps.set(key, ep);
      }
      const metricKeys = knownKeys[n.id]?.metrics ?? NO_KEYS;
      const usedHere = used[n.id] ?? NO_KEYS;
      const added = addedOutputs[n.id] ?? NO_KEYS;
      let r = cache.rows.get(n.data);
      if (!r || r.ep !== ep || r.metricKeys !== metricKeys || r.used !== usedHere || r.added !== added) {
        r = { ep, metricKeys, used: usedHere, added, rows: stepRows(ep, n.data, metricKeys, usedHere, added) };
        cache.rows.set(n.data, r);
      }
      return lightNode(n, r.rows);
    });
  }, [nodes, detail, cache, knownKeys, addedOutputs]);
}
const NO_KEYS: string[] = [];
