import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseWorkflowYaml, stripSourcePositions, workflowToYaml } from '../../../common/workflow/serialize.js';
import { graphToLayout, graphToWorkflow, layoutRanks, workflowToGraph } from '../../../renderer/src/graph/convert.js';
import { deriveEdges } from '../../../renderer/src/graph/edges.js';
import { INPUTS_NODE_ID, isStepNode } from '../../../renderer/src/graph/types.js';
import { REPO_ROOT } from './helpers.js';

function parse(yaml: string) {
  const r = parseWorkflowYaml(yaml, 'wf.yaml');
  assert.ok(r.spec, JSON.stringify(r.problems));
  return r.spec;
}

const RICH = `version: 1
name: rich
description: "Every feature: inputs, templates, needs, cache, escapes"
experiment: exp-1

inputs:
  rows: {type: int, default: 100}
  data_dir: path
  alpha:
    type: float
    default: 0.10
    description: Regularisation

steps:
  load:
    project: ./proj
    entry_point: load_raw_data
    parameters:
      rows: \${{ inputs.rows }}
      literal: $\${{ not a ref }}

  etl:
    description: Split the data
    project: ../elsewhere/proj
    entry_point: etl.py
    parameters:
      src: \${{ steps.load.artifact_dir }}/part-\${{ inputs.data_dir }}.csv
      ratio: 0.250
      flag: yes
    needs: [load]
    cache: false

  train:
    project: /abs/proj
    parameters:
      run_id: \${{ steps.etl.run_id }}
      rmse: \${{ steps.etl.metrics.val/rmse }}
      tag: \${{ steps.load.tags.mlflow.runName }}
      alpha: \${{ inputs.alpha }}
`;

describe('workflow ⇄ graph', () => {
  test('YAML → graph → YAML is the canonical text (rich file)', () => {
    const spec = parse(RICH);
    const canonical = workflowToYaml(stripSourcePositions(spec));
    const graph = workflowToGraph(spec, null);
    const back = workflowToYaml(graphToWorkflow(graph));
    assert.equal(back, canonical);
    // And the canonical text itself survives another trip unchanged.
    assert.equal(workflowToYaml(graphToWorkflow(workflowToGraph(parse(back), null))), back);
  });

  test('the bundled example survives the round trip', () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, 'examples', 'workflow.yaml'), 'utf8');
    const spec = parse(text);
    const back = graphToWorkflow(workflowToGraph(spec, null));
    assert.deepEqual(back, stripSourcePositions(spec));
  });

  test('positions come from the layout sidecar and go back into it', () => {
    const spec = parse(RICH);
    const layout = {
      version: 1 as const,
      nodes: { $inputs: { x: -300, y: 10 }, load: { x: 0, y: 0 }, etl: { x: 350, y: 40 }, train: { x: 700, y: -20 } },
    };
    const graph = workflowToGraph(spec, layout);
    assert.equal(graph.placedFromLayout, true);
    assert.deepEqual(graph.nodes.find((n) => n.id === 'etl')?.position, { x: 350, y: 40 });
    assert.deepEqual(graph.nodes.find((n) => n.id === INPUTS_NODE_ID)?.position, { x: -300, y: 10 });
    assert.deepEqual(graphToLayout(graph.nodes), layout);
  });

  test('nodes the layout does not place get layered positions, left to right by dependency', () => {
    const spec = parse(RICH);
    const graph = workflowToGraph(spec, { version: 1, nodes: { load: { x: 5, y: 5 } } });
    assert.equal(graph.placedFromLayout, false);
    const x = (id: string) => graph.nodes.find((n) => n.id === id)?.position.x ?? NaN;
    assert.deepEqual(graph.nodes.find((n) => n.id === 'load')?.position, { x: 5, y: 5 });
    assert.ok(x(INPUTS_NODE_ID) < x('etl'));
    assert.ok(x('etl') < x('train'));
    const ranks = layoutRanks(graph);
    assert.ok((ranks.load?.x ?? NaN) < (ranks.etl?.x ?? NaN));
  });

  test('a workflow without inputs has no inputs node; step order is file order', () => {
    const spec = parse('version: 1\nname: w\nsteps:\n  b:\n    project: ./p\n  a:\n    project: ./p\n');
    const graph = workflowToGraph(spec, null);
    assert.deepEqual(graph.nodes.map((n) => n.id), ['b', 'a']);
    assert.ok(graph.nodes.every(isStepNode));
  });

  test('edges are derived from references and needs', () => {
    const graph = workflowToGraph(parse(RICH), null);
    const edges = deriveEdges(graph.nodes, graph.inputs);
    const ids = edges.map((e) => e.id).sort();
    assert.deepEqual(ids, [
      'd:etl.metrics.val/rmse>train.rmse',
      'd:etl.run_id>train.run_id',
      'd:load.artifact_dir>etl.src',
      'd:load.tags.mlflow.runName>train.tag',
      'i:alpha>train.alpha',
      'i:data_dir>etl.src',
      'i:rows>load.rows',
      'n:load>etl',
    ]);
    const e = edges.find((x) => x.id === 'd:etl.run_id>train.run_id');
    assert.equal(e?.sourceHandle, 'out:run_id');
    assert.equal(e?.targetHandle, 'in:run_id');
    assert.equal(edges.find((x) => x.id === 'n:load>etl')?.sourceHandle, 'needs-out');
    // Selection survives re-derivation.
    const again = deriveEdges(graph.nodes, graph.inputs, edges.map((x) => (x.id === 'n:load>etl' ? { ...x, selected: true } : x)));
    assert.equal(again.find((x) => x.id === 'n:load>etl')?.selected, true);
  });
});
