/**
 * Level of detail. Below LOW_DETAIL_ZOOM a step is drawn light — its name and status colour, no
 * parameter or output rows — and edges as plain straight lines. At that zoom the rows' 11 px text
 * is under 5 px on screen, unreadable and too small to wire; drawing it is most of the work of a
 * big canvas: each full step is ~43 DOM elements (layout, paint, layerisation and hit testing walk
 * all of them in every frame in which something moves), a light one ~5. Zoom in to edit.
 */
import { createContext, useContext } from 'react';

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
