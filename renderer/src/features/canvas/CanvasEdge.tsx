/**
 * Every edge React Flow draws (in full detail; zoomed out LightEdgeLayer paints them): its bezier
 * with the wide invisible path for clicking.
 */
import { memo } from 'react';
import { BaseEdge, getBezierPath } from '@xyflow/react';
import type { EdgeProps } from '@xyflow/react';
import type { AppEdge } from '../../graph/types.js';

function CanvasEdgeView(p: EdgeProps<AppEdge>) {
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
