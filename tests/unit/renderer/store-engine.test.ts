/**
 * The store against a real engine: open the example, validate, save, run it, watch events update
 * the step statuses and metrics, follow a step's output, re-run from a step.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseWorkflowYaml, workflowToYaml } from '../../../common/workflow/serialize.js';
import { entryPointFor, isDirty } from '../../../renderer/src/store/selectors.js';
import { problemsByStep } from '../../../renderer/src/store/problems.js';
import { currentYaml } from '../../../renderer/src/store/yaml.js';
import { isStepNode } from '../../../renderer/src/graph/types.js';
import type { StepData } from '../../../renderer/src/graph/types.js';
import { copyExample, storeOnEngine, waitFor } from './helpers.js';

const t = storeOnEngine();
const example = copyExample();
const s = () => t.store.getState();
const data = (id: string): StepData => {
  const n = s().nodes.find((x) => x.id === id);
  assert.ok(n && isStepNode(n));
  return n.data;
};

describe('store with a real engine', () => {
  test('start-up: app info, no history → first-run screen', async () => {
    await s().init();
    assert.equal(s().ready, true);
    assert.ok(s().appInfo?.exampleWorkflow);
    assert.equal(s().firstRun, true);
  });

  test('opening the example: graph, projects opened by effects, validation clean', async () => {
    assert.equal(await s().openWorkflow(example.workflow), true);
    assert.equal(s().file, example.workflow);
    assert.deepEqual(s().nodes.filter(isStepNode).map((n) => n.id), ['load', 'etl', 'train', 'evaluate', 'report']);
    assert.equal(s().needsLayout, true, 'no sidecar yet: the canvas lays it out');
    assert.equal(s().firstRun, false);
    await waitFor('projects', () => Object.values(s().projects).some((p) => p.status === 'ready'));
    const ep = entryPointFor(s(), data('train'));
    assert.deepEqual(ep?.parameters.map((p) => p.name), ['etl_run_id', 'learning_rate', 'epochs']);
    await waitFor('validation', () => s().validation);
    assert.deepEqual(s().validation?.problems, []);
    assert.equal(isDirty(s()), false);
  });

  test('a bad literal is reported by validation and belongs to its step', async () => {
    s().setParameter('etl', 'test_fraction', 'lots');
    await waitFor('problem', () => s().validation?.problems.length);
    const v = s().validation;
    assert.ok(v);
    const grouped = problemsByStep(v.yaml, v.problems);
    assert.match(grouped.byStep.etl?.[0]?.message ?? '', /test_fraction.*is a float but "lots" is not a number/);
    s().undo();
    await waitFor('clean again', () => s().validation?.problems.length === 0);
    assert.equal(isDirty(s()), false);
  });

  test('save writes the canonical YAML and the layout sidecar', async () => {
    await s().autoLayout(false);
    s().onNodesChange([{ type: 'position', id: 'report', position: { x: 1234, y: 56 } }]);
    assert.ok(isDirty(s()));
    assert.equal(await s().saveWorkflow(), true);
    assert.equal(isDirty(s()), false);
    const text = fs.readFileSync(example.workflow, 'utf8');
    assert.equal(text, await currentYaml(s()));
    const parsed = parseWorkflowYaml(text, 'w');
    assert.ok(parsed.spec);
    assert.equal(workflowToYaml(parsed.spec), text);
    const layout = JSON.parse(fs.readFileSync(`${example.workflow}.layout.json`, 'utf8')) as { nodes: Record<string, unknown> };
    assert.deepEqual(layout.nodes.report, { x: 1234, y: 56 });
    assert.ok(layout.nodes.$inputs);
  });

  test('run: live statuses, metrics once known, logs of the selected step', async () => {
    const id = await s().startRun();
    assert.ok(id);
    assert.equal(s().workflowRun?.workflow_run_id, id);
    const seen = new Set<string>();
    const unsub = t.store.subscribe((st) => {
      for (const [name, v] of Object.entries(st.stepRuns)) seen.add(`${name}:${v.status}`);
    });
    await waitFor('workflow finished', () => s().workflowRun?.status === 'FINISHED', 60_000);
    await waitFor('metrics', () => s().stepRuns.evaluate?.metrics.rmse !== undefined);
    unsub();
    for (const name of ['load', 'etl', 'train', 'evaluate', 'report']) {
      assert.equal(s().stepRuns[name]?.status, 'FINISHED', name);
      assert.ok(s().stepRuns[name]?.runId, name);
    }
    assert.ok(seen.has('report:RUNNING') || seen.has('report:PENDING'), [...seen].join(' '));
    assert.ok(s().knownKeys.evaluate?.metrics.includes('rmse'));
    assert.ok((s().stepRuns.load?.startTime ?? 0) > 0);

    s().selectNodes(['report']);
    await waitFor('report log', () => s().log.lines.some((l) => l.segments.some((x) => x.text.includes('PASS'))));
    assert.equal(s().logStep, 'report');
  });

  test('run from a step re-runs it and everything downstream, reusing the rest', async () => {
    const first = s().workflowRun?.workflow_run_id;
    const loadRun = s().stepRuns.load?.runId;
    const trainRun = s().stepRuns.train?.runId;
    const id = await s().runFromStep('train');
    assert.ok(id && id !== first);
    await waitFor('second run finished', () => s().workflowRun?.status === 'FINISHED', 60_000);
    await waitFor('details', () => s().stepRuns.train?.runId !== trainRun && s().stepRuns.load?.runId === loadRun);
    assert.equal(s().workflowRun?.parent_workflow_run_id, first);
  });

  test('resume with nothing failed is refused with a reason; reopening shows the latest run', async () => {
    assert.equal(await s().resumeFailed(), null);
    assert.match(s().toasts.at(-1)?.message ?? '', /Nothing failed/);
    const latest = s().workflowRun?.workflow_run_id;
    s().newWorkflow();
    assert.equal(s().workflowRun, null);
    await s().openWorkflow(example.workflow);
    assert.equal(s().workflowRun?.workflow_run_id, latest);
    assert.equal(s().needsLayout, false, 'positions came from the sidecar');
    await waitFor('details after reopen', () => s().stepRuns.evaluate?.metrics.rmse !== undefined);
  });
});

describe('opening a file the canvas cannot fully represent', () => {
  test('shape problems are announced; semantic ones are left to validation', async () => {
    const file = `${example.dir}/odd.yaml`;
    fs.writeFileSync(file, 'version: 1\nname: odd\ncolour: blue\nsteps:\n  a:\n    project: ./multistep\n    entry_point: load_raw_data\n    needs: [ghost]\n');
    assert.equal(await s().openWorkflow(file, { force: true }), true);
    const t = s().toasts.at(-1)?.message ?? '';
    assert.match(t, /unknown key "colour"/);
    assert.doesNotMatch(t, /ghost/);
    await waitFor('validation', () => s().validation?.problems.some((p) => p.message.includes('ghost')));
  });
});
