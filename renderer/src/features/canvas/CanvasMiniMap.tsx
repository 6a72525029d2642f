/**
 * The minimap, drawn on a <canvas>. React Flow's <MiniMap> is an SVG with one React component per
 * node: every frame of a drag re-rendered and re-rasterised all 500 of a big workflow's, which cost
 * a drag a sixth of its frame rate (docs/benchmarks.md, Canvas). This one reads React Flow's store
 * directly and redraws at most once per frame when the nodes, the viewport or the colours change
 * (useCanvasPainter).
 *
 * Like React Flow's: every node as a rectangle in its status colour, the part of the graph outside
 * the view under a mask, and the view moved by pressing or dragging on it (the point under the
 * pointer becomes the centre of the view) and zoomed with the wheel.
 */
import { useCallback, useEffect, useRef } from 'react';
import type { PointerEvent as ReactPointerEvent, WheelEvent as ReactWheelEvent } from 'react';
import { Panel, useReactFlow, useStoreApi } from '@xyflow/react';
import type { InternalNode } from '@xyflow/react';
import type { AppEdge, AppNode } from '../../graph/types.js';
import { flowPictureChanged, viewBox } from './LightEdgeLayer.js';
import type { Box } from './LightEdgeLayer.js';
import { useCanvasPainter } from './useCanvasPainter.js';
import type { ColorOf } from './useCanvasPainter.js';

const WIDTH = 150;
const HEIGHT = 96;
/** Nodes not measured yet (just added) are drawn at about a step's size. */
const DEFAULT_W = 220;
const DEFAULT_H = 80;

export interface MiniMapLayout {
  /** Flow coordinates → minimap pixels: x' = (x - left) * scale + ox. */
  left: number;
  top: number;
  scale: number;
  ox: number;
  oy: number;
}

const miniMapSize = (): { width: number; height: number } => ({ width: WIDTH, height: HEIGHT });

/** The fit of the nodes' bounds and the view's rectangle (both in flow coordinates) into the minimap. */
export function miniMapLayout(nodes: readonly Box[], view: Box, width = WIDTH, height = HEIGHT): MiniMapLayout {
  let x0 = view.x;
  let y0 = view.y;
  let x1 = view.x + view.w;
  let y1 = view.y + view.h;
  for (const n of nodes) {
    x0 = Math.min(x0, n.x);
    y0 = Math.min(y0, n.y);
    x1 = Math.max(x1, n.x + n.w);
    y1 = Math.max(y1, n.y + n.h);
  }
  const pad = 0.05 * Math.max(x1 - x0, y1 - y0);
  x0 -= pad;
  y0 -= pad;
  x1 += pad;
  y1 += pad;
  const scale = Math.min(width / Math.max(1, x1 - x0), height / Math.max(1, y1 - y0));
  return { left: x0, top: y0, scale, ox: (width - (x1 - x0) * scale) / 2, oy: (height - (y1 - y0) * scale) / 2 };
}

/** Minimap pixels → flow coordinates. */
export function miniMapToFlow(l: MiniMapLayout, px: number, py: number): { x: number; y: number } {
  return { x: (px - l.ox) / l.scale + l.left, y: (py - l.oy) / l.scale + l.top };
}

function nodeBox(n: InternalNode<AppNode>): Box {
  const p = n.internals.positionAbsolute;
  return { x: p.x, y: p.y, w: n.measured.width ?? n.width ?? DEFAULT_W, h: n.measured.height ?? n.height ?? DEFAULT_H };
}

/**
 * `colorOf`: the custom property (e.g. `--st-finished`) a node is drawn in. `colorKey` changes when
 * those colours do (new statuses): the map is redrawn.
 */
export function CanvasMiniMap({ colorOf, colorKey }: { colorOf: (n: AppNode) => string; colorKey: unknown }) {
  const store = useStoreApi<AppNode, AppEdge>();
  const flow = useReactFlow<AppNode, AppEdge>();
  const layout = useRef<MiniMapLayout | null>(null);

  const paint = useCallback(
    (ctx: CanvasRenderingContext2D, canvas: HTMLCanvasElement, color: ColorOf) => {
      const s = store.getState();
      const boxes: { box: Box; fill: string }[] = [];
      for (const n of s.nodes) {
        const internal = s.nodeLookup.get(n.id);
        if (internal && !n.hidden) boxes.push({ box: nodeBox(internal), fill: color(colorOf(n)) });
      }
      const view = viewBox(s);
      const l = miniMapLayout(
        boxes.map((b) => b.box),
        view,
      );
      layout.current = l;
      ctx.fillStyle = color('--panel');
      ctx.fillRect(0, 0, WIDTH, HEIGHT);
      // One fill per colour (a status), not one per node.
      const byFill = new Map<string, Box[]>();
      for (const b of boxes) {
        const list = byFill.get(b.fill);
        if (list) list.push(b.box);
        else byFill.set(b.fill, [b.box]);
      }
      for (const [fill, list] of byFill) {
        ctx.fillStyle = fill;
        ctx.beginPath();
        for (const b of list) {
          ctx.rect(
            (b.x - l.left) * l.scale + l.ox,
            (b.y - l.top) * l.scale + l.oy,
            Math.max(1, b.w * l.scale),
            Math.max(1, b.h * l.scale),
          );
        }
        ctx.fill();
      }
      // The mask: everything but the view.
      ctx.fillStyle = color('--mm-mask');
      ctx.beginPath();
      ctx.rect(0, 0, WIDTH, HEIGHT);
      ctx.rect((view.x - l.left) * l.scale + l.ox, (view.y - l.top) * l.scale + l.oy, view.w * l.scale, view.h * l.scale);
      ctx.fill('evenodd');
      canvas.dataset.nodes = String(boxes.length);
    },
    // colorKey: the colours changed (new statuses), though colorOf may be the same function.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [store, colorOf, colorKey],
  );
  const { ref: canvasRef, schedule } = useCanvasPainter(paint, miniMapSize);

  useEffect(
    () =>
      store.subscribe((s, prev) => {
        if (flowPictureChanged(s, prev)) schedule();
      }),
    [store, schedule],
  );

  const centreOn = (e: ReactPointerEvent<HTMLCanvasElement>): void => {
    const l = layout.current;
    if (!l) return;
    const r = e.currentTarget.getBoundingClientRect();
    const p = miniMapToFlow(l, e.clientX - r.left, e.clientY - r.top);
    void flow.setCenter(p.x, p.y, { zoom: store.getState().transform[2] });
  };

  return (
    <Panel position="bottom-right" className="minimap">
      <canvas
        ref={canvasRef}
        data-testid="minimap"
        role="img"
        aria-label="Mini map of the workflow: press or drag to move the view, scroll to zoom"
        style={{ width: WIDTH, height: HEIGHT }}
        onPointerDown={(e) => {
          if (e.button !== 0) return;
          e.currentTarget.setPointerCapture(e.pointerId);
          centreOn(e);
        }}
        onPointerMove={(e) => {
          if (e.currentTarget.hasPointerCapture(e.pointerId)) centreOn(e);
        }}
        onWheel={(e: ReactWheelEvent<HTMLCanvasElement>) => {
          const s = store.getState();
          const zoom = Math.min(s.maxZoom, Math.max(s.minZoom, s.transform[2] * (e.deltaY < 0 ? 1.2 : 1 / 1.2)));
          void flow.zoomTo(zoom);
        }}
      />
    </Panel>
  );
}
