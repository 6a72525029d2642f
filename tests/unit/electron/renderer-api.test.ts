/** renderer/src/api/electron.ts: the typed Api over window.baton. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApiResult } from '../../../common/api/contract.js';
import type { BatonBridge } from '../../../renderer/src/api/electron.js';
import { createElectronApi, electronBridge } from '../../../renderer/src/api/electron.js';

function fakeBridge() {
  const calls: unknown[][] = [];
  const subs: [string, (p: unknown) => void][] = [];
  const bridge: BatonBridge = {
    call: (method, input) => {
      calls.push([method, input]);
      return Promise.resolve({ ok: true, value: { workflowRunId: 'w1' } } as ApiResult<unknown>);
    },
    on: (event, listener) => {
      subs.push([event, listener]);
      return () => void subs.splice(subs.findIndex((s) => s[1] === listener), 1);
    },
  };
  return { bridge, calls, subs };
}

describe('createElectronApi', () => {
  test('passes calls and subscriptions straight to the bridge', async () => {
    const { bridge, calls, subs } = fakeBridge();
    const api = createElectronApi(bridge);
    const r = await api.call('workflows.run', { file: '/w.yaml' });
    assert.deepEqual(r, { ok: true, value: { workflowRunId: 'w1' } });
    assert.deepEqual(calls, [['workflows.run', { file: '/w.yaml' }]]);
    const seen: string[] = [];
    const off = api.on('app.menuCommand', ({ command }) => seen.push(command));
    subs[0]![1]({ command: 'view.fit' });
    assert.deepEqual(seen, ['view.fit']);
    off();
    assert.equal(subs.length, 0);
  });

  test('defaults to window.baton and says what is wrong when it is missing', () => {
    assert.equal(electronBridge(), undefined);
    assert.throws(() => createElectronApi(), /window\.baton is missing/);
    const { bridge } = fakeBridge();
    (globalThis as { baton?: BatonBridge }).baton = bridge;
    try {
      assert.equal(electronBridge(), bridge);
      assert.doesNotThrow(() => createElectronApi());
    } finally {
      delete (globalThis as { baton?: BatonBridge }).baton;
    }
  });
});
