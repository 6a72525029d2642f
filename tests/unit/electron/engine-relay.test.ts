/**
 * The relay protocol, main side, against in-memory engine processes: request ids, out-of-order
 * answers, timeouts, queueing until ready, dialogs, events, deaths and restarts, shutdown.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { DialogRequest, FromHost, ToHost } from '../../../main/electron/engine-protocol.js';
import type { EngineProcessLike, EngineRelayOptions } from '../../../main/electron/engine-relay.js';
import { EngineRelay } from '../../../main/electron/engine-relay.js';
import type { CallContext } from '../../../main/electron/ipc.js';

let pids = 1000;

class FakeEngine extends EventEmitter implements EngineProcessLike {
  readonly pid = pids++;
  readonly sent: ToHost[] = [];
  killed = false;
  dead = false;
  postMessage(message: ToHost): void {
    if (this.dead) throw new Error('the process is gone');
    this.sent.push(message);
  }
  kill(): boolean {
    this.killed = true;
    return true;
  }
  reply(message: FromHost | Record<string, unknown>): void {
    this.emit('message', message);
  }
  die(code = 1): void {
    this.dead = true;
    this.emit('exit', code);
  }
  calls() {
    return this.sent.filter((m): m is Extract<ToHost, { type: 'call' }> => m.type === 'call');
  }
}

const tick = () => new Promise((r) => setImmediate(r));

function setup(over: Partial<EngineRelayOptions> = {}) {
  const procs: FakeEngine[] = [];
  const events: [string, unknown][] = [];
  const dialogs: [DialogRequest, CallContext | null][] = [];
  const logs: string[] = [];
  const relay = new EngineRelay({
    spawn: () => {
      const p = new FakeEngine();
      procs.push(p);
      return p;
    },
    onEvent: (name, payload) => events.push([name, payload]),
    showDialog: (request, context) => {
      dialogs.push([request, context]);
      return Promise.resolve('/chosen/folder');
    },
    log: (m) => logs.push(m),
    ...over,
  });
  const current = () => procs[procs.length - 1]!;
  return { relay, procs, events, dialogs, logs, current };
}

describe('EngineRelay', () => {
  test('calls wait for ready, then carry ids; answers are matched by id, in any order', async () => {
    const { relay, current } = setup();
    const a = relay.call('runs.list', { limit: 1 });
    const b = relay.call('experiments.list', {});
    assert.equal(relay.state, 'starting');
    assert.equal(current().calls().length, 0, 'nothing is sent before ready');
    current().reply({ type: 'ready', pid: 1 });
    assert.equal(relay.state, 'ready');
    const [ca, cb] = current().calls();
    assert.ok(ca && cb);
    assert.deepEqual(ca, { type: 'call', id: ca.id, method: 'runs.list', input: { limit: 1 } });
    assert.notEqual(ca.id, cb.id);
    current().reply({ type: 'result', id: cb.id, result: { ok: true, value: ['B'] } });
    current().reply({ type: 'result', id: ca.id, result: { ok: true, value: ['A'] } });
    assert.deepEqual(await a, { ok: true, value: ['A'] });
    assert.deepEqual(await b, { ok: true, value: ['B'] });
  });

  test('a call without an answer times out with INTERNAL; a late answer is ignored', async () => {
    const { relay, current, logs } = setup({ callTimeoutMs: 30 });
    const p = relay.call('runs.list', {});
    current().reply({ type: 'ready', pid: 1 });
    const r = await p;
    assert.ok(!r.ok && r.error.code === 'INTERNAL' && /runs\.list got no answer from the engine within 0\.03 s/.test(r.error.message));
    current().reply({ type: 'result', id: current().calls()[0]!.id, result: { ok: true, value: [] } });
    assert.ok(logs.some((l) => /already timed out/.test(l)));
  });

  test('dialog methods wait for a person: no timeout', async () => {
    const { relay, current } = setup({ callTimeoutMs: 20 });
    const p = relay.call('dialogs.openFolder', {});
    current().reply({ type: 'ready', pid: 1 });
    await new Promise((r) => setTimeout(r, 60));
    current().reply({ type: 'result', id: current().calls()[0]!.id, result: { ok: true, value: { path: '/x' } } });
    assert.deepEqual(await p, { ok: true, value: { path: '/x' } });
  });

  test("dialog requests are shown with the asking call's context and answered by id", async () => {
    const { relay, current, dialogs } = setup();
    const p = relay.call('dialogs.openFolder', { title: 'Pick' }, { webContentsId: 42 });
    current().reply({ type: 'ready', pid: 1 });
    const callId = current().calls()[0]!.id;
    current().reply({ type: 'dialog', id: 7, callId, kind: 'openFolder', title: 'Pick' });
    current().reply({ type: 'dialog', id: 8, callId: null, kind: 'saveFile' });
    await tick();
    assert.deepEqual(dialogs, [
      [{ kind: 'openFolder', title: 'Pick', defaultPath: undefined }, { webContentsId: 42 }],
      [{ kind: 'saveFile', title: undefined, defaultPath: undefined }, null],
    ]);
    assert.deepEqual(
      current().sent.filter((m) => m.type === 'dialogResult'),
      [
        { type: 'dialogResult', id: 7, path: '/chosen/folder' },
        { type: 'dialogResult', id: 8, path: '/chosen/folder' },
      ],
    );
    current().reply({ type: 'result', id: callId, result: { ok: true, value: { path: '/chosen/folder' } } });
    assert.equal((await p).ok, true);
  });

  test('a failing dialog is answered with its error', async () => {
    const { relay, current } = setup({ showDialog: () => Promise.reject(new Error('no display')) });
    relay.start();
    current().reply({ type: 'ready', pid: 1 });
    current().reply({ type: 'dialog', id: 1, callId: null, kind: 'openFolder' });
    await tick();
    assert.deepEqual(current().sent, [{ type: 'dialogResult', id: 1, path: null, error: 'no display' }]);
  });

  test('events are relayed; malformed messages are logged and ignored', () => {
    const { relay, current, events, logs } = setup();
    relay.start();
    current().reply({ type: 'ready', pid: 1 });
    current().reply({ type: 'event', name: 'run.updated', payload: { runId: 'r' } });
    current().reply({ type: 'result', id: 'x', result: 5 });
    current().reply({ hello: 'world' });
    current().reply({ type: 'result', id: 99, result: { ok: true, value: 1 } });
    assert.deepEqual(events, [['run.updated', { runId: 'r' }]]);
    assert.equal(logs.filter((l) => /malformed/.test(l)).length, 2);
  });

  test('the process dying: every sent call gets INTERNAL saying so, unsent ones go to the restarted process', async () => {
    const { relay, procs, current } = setup();
    const sent1 = relay.call('workflows.run', { file: '/w.yaml' });
    const sent2 = relay.call('runs.list', {});
    current().reply({ type: 'ready', pid: 1 });
    const first = current();
    first.die(134);
    assert.equal(procs.length, 2, 'restarted');
    assert.equal(relay.state, 'starting');
    for (const p of [sent1, sent2]) {
      const r = await p;
      assert.ok(!r.ok && r.error.code === 'INTERNAL');
      assert.match(r.error.message, /engine process stopped unexpectedly \(exit code 134\) while handling (workflows\.run|runs\.list)\. It has been restarted; try again\./);
    }
    // A call made while the new process starts waits for it.
    const later = relay.call('experiments.list', {});
    const second = current();
    assert.notEqual(second, first);
    second.reply({ type: 'ready', pid: 2 });
    second.reply({ type: 'result', id: second.calls()[0]!.id, result: { ok: true, value: [] } });
    assert.deepEqual(await later, { ok: true, value: [] });
    // Late messages from the dead process change nothing.
    first.reply({ type: 'event', name: 'run.updated', payload: {} });
    first.die(0);
    assert.equal(relay.state, 'ready');
  });

  test('a call queued before the first process was ready survives its death', async () => {
    const { relay, current } = setup();
    const p = relay.call('experiments.list', {});
    current().die(1);
    current().reply({ type: 'ready', pid: 2 });
    const [c] = current().calls();
    assert.equal(c?.method, 'experiments.list');
    current().reply({ type: 'result', id: c.id, result: { ok: true, value: ['ok'] } });
    assert.deepEqual(await p, { ok: true, value: ['ok'] });
  });

  test('a crash loop stops the restarts and answers every call with one clear error', async () => {
    let t = 0;
    const { relay, procs, current } = setup({ maxRestarts: 3, restartWindowMs: 60_000, now: () => t });
    relay.start();
    for (let i = 0; i < 3; i++) {
      t += 1000;
      current().die(1);
    }
    assert.equal(procs.length, 4);
    assert.equal(relay.state, 'starting');
    const pending = relay.call('runs.list', {});
    t += 1000;
    current().die(9);
    assert.equal(procs.length, 4, 'no fifth process');
    assert.equal(relay.state, 'failed');
    const r = await pending;
    assert.ok(!r.ok && /stopped 4 times within 60 s \(last exit code 9\), so Baton stopped restarting it/.test(r.error.message));
    const again = await relay.call('runs.list', {});
    assert.deepEqual(again, r);
    relay.restart();
    assert.equal(procs.length, 5);
    assert.equal(relay.state, 'starting');
  });

  test('deaths spread over time keep being restarted', () => {
    let t = 0;
    const { relay, procs, current } = setup({ maxRestarts: 2, restartWindowMs: 1000, now: () => t });
    relay.start();
    for (let i = 0; i < 6; i++) {
      t += 2000;
      current().die(1);
    }
    assert.equal(procs.length, 7);
    assert.notEqual(relay.state, 'failed');
  });

  test('a fatal start (e.g. the native module ABI) is reported to every call and not retried', async () => {
    const { relay, procs, current } = setup();
    const p = relay.call('app.info', {});
    const error = { code: 'STORE_ERROR' as const, message: 'Cannot open the run history: NODE_MODULE_VERSION 115' };
    current().reply({ type: 'fatal', error });
    assert.deepEqual(await p, { ok: false, error });
    assert.deepEqual(await relay.call('runs.list', {}), { ok: false, error });
    current().die(1);
    assert.equal(procs.length, 1);
    assert.equal(relay.state, 'failed');
  });

  test('stop: pending calls are answered, shutdown is asked, no restart after the exit', async () => {
    const { relay, procs, current } = setup();
    const p = relay.call('runs.list', {});
    current().reply({ type: 'ready', pid: 1 });
    const stopped = relay.stop();
    assert.equal(relay.state, 'stopping');
    const r = await p;
    assert.ok(!r.ok && /shutting down/.test(r.error.message));
    assert.deepEqual(current().sent.at(-1), { type: 'shutdown' });
    current().die(0);
    await stopped;
    assert.equal(relay.state, 'stopped');
    assert.equal(procs.length, 1);
    const after = await relay.call('runs.list', {});
    assert.ok(!after.ok && /shutting down/.test(after.error.message));
  });

  test('stop kills an engine that does not exit in time', async () => {
    const { relay, current } = setup({ shutdownTimeoutMs: 20 });
    relay.start();
    current().reply({ type: 'ready', pid: 1 });
    const proc = current();
    const stopped = relay.stop();
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(proc.killed, true);
    proc.die(143);
    await stopped;
    assert.equal(relay.state, 'stopped');
  });

  test('a spawn that throws fails every call with the reason', async () => {
    const { relay } = setup({
      spawn: () => {
        throw new Error('ENOENT engine-host.js');
      },
    });
    const r = await relay.call('app.info', {});
    assert.ok(!r.ok && /could not be started: ENOENT engine-host\.js/.test(r.error.message));
  });
});
