import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWorkflowYaml } from '../../../common/workflow/serialize.js';
import { copySteps, pasteSteps } from '../../../renderer/src/graph/clipboard.js';
import { workflowToGraph } from '../../../renderer/src/graph/convert.js';
import type { AppNode, StepData } from '../../../renderer/src/graph/types.js';
import { isStepNode } from '../../../renderer/src/graph/types.js';

const YAML = `version: 1
name: w
steps:
  load:
    project: ./p
  etl:
    project: ./p
    parameters:
      src: \${{ steps.load.artifact_dir }}/raw.csv
      other: \${{ steps.outside.run_id }}
    needs: [load, outside]
  outside:
    project: ./p
`;

function nodes(): AppNode[] {
  const r = parseWorkflowYaml(YAML, 'w.yaml');
  assert.ok(r.spec);
  return workflowToGraph(r.spec, null).nodes;
}
const data = (ns: AppNode[], id: string): StepData => {
  const n = ns.find((x) => x.id === id);
  assert.ok(n && isStepNode(n));
  return n.data;
};

describe('copy and paste', () => {
  test('clashing names are renamed and internal references follow them', () => {
    const ns = nodes();
    const clip = copySteps(ns, ['load', 'etl']);
    assert.ok(clip);
    const { nodes: out, pasted } = pasteSteps(ns, clip, { x: 40, y: 40 });
    assert.deepEqual(pasted, ['load_2', 'etl_2']);
    const etl2 = data(out, 'etl_2');
    assert.equal(etl2.parameters.find((p) => p.name === 'src')?.value, '${{ steps.load_2.artifact_dir }}/raw.csv');
    // A reference to a step that was not copied still names the original.
    assert.equal(etl2.parameters.find((p) => p.name === 'other')?.value, '${{ steps.outside.run_id }}');
    assert.deepEqual(etl2.needs, ['load_2', 'outside']);
    // Originals untouched; pasted ones selected and offset.
    assert.equal(data(out, 'etl').parameters[0]?.value, '${{ steps.load.artifact_dir }}/raw.csv');
    const src = ns.find((n) => n.id === 'etl');
    const copy = out.find((n) => n.id === 'etl_2');
    assert.deepEqual(copy?.position, { x: (src?.position.x ?? 0) + 40, y: (src?.position.y ?? 0) + 40 });
    assert.deepEqual(out.filter((n) => n.selected).map((n) => n.id), ['load_2', 'etl_2']);
  });

  test('pasting twice keeps counting up; pasting into an empty graph keeps names', () => {
    const ns = nodes();
    const clip = copySteps(ns, ['load']);
    assert.ok(clip);
    const once = pasteSteps(ns, clip, { x: 10, y: 10 });
    const twice = pasteSteps(once.nodes, clip, { x: 10, y: 10 });
    assert.deepEqual(twice.pasted, ['load_3']);
    assert.deepEqual(pasteSteps([], clip, { x: 0, y: 0 }).pasted, ['load']);
  });

  test('the clipboard is a copy, not shared with the graph', () => {
    const ns = nodes();
    const clip = copySteps(ns, ['etl']);
    assert.ok(clip);
    data(ns, 'etl').parameters.push({ name: 'late', value: 'x' });
    assert.equal(clip.steps[0]?.data.parameters.length, 2);
    assert.equal(copySteps(ns, ['nope']), null);
  });
});
