/** The IPC registrar with a fake ipcMain: who may call, what is checked before anything runs. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApiResult, MethodName } from '../../../common/api/contract.js';
import { ENGINE_EVENT_NAMES, EVENT_NAMES, EVENTS, HOST_EVENT_NAMES, MENU_COMMANDS } from '../../../common/api/contract.js';
import type { CallContext, FrameLike, IpcInvokeEventLike, IpcMainLike, WebContentsTargetLike } from '../../../main/electron/ipc.js';
import { createEventSender, registerApiIpc, senderProblem } from '../../../main/electron/ipc.js';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../../preload/channels.js';

type Listener = (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>;

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    assert.equal(this.handlers.has(channel), false, `second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(event: IpcInvokeEventLike, ...args: unknown[]): Promise<ApiResult<unknown>> {
    const h = this.handlers.get(CALL_CHANNEL);
    assert.ok(h, 'no handler registered');
    return h(event, ...args) as Promise<ApiResult<unknown>>;
  }
}

const appFrame: FrameLike = { url: 'app://baton/index.html', origin: 'app://baton', parent: null };
const fromApp = (id = 1, frame: FrameLike | null = appFrame): IpcInvokeEventLike => ({ senderFrame: frame, sender: { id } });

function setup(answer: ApiResult<unknown> = { ok: true, value: { fine: true } }) {
  const ipc = new FakeIpcMain();
  const calls: { method: MethodName; input: unknown; context: CallContext }[] = [];
  const off = registerApiIpc(ipc, {
    call: (method, input, context) => {
      calls.push({ method, input, context });
      return Promise.resolve(answer);
    },
    isKnownWebContents: (id) => id === 1,
  });
  return { ipc, calls, off };
}

describe('registerApiIpc', () => {
  test("a valid call from the app's main frame runs with the parsed input and its context", async () => {
    const { ipc, calls } = setup();
    const r = await ipc.invoke(fromApp(), 'runs.get', { runId: 'abcdef12' });
    assert.deepEqual(r, { ok: true, value: { fine: true } });
    assert.deepEqual(calls, [{ method: 'runs.get', input: { runId: 'abcdef12' }, context: { webContentsId: 1 } }]);
    await ipc.invoke(fromApp(), 'experiments.list');
    assert.deepEqual(calls[1]?.input, {});
  });

  test('senders other than the app main frame are refused before anything runs', async () => {
    const { ipc, calls } = setup();
    const cases: [string, IpcInvokeEventLike][] = [
      ['gone frame', fromApp(1, null)],
      ['subframe', fromApp(1, { url: 'app://baton/index.html', origin: 'app://baton', parent: appFrame })],
      ['remote page', fromApp(1, { url: 'https://evil.example/', origin: 'https://evil.example', parent: null })],
      ['file page', fromApp(1, { url: 'file:///tmp/x.html', parent: null })],
      ['other app host', fromApp(1, { url: 'app://evil/index.html', origin: 'app://evil', parent: null })],
      ['origin mismatch', fromApp(1, { url: 'app://baton/index.html', origin: 'null', parent: null })],
      ['detached', fromApp(1, { ...appFrame, detached: true })],
      ['unknown window', fromApp(7)],
    ];
    for (const [name, event] of cases) {
      const r = await ipc.invoke(event, 'experiments.list', {});
      assert.equal(r.ok, false, name);
      assert.ok(!r.ok && r.error.code === 'USAGE' && /Refused/.test(r.error.message), name);
    }
    assert.equal(calls.length, 0);
  });

  test('unknown methods and wrong argument counts are refused', async () => {
    const { ipc, calls } = setup();
    for (const args of [['nope.method', {}], [42, {}], ['__proto__', {}], ['toString', {}], [], ['runs.get', { runId: 'abcdef12' }, 'extra']]) {
      const r = await ipc.invoke(fromApp(), ...args);
      assert.ok(!r.ok && r.error.code === 'USAGE', JSON.stringify(args));
    }
    assert.equal(calls.length, 0);
  });

  test('every payload is schema-checked (parseInput) before the call', async () => {
    const { ipc, calls } = setup();
    const bad: [string, unknown][] = [
      ['runs.get', { runId: 'not hex!' }],
      ['runs.get', {}],
      ['runs.get', { runId: 'abcdef12', extra: 1 }],
      ['projects.open', { path: '' }],
      ['workflows.run', { file: 'w.yaml', maxParallel: -1 }],
      ['runs.list', 'a string'],
      ['experiments.list', { sneaky: true }],
    ];
    for (const [method, input] of bad) {
      const r = await ipc.invoke(fromApp(), method, input);
      assert.ok(!r.ok && r.error.code === 'USAGE' && r.error.message.includes(method), `${method} ${JSON.stringify(input)}`);
    }
    assert.equal(calls.length, 0);
  });

  test('a throwing call becomes an INTERNAL result; unregistering removes the handler', async () => {
    const ipc = new FakeIpcMain();
    const off = registerApiIpc(ipc, { call: () => Promise.reject(new Error('boom')), isKnownWebContents: () => true });
    const r = await ipc.invoke(fromApp(), 'experiments.list', {});
    assert.deepEqual(r, { ok: false, error: { code: 'INTERNAL', message: 'experiments.list failed in the desktop shell: boom' } });
    off();
    assert.equal(ipc.handlers.size, 0);
  });

  test('senderProblem accepts a frame without an origin property (older Electron) by its URL', () => {
    assert.equal(senderProblem({ senderFrame: { url: 'app://baton/index.html', parent: null }, sender: { id: 1 } }, () => true), null);
  });
});

class FakeTarget implements WebContentsTargetLike {
  sent: unknown[][] = [];
  destroyed = false;
  constructor(
    readonly id: number,
    private url = 'app://baton/index.html',
  ) {}
  isDestroyed() {
    return this.destroyed;
  }
  getURL() {
    return this.url;
  }
  send(channel: string, ...args: unknown[]) {
    this.sent.push([channel, ...args]);
  }
}

describe('createEventSender', () => {
  const payload = { runId: 'a'.repeat(32), status: 'RUNNING', workflowRunId: null, stepName: null };

  test('broadcasts valid events to live app windows only', () => {
    const good = new FakeTarget(1);
    const dead = new FakeTarget(2);
    dead.destroyed = true;
    const foreign = new FakeTarget(3, 'https://evil.example/');
    const sender = createEventSender(() => [good, dead, foreign]);
    assert.equal(sender.broadcast('run.updated', payload), 1);
    assert.deepEqual(good.sent, [[EVENT_CHANNEL, 'run.updated', payload]]);
    assert.equal(dead.sent.length + foreign.sent.length, 0);
  });

  test('drops unknown events and invalid payloads', () => {
    const t = new FakeTarget(1);
    const logs: string[] = [];
    const sender = createEventSender(() => [t], (m) => logs.push(m));
    assert.equal(sender.broadcast('run.exploded', payload), 0);
    assert.equal(sender.broadcast('run.updated', { ...payload, status: 'BOGUS' }), 0);
    assert.equal(t.sent.length, 0);
    assert.equal(logs.length, 2);
  });

  test('menu commands go to one window through the contract event', () => {
    const a = new FakeTarget(1);
    const b = new FakeTarget(2);
    const sender = createEventSender(() => [a, b]);
    assert.equal(sender.sendTo(b, 'app.menuCommand', { command: 'run.start' }), true);
    assert.deepEqual(b.sent, [[EVENT_CHANNEL, 'app.menuCommand', { command: 'run.start' }]]);
    assert.equal(a.sent.length, 0);
  });
});

describe('the app.menuCommand contract event', () => {
  test('is a contract event, but not one the engine emits', () => {
    assert.ok(EVENT_NAMES.includes('app.menuCommand'));
    assert.deepEqual([...HOST_EVENT_NAMES], ['app.menuCommand']);
    assert.ok(!(ENGINE_EVENT_NAMES as string[]).includes('app.menuCommand'));
    assert.deepEqual(new Set([...ENGINE_EVENT_NAMES, ...HOST_EVENT_NAMES]), new Set(EVENT_NAMES));
  });

  test('the zod-free event list the transports subscribe with names exactly the schemas', () => {
    assert.deepEqual([...EVENT_NAMES].sort(), Object.keys(EVENTS).sort());
    assert.equal(new Set(EVENT_NAMES).size, EVENT_NAMES.length);
  });

  test('accepts exactly the menu commands', () => {
    for (const command of MENU_COMMANDS) assert.equal(EVENTS['app.menuCommand'].safeParse({ command }).success, true);
    assert.equal(EVENTS['app.menuCommand'].safeParse({ command: 'rm -rf' }).success, false);
  });
});
