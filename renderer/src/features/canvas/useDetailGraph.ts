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
import { lightNode } from './detail.js';
import type { Detail } from './detail.js';

/** The ids of the nodes being dragged, as one string (stable through a drag's ticks). */
export function draggingKey(nodes: readonly AppNode[]): string {
  let key = '';
  for (const n of nodes) if (n.dragging) key += `${n.id}\n`;
  return key;
}

/** An edge that moves with a dragged node: styled as such (canvas.css gives it a layer of its own). */
export const MOVING_EDGE_CLASS = 'moving-edge';

/**
 * The edges with those of the dragged nodes (`dragging`, from draggingKey) marked with
 * MOVING_EDGE_CLASS; the others, and the array when nothing is dragged, as they were.
 */
export function markMovingEdges(edges: AppEdge[], dragging: string): AppEdge[] {
  if (!dragging) return edges;
  const ids = new Set(dragging.split('\n'));
  return edges.map((e) =>
    ids.has(e.source) || ids.has(e.target)
      ? { ...e, className: e.className ? `${e.className} ${MOVING_EDGE_CLASS}` : MOVING_EDGE_CLASS }
      : e,
  );
}

/**
 * The edges React Flow draws in full detail: the store's own, with the dragged nodes' edges marked
 * (markMovingEdges). The array is made again when the edges or the set of dragged nodes change: at a
 * drag's start and end, not at each of its ticks. Zoomed out React Flow draws none (LightEdgeLayer
 * paints them): the array is not made.
 */
export function useDetailEdges(edges: AppEdge[], detail: Detail, dragging: string): AppEdge[] {
  return useMemo(() => (detail === 'light' ? NO_EDGES : markMovingEdges(edges, dragging)), [edges, detail, dragging]);
}
const NO_EDGES: AppEdge[] = [];

interface RowsInput {
  ep: EntryPointSpec | null;
  metricKeys: readonly string[];
  used: readonly string[];
  added: readonly string[];
  rows: number;
}

/**
 * The nodes React Flow draws at a level of detail: at light detail each step with its box's size
 * (lightNode); the same array at full detail. Per step, the row count is computed
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
