/**
 * Auto-layout (renderer/src/graph/layout.ts). In the page ELK runs in a Web Worker: elkjs's
 * promise API (elk-api) talking to its worker script (elk-worker.min.js) by messages. Under Node
 * the same worker script runs behind the same API through the in-process worker it exports, so the
 * worker path — messages, option handling, the wrapped second pass — is checked against the
 * in-thread ELK the tests and the fallback use. And the benchmark-sized graph (500 steps, 800
 * edges) must come out compact enough to read when fitted, not tens of thousands of pixels tall.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as elkApi from 'elkjs/lib/elk-api.js';
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import { parseWorkflowYaml } from '../../../common/workflow/serialize.js';
import { makeStepNode, workflowToGraph } from '../../../renderer/src/graph/convert.js';
import { deriveEdges } from '../../../renderer/src/graph/edges.js';
import { elkConstructor } from '../../../renderer/src/graph/elk-constructor.js';
import { LAYOUT_OPTIONS, computeLayout, inThreadElk } from '../../../renderer/src/graph/layout.js';
import type { AppNode, StepData } from '../../../renderer/src/graph/types.js';
import { REPO_ROOT } from './helpers.js';

const require = createRequire(import.meta.url);
const ElkWorker = (require('elkjs/lib/elk-worker.min.js') as { Worker: new () => unknown }).Worker;

/** ELK as the page uses it: the API in front, the worker script behind, messages in between. */
function workerLayout(): (g: ElkNode) => Promise<ElkNode> {
  const Elk = elkConstructor(elkApi);
  const elk = new Elk({ workerFactory: () => new ElkWorker() });
  return (g) => elk.layout(g);
}
const inThread = async (g: ElkNode) => (await inThreadElk()).layout(g);

function step(name: string, refs: string[], needs: string[] = []): AppNode {
  const data: StepData = {
    name,
    description: null,
    project: './p',
    entryPoint: 'main',
    parameters: refs.map((r, i) => ({ name: `in_${i}`, value: `\${{ steps.${r}.run_id }}` })),
    needs,
    cache: true,
  };
  return makeStepNode(data, { x: 0, y: 0 });
}

/** Layers of `width` steps, each reading 1–3 steps of the 1–3 layers before (deterministic). */
function layered(steps: number, width: number): AppNode[] {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const names = Array.from({ length: steps }, (_, i) => `s${i}`);
  return names.map((name, i) => {
    const layer = Math.floor(i / width);
    if (layer === 0) return step(name, []);
    const refs = new Set<string>();
    const k = 1 + Math.floor(rand() * 2.2);
    while (refs.size < k) {
      const back = Math.min(layer, rand() < 0.7 ? 1 : rand() < 0.6 ? 2 : 3);
      refs.add(names[(layer - back) * width + Math.floor(rand() * width)]!);
    }
    const [first, ...rest] = [...refs];
    return step(name, [first!], rest);
  });
}

function bounds(positions: Record<string, { x: number; y: number }>, nodes: AppNode[]) {
  let [x1, y1] = [0, 0];
  for (const n of nodes) {
    const p = positions[n.id]!;
    x1 = Math.max(x1, p.x + 292);
    y1 = Math.max(y1, p.y + 150);
  }
  return { width: x1, height: y1 };
}

describe('auto-layout in a worker', () => {
  test('the example workflow: the worker lays it out exactly as the in-thread ELK does', async () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, 'examples', 'workflow.yaml'), 'utf8');
    const spec = parseWorkflowYaml(text, 'workflow.yaml').spec;
    assert.ok(spec);
    const g = workflowToGraph(spec, null);
    const edges = deriveEdges(g.nodes, g.inputs);
    // No canvas shape given: one row, left to right — each step right of the steps it reads.
    const a = await computeLayout(g.nodes, edges, g.inputs.length, undefined, workerLayout());
    assert.deepEqual(a, await computeLayout(g.nodes, edges, g.inputs.length, undefined, inThread));
    assert.deepEqual(Object.keys(a).sort(), g.nodes.map((n) => n.id).sort());
    assert.ok(a.etl!.x > a.load!.x && a.train!.x > a.etl!.x && a.evaluate!.x > a.train!.x && a.report!.x > a.evaluate!.x);
    // A canvas about as tall as wide: the row is wrapped, the same both ways.
    const w = await computeLayout(g.nodes, edges, g.inputs.length, 1.4, workerLayout());
    assert.deepEqual(w, await computeLayout(g.nodes, edges, g.inputs.length, 1.4, inThread));
    assert.ok(w.etl!.y > w.load!.y, 'the second row is below the first');
  });

  test('a long chain wraps into rows for a wide canvas, the same through the worker', async () => {
    const nodes = Array.from({ length: 24 }, (_, i) => step(`c${i}`, i ? [`c${i - 1}`] : []));
    const edges = deriveEdges(nodes, []);
    const a = await computeLayout(nodes, edges, 0, 1.5, workerLayout());
    const b = await computeLayout(nodes, edges, 0, 1.5, inThread);
    assert.deepEqual(a, b);
    const box = bounds(a, nodes);
    assert.ok(box.width / box.height < 4, `wrapped: ${box.width} × ${box.height}`);
    assert.ok(new Set(Object.values(a).map((p) => p.y)).size > 1, 'more than one row');
  });

  test('120 steps in layers: same positions both ways', async () => {
    const nodes = layered(120, 10);
    const edges = deriveEdges(nodes, []);
    assert.deepEqual(await computeLayout(nodes, edges, 0, 1.3, workerLayout()), await computeLayout(nodes, edges, 0, 1.3, inThread));
  });

  test('500 steps and ~800 edges come out compact (the old options made it 15,000 × 59,000 px)', async () => {
    const nodes = layered(500, 20);
    const edges = deriveEdges(nodes, []);
    assert.ok(edges.length > 700, `${edges.length} edges`);
    const positions = await computeLayout(nodes, edges, 0, 872 / 652, workerLayout());
    const box = bounds(positions, nodes);
    // 25 layers of 292 px: ~9,000 px wide is the floor; 20 steps of ~150 px a layer ~4,000 px tall.
    assert.ok(box.width < 12_000 && box.height < 12_000, `${box.width} × ${box.height}`);
    assert.equal(LAYOUT_OPTIONS['elk.direction'], 'RIGHT');
  });
});
