/**
 * The store's unsaved-changes guard (confirmDiscard): every command that would drop a dirty document
 * — New, Open (a file or the dialog), Open example — asks first through the host's `confirm`; No
 * keeps the document and its dirty flag, Yes goes ahead, and a clean (or empty) document is never
 * asked about. The window-close half (useUnsavedGuard's beforeunload) needs a DOM and React, so it
 * is not tested here; its desktop side is (tests/unit/electron/unsaved-guard.test.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAppStore } from '../../../renderer/src/store/create-store.js';
import type { AppStore } from '../../../renderer/src/store/create-store.js';
import { isDirty } from '../../../renderer/src/store/selectors.js';
import { isStepNode } from '../../../renderer/src/graph/types.js';
import { copyExample, engineApi } from './helpers.js';
import type { EngineApi } from './helpers.js';

let env: EngineApi;
const example = copyExample();

before(() => {
  env = engineApi();
});
after(async () => {
  await env.close();
});

/** A store whose `confirm` records each question and answers `answer`. */
function fresh(answer: boolean) {
  const asked: string[] = [];
  const store = createAppStore(env.api, {
    confirm: (message) => {
      asked.push(message);
      return answer;
    },
  });
  return { store, asked };
}

/** A new workflow with one step: unsaved (dirty) and not empty. */
async function dirtyDocument(store: AppStore): Promise<string> {
  const s = store.getState();
  await s.openProject(example.project);
  const id = store.getState().addStep(example.project, 'load_raw_data', { x: 0, y: 0 });
  assert.ok(isDirty(store.getState()));
  return id;
}

/** The example installed, as app.info reports it in a packaged app. */
async function withExample(store: AppStore): Promise<void> {
  const info = await env.api.call('app.info', {});
  assert.ok(info.ok);
  store.setState({ appInfo: { ...info.value, exampleWorkflow: example.workflow, exampleProject: example.project } });
}

const stepIds = (store: AppStore) => store.getState().nodes.filter(isStepNode).map((n) => n.id);

describe('confirmDiscard: a dirty document', () => {
  test('New asks; No keeps the document and its dirty flag', async () => {
    const { store, asked } = fresh(false);
    const id = await dirtyDocument(store);
    const version = store.getState().docVersion;
    assert.equal(store.getState().newWorkflow(), false);
    assert.equal(asked.length, 1);
    assert.match(asked[0]!, /has unsaved changes\. Discard them\?/);
    assert.deepEqual(stepIds(store), [id]);
    assert.equal(store.getState().docVersion, version);
    assert.ok(isDirty(store.getState()));
  });

  test('New asks; Yes empties the canvas', async () => {
    const { store, asked } = fresh(true);
    await dirtyDocument(store);
    assert.equal(store.getState().newWorkflow(), true);
    assert.equal(asked.length, 1);
    assert.deepEqual(stepIds(store), []);
    assert.equal(isDirty(store.getState()), false);
  });

  test('Open (a file) asks; No loads nothing and keeps the document', async () => {
    const { store, asked } = fresh(false);
    const id = await dirtyDocument(store);
    const calls = env.calls.length;
    assert.equal(await store.getState().openWorkflow(example.workflow), false);
    assert.equal(asked.length, 1);
    assert.ok(!env.calls.slice(calls).includes('workflows.load'), 'the file is not even read');
    assert.deepEqual(stepIds(store), [id]);
    assert.equal(store.getState().file, null);
    assert.ok(isDirty(store.getState()));
  });

  test('Open (a file) asks; Yes opens it', async () => {
    const { store, asked } = fresh(true);
    await dirtyDocument(store);
    assert.equal(await store.getState().openWorkflow(example.workflow), true);
    assert.equal(asked.length, 1);
    assert.equal(store.getState().file, example.workflow);
    assert.equal(isDirty(store.getState()), false);
  });

  test('Open… (the dialog) asks before showing a picker; No shows none', async () => {
    const { store, asked } = fresh(false);
    const id = await dirtyDocument(store);
    assert.equal(await store.getState().openWorkflowDialog(), false);
    assert.equal(asked.length, 1);
    assert.equal(store.getState().browser, null);
    assert.deepEqual(stepIds(store), [id]);
    assert.ok(isDirty(store.getState()));
  });

  test('Open… (the dialog) asks once, then the picker opens; its choice opens without asking again', async () => {
    const { store, asked } = fresh(true);
    await dirtyDocument(store);
    const opened = store.getState().openWorkflowDialog();
    const browser = store.getState().browser;
    assert.ok(browser, 'the in-app file browser is shown (no native dialogs in this store)');
    browser.onChoose(example.workflow);
    assert.equal(await opened, true);
    assert.equal(asked.length, 1);
    assert.equal(store.getState().file, example.workflow);
  });

  test('Open example asks; No keeps the document', async () => {
    const { store, asked } = fresh(false);
    const id = await dirtyDocument(store);
    await withExample(store);
    // The example installed in a folder not open yet: a No must not open it either.
    const other = copyExample();
    const info = store.getState().appInfo!;
    store.setState({ appInfo: { ...info, exampleWorkflow: other.workflow, exampleProject: other.project } });
    await store.getState().openExample();
    assert.equal(asked.length, 1);
    assert.deepEqual(stepIds(store), [id]);
    assert.equal(store.getState().file, null);
    assert.ok(!store.getState().projectOrder.includes(other.project), 'No opens no project either');
    assert.ok(isDirty(store.getState()));
  });

  test('Open example asks; Yes opens it', async () => {
    const { store, asked } = fresh(true);
    await dirtyDocument(store);
    await withExample(store);
    await store.getState().openExample();
    assert.equal(asked.length, 1);
    assert.equal(store.getState().file, example.workflow);
  });
});

describe('confirmDiscard: nothing to lose', () => {
  test('a clean document is dropped without asking', async () => {
    const { store, asked } = fresh(false);
    assert.equal(await store.getState().openWorkflow(example.workflow), true);
    assert.equal(isDirty(store.getState()), false);
    assert.ok(stepIds(store).length > 0);
    assert.equal(store.getState().newWorkflow(), true);
    assert.equal(await store.getState().openWorkflow(example.workflow), true);
    await withExample(store);
    await store.getState().openExample();
    assert.deepEqual(asked, []);
  });

  test('an empty canvas is dropped without asking, even after edits', async () => {
    const { store, asked } = fresh(false);
    const id = await dirtyDocument(store);
    store.getState().selectNodes([id]);
    store.getState().deleteSelection();
    assert.deepEqual(stepIds(store), []);
    assert.equal(store.getState().confirmDiscard(), true);
    assert.equal(store.getState().newWorkflow(), true);
    assert.deepEqual(asked, []);
  });

  test('opening with force (start-up reopening the last workflow) never asks', async () => {
    const { store, asked } = fresh(false);
    await dirtyDocument(store);
    assert.equal(await store.getState().openWorkflow(example.workflow, { force: true }), true);
    assert.deepEqual(asked, []);
    assert.equal(store.getState().file, example.workflow);
  });
});
