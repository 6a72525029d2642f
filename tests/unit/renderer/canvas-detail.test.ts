/**
 * Level of detail (renderer/src/features/canvas/detail.ts): step nodes and edges rendered with
 * React (react-dom/server, the real components inside React Flow's provider and the real store
 * with the example opened against a real engine) at both levels. A light step keeps its box, name,
 * status and test ids, drops the parameter and output rows and its handles; a light node carries
 * its box for React Flow (lightNode). Zoomed out the edges are lines painted by LightEdgeLayer:
 * their ends, kinds, culling and the boxes erased from under them (the painting itself is checked
 * pixel by pixel in Chromium, tests/e2e/canvas-detail.test.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as React from 'react';
import { createElement } from 'react';
import type { ComponentType, ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { ReactFlowProvider } from '@xyflow/react';
import type { EdgeProps, InternalNode, NodeProps } from '@xyflow/react';
import type { Api } from '../../../common/api/contract.js';
import { createAppStore } from '../../../renderer/src/store/create-store.js';
import type { AppStore } from '../../../renderer/src/store/create-store.js';
import { startEffects } from '../../../renderer/src/store/effects.js';
import { DetailContext, LOW_DETAIL_ZOOM, detailForZoom, lightNode } from '../../../renderer/src/features/canvas/detail.js';
import type { Detail } from '../../../renderer/src/features/canvas/detail.js';
import { isStepNode } from '../../../renderer/src/graph/types.js';
import type { AppEdge, AppNode, StepNode } from '../../../renderer/src/graph/types.js';
import { STEP_WIDTH, fullStepHeight } from '../../../renderer/src/graph/convert.js';
import { copyExample, engineApi, waitFor } from './helpers.js';
import type { EngineApi } from './helpers.js';

// The tests run under tsx with the root tsconfig, which compiles the renderer's JSX with the
// classic runtime (React.createElement): give it the React it expects to find.
(globalThis as { React?: unknown }).React = React;

// The components are .tsx, which the root tsconfig (tests, Node) does not compile: loaded at run
// time (tsx compiles them) and typed here by what the tests use.
const renderer = '../../../renderer/src/';
const { StepNodeMemo } = (await import(`${renderer}features/canvas/StepNode.js`)) as { StepNodeMemo: ComponentType<NodeProps<StepNode>> };
const { CanvasEdgeMemo } = (await import(`${renderer}features/canvas/CanvasEdge.js`)) as { CanvasEdgeMemo: ComponentType<EdgeProps<AppEdge>> };
const { useDetailNodes, useDetailEdges, draggingKey, markMovingEdges, MOVING_EDGE_CLASS } = (await import(`${renderer}features/canvas/useDetailGraph.js`)) as {
  useDetailNodes: (nodes: AppNode[], detail: Detail) => AppNode[];
  useDetailEdges: (edges: AppEdge[], detail: Detail, dragging: string) => AppEdge[];
  draggingKey: (nodes: readonly AppNode[]) => string;
  markMovingEdges: (edges: AppEdge[], dragging: string) => AppEdge[];
  MOVING_EDGE_CLASS: string;
};
const { lightEdgeEnd, lightLines, inkOf, LIGHT_END_OUT } = (await import(`${renderer}features/canvas/LightEdgeLayer.js`)) as {
  lightEdgeEnd: (node: InternalNode<AppNode>, handle: string | null | undefined, type: 'source' | 'target') => { x: number; y: number } | null;
  lightLines: (edges: readonly AppEdge[], lookup: ReadonlyMap<string, InternalNode<AppNode>>, view: { x: number; y: number; w: number; h: number }) => {
    lines: Record<'needs' | 'input' | 'data', number[]>;
    boxes: number[];
    count: number;
    inView: number;
  };
  inkOf: (e: AppEdge) => string;
  LIGHT_END_OUT: number;
};
const { AppStoreProvider } = (await import(`${renderer}store/context.js`)) as {
  AppStoreProvider: ComponentType<{ store: AppStore; api: Api; children?: ReactNode }>;
};

let env: EngineApi;
let store: AppStore;
let stop: () => void;
const example = copyExample();
const s = () => store.getState();

before(async () => {
  env = engineApi();
  store = createAppStore(env.api, { confirm: () => true });
  stop = startEffects(store, env.api, { validateDelayMs: 10 });
  assert.equal(await s().openWorkflow(example.workflow), true);
  await waitFor('projects', () => Object.values(s().projects).some((p) => p.status === 'ready'));
});
after(async () => {
  stop();
  await env.close();
});

function wrap(detail: Detail, child: ReturnType<typeof createElement>): string {
  // Server rendering reads a Zustand store's *initial* state (getServerSnapshot): render the current one.
  const now: AppStore = { ...store, getInitialState: () => store.getState() };
  return renderToStaticMarkup(
    createElement(ReactFlowProvider, null, createElement(AppStoreProvider, { store: now, api: env.api }, createElement(DetailContext.Provider, { value: detail }, child))),
  );
}

/** The steps as React Flow gets them at light detail (useDetailNodes on the store's nodes), by id. */
function drawnLight(): Map<string, StepNode> {
  let out: AppNode[] = [];
  function Probe() {
    out = useDetailNodes(s().nodes, 'light');
    return null;
  }
  wrap('light', createElement(Probe));
  return new Map(out.filter(isStepNode).map((n) => [n.id, n]));
}

/** A step as React Flow renders it: at light detail with the height it was given (drawnLight). */
function renderStep(id: string, detail: Detail): string {
  const node = s().nodes.find((n): n is StepNode => isStepNode(n) && n.id === id);
  assert.ok(node, id);
  const height = detail === 'light' ? drawnLight().get(id)?.measured?.height : undefined;
  const props = { id, data: node.data, type: 'step', selected: false, dragging: false, zIndex: 0, isConnectable: true, positionAbsoluteX: 0, positionAbsoluteY: 0, deletable: true, selectable: true, draggable: true, height } as unknown as NodeProps<StepNode>;
  return wrap(detail, createElement(StepNodeMemo, props));
}

const handleIdsIn = (html: string): string[] => [...html.matchAll(/data-handleid="([^"]+)"/g)].map((m) => m[1]!);
const count = (html: string, re: RegExp): number => [...html.matchAll(re)].length;

describe('level of detail', () => {
  test('the threshold: light below LOW_DETAIL_ZOOM, full at and above it', () => {
    assert.ok(LOW_DETAIL_ZOOM > 0.15 && LOW_DETAIL_ZOOM < 1, 'between the minimum zoom and an editing zoom');
    assert.equal(detailForZoom(0.15), 'light');
    assert.equal(detailForZoom(LOW_DETAIL_ZOOM - 0.001), 'light');
    assert.equal(detailForZoom(LOW_DETAIL_ZOOM), 'full');
    assert.equal(detailForZoom(1), 'full');
  });

  test('a full step has its rows and every handle; a light one its name and status, no rows', () => {
    const full = renderStep('train', 'full');
    const light = renderStep('train', 'light');
    assert.match(full, /data-detail="full"/);
    assert.match(light, /data-detail="light"/);
    for (const html of [full, light]) {
      assert.match(html, /data-testid="step-node-train"/);
      assert.match(html, /data-testid="step-title-train"/);
      assert.match(html, /data-status="idle"/);
    }
    // train: etl_run_id, learning_rate, epochs; outputs run_id, artifact_dir, artifact_uri.
    assert.equal(count(full, /class="port port-in/g), 3);
    assert.equal(count(full, /class="port port-out/g), 3);
    assert.equal(count(light, /class="port/g), 0);
    assert.match(light, /class="lod-ep">train</);
    // The light box is the full one's size (the rows it would have, plus the "+ output" row).
    assert.match(light, new RegExp(`style="height:${fullStepHeight(4)}px"`));
    // Far fewer elements.
    assert.ok(count(light, /<(div|span)/g) * 3 < count(full, /<(div|span)/g), `${count(light, /<(div|span)/g)} vs ${count(full, /<(div|span)/g)}`);
  });

  test('in full detail every edge of the example has its handles; a light step has none (the layer paints its edges)', () => {
    const edges = s().edges;
    assert.ok(edges.length >= 8, `${edges.length} edges`);
    const handles = new Map<string, string[]>();
    for (const n of s().nodes) if (isStepNode(n)) handles.set(n.id, handleIdsIn(renderStep(n.id, 'full')));
    for (const e of edges) {
      if (e.source !== '$inputs') assert.ok(handles.get(e.source)?.includes(e.sourceHandle ?? ''), `${e.id} source handle`);
      assert.ok(handles.get(e.target)?.includes(e.targetHandle ?? ''), `${e.id} target handle`);
    }
    for (const n of s().nodes) if (isStepNode(n)) assert.deepEqual(handleIdsIn(renderStep(n.id, 'light')), [], `${n.id}: no handles when light`);
  });

  test('a light node carries its box, and a reference added while zoomed out grows it', () => {
    const train = () => s().nodes.find((n): n is StepNode => isStepNode(n) && n.id === 'train')!;
    // train: 3 parameters; outputs run_id, artifact_dir, artifact_uri (evaluate reads run_id) and
    // the "+ output" row: 4 rows.
    const before = lightNode(train(), 4);
    assert.deepEqual(before.measured, { width: STEP_WIDTH, height: fullStepHeight(4) });
    assert.equal(before.handles, undefined, 'no handles for React Flow to place');
    assert.equal(lightNode(train(), 4), before, 'cached per step object and row count');
    // useDetailNodes computes those 4 rows from the store; the light step draws the height given.
    assert.equal(drawnLight().get('train')?.measured?.height, fullStepHeight(4));
    assert.match(renderStep('train', 'light'), new RegExp(`style="height:${fullStepHeight(4)}px"`));

    s().setParameter('report', 'max_rmse', '${{ steps.train.metrics.rmse }}');
    // One more output row (metrics.rmse, read by report): the light box grows with the full one.
    assert.equal(drawnLight().get('train')?.measured?.height, fullStepHeight(5));
    assert.match(renderStep('train', 'light'), new RegExp(`style="height:${fullStepHeight(5)}px"`));
    assert.ok(s().edges.some((e) => e.id === 'd:train.metrics.rmse>report.max_rmse'), s().edges.map((e) => e.id).join(', '));
    s().undo();
    assert.match(renderStep('train', 'light'), new RegExp(`style="height:${fullStepHeight(4)}px"`));
  });

  test('an edge React Flow draws (full detail): a bezier with a click area', () => {
    const props = {
      id: 'e',
      source: 'a',
      target: 'b',
      sourceX: 0,
      sourceY: 0,
      targetX: 100,
      targetY: 50,
      sourcePosition: 'right',
      targetPosition: 'left',
      interactionWidth: 20,
    } as unknown as EdgeProps<AppEdge>;
    const full = wrap('full', createElement('svg', null, createElement(CanvasEdgeMemo, props)));
    assert.equal(count(full, /<path/g), 2);
    assert.match(full, /react-flow__edge-interaction/);
    assert.match(full, /d="M0,0 C/);
  });

  test('a drag marks the dragged steps\' edges (their own layer in full detail), and only while it lasts', () => {
    const nodes = s().nodes;
    const edges = s().edges;
    assert.equal(draggingKey(nodes), '', 'nothing dragged');
    assert.equal(markMovingEdges(edges, ''), edges, 'no drag: the same array');
    const train = nodes.find((n) => n.id === 'train');
    assert.ok(train);
    const dragged = nodes.map((n) => (n.id === 'train' ? { ...n, dragging: true } : n));
    const key = draggingKey(dragged);
    assert.equal(key, 'train\n');
    // The key is the same string at every tick of the drag (the marked array is not made again).
    assert.equal(draggingKey(dragged.map((n) => (n.id === 'train' ? { ...n, position: { x: 1, y: 2 } } : n))), key);
    const marked = markMovingEdges(edges, key);
    const touching = edges.filter((e) => e.source === 'train' || e.target === 'train');
    assert.ok(touching.length >= 2, `train has edges in and out: ${touching.map((e) => e.id).join(', ')}`);
    marked.forEach((e, i) => {
      const orig = edges[i]!;
      if (touching.includes(orig)) {
        assert.equal(e.className, `${orig.className ?? ''} ${MOVING_EDGE_CLASS}`.trim(), `${e.id}: its own classes and the mark`);
        assert.ok(!orig.className?.includes(MOVING_EDGE_CLASS), 'the store\'s edge is not changed');
      } else assert.equal(e, orig, `${e.id} is left as it was`);
    });
    // Through the hook: marked in full detail; zoomed out React Flow gets none (LightEdgeLayer paints them).
    let full: AppEdge[] = [];
    let light: AppEdge[] = [];
    function Probe() {
      full = useDetailEdges(edges, 'full', key);
      light = useDetailEdges(edges, 'light', key);
      return null;
    }
    wrap('full', createElement(Probe));
    assert.equal(full.filter((e) => e.className?.split(' ').includes(MOVING_EDGE_CLASS)).length, touching.length);
    assert.deepEqual(light, [], 'zoomed out: no edges for React Flow');
  });

  test('zoomed out, the edges as lines: from the middles of the steps\' sides or the inputs\' handle, by kind, those in view', () => {
    // React Flow's internal nodes as its store holds them: position, measured size, handle bounds.
    const internal = (id: string, type: 'step' | 'inputs', x: number, y: number, w: number | undefined, h: number, extra: Partial<AppNode> = {}): InternalNode<AppNode> => {
      const user = { id, type, position: { x, y }, data: type === 'step' ? { name: id } : {}, ...extra } as AppNode;
      return {
        ...user,
        measured: { width: w, height: h },
        internals: {
          positionAbsolute: { x, y },
          z: 0,
          userNode: user,
          handleBounds:
            type === 'inputs'
              ? { source: [{ id: 'input:rows', type: 'source', position: 'right', x: 195, y: 40, width: 9, height: 9, nodeId: id }], target: [] }
              : { source: [], target: [] },
        },
      } as unknown as InternalNode<AppNode>;
    };
    const lookup = new Map<string, InternalNode<AppNode>>([
      ['a', internal('a', 'step', 0, 0, 300, 100)],
      ['b', internal('b', 'step', 500, 200, 300, 120, { selected: true })],
      ['$inputs', internal('$inputs', 'inputs', -400, 0, 200, 80)],
      ['far', internal('far', 'step', 5000, 5000, 300, 100)],
      ['hidden', internal('hidden', 'step', 100, 100, 300, 100, { hidden: true })],
      ['new', internal('new', 'step', 0, 400, undefined, 100)],
    ]);
    const edge = (id: string, source: string, target: string, kind: 'data' | 'input' | 'needs', more: Partial<AppEdge> = {}): AppEdge =>
      ({ id, source, target, sourceHandle: kind === 'input' ? 'input:rows' : kind === 'needs' ? 'needs-out' : 'out:run_id', targetHandle: 'in:x', data: { kind }, ...more });

    assert.deepEqual(lightEdgeEnd(lookup.get('a')!, 'out:run_id', 'source'), { x: 300 + LIGHT_END_OUT, y: 50 });
    assert.deepEqual(lightEdgeEnd(lookup.get('b')!, 'in:x', 'target'), { x: 500 - LIGHT_END_OUT, y: 260 });
    // The inputs' handle: its outer (right) side, at its middle, as React Flow places an edge's end.
    assert.deepEqual(lightEdgeEnd(lookup.get('$inputs')!, 'input:rows', 'source'), { x: -400 + 195 + 9, y: 44.5 });
    assert.equal(lightEdgeEnd(lookup.get('$inputs')!, 'input:nope', 'source'), null, 'a handle not measured');
    assert.equal(lightEdgeEnd(lookup.get('new')!, null, 'source'), null, 'a node not measured');

    const edges = [
      edge('d', 'a', 'b', 'data'),
      edge('n', 'a', 'b', 'needs'),
      edge('i', '$inputs', 'a', 'input'),
      edge('far', 'far', 'far', 'data'),
      edge('h', 'a', 'hidden', 'data'),
      edge('u', 'a', 'new', 'data'),
      edge('gone', 'a', 'nowhere', 'data'),
    ];
    assert.deepEqual(edges.map(inkOf), ['data', 'needs', 'input', 'data', 'data', 'data', 'data']);
    const view = { x: -500, y: -100, w: 2000, h: 1000 };
    const l = lightLines(edges, lookup, view);
    assert.equal(l.count, 4, 'edges with both ends known (hidden, unmeasured and missing nodes left out)');
    assert.equal(l.inView, 3, 'the far one is out of view');
    const ab = [300 + LIGHT_END_OUT, 50, 500 - LIGHT_END_OUT, 260];
    assert.deepEqual(l.lines, { data: ab, needs: ab, input: [-196, 44.5, -LIGHT_END_OUT, 50] });
    // The boxes of the nodes in view, erased from under the lines; the selected one with its outline.
    assert.deepEqual(l.boxes, [0, 0, 300, 100, 497, 197, 306, 126, -400, 0, 200, 80]);
    // Panned away from everything: nothing drawn, the same edges known.
    const away = lightLines(edges, lookup, { x: 20_000, y: 20_000, w: 100, h: 100 });
    assert.deepEqual([away.count, away.inView, away.boxes.length], [4, 0, 0]);
  });
});
