/** The relay protocol, engine side: a real Engine on a temp data folder behind an in-memory port. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { AppError } from '../../../common/errors.js';
import type { FromHost } from '../../../main/electron/engine-protocol.js';
import { explainOpenError, serveEngine } from '../../../main/electron/engine-service.js';
import type { Engine } from '../../../main/engine/engine.js';
import { REPO_ROOT, openEngine } from '../../helpers.js';

class FakePort {
  readonly posted: FromHost[] = [];
  private listener: ((m: unknown) => void) | null = null;
  private waiters: { match: (m: FromHost) => boolean; resolve: (m: FromHost) => void }[] = [];
  post(message: FromHost): void {
    this.posted.push(message);
    for (const w of [...this.waiters]) {
      if (w.match(message)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(message);
      }
    }
  }
  onMessage(listener: (m: unknown) => void): void {
    this.listener = listener;
  }
  deliver(message: unknown): void {
    this.listener!(message);
  }
  next(match: (m: FromHost) => boolean): Promise<FromHost> {
    const found = this.posted.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
  result(id: number) {
    return this.next((m) => m.type === 'result' && m.id === id) as Promise<Extract<FromHost, { type: 'result' }>>;
  }
}

async function serve(engine: Engine = openEngine(), examples?: string) {
  const port = new FakePort();
  const exits: number[] = [];
  const state = await serveEngine(port, { openEngine: () => engine, exit: (c) => exits.push(c), examples });
  return { port, exits, engine, state };
}

describe('serveEngine', () => {
  test('announces ready and answers calls through the contract dispatcher', async () => {
    const { port, engine, state } = await serve();
    assert.equal(state, 'ready');
    assert.deepEqual(port.posted[0], { type: 'ready', pid: process.pid });
    port.deliver({ type: 'call', id: 1, method: 'app.info', input: {} });
    const info = await port.result(1);
    assert.ok(info.result.ok);
    assert.equal((info.result.value as { home: string }).home, engine.layout.home);
    assert.equal((info.result.value as { nativeDialogs: boolean }).nativeDialogs, true);

    port.deliver({ type: 'call', id: 2, method: 'projects.open', input: { path: path.join(REPO_ROOT, 'examples', 'multistep') } });
    const project = await port.result(2);
    assert.ok(project.result.ok);
    const names = (project.result.value as { entryPoints: { name: string }[] }).entryPoints.map((e) => e.name);
    assert.ok(names.includes('load_raw_data'));
    await engine.close();
  });

  test("a packaged app's bundled examples (--examples) are offered from a copy in the data folder", async () => {
    const { port, engine } = await serve(openEngine(), path.join(REPO_ROOT, 'examples'));
    port.deliver({ type: 'call', id: 1, method: 'app.info', input: {} });
    const info = (await port.result(1)).result;
    assert.ok(info.ok);
    const value = info.value as { exampleProject: string | null; exampleWorkflow: string | null };
    assert.equal(value.exampleProject, path.join(engine.layout.home, 'examples', 'multistep'));
    assert.equal(value.exampleWorkflow, path.join(engine.layout.home, 'examples', 'workflow.yaml'));
    await engine.close();
  });

  test('invalid input and unknown methods are USAGE results; malformed messages are ignored', async () => {
    const { port, engine } = await serve();
    port.deliver({ type: 'call', id: 3, method: 'runs.get', input: { runId: '../etc' } });
    port.deliver({ type: 'call', id: 4, method: 'engine.selfDestruct', input: {} });
    port.deliver({ type: 'call', id: 'five', method: 'app.info' });
    port.deliver('garbage');
    const [r3, r4] = [await port.result(3), await port.result(4)];
    assert.ok(!r3.result.ok && r3.result.error.code === 'USAGE');
    assert.ok(!r4.result.ok && r4.result.error.code === 'USAGE');
    assert.equal(port.posted.filter((m) => m.type === 'result').length, 2);
    await engine.close();
  });

  test('a dialog is requested with the id of the call that needs it, and its answer is the result', async () => {
    const { port, engine } = await serve();
    port.deliver({ type: 'call', id: 11, method: 'dialogs.saveFile', input: { title: 'Save', defaultPath: '/tmp/w.yaml' } });
    const ask = await port.next((m) => m.type === 'dialog');
    assert.deepEqual(ask, { type: 'dialog', id: 1, callId: 11, kind: 'saveFile', title: 'Save', defaultPath: '/tmp/w.yaml' });
    port.deliver({ type: 'dialogResult', id: 1, path: '/tmp/chosen.yaml' });
    assert.deepEqual((await port.result(11)).result, { ok: true, value: { path: '/tmp/chosen.yaml' } });

    port.deliver({ type: 'call', id: 12, method: 'dialogs.openFolder', input: {} });
    const ask2 = await port.next((m) => m.type === 'dialog' && m.callId === 12);
    port.deliver({ type: 'dialogResult', id: (ask2 as { id: number }).id, path: null, error: 'no display' });
    const r = (await port.result(12)).result;
    assert.ok(!r.ok && r.error.code === 'INTERNAL' && /no display/.test(r.error.message));
    await engine.close();
  });

  test('engine events are posted to the main process', async () => {
    const { port, engine } = await serve();
    const payload = { workflowRunId: 'w', status: 'FINISHED' as const };
    engine.events.emit('workflowRun.updated', payload);
    assert.deepEqual(await port.next((m) => m.type === 'event'), { type: 'event', name: 'workflowRun.updated', payload });
    await engine.close();
  });

  test('calls that arrive while the engine opens are answered once it is open', async () => {
    const port = new FakePort();
    let open!: (e: Engine) => void;
    const serving = serveEngine(port, { openEngine: () => new Promise<Engine>((r) => (open = r)), exit: () => {} });
    port.deliver({ type: 'call', id: 1, method: 'experiments.list', input: {} });
    await new Promise((r) => setImmediate(r));
    assert.equal(port.posted.length, 0);
    const engine = openEngine();
    open(engine);
    assert.equal(await serving, 'ready');
    assert.ok((await port.result(1)).result.ok);
    await engine.close();
  });

  test('an engine that cannot open is a fatal message with a hint; calls get the error; shutdown exits', async () => {
    const port = new FakePort();
    const exits: number[] = [];
    const abi = new AppError(
      'STORE_ERROR',
      "Cannot open the run history at /x/baton.db: The module 'better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 143.",
    );
    const state = await serveEngine(port, {
      openEngine: () => {
        throw abi;
      },
      exit: (c) => exits.push(c),
    });
    assert.equal(state, 'fatal');
    const fatal = port.posted[0] as Extract<FromHost, { type: 'fatal' }>;
    assert.equal(fatal.type, 'fatal');
    assert.equal(fatal.error.code, 'STORE_ERROR');
    assert.match(fatal.error.message, /NODE_MODULE_VERSION 115[\s\S]*node scripts\/electron\.mjs native/);
    port.deliver({ type: 'call', id: 1, method: 'app.info', input: {} });
    assert.deepEqual((await port.result(1)).result, { ok: false, error: fatal.error });
    port.deliver({ type: 'shutdown' });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(exits, [0]);
  });

  test('shutdown closes the engine, then exits; later calls are refused', async () => {
    const { port, exits, engine } = await serve();
    port.deliver({ type: 'shutdown' });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(exits, [0]);
    assert.throws(() => engine.store.listExperiments());
    port.deliver({ type: 'call', id: 9, method: 'app.info', input: {} });
    const r = (await port.result(9)).result;
    assert.ok(!r.ok && /shutting down/.test(r.error.message));
  });

  test('explainOpenError leaves other errors alone', () => {
    assert.deepEqual(explainOpenError(new AppError('STORE_ERROR', 'disk full')), { code: 'STORE_ERROR', message: 'disk full', details: undefined });
    assert.equal(explainOpenError(new Error('x')).code, 'INTERNAL');
  });
});
