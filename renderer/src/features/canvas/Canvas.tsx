/**
 * The React Flow canvas, controlled by the store (React Flow's Zustand pattern). Dropping an entry
 * point creates a step; drawing a connection writes a reference or a `needs` entry; a refused
 * connection says why. Deletion goes through the store's own shortcut (one undo step, references
 * cleaned up), so React Flow's delete key is off.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { DragEvent, RefObject } from 'react';
import {
  Background,
  BackgroundVariant,
  ConnectionLineType,
  Controls,
  ReactFlow,
  getViewportForBounds,
  useNodesInitialized,
  useReactFlow,
  useStore,
  useStoreApi,
} from '@xyflow/react';
import type { Connection, Edge, EdgeTypes, NodeTypes, OnConnectEnd } from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import { graphBounds } from '../../graph/convert.js';
import type { AppEdge, AppNode } from '../../graph/types.js';
import { isStepNode } from '../../graph/types.js';
import { useAppStore, useAppStoreApi } from '../../store/context.js';
import { statusLabel, waitsForProjects } from '../../store/selectors.js';
import { DRAG_MIME } from '../../hooks/useAddStep.js';
import { FIT_OPTIONS, useLayoutAndFit } from '../../hooks/useLayoutAndFit.js';
import type { DraggedEntryPoint } from '../../hooks/useAddStep.js';
import { CanvasEdgeMemo } from './CanvasEdge.js';
import { CanvasMiniMap } from './CanvasMiniMap.js';
import { LightEdgeLayer } from './LightEdgeLayer.js';
import { DetailContext, detailForZoom } from './detail.js';
import { draggingKey, useDetailEdges, useDetailNodes } from './useDetailGraph.js';
import { InputsNodeMemo } from './InputsNode.js';
import { StepNodeMemo } from './StepNode.js';
import { useFrameNodeChanges } from './useFrameNodeChanges.js';
import './canvas.css';

// At module scope, so React Flow never sees a new object (which would remount every node).
const nodeTypes: NodeTypes = { step: StepNodeMemo, inputs: InputsNodeMemo };
const edgeTypes: EdgeTypes = { default: CanvasEdgeMemo };
const NO_NODES: AppNode[] = [];
const NO_EDGES: AppEdge[] = [];
/** The longest a just-opened document waits for its projects before it is drawn anyway. */
export const PROJECTS_WAIT_MS = 1500;
/**
 * Above this many nodes only those in view are rendered (React Flow's onlyRenderVisibleElements) —
 * in full detail. Light steps (zoomed out) are cheap enough to keep all in the DOM, and culling
 * would mount, measure and unmount dozens of them in every frame of a pan across the whole graph.
 */
const CULL_ABOVE = 150;
const MIN_ZOOM = 0.15;

/** Holds a just-opened document back until its projects are open (at most PROJECTS_WAIT_MS). */
function useProjectsSettled(): boolean {
  const waiting = useAppStore(waitsForProjects);
  const doc = useAppStore((s) => s.savedVersion);
  const [gaveUpOn, setGaveUpOn] = useState<number | null>(null);
  useEffect(() => {
    if (!waiting) return;
    const t = setTimeout(() => setGaveUpOn(doc), PROJECTS_WAIT_MS);
    return () => clearTimeout(t);
  }, [waiting, doc]);
  return !waiting || gaveUpOn === doc;
}

/**
 * Light steps' names stay readable when zoomed far out: their font grows as the zoom shrinks (about
 * 12 px on screen, between 30 and 80 px on the canvas), set as one CSS variable on the canvas.
 * Whole pixels, so a pan (same zoom) restyles nothing.
 */
function LightTitleScale({ target }: { target: RefObject<HTMLDivElement | null> }) {
  const px = useStore((s) => Math.round(Math.min(80, Math.max(30, 12 / s.transform[2]))));
  useLayoutEffect(() => {
    target.current?.style.setProperty('--lod-title', `${px}px`);
  }, [px, target]);
  return null;
}

function toConnection(c: Connection | Edge): Connection {
  return { source: c.source, target: c.target, sourceHandle: c.sourceHandle ?? null, targetHandle: c.targetHandle ?? null };
}

export function Canvas() {
  const store = useAppStoreApi();
  const { nodes, edges, onNodesChange, onEdgesChange, connect, needsLayout, file, hasSteps } = useAppStore(
    useShallow((s) => ({
      nodes: s.nodes,
      edges: s.edges,
      onNodesChange: s.onNodesChange,
      onEdgesChange: s.onEdgesChange,
      connect: s.connect,
      needsLayout: s.needsLayout,
      file: s.file,
      hasSteps: s.nodes.length > 0,
    })),
  );
  const flow = useReactFlow<AppNode, AppEdge>();
  const initialized = useNodesInitialized();
  const onNodesChangeFramed = useFrameNodeChanges(onNodesChange);
  // One subscription to the zoom for the whole canvas; nodes and edges read the level from context.
  const detail = useStore((s) => detailForZoom(s.transform[2]));
  const settled = useProjectsSettled();
  const drawnNodes = useDetailNodes(nodes, detail);
  const drawnEdges = useDetailEdges(edges, detail, draggingKey(nodes));
  const canvasRef = useRef<HTMLDivElement>(null);

  // Zoomed out React Flow has no edges (LightEdgeLayer paints them), so it could not deselect one: a
  // click on a step would leave an edge selected with it (in full detail the click deselects it), and
  // the delete key would remove that edge, drawn 0.2 px wide, with the step. Edges are not
  // selectable there: none stays selected (a deleted or copied step takes its edges anyway).
  useEffect(() => {
    if (detail !== 'light') return;
    const selected = edges.filter((e) => e.selected);
    if (selected.length) onEdgesChange(selected.map((e) => ({ id: e.id, type: 'select', selected: false })));
  }, [detail, edges, onEdgesChange]);

  // A workflow opened without positions is laid out once React Flow has measured its nodes.
  const layout = useLayoutAndFit();
  useEffect(() => {
    if (needsLayout && initialized) void layout(false);
  }, [needsLayout, initialized, layout]);

  // A big document just opened is given to React Flow only once the view is fitted to (an estimate
  // of) its bounds. React Flow renders every unmeasured node to measure it; at the default zoom of 1
  // that would be 500 full steps, rendered, measured and then replaced by light ones when the fit
  // zooms out. Held back for one layout effect (before anything is painted) until React Flow's pane
  // has its size and its pan-zoom.
  const flowStore = useStoreApi<AppNode, AppEdge>();
  const paneReady = useStore((s) => !!s.panZoom && s.width > 0 && s.height > 0);
  const [fittedFile, setFittedFile] = useState<string | null | undefined>(undefined);
  const holdBack = nodes.length > CULL_ABOVE && fittedFile !== file && !nodes.some((n) => n.measured);
  const show = settled && !holdBack;
  useLayoutEffect(() => {
    if (!holdBack || !paneReady) return;
    const { inputs } = store.getState();
    const { width, height } = flowStore.getState();
    const view = getViewportForBounds(graphBounds(nodes, inputs.length), width, height, MIN_ZOOM, FIT_OPTIONS.maxZoom, FIT_OPTIONS.padding);
    void flow.setViewport(view);
    // React's pattern for layout that depends on a measurement: set state in a layout effect, and
    // the re-render happens before the browser paints.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setFittedFile(file);
  }, [holdBack, paneReady, nodes, file, store, flowStore, flow]);

  // Another file: show all of it.
  useEffect(() => {
    const t = setTimeout(() => void flow.fitView(FIT_OPTIONS), 60);
    return () => clearTimeout(t);
  }, [file, flow]);

  const isValidConnection = useCallback((c: Connection | Edge) => store.getState().checkConnection(toConnection(c)).ok, [store]);

  const onConnectEnd = useCallback<OnConnectEnd>(
    (_e, state) => {
      if (state.isValid !== false || !state.fromHandle || !state.toHandle) return;
      const from = state.fromHandle;
      const to = state.toHandle;
      const s = store.getState();
      if (from.type === to.type) {
        s.toast('error', from.type === 'source' ? 'Connect an output (right side) to a parameter (left side) of another step.' : 'Connect a parameter (left side) to an output (right side) of another step.');
        return;
      }
      const conn: Connection =
        from.type === 'source'
          ? { source: from.nodeId, sourceHandle: from.id ?? null, target: to.nodeId, targetHandle: to.id ?? null }
          : { source: to.nodeId, sourceHandle: to.id ?? null, target: from.nodeId, targetHandle: from.id ?? null };
      const check = s.checkConnection(conn);
      if (!check.ok) s.toast('error', check.reason);
    },
    [store],
  );

  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(DRAG_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const raw = e.dataTransfer.getData(DRAG_MIME);
      if (!raw) return;
      e.preventDefault();
      const item = JSON.parse(raw) as DraggedEntryPoint;
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      store.getState().addStep(item.dir, item.entryPoint, { x: p.x - 20, y: p.y - 20 });
    },
    [flow, store],
  );

  const stepRuns = useAppStore((s) => s.stepRuns);
  const minimapColor = useCallback(
    (n: AppNode) => (isStepNode(n) ? `--st-${statusLabel(stepRuns[n.id]?.status)}` : '--mm-inputs'),
    [stepRuns],
  );

  return (
    <div ref={canvasRef} className="canvas" data-testid="canvas" data-detail={detail} data-needs-layout={needsLayout} onDragOver={onDragOver} onDrop={onDrop}>
      <DetailContext.Provider value={detail}>
        <ReactFlow<AppNode, AppEdge>
          nodes={show ? drawnNodes : NO_NODES}
          edges={show && detail === 'full' ? drawnEdges : NO_EDGES}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={onNodesChangeFramed}
          onEdgesChange={onEdgesChange}
          onConnect={connect}
          onConnectEnd={onConnectEnd}
          isValidConnection={isValidConnection}
          deleteKeyCode={null}
          connectionLineType={ConnectionLineType.Bezier}
          connectionRadius={24}
          fitView
          fitViewOptions={FIT_OPTIONS}
          minZoom={MIN_ZOOM}
          maxZoom={2}
          colorMode="system"
          attributionPosition="bottom-left"
          onlyRenderVisibleElements={nodes.length > CULL_ABOVE && detail === 'full'}
        >
          <LightTitleScale target={canvasRef} />
          <Background variant={BackgroundVariant.Dots} gap={18} size={1} />
          {show && detail === 'light' && <LightEdgeLayer edges={edges} />}
          <Controls position="bottom-left" showInteractive={false} style={{ marginBottom: 28 }} />
          <CanvasMiniMap colorOf={minimapColor} colorKey={stepRuns} />
        </ReactFlow>
      </DetailContext.Provider>
      {!hasSteps && (
        <div className="canvas-hint" data-testid="canvas-empty">
          <div className="hint-title">An empty workflow</div>
          <div>Drag an entry point from the project panel onto the canvas, or press <kbd>Ctrl+K</kbd> to add one by name.</div>
          <div>Wire an output (right side of a step) into a parameter (left side) of the next.</div>
        </div>
      )}
    </div>
  );
}
