/**
 * Auto-layout with ELK's layered algorithm, left to right. Pure apart from being asynchronous:
 * takes nodes (with measured sizes when React Flow has them) and edges, returns new positions.
 */
import type { ELK, ElkNode } from 'elkjs/lib/elk-api.js';
import { NODE_WIDTH, estimateNodeHeight } from './convert.js';
import type { AppEdge, AppNode } from './types.js';

/**
 * elkjs is CommonJS: a bundler hands over its default export, Node's ESM loader the whole
 * `module.exports` (whose `.default` is the same constructor). Take whichever is the constructor.
 */
function elkConstructor(m: unknown): new () => ELK {
  let x = m;
  for (let i = 0; i < 3; i++) {
    if (typeof x === 'function' || x === null || typeof x !== 'object' || !('default' in x)) break;
    x = x.default;
  }
  if (typeof x !== 'function') throw new Error('elkjs did not load');
  return x as new () => ELK;
}

let elk: ELK | null = null;

const OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.layered.spacing.nodeNodeBetweenLayers': '70',
  'elk.spacing.nodeNode': '36',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
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
): Promise<Record<string, { x: number; y: number }>> {
  const ids = new Set(nodes.map((n) => n.id));
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: OPTIONS,
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
  // Loaded on first use: ELK is most of the bundle and only auto-layout needs it.
  elk ??= new (elkConstructor(await import('elkjs/lib/elk.bundled.js')))();
  let out = await elk.layout(graph);
  const ratio = (out.width ?? 1) / Math.max(1, out.height ?? 1);
  if (aspect !== undefined && aspect > 0 && ratio > Math.max(2.4, aspect * 1.8)) {
    out = await elk.layout({
      ...graph,
      layoutOptions: { ...OPTIONS, 'elk.layered.wrapping.strategy': 'MULTI_EDGE', 'elk.aspectRatio': String(aspect), 'elk.layered.wrapping.additionalEdgeSpacing': '24' },
    });
  }
  const positions: Record<string, { x: number; y: number }> = {};
  for (const c of out.children ?? []) positions[c.id] = { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) };
  return positions;
}
