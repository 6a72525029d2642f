/**
 * The preload: the bridge object with a fake ipcRenderer, and the real bundle (out/preload/index.cjs,
 * built by scripts/electron.mjs) run in a VM against a fake `electron` module.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import vm from 'node:vm';
import { EVENT_NAMES, METHOD_NAMES } from '../../../common/api/contract.js';
import type { BatonBridge, IpcRendererLike } from '../../../preload/bridge.js';
import { createBridge } from '../../../preload/bridge.js';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../../preload/channels.js';
import { REPO_ROOT } from '../../helpers.js';

type RendererListener = (event: unknown, ...args: unknown[]) => void;

class FakeIpcRenderer implements IpcRendererLike {
  invoked: unknown[][] = [];
  listeners = new Map<string, Set<RendererListener>>();
  answer: unknown = { ok: true, value: { version: '0.1.0' } };
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push([channel, ...args]);
    return this.answer instanceof Error ? Promise.reject(this.answer) : Promise.resolve(this.answer);
  }
  on(channel: string, listener: RendererListener) {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel)!.add(listener);
    return this;
  }
  removeListener(channel: string, listener: RendererListener) {
    this.listeners.get(channel)?.delete(listener);
    return this;
  }
  emit(channel: string, ...args: unknown[]) {
    const sender = { send: () => assert.fail('the page must never get the sender') };
    for (const l of this.listeners.get(channel) ?? []) l({ sender, ports: [] }, ...args);
  }
}

describe('createBridge', () => {
  test('exposes exactly call and on, frozen', () => {
    const bridge = createBridge(new FakeIpcRenderer());
    assert.deepEqual(Object.keys(bridge).sort(), ['call', 'on']);
    assert.ok(Object.isFrozen(bridge));
  });

  test('call forwards contract methods on the one invoke channel', async () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createBridge(ipc);
    assert.deepEqual(await bridge.call('app.info', {}), { ok: true, value: { version: '0.1.0' } });
    await bridge.call('experiments.list');
    assert.deepEqual(ipc.invoked, [
      [CALL_CHANNEL, 'app.info', {}],
      [CALL_CHANNEL, 'experiments.list', {}],
    ]);
  });

  test('call refuses names outside METHOD_NAMES without touching IPC', async () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createBridge(ipc);
    for (const name of ['nope', 'constructor', '__proto__', 'runs', '', 3 as unknown as string]) {
      const r = await bridge.call(name, {});
      assert.ok(!r.ok && r.error.code === 'USAGE', String(name));
    }
    assert.equal(ipc.invoked.length, 0);
    for (const m of METHOD_NAMES) assert.ok((await bridge.call(m, {})).ok, m);
  });

  test('a rejected invoke or a malformed answer is a result, not a throw', async () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createBridge(ipc);
    ipc.answer = new Error('An object could not be cloned.');
    const r1 = await bridge.call('app.info', { f: () => 1 });
    assert.ok(!r1.ok && r1.error.code === 'INTERNAL' && /could not be cloned/.test(r1.error.message));
    ipc.answer = 'surprise';
    const r2 = await bridge.call('app.info', {});
    assert.ok(!r2.ok && r2.error.code === 'INTERNAL');
  });

  test('on accepts only EVENT_NAMES and function listeners', () => {
    const bridge = createBridge(new FakeIpcRenderer());
    assert.throws(() => bridge.on('run.exploded', () => {}), /Unknown event/);
    assert.throws(() => bridge.on('__proto__', () => {}), /Unknown event/);
    assert.throws(() => bridge.on('run.updated', 'x' as unknown as () => void), /function/);
    for (const e of EVENT_NAMES) bridge.on(e, () => {})();
  });

  test('listeners get the payload only, for their event; unsubscribing detaches from IPC', () => {
    const ipc = new FakeIpcRenderer();
    const bridge: BatonBridge = createBridge(ipc);
    const got: unknown[][] = [];
    const off1 = bridge.on('run.updated', (...args) => got.push(['a', ...args]));
    const off2 = bridge.on('app.menuCommand', (...args) => got.push(['b', ...args]));
    assert.equal(ipc.listeners.get(EVENT_CHANNEL)?.size, 1);
    ipc.emit(EVENT_CHANNEL, 'run.updated', { runId: 'r' });
    ipc.emit(EVENT_CHANNEL, 'app.menuCommand', { command: 'run.start' });
    assert.deepEqual(got, [
      ['a', { runId: 'r' }],
      ['b', { command: 'run.start' }],
    ]);
    off1();
    off1();
    ipc.emit(EVENT_CHANNEL, 'run.updated', { runId: 'r' });
    assert.equal(got.length, 2);
    off2();
    assert.equal(ipc.listeners.get(EVENT_CHANNEL)?.size, 0);
  });

  test('a throwing listener does not stop the others', () => {
    const ipc = new FakeIpcRenderer();
    const logs: string[] = [];
    const bridge = createBridge(ipc, (m) => logs.push(m));
    let second = 0;
    bridge.on('run.updated', () => {
      throw new Error('page bug');
    });
    bridge.on('run.updated', () => second++);
    ipc.emit(EVENT_CHANNEL, 'run.updated', {});
    assert.equal(second, 1);
    assert.match(logs[0]!, /page bug/);
  });
});

describe('the bundled preload (out/preload/index.cjs)', () => {
  test('is one CommonJS file that requires only electron and exposes only window.baton', async () => {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'electron.mjs'), 'preload'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const bundle = path.join(REPO_ROOT, 'out', 'preload', 'index.cjs');
    const code = fs.readFileSync(bundle, 'utf8');
    assert.doesNotMatch(code, /^\s*(import|export)\s/m);

    const required: string[] = [];
    const exposed: [string, unknown][] = [];
    const ipc = new FakeIpcRenderer();
    const electron = { contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.push([key, api]) }, ipcRenderer: ipc };
    const sandboxRequire = (name: string) => {
      required.push(name);
      if (name === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${name}`);
    };
    const module = { exports: {} };
    vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console }, { filename: bundle });
    assert.deepEqual(required, ['electron']);
    assert.equal(exposed.length, 1);
    const [key, api] = exposed[0]!;
    assert.equal(key, 'baton');
    assert.deepEqual(Object.keys(api as object).sort(), ['call', 'on']);
    const result = await (api as BatonBridge).call('app.info', {});
    assert.equal(result.ok, true);
    assert.deepEqual(ipc.invoked, [[CALL_CHANNEL, 'app.info', {}]]);
  });
});
