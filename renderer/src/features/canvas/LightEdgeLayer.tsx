/**
 * Zoomed out (detail.ts) the edges are painted on one <canvas>, not drawn by React Flow. There they
 * are straight lines without a click area, too thin to point at; as React Flow's, each was a React
 * component subscribed to React Flow's store (800 of them ran their selectors on every tick of a
 * drag) and an <svg> that style, layout, layerisation and hit testing walked in every frame.
 * Computing and stroking the 800 lines takes ~0.25 ms of script per frame (a profiled drag at zoom
 * 0.15). Zoom in to select an edge: in full detail React Flow draws them again.
 *
 * The lines are those React Flow drew: from the middle of the source step's right side to the
 * middle of the target step's left side (where the light steps' handles were, LIGHT_END_OUT outside
 * the box), or from the workflow inputs' handle; in flow coordinates, so the same width and dashes
 * at every zoom, coloured by kind as in styles.css. None is selected there (Canvas deselects them).
 *
 * The canvas lies above the nodes in a compositor layer of its own (canvas.css), and the nodes'
 * boxes are erased from it, so the lines still pass under the steps. Under them, the layer made
 * Chromium composite the 500 steps that overlap it; without a layer of its own, each repaint made
 * it rasterise the page's tiles under the whole canvas again.
 */
import { useCallback, useEffect } from 'react';
import { Position, useStoreApi } from '@xyflow/react';
import type { InternalNode, ReactFlowState } from '@xyflow/react';
import type { AppEdge, AppNode } from '../../graph/types.js';
import { isStepNode } from '../../graph/types.js';
import type { ColorOf } from './useCanvasPainter.js';
import { useCanvasPainter } from './useCanvasPainter.js';

/** How far outside a step's box its edges end (where its light handles were: 3.5 px). */
export const LIGHT_END_OUT = 3.5;

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The width of a selected light step's outline (canvas.css .step-node.lod.selected). */
const SELECTED_OUTLINE = 3;

/** What a line is drawn as, in drawing order. */
export const INKS = ['needs', 'input', 'data'] as const;
export type Ink = (typeof INKS)[number];

const INK_STYLE: Record<Ink, { color: string; width: number; dash: number[] }> = {
  needs: { color: '--edge-needs', width: 1.6, dash: [5, 4] },
  input: { color: '--edge-input', width: 1.6, dash: [] },
  data: { color: '--edge-data', width: 1.6, dash: [] },
};

export function inkOf(e: AppEdge): Ink {
  return e.data?.kind ?? 'data';
}

/**
 * Where an edge ends on a node (flow coordinates): the middle of a step's side, or — for the
 * workflow inputs — the outer side of the named handle as React Flow places it. Null while the node
 * has no size or the handle is not measured yet.
 */
export function lightEdgeEnd(node: InternalNode<AppNode>, handle: string | null | undefined, type: 'source' | 'target'): Point | null {
  const p = node.internals.positionAbsolute;
  const w = node.measured.width ?? node.width;
  const h = node.measured.height ?? node.height;
  if (w === undefined || h === undefined) return null;
  if (isStepNode(node.internals.userNode)) {
    return type === 'source' ? { x: p.x + w + LIGHT_END_OUT, y: p.y + h / 2 } : { x: p.x - LIGHT_END_OUT, y: p.y + h / 2 };
  }
  const b = node.internals.handleBounds?.[type]?.find((x) => x.id === handle);
  if (!b) return null;
  switch (b.position) {
    case Position.Left:
      return { x: p.x + b.x, y: p.y + b.y + b.height / 2 };
    case Position.Right:
      return { x: p.x + b.x + b.width, y: p.y + b.y + b.height / 2 };
    case Position.Top:
      return { x: p.x + b.x + b.width / 2, y: p.y + b.y };
    default:
      return { x: p.x + b.x + b.width / 2, y: p.y + b.y + b.height };
  }
}

export interface LightLines {
  /** Per ink, the lines as x1, y1, x2, y2 in flow coordinates. */
  lines: Record<Ink, number[]>;
  /** The boxes of the nodes in view, as x, y, w, h in flow coordinates: erased after the lines. */
  boxes: number[];
  /** Edges with both ends known (drawn, or out of view). */
  count: number;
  /** Of them, those that cross the view and were drawn. */
  inView: number;
}

/** The lines of the edges whose ends are known, those crossing `view` (flow coordinates) kept. */
export function lightLines(edges: readonly AppEdge[], lookup: ReadonlyMap<string, InternalNode<AppNode>>, view: Box): LightLines {
  const lines: Record<Ink, number[]> = { needs: [], input: [], data: [] };
  const boxes: number[] = [];
  let count = 0;
  let inView = 0;
  const x0 = view.x;
  const y0 = view.y;
  const x1 = view.x + view.w;
  const y1 = view.y + view.h;
  for (const n of lookup.values()) {
    const w = n.measured.width ?? n.width;
    const h = n.measured.height ?? n.height;
    const p = n.internals.positionAbsolute;
    if (n.hidden || w === undefined || h === undefined || p.x > x1 || p.y > y1 || p.x + w < x0 || p.y + h < y0) continue;
    // A selected step's outline (canvas.css) is outside its box.
    const o = n.selected ? SELECTED_OUTLINE : 0;
    boxes.push(p.x - o, p.y - o, w + 2 * o, h + 2 * o);
  }
  for (const e of edges) {
    const sn = lookup.get(e.source);
    const tn = lookup.get(e.target);
    if (!sn || !tn || sn.hidden || tn.hidden) continue;
    const s = lightEdgeEnd(sn, e.sourceHandle, 'source');
    const t = lightEdgeEnd(tn, e.targetHandle, 'target');
    if (!s || !t) continue;
    count++;
    if (Math.max(s.x, t.x) < x0 || Math.min(s.x, t.x) > x1 || Math.max(s.y, t.y) < y0 || Math.min(s.y, t.y) > y1) continue;
    inView++;
    lines[inkOf(e)].push(s.x, s.y, t.x, t.y);
  }
  return { lines, boxes, count, inView };
}

/**
 * Whether a React Flow store change moves what a canvas drawn from it shows: the nodes (React Flow
 * replaces the array when they move, are measured or selected), the view or the pane's size.
 */
export function flowPictureChanged(s: ReactFlowState<AppNode, AppEdge>, prev: ReactFlowState<AppNode, AppEdge>): boolean {
  return s.nodes !== prev.nodes || s.transform !== prev.transform || s.width !== prev.width || s.height !== prev.height;
}

/** The part of the flow in view (flow coordinates). */
export function viewBox(s: Pick<ReactFlowState, 'transform' | 'width' | 'height'>): Box {
  const [tx, ty, zoom] = s.transform;
  return { x: -tx / zoom, y: -ty / zoom, w: s.width / zoom, h: s.height / zoom };
}

/**
 * One path and one stroke per ink, then the nodes' boxes cleared (one fill). `ctx` is in CSS
 * pixels; the view's transform is applied here.
 */
export function paintLightLines(ctx: CanvasRenderingContext2D, l: LightLines, transform: readonly [number, number, number], color: ColorOf): void {
  const [tx, ty, zoom] = transform;
  ctx.transform(zoom, 0, 0, zoom, tx, ty);
  for (const ink of INKS) {
    const pts = l.lines[ink];
    if (pts.length === 0) continue;
    const style = INK_STYLE[ink];
    ctx.beginPath();
    for (let i = 0; i < pts.length; i += 4) {
      ctx.moveTo(pts[i]!, pts[i + 1]!);
      ctx.lineTo(pts[i + 2]!, pts[i + 3]!);
    }
    ctx.strokeStyle = color(style.color);
    ctx.lineWidth = style.width;
    ctx.setLineDash(style.dash);
    ctx.stroke();
  }
  ctx.globalCompositeOperation = 'destination-out';
  ctx.beginPath();
  for (let i = 0; i < l.boxes.length; i += 4) ctx.rect(l.boxes[i]!, l.boxes[i + 1]!, l.boxes[i + 2]!, l.boxes[i + 3]!);
  ctx.fillStyle = '#000';
  ctx.fill();
  ctx.globalCompositeOperation = 'source-over';
}

/** The edges zoomed out: repainted when they, the nodes, the view or the pane's size change. */
export function LightEdgeLayer({ edges }: { edges: AppEdge[] }) {
  const store = useStoreApi<AppNode, AppEdge>();
  const size = useCallback(() => {
    const s = store.getState();
    return { width: s.width, height: s.height };
  }, [store]);
  const paint = useCallback(
    (ctx: CanvasRenderingContext2D, canvas: HTMLCanvasElement, color: ColorOf) => {
      const s = store.getState();
      const l = lightLines(edges, s.nodeLookup, viewBox(s));
      paintLightLines(ctx, l, s.transform, color);
      canvas.dataset.edges = String(l.count);
    },
    [store, edges],
  );
  const { ref, schedule } = useCanvasPainter(paint, size);
  useEffect(
    () =>
      store.subscribe((s, prev) => {
        if (flowPictureChanged(s, prev)) schedule();
      }),
    [store, schedule],
  );
  return <canvas ref={ref} className="light-edges" data-testid="light-edges" aria-hidden="true" />;
}
