/**
 * The store's effects on a big canvas: what a drag or React Flow's measurements change is not what
 * the workflow file says, so they validate nothing and open no project; an edit does both. Against
 * a real engine (every `workflows.validate` and `projects.open` call counted), plus the pure pieces
 * (sameStepData, referencedProjectDirs, waitsForProjects, problemsByStep).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { referencedProjectDirs, sameStepData, waitsForProjects } from '../../../renderer/src/store/selectors.js';
import { problemsByStep } from '../../../renderer/src/store/problems.js';
import { isStepNode } from '../../../renderer/src/graph/types.js';
import type { AppNode } from '../../../renderer/src/graph/types.js';
import { copyExample, storeOnEngine, waitFor } from './helpers.js';

const t = storeOnEngine();
const example = copyExample();
const s = () => t.store.getState();
const count = (method: string) => t.env.calls.filter((c) => c === method).length;
/** Long enough for a scheduled validation (10 ms debounce) to have been sent. */
const settle = () => new Promise((r) => setTimeout(r, 120));

describe('effects on position-only changes', () => {
  test('opening validates once and opens each project once', async () => {
    assert.equal(await s().openWorkflow(example.workflow), true);
    await waitFor('validation', () => s().validation);
    await settle();
    assert.equal(count('workflows.validate'), 1);
    assert.equal(count('projects.open'), 1, 'five steps, one project folder');
    assert.deepEqual(s().validation?.problems, []);
  });

  test('dragging, measuring and selecting validate nothing and open nothing', async () => {
    const validations = count('workflows.validate');
    const opens = count('projects.open');
    const validation = s().validation;
    const before = s().nodes;
    // A drag: start, 30 moves, end — as React Flow reports it.
    s().onNodesChange([{ type: 'position', id: 'train', position: { x: 10, y: 10 }, dragging: true }]);
    for (let i = 1; i <= 30; i++) s().onNodesChange([{ type: 'position', id: 'train', position: { x: 10 + i, y: 10 + i }, dragging: true }]);
    s().onNodesChange([{ type: 'position', id: 'train', dragging: false }]);
    // React Flow's measurements and a selection.
    s().onNodesChange(s().nodes.map((n) => ({ type: 'dimensions' as const, id: n.id, dimensions: { width: 292, height: 150 } })));
    s().selectNodes(['etl']);
    await settle();
    assert.notEqual(s().nodes, before, 'the nodes did change');
    assert.ok(sameStepData(before, s().nodes));
    assert.equal(count('workflows.validate'), validations, 'no validation for positions, sizes or selection');
    assert.equal(count('projects.open'), opens);
    assert.equal(s().validation, validation, 'the problems shown are kept');
  });

  test('an edit validates (once per burst) and a new project folder is opened', async () => {
    const validations = count('workflows.validate');
    s().setParameter('etl', 'test_fraction', 'lots');
    s().setParameter('etl', 'test_fraction', 'lots of');
    await waitFor('the problem', () => s().validation?.problems.length);
    await settle();
    assert.equal(count('workflows.validate'), validations + 1);
    assert.match(s().validation?.problems[0]?.message ?? '', /test_fraction/);

    const opens = count('projects.open');
    s().setStepFields('report', { project: example.project + '/' });
    await settle();
    assert.equal(count('projects.open'), opens, 'the same folder, written differently, is not opened again');
    s().setStepFields('report', { project: example.dir });
    await waitFor('the other folder opened', () => count('projects.open') === opens + 1);
    s().undo();
    s().undo();
    s().undo();
    s().undo();
    await waitFor('clean again', () => s().validation?.problems.length === 0);
  });

  test('an answer for text that was edited meanwhile is dropped', async () => {
    s().setParameter('etl', 'test_fraction', 'x');
    // Edited again before the first validation can answer: only the last text's problems count.
    await new Promise((r) => setTimeout(r, 11));
    s().setParameter('etl', 'test_fraction', '0.3');
    await settle();
    await waitFor('validated', () => s().validation?.yaml.includes('test_fraction: 0.3'));
    assert.deepEqual(s().validation?.problems, []);
    s().undo();
    s().undo();
  });
});

describe('pure pieces', () => {
  const step = (id: string, project = './p'): AppNode => ({
    id,
    type: 'step',
    position: { x: 0, y: 0 },
    data: { name: id, description: null, project, entryPoint: 'main', parameters: [], needs: [], cache: true },
  });

  test('sameStepData: positions, sizes, selection and the inputs node do not count; data, order and steps do', () => {
    const a = [step('a'), step('b')];
    const moved = a.map((n) => ({ ...n, position: { x: 5, y: 5 }, selected: true, measured: { width: 1, height: 2 } }));
    assert.ok(sameStepData(a, moved));
    const withInputs: AppNode[] = [{ id: '$inputs', type: 'inputs', position: { x: 0, y: 0 }, data: {} }, ...moved];
    assert.ok(sameStepData(a, withInputs));
    assert.ok(!sameStepData(a, [a[1]!, a[0]!]), 'order is in the file');
    assert.ok(!sameStepData(a, [a[0]!]));
    assert.ok(!sameStepData(a, [a[0]!, step('b')]), 'a new data object is an edit');
  });

  test('referencedProjectDirs: distinct resolved folders; relative ones need a file', () => {
    const nodes = [step('a', './p'), step('b', 'p'), step('c', '/abs/q'), step('d', ''), step('e', './p/../p')];
    assert.deepEqual(referencedProjectDirs({ file: '/w/flow.yaml', nodes }).sort(), ['/abs/q', '/w/p']);
    assert.deepEqual(referencedProjectDirs({ file: null, nodes }), ['/abs/q']);
  });

  test('waitsForProjects: only a document not drawn yet, only while a project loads', () => {
    const nodes = [step('a'), step('b')];
    const loading = { '/w/p': { dir: '/w/p', status: 'loading' as const, project: null, error: null } };
    assert.equal(waitsForProjects({ file: '/w/f.yaml', nodes, projects: loading }), true);
    assert.equal(waitsForProjects({ file: '/w/f.yaml', nodes, projects: {} }), false, 'not asked for: nothing to wait for');
    assert.equal(waitsForProjects({ file: '/w/f.yaml', nodes, projects: { '/w/p': { ...loading['/w/p'], status: 'error', error: 'x' } } }), false);
    const drawn = nodes.map((n, i) => (i === 1 ? { ...n, measured: { width: 292, height: 120 } } : n));
    assert.equal(waitsForProjects({ file: '/w/f.yaml', nodes: drawn, projects: loading }), false, 'once drawn, edits never hide the canvas');
    assert.equal(waitsForProjects({ file: '/w/f.yaml', nodes: [], projects: loading }), false);
  });

  test('problemsByStep: nothing to place, nothing placed; named and positioned problems find their step', () => {
    assert.deepEqual(problemsByStep(': not [yaml', []), { byStep: {}, general: [] });
    const yaml = 'version: 1\nname: x\nsteps:\n  a:\n    project: ./p\n    entry_point: main\n  b:\n    project: ./p\n    entry_point: main\n';
    const g = problemsByStep(yaml, [
      { code: 'PARAM_INVALID', message: 'step "a" is odd' },
      { code: 'PARAM_MISSING', message: 'bad value', line: 8 },
      { code: 'WORKFLOW_INVALID', message: 'workflow-wide', line: 2 },
    ]);
    assert.deepEqual(Object.keys(g.byStep).sort(), ['a', 'b']);
    assert.equal(g.general[0]?.code, 'WORKFLOW_INVALID');
  });
});

test('every step of the example is a step node (sanity)', () => {
  assert.ok(s().nodes.filter(isStepNode).length >= 5);
});
