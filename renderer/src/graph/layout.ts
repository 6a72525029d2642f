/**
 * Auto-layout with ELK's layered algorithm, left to right. Pure apart from being asynchronous:
 * takes nodes (with measured sizes when React Flow has them) and edges, returns new positions.
 */
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import { NODE_WIDTH, estimateNodeHeight } from './convert.js';
import { elkConstructor } from './elk-constructor.js';
import type { ElkLike } from './elk-constructor.js';
import type { AppEdge, AppNode } from './types.js';

export type { ElkLike };

let inThread: Promise<ElkLike> | null = null;
let worker: Promise<{ elk: ElkLike; failed: Promise<never> } | null> | null = null;

/** ELK in this thread (Node, tests; or the page when no worker can run). Loaded on first use: it is big. */
export function inThreadElk(): Promise<ElkLike> {
  return (inThread ??= import('elkjs/lib/elk.bundled.js').then((m) => new (elkConstructor(m))()));
}

/** ELK in a Web Worker, where the page has workers; null elsewhere. */
function workerElk(): Promise<{ elk: ElkLike; failed: Promise<never> } | null> {
  if (typeof (globalThis as { Worker?: unknown }).Worker !== 'function') return Promise.resolve(null);
  return (worker ??= import('./elk-worker.js').then((m) => m.createWorkerElk()).catch(() => null));
}

/**
 * Lays `graph` out in the worker where there is one (seconds of ELK for a few hundred steps would
 * otherwise freeze the page), else in this thread; a worker that cannot run is dropped for good and
 * the layout done here.
 */
async function runLayout(graph: ElkNode): Promise<ElkNode> {
  const w = await workerElk();
  if (w) {
    try {
      return await Promise.race([w.elk.layout(graph), w.failed]);
    } catch (e) {
      worker = Promise.resolve(null);
      console.warn(`Auto-layout runs in the page: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return (await inThreadElk()).layout(graph);
}

/**
 * Left to right in layers. Simple node placement (each layer packed and centred) and tight edge
 * spacing keep a big graph compact and the layout quick: with Brandes–Köpf placement and ELK's
 * default edge spacing (room for orthogonal edge routes, which the canvas does not draw — React
 * Flow draws its own curves) the 500-step benchmark graph came out 14,974 × 59,301 px, because
 * Brandes–Köpf keeps long edges straight by stretching the layers; network simplex gave
 * 9,136 × 7,101 in twice the time; this 9,136 × 4,556 (bench/canvas.ts, docs/benchmarks.md).
 */
export const LAYOUT_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.layered.spacing.nodeNodeBetweenLayers': '70',
  'elk.spacing.nodeNode': '36',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
  'elk.layered.spacing.edgeNodeBetweenLayers': '4',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '2',
  'elk.spacing.edgeNode': '6',
  'elk.spacing.edgeEdge': '2',
  'elk.layered.crossingMinimization.semiInteractive': 'true',
  'elk.separateConnectedComponents': 'true',
  'elk.spacing.componentComponent': '60',
};

/**
 * Positions for every node. With `aspect` (the canvas's width / height), a chain much wider than
 * the canvas is wrapped into rows (ELK's graph wrapping, still left to right within each row), so
 * a long pipeline stays readable instead of shrinking to a thin strip.
 */
export async function computeLayout(
  nodes: readonly AppNode[],
  edges: readonly AppEdge[],
  inputCount = 0,
  aspect?: number,
  layout: (graph: ElkNode) => Promise<ElkNode> = runLayout,
): Promise<Record<string, { x: number; y: number }>> {
  const ids = new Set(nodes.map((n) => n.id));
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: LAYOUT_OPTIONS,
    children: nodes.map((n) => ({
      id: n.id,
      width: n.measured?.width ?? NODE_WIDTH,
      height: n.measured?.height ?? estimateNodeHeight(n, inputCount),
      // Keeps the current vertical order as the starting point (semi-interactive crossing minimisation).
      layoutOptions: { 'elk.position': `(${Math.round(n.position.x)}, ${Math.round(n.position.y)})` },
    })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target)
      .map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  let out = await layout(graph);
  const ratio = (out.width ?? 1) / Math.max(1, out.height ?? 1);
  if (aspect !== undefined && aspect > 0 && ratio > Math.max(2.4, aspect * 1.8)) {
    out = await layout({
      ...graph,
      layoutOptions: { ...LAYOUT_OPTIONS, 'elk.layered.wrapping.strategy': 'MULTI_EDGE', 'elk.aspectRatio': String(aspect), 'elk.layered.wrapping.additionalEdgeSpacing': '24' },
    });
  }
  const positions: Record<string, { x: number; y: number }> = {};
  for (const c of out.children ?? []) positions[c.id] = { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) };
  return positions;
}
