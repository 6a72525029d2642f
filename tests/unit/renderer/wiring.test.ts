import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EntryPointSpec } from '../../../common/types.js';
import { parseWorkflowYaml, workflowToYaml } from '../../../common/workflow/serialize.js';
import { graphToWorkflow, workflowToGraph } from '../../../renderer/src/graph/convert.js';
import { deriveEdges } from '../../../renderer/src/graph/edges.js';
import type { AppNode, GraphDoc, StepData } from '../../../renderer/src/graph/types.js';
import { isStepNode } from '../../../renderer/src/graph/types.js';
import {
  applyWiring,
  checkConnection,
  removeEdges,
  removeReferences,
  removeSteps,
  renameStep,
  stepNameProblem,
  uniqueStepName,
  withReference,
} from '../../../renderer/src/graph/wiring.js';

const EPS: Record<string, EntryPointSpec> = {
  load: { name: 'load', parameters: [{ name: 'rows', type: 'int', default: '10', required: false }], command: 'python load.py {rows}', implicit: false },
  etl: {
    name: 'etl',
    parameters: [
      { name: 'src', type: 'string', default: null, required: true },
      { name: 'ratio', type: 'float', default: '0.2', required: false },
      { name: 'count', type: 'int', default: '1', required: false },
    ],
    command: 'python etl.py {src} {ratio} {count}',
    implicit: false,
  },
};
const lookup = (d: StepData) => EPS[d.entryPoint] ?? null;

const YAML = `version: 1
name: w
inputs:
  n: {type: int, default: 3}
  label: string
steps:
  a:
    project: ./p
    entry_point: load
  b:
    project: ./p
    entry_point: etl
    parameters:
      src: \${{ steps.a.artifact_dir }}/x.csv
  c:
    project: ./p
    entry_point: etl
    parameters:
      src: \${{ steps.b.run_id }}
`;

function doc(): GraphDoc {
  const r = parseWorkflowYaml(YAML, 'w.yaml');
  assert.ok(r.spec);
  return workflowToGraph(r.spec, null);
}
const conn = (source: string, sourceHandle: string, target: string, targetHandle: string) => ({ source, sourceHandle, target, targetHandle });
const step = (nodes: AppNode[], id: string): StepData => {
  const n = nodes.find((x) => x.id === id);
  assert.ok(n && isStepNode(n));
  return n.data;
};
const value = (nodes: AppNode[], id: string, param: string) => step(nodes, id).parameters.find((p) => p.name === param)?.value;

describe('wiring rules', () => {
  test('an output into a parameter writes a reference', () => {
    const d = doc();
    const r = checkConnection(d, conn('a', 'out:run_id', 'c', 'in:ratio'), () => null);
    assert.ok(r.ok);
    const nodes = applyWiring(d.nodes, r.change);
    assert.equal(value(nodes, 'c', 'ratio'), '${{ steps.a.run_id }}');
    assert.match(workflowToYaml(graphToWorkflow({ ...d, nodes })), /ratio: \$\{\{ steps\.a\.run_id \}\}/);
  });

  test('a value holding one reference keeps its text around the new reference', () => {
    const d = doc();
    const r = checkConnection(d, conn('a', 'out:artifact_uri', 'b', 'in:src'), lookup);
    assert.ok(r.ok);
    assert.equal(value(applyWiring(d.nodes, r.change), 'b', 'src'), '${{ steps.a.artifact_uri }}/x.csv');
    assert.equal(withReference('0.5', { kind: 'input', input: 'n' }), '${{ inputs.n }}');
    assert.equal(withReference('${{ inputs.a }}-${{ inputs.b }}', { kind: 'input', input: 'n' }), '${{ inputs.n }}');
  });

  test('a cycle is refused with the path it would close', () => {
    const d = doc();
    const r = checkConnection(d, conn('c', 'out:run_id', 'a', 'in:rows'), () => null);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /cycle: a → b → c → a/);
    const n = checkConnection(d, conn('c', 'needs-out', 'a', 'needs-in'), lookup);
    assert.equal(n.ok, false);
    assert.match(!n.ok ? n.reason : '', /cycle/);
  });

  test('a self-loop is refused', () => {
    const d = doc();
    const r = checkConnection(d, conn('b', 'out:run_id', 'b', 'in:src'), lookup);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /cannot use its own run_id/);
    const n = checkConnection(d, conn('b', 'needs-out', 'b', 'needs-in'), lookup);
    assert.equal(n.ok, false);
    assert.match(!n.ok ? n.reason : '', /cannot wait for itself/);
  });

  test('only metrics and params may feed float/int parameters', () => {
    const d = doc();
    for (const attr of ['run_id', 'artifact_dir', 'artifact_uri', 'status', 'experiment_id', 'tags.owner']) {
      const r = checkConnection(d, conn('a', `out:${attr}`, 'c', 'in:ratio'), lookup);
      assert.equal(r.ok, false, attr);
      assert.match(!r.ok ? r.reason : '', /"ratio" is a float parameter.*not a number/);
    }
    assert.ok(checkConnection(d, conn('a', 'out:metrics.rmse', 'c', 'in:ratio'), lookup).ok);
    assert.ok(checkConnection(d, conn('a', 'out:params.rows', 'c', 'in:count'), lookup).ok);
    // Strings take anything.
    assert.ok(checkConnection(d, conn('a', 'out:tags.owner', 'c', 'in:src'), lookup).ok);
    // Inputs: numeric only into numbers.
    assert.ok(checkConnection(d, conn('$inputs', 'input:n', 'c', 'in:count'), lookup).ok);
    const bad = checkConnection(d, conn('$inputs', 'input:label', 'c', 'in:count'), lookup);
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.reason : '', /input "label" is a string/);
  });

  test('ordering handles make needs edges; mixing them with values is refused', () => {
    const d = doc();
    const r = checkConnection(d, conn('a', 'needs-out', 'c', 'needs-in'), lookup);
    assert.ok(r.ok);
    const nodes = applyWiring(d.nodes, r.change);
    assert.deepEqual(step(nodes, 'c').needs, ['a']);
    const edges = deriveEdges(nodes, d.inputs);
    assert.ok(edges.some((e) => e.id === 'n:a>c' && e.data?.kind === 'needs'));
    assert.match(YAMLOf({ ...d, nodes }), /needs: \[a\]/);
    const dup = checkConnection({ ...d, nodes }, conn('a', 'needs-out', 'c', 'needs-in'), lookup);
    assert.equal(dup.ok, false);
    const mixed = checkConnection(d, conn('a', 'needs-out', 'c', 'in:src'), lookup);
    assert.equal(mixed.ok, false);
    const inputToNeeds = checkConnection(d, conn('$inputs', 'input:n', 'c', 'needs-in'), lookup);
    assert.equal(inputToNeeds.ok, false);
  });

  test('removing an edge takes the reference out of the value (or the parameter out)', () => {
    const d = doc();
    const edges = deriveEdges(d.nodes, d.inputs);
    const ab = edges.filter((e) => e.source === 'a' && e.target === 'b');
    const nodes = removeEdges(d.nodes, ab);
    assert.equal(value(nodes, 'b', 'src'), '/x.csv');
    const bc = edges.filter((e) => e.source === 'b' && e.target === 'c');
    assert.equal(value(removeEdges(d.nodes, bc), 'c', 'src'), undefined);
    assert.equal(removeReferences('${{ inputs.x }}', () => true), null);
  });

  test('deleting a step removes the references and needs that point at it', () => {
    const d = doc();
    const withNeed = applyWiring(d.nodes, { kind: 'needs', source: 'a', target: 'c' });
    const nodes = removeSteps(withNeed, ['a']);
    assert.deepEqual(nodes.filter(isStepNode).map((n) => n.id), ['b', 'c']);
    assert.equal(value(nodes, 'b', 'src'), '/x.csv');
    assert.deepEqual(step(nodes, 'c').needs, []);
  });

  test('renaming a step rewrites every reference and need', () => {
    const d = doc();
    const nodes = renameStep(applyWiring(d.nodes, { kind: 'needs', source: 'b', target: 'c' }), 'b', 'split');
    assert.deepEqual(nodes.filter(isStepNode).map((n) => n.id), ['a', 'split', 'c']);
    assert.equal(value(nodes, 'c', 'src'), '${{ steps.split.run_id }}');
    assert.deepEqual(step(nodes, 'c').needs, ['split']);
    assert.equal(stepNameProblem(nodes, 'a', 'c'), 'There is already a step called "a".');
    assert.match(stepNameProblem(nodes, '9x') ?? '', /not a valid step name/);
    assert.match(stepNameProblem(nodes, 'constructor') ?? '', /reserved/);
  });

  test('unique names', () => {
    assert.equal(uniqueStepName('train', new Set()), 'train');
    assert.equal(uniqueStepName('train', new Set(['train'])), 'train_2');
    assert.equal(uniqueStepName('train_2', new Set(['train', 'train_2'])), 'train_3');
    assert.equal(uniqueStepName('my step.py', new Set()), 'my_step_py');
    assert.equal(uniqueStepName('1st', new Set()), '_1st');
  });
});

function YAMLOf(d: GraphDoc): string {
  return workflowToYaml(graphToWorkflow(d));
}
