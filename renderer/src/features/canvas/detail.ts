/**
 * Level of detail. Below LOW_DETAIL_ZOOM a step is drawn light — its name and status colour, no
 * parameter or output rows, no handles — and edges as plain straight lines painted on a canvas
 * (LightEdgeLayer.tsx). At that zoom the rows' 11 px text is under 5 px on screen, unreadable and
 * too small to wire; drawing it is most of the work of a big canvas: each full step is ~43 DOM
 * elements (layout, paint, layerisation and hit testing walk all of them in every frame in which
 * something moves), a light one ~5. Zoom in to edit.
 */
import { createContext, useContext } from 'react';
import { STEP_WIDTH, fullStepHeight } from '../../graph/convert.js';
import type { StepNode } from '../../graph/types.js';

/** Steps are drawn light below this zoom (React Flow's viewport scale), in full at and above it. */
export const LOW_DETAIL_ZOOM = 0.45;

export type Detail = 'full' | 'light';

export function detailForZoom(zoom: number): Detail {
  return zoom < LOW_DETAIL_ZOOM ? 'light' : 'full';
}

/** Provided by the canvas from its zoom; read by the step nodes. */
export const DetailContext = createContext<Detail>('full');

export function useDetail(): Detail {
  return useContext(DetailContext);
}

const lightNodes = new WeakMap<StepNode, { rows: number; node: StepNode }>();
/**
 * A step as drawn light (cached per step object and row count), with its box's size: React Flow's
 * documented way to draw nodes it has not measured, so that a big workflow opened zoomed out is
 * drawn in its first render (without it React Flow hides the 500 steps until it has measured each
 * one, then renders them all again). A light step has no handles: its edges are painted by
 * LightEdgeLayer from these boxes.
 */
export function lightNode(n: StepNode, rows: number): StepNode {
  const hit = lightNodes.get(n);
  if (hit?.rows === rows) return hit.node;
  const node: StepNode = { ...n, measured: { width: STEP_WIDTH, height: fullStepHeight(rows) } };
  lightNodes.set(n, { rows, node });
  return node;
}

