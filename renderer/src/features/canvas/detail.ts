/**
 * Level of detail. Below LOW_DETAIL_ZOOM a step is drawn light — its name and status colour, no
 * parameter or output rows — and edges as plain straight lines. At that zoom the rows' 11 px text
 * is under 5 px on screen, unreadable and too small to wire; drawing it is most of the work of a
 * big canvas: each full step is ~43 DOM elements (layout, paint, layerisation and hit testing walk
 * all of them in every frame in which something moves), a light one ~5. Zoom in to edit.
 */
import { createContext, useContext, useMemo } from 'react';
import type { AppEdge } from '../../graph/types.js';
import { INPUTS_NODE_ID, handleIds } from '../../graph/types.js';

/** Steps are drawn light below this zoom (React Flow's viewport scale), in full at and above it. */
export const LOW_DETAIL_ZOOM = 0.45;

export type Detail = 'full' | 'light';

export function detailForZoom(zoom: number): Detail {
  return zoom < LOW_DETAIL_ZOOM ? 'light' : 'full';
}

/** Provided by the canvas from its zoom; read by step nodes and edges. */
export const DetailContext = createContext<Detail>('full');

export function useDetail(): Detail {
  return useContext(DetailContext);
}

/**
 * An edge as drawn at light detail: it ends on the step's ordering handles, the only ones a light
 * step has (two per step instead of one per wired parameter and output; ~2,000 fewer handles to
 * render and measure at 500 steps and 800 edges). The ends are the middles of the step's sides, as
 * before. The id and everything else are the edge's own, so selection and removal still apply to
 * it. Cached per edge object: an unchanged edge keeps its light copy, and React Flow its work.
 */
const lightCache = new WeakMap<AppEdge, AppEdge>();
export function lightEdge(e: AppEdge): AppEdge {
  let light = lightCache.get(e);
  if (!light) {
    light = {
      ...e,
      sourceHandle: e.source === INPUTS_NODE_ID ? e.sourceHandle : handleIds.needsOut,
      targetHandle: e.target === INPUTS_NODE_ID ? e.targetHandle : handleIds.needsIn,
    };
    lightCache.set(e, light);
  }
  return light;
}

/** The edges React Flow draws at a level of detail (the same array at full detail). */
export function useDetailEdges(edges: AppEdge[], detail: Detail): AppEdge[] {
  return useMemo(() => (detail === 'light' ? edges.map(lightEdge) : edges), [edges, detail]);
}
