/**
 * Level of detail. Below LOW_DETAIL_ZOOM a step is drawn light — its name and status colour, no
 * parameter or output rows — and edges as plain straight lines. At that zoom the rows' 11 px text
 * is under 5 px on screen, unreadable and too small to wire; drawing it is most of the work of a
 * big canvas: each full step is ~43 DOM elements (layout, paint, layerisation and hit testing walk
 * all of them in every frame in which something moves), a light one ~5. Zoom in to edit.
 */
import { createContext, useContext } from 'react';
import { Position } from '@xyflow/react';
import { STEP_WIDTH, fullStepHeight } from '../../graph/convert.js';
import type { AppEdge, StepNode } from '../../graph/types.js';
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

/**
 * A light step's two handles as React Flow measures them (relative to the node's box): 6 px squares
 * at the middles of its sides (canvas.css .lod-handle). Given to React Flow with the box's size (its
 * documented way to draw nodes it has not measured), so that a big workflow opened zoomed out is
 * drawn, edges included, in its first render: without them React Flow hides the 500 steps until it
 * has measured each one and its handles, then renders them all again. It still measures them once
 * they are in the DOM (its ResizeObserver re-reads every handle a node renders, which is why a light
 * step keeps its two), and finds these. The e2e test in canvas-detail.test.ts checks these against
 * the handles in the DOM.
 */
export function lightHandles(height: number): NonNullable<StepNode['handles']> {
  const y = (height - LIGHT_HANDLE) / 2;
  return [
    { id: handleIds.needsIn, type: 'target', position: Position.Left, x: -3.5, y, width: LIGHT_HANDLE, height: LIGHT_HANDLE },
    { id: handleIds.needsOut, type: 'source', position: Position.Right, x: STEP_WIDTH - 2.5, y, width: LIGHT_HANDLE, height: LIGHT_HANDLE },
  ];
}
const LIGHT_HANDLE = 6;

const lightNodes = new WeakMap<StepNode, { rows: number; node: StepNode }>();
/** A step as drawn light (cached per step object and row count). */
export function lightNode(n: StepNode, rows: number): StepNode {
  const hit = lightNodes.get(n);
  if (hit?.rows === rows) return hit.node;
  const height = fullStepHeight(rows);
  const node: StepNode = { ...n, measured: { width: STEP_WIDTH, height }, handles: lightHandles(height) };
  lightNodes.set(n, { rows, node });
  return node;
}

