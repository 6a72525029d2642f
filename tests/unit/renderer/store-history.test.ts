import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAppStore } from '../../../renderer/src/store/create-store.js';
import type { AppStore } from '../../../renderer/src/store/create-store.js';
import { isDirty } from '../../../renderer/src/store/selectors.js';
import { currentYaml } from '../../../renderer/src/store/yaml.js';
import { isStepNode } from '../../../renderer/src/graph/types.js';
import type { StepData } from '../../../renderer/src/graph/types.js';
import { copyExample, engineApi } from './helpers.js';
import type { EngineApi } from './helpers.js';

let env: EngineApi;
let clock = 0;
const example = copyExample();

before(() => {
  env = engineApi();
});
after(async () => {
  await env.close();
});

function fresh(): AppStore {
  clock = 1_000_000;
  return createAppStore(env.api, { confirm: () => true, now: () => clock });
}
const steps = (s: AppStore) => s.getState().nodes.filter(isStepNode).map((n) => n.id);
const data = (s: AppStore, id: string): StepData => {
  const n = s.getState().nodes.find((x) => x.id === id);
  assert.ok(n && isStepNode(n));
  return n.data;
};

describe('store: undo/redo', () => {
  test('add, move, wire, delete — each undone and redone in order', async () => {
    const store = fresh();
    const s = () => store.getState();
    await s().openProject(example.project);
    const v0 = s().docVersion;
    assert.equal(isDirty(s()), false);

    const a = s().addStep(example.project, 'load_raw_data', { x: 0, y: 0 });
    const b = s().addStep(example.project, 'etl_data', { x: 400, y: 0 });
    assert.deepEqual(steps(store), ['load_raw_data', 'etl_data']);
    assert.equal(data(store, a).project, example.project, 'an unsaved workflow names projects by absolute path');
    assert.ok(isDirty(s()));

    // A drag: many position changes, one undo step.
    s().onNodesChange([{ type: 'position', id: a, position: { x: 10, y: 10 }, dragging: true }]);
    s().onNodesChange([{ type: 'position', id: a, position: { x: 50, y: 80 }, dragging: true }]);
    s().onNodesChange([{ type: 'position', id: a, position: { x: 60, y: 90 }, dragging: false }]);
    assert.deepEqual(s().nodes.find((n) => n.id === a)?.position, { x: 60, y: 90 });

    const wired = s().connect({ source: a, sourceHandle: 'out:run_id', target: b, targetHandle: 'in:load_run_id' });
    assert.ok(wired.ok);
    assert.equal(data(store, b).parameters[0]?.value, '${{ steps.load_raw_data.run_id }}');
    assert.equal(s().edges.length, 1);

    s().selectNodes([a]);
    s().deleteSelection();
    assert.deepEqual(steps(store), ['etl_data']);
    assert.deepEqual(data(store, b).parameters, [], 'the reference to the deleted step went with it');
    assert.equal(s().edges.length, 0);

    s().undo(); // delete
    assert.deepEqual(steps(store), ['load_raw_data', 'etl_data']);
    assert.equal(s().edges.length, 1);
    s().undo(); // wire
    assert.equal(s().edges.length, 0);
    assert.deepEqual(data(store, b).parameters, []);
    s().undo(); // move
    assert.deepEqual(s().nodes.find((n) => n.id === a)?.position, { x: 0, y: 0 });
    s().undo(); // add etl
    s().undo(); // add load
    assert.deepEqual(steps(store), []);
    assert.equal(s().docVersion, v0);
    assert.equal(isDirty(s()), false, 'undoing back to the saved document is clean again');
    s().undo(); // nothing left: no-op
    assert.deepEqual(steps(store), []);

    s().redo();
    s().redo();
    s().redo();
    assert.deepEqual(s().nodes.find((n) => n.id === a)?.position, { x: 60, y: 90 });
    s().redo();
    assert.equal(s().edges.length, 1);
    s().redo();
    assert.deepEqual(steps(store), ['etl_data']);
    assert.equal(s().future.length, 0);

    // A new edit after undo drops the redo stack.
    s().undo();
    s().setMeta({ name: 'renamed' });
    assert.equal(s().future.length, 0);
  });

  test('a step added with parameter values (rerun with edits → editor) is one undo step', async () => {
    const store = fresh();
    const s = () => store.getState();
    await s().openProject(example.project);
    const before = steps(store).length;
    const name = s().addStep(example.project, 'train', { x: 500, y: 40 }, [
      { name: 'learning_rate', value: '0.25' },
      { name: 'epochs', value: '3' },
    ]);
    assert.deepEqual(data(store, name).parameters, [
      { name: 'learning_rate', value: '0.25' },
      { name: 'epochs', value: '3' },
    ]);
    assert.ok(s().nodes.find((n) => n.id === name)?.selected, 'the new step is selected');
    assert.match(await currentYaml(s()), /learning_rate: ["']?0\.25/);
    s().undo();
    assert.equal(steps(store).length, before);
  });

  test('typing in one field is one undo step; a different field is another', async () => {
    const store = fresh();
    const s = () => store.getState();
    await s().openProject(example.project);
    const name = s().addStep(example.project, 'train', { x: 0, y: 0 });
    for (const v of ['0', '0.', '0.5']) {
      s().setParameter(name, 'learning_rate', v);
      clock += 200;
    }
    s().setParameter(name, 'epochs', '10');
    assert.equal(data(store, name).parameters.length, 2);
    s().undo();
    assert.deepEqual(data(store, name).parameters, [{ name: 'learning_rate', value: '0.5' }]);
    s().undo();
    assert.deepEqual(data(store, name).parameters, []);
    // After a pause the same field starts a new step.
    s().redo();
    clock += 5_000;
    s().setParameter(name, 'learning_rate', '0.7');
    s().undo();
    assert.equal(data(store, name).parameters[0]?.value, '0.5');
  });

  test('refused wiring changes nothing and says why', async () => {
    const store = fresh();
    const s = () => store.getState();
    await s().openProject(example.project);
    const a = s().addStep(example.project, 'evaluate', { x: 0, y: 0 });
    const b = s().addStep(example.project, 'report', { x: 300, y: 0 });
    const yaml = await currentYaml(s());
    const past = s().past.length;
    const r = s().connect({ source: a, sourceHandle: 'out:artifact_dir', target: b, targetHandle: 'in:rmse' });
    assert.equal(r.ok, false);
    assert.equal(await currentYaml(s()), yaml);
    assert.equal(s().past.length, past);
    assert.match(s().toasts.at(-1)?.message ?? '', /"rmse" is a float parameter, but artifact_dir is an artifact folder path/);
    assert.ok(s().connect({ source: a, sourceHandle: 'out:metrics.rmse', target: b, targetHandle: 'in:rmse' }).ok);
    const cyc = s().connect({ source: b, sourceHandle: 'out:run_id', target: a, targetHandle: 'in:model_run_id' });
    assert.equal(cyc.ok, false);
    assert.match(s().toasts.at(-1)?.message ?? '', /cycle: evaluate → report → evaluate/);
  });

  test('copy/paste through the store: renamed, remapped, selected, undoable', async () => {
    const store = fresh();
    const s = () => store.getState();
    await s().openProject(example.project);
    const a = s().addStep(example.project, 'load_raw_data', { x: 0, y: 0 });
    const b = s().addStep(example.project, 'etl_data', { x: 300, y: 0 });
    s().connect({ source: a, sourceHandle: 'out:run_id', target: b, targetHandle: 'in:load_run_id' });
    s().selectNodes([a, b]);
    assert.equal(s().copySelection(), 2);
    const pasted = s().paste();
    assert.deepEqual(pasted, ['load_raw_data_2', 'etl_data_2']);
    assert.deepEqual(s().selection.nodes, pasted);
    assert.equal(data(store, 'etl_data_2').parameters[0]?.value, '${{ steps.load_raw_data_2.run_id }}');
    assert.equal(s().edges.length, 2);
    assert.deepEqual(s().paste(), ['load_raw_data_3', 'etl_data_3']);
    assert.equal(s().nodes.find((n) => n.id === 'etl_data_3')?.position.x, 380);
    s().undo();
    s().undo();
    assert.deepEqual(steps(store), [a, b]);
  });

  test('renaming a step and an input rewrites references; both undo', async () => {
    const store = fresh();
    const s = () => store.getState();
    await s().openProject(example.project);
    const a = s().addStep(example.project, 'load_raw_data', { x: 0, y: 0 });
    const b = s().addStep(example.project, 'etl_data', { x: 300, y: 0 });
    s().connect({ source: a, sourceHandle: 'out:run_id', target: b, targetHandle: 'in:load_run_id' });
    assert.equal(s().renameStep(a, 'load'), null);
    assert.equal(data(store, b).parameters[0]?.value, '${{ steps.load.run_id }}');
    assert.match(s().renameStep('load', b) ?? '', /already a step/);
    const input = s().addInput();
    assert.ok(s().nodes.some((n) => n.type === 'inputs'), 'the inputs node appears with the first input');
    s().updateInput(input, { type: 'int', default: '5' });
    assert.ok(s().connect({ source: '$inputs', sourceHandle: `input:${input}`, target: 'load', targetHandle: 'in:rows' }).ok);
    assert.equal(s().updateInput(input, { name: 'rows' }), null);
    assert.equal(data(store, 'load').parameters[0]?.value, '${{ inputs.rows }}');
    s().removeInput('rows');
    assert.deepEqual(data(store, 'load').parameters, []);
    assert.ok(!s().nodes.some((n) => n.type === 'inputs'));
    s().undo();
    assert.ok(s().nodes.some((n) => n.type === 'inputs'));
    assert.equal(data(store, 'load').parameters[0]?.value, '${{ inputs.rows }}');
  });
});
