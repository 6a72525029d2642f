/**
 * withEarlyCalls (renderer/src/api/early.ts), against a real engine: a call sent before the app
 * loads answers the app's first identical call without a second request; once only; a different
 * input or method goes to the engine; and the store's start-up takes the early answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { withEarlyCalls } from '../../../renderer/src/api/early.js';
import { createAppStore } from '../../../renderer/src/store/create-store.js';
import { startEffects } from '../../../renderer/src/store/effects.js';
import { normalizePath, projectDirOf } from '../../../renderer/src/lib/paths.js';
import { copyExample, engineApi, waitFor } from './helpers.js';
import type { EngineApi } from './helpers.js';

let env: EngineApi;
const count = (method: string) => env.calls.filter((c) => c === method).length;

before(() => {
  env = engineApi();
});
after(async () => {
  await env.close();
});

describe('early calls', () => {
  test('the first identical call takes the early answer; later ones go to the engine', async () => {
    const api = withEarlyCalls(env.api);
    const before = count('workflowRuns.list');
    const early = await api.early('workflowRuns.list', { limit: 1 });
    assert.equal(count('workflowRuns.list'), before + 1);
    const first = await api.call('workflowRuns.list', { limit: 1 });
    assert.deepEqual(first, early);
    assert.equal(count('workflowRuns.list'), before + 1, 'no second request');
    await api.call('workflowRuns.list', { limit: 1 });
    assert.equal(count('workflowRuns.list'), before + 2, 'used once');
  });

  test('another input, or another method, is sent as usual', async () => {
    const api = withEarlyCalls(env.api);
    void api.early('workflowRuns.list', { limit: 1 });
    const n = count('workflowRuns.list');
    await api.call('workflowRuns.list', { limit: 2 });
    assert.equal(count('workflowRuns.list'), n + 1);
    const i = count('app.info');
    await api.call('app.info', {});
    assert.equal(count('app.info'), i + 1);
  });

  test('failures are answers too, and events still flow through', async () => {
    const api = withEarlyCalls(env.api);
    const bad = await api.early('workflows.load', { file: '/nowhere/missing.yaml' });
    assert.equal(bad.ok, false);
    assert.deepEqual(await api.call('workflows.load', { file: '/nowhere/missing.yaml' }), bad);
    assert.equal(typeof api.on('run.updated', () => {}), 'function');
  });

  test('the last workflow and its projects, sent early (as main.tsx does), are not asked for again', async () => {
    const example = copyExample();
    assert.equal((await env.api.call('app.setLastWorkflow', { file: example.workflow })).ok, true);
    const api = withEarlyCalls(env.api);
    const info = await api.early('app.info', {});
    assert.ok(info.ok && info.value.lastWorkflow);
    const w = await api.early('workflows.load', { file: info.value.lastWorkflow });
    assert.ok(w.ok && w.value.parsed.spec);
    const dirs = new Set(w.value.parsed.spec.steps.map((st) => projectDirOf(w.value.file, st.project)));
    for (const dir of dirs) if (dir) void api.early('projects.open', { path: normalizePath(dir) });
    const before = { load: count('workflows.load'), open: count('projects.open') };
    const store = createAppStore(api, { confirm: () => true });
    const stop = startEffects(store, api);
    try {
      await store.getState().init();
      assert.equal(store.getState().file, w.value.file);
      await waitFor('the projects', () => [...dirs].every((d) => d && store.getState().projects[normalizePath(d)]?.status === 'ready'));
      assert.equal(count('workflows.load'), before.load, 'the file was read once');
      assert.equal(count('projects.open'), before.open, 'each project was opened once');
    } finally {
      stop();
      await env.api.call('app.setLastWorkflow', { file: null });
    }
  });

  test("the store's start-up uses the answers sent for it", async () => {
    const api = withEarlyCalls(env.api);
    void api.early('app.info', {});
    void api.early('workflowRuns.list', { limit: 1 });
    const info = count('app.info');
    const list = count('workflowRuns.list');
    const store = createAppStore(api, { confirm: () => true });
    await store.getState().init();
    assert.equal(store.getState().ready, true);
    assert.equal(count('app.info'), info, 'app.info was not asked again');
    assert.equal(count('workflowRuns.list'), list, 'workflowRuns.list was not asked again');
  });
});
