/**
 * Every edge of the canvas: React Flow's bezier edge (with its wide invisible path for clicking)
 * in full detail; zoomed out (detail.ts) a plain straight line — one SVG path instead of two
 * curves, cheaper to draw, and nothing to hit-test on a canvas too small to click an edge on.
 */
import { memo } from 'react';
import { BaseEdge, getBezierPath } from '@xyflow/react';
import type { EdgeProps } from '@xyflow/react';
import type { AppEdge } from '../../graph/types.js';
import { useDetail } from './detail.js';

function CanvasEdgeView(p: EdgeProps<AppEdge>) {
  const detail = useDetail();
  if (detail === 'light') {
    return (
      <path
        d={`M${p.sourceX},${p.sourceY}L${p.targetX},${p.targetY}`}
        fill="none"
        className="react-flow__edge-path"
        style={p.style}
        markerEnd={p.markerEnd}
        markerStart={p.markerStart}
      />
    );
  }
  const [path] = getBezierPath({
    sourceX: p.sourceX,
    sourceY: p.sourceY,
    sourcePosition: p.sourcePosition,
    targetX: p.targetX,
    targetY: p.targetY,
    targetPosition: p.targetPosition,
  });
  return <BaseEdge path={path} style={p.style} markerEnd={p.markerEnd} markerStart={p.markerStart} interactionWidth={p.interactionWidth} />;
}

export const CanvasEdgeMemo = memo(CanvasEdgeView);
