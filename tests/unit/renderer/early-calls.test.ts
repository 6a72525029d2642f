/**
 * withEarlyCalls (renderer/src/api/early.ts), against a real engine: a call sent before the app
 * loads answers the app's first identical call without a second request; once only; a different
 * input or method goes to the engine; and the store's start-up takes the early answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { withEarlyCalls } from '../../../renderer/src/api/early.js';
import { createAppStore } from '../../../renderer/src/store/create-store.js';
import { engineApi } from './helpers.js';
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
