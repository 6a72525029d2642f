/**
 * Leaving with unsaved changes: the Leave / Stay prompt for `will-prevent-unload`, and the quit order
 * (windows first, each page may veto; the engine stops only once all have closed). The fakes model
 * Electron's documented behaviour: app.quit() emits before-quit, closes every window (a page whose
 * beforeunload vetoes emits will-prevent-unload, and the close — and the quit — is abandoned unless
 * that event is prevented), then emits will-quit, and terminates unless that is prevented.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { LeavePromptOptions, PreventableEventLike } from '../../../main/electron/unsaved-guard.js';
import {
  LEAVE_BUTTON,
  STAY_BUTTON,
  guardUnload,
  leavePromptOptions,
  stopEngineOnQuit,
  workflowFromTitle,
} from '../../../main/electron/unsaved-guard.js';

class FakeEvent implements PreventableEventLike {
  prevented = false;
  preventDefault(): void {
    this.prevented = true;
  }
}

class FakeWebContents extends EventEmitter {
  /** Whether the page's beforeunload handler cancels unloading (the renderer's guard with a dirty document). */
  vetoes = false;
  title = 'Baton';
  /** Runs the page's beforeunload: true when the unload goes ahead. */
  unload(): boolean {
    if (!this.vetoes) return true;
    const event = new FakeEvent();
    this.emit('will-prevent-unload', event);
    return event.prevented;
  }
}

class FakeWindow {
  readonly webContents = new FakeWebContents();
  destroyed = false;
  close(): boolean {
    if (this.destroyed) return true;
    if (!this.webContents.unload()) return false;
    this.destroyed = true;
    return true;
  }
}

class FakeApp extends EventEmitter {
  readonly windows: FakeWindow[] = [];
  readonly log: string[] = [];
  exits: number[] = [];
  terminated = 0;

  quit(): void {
    this.log.push('quit');
    const beforeQuit = new FakeEvent();
    this.emit('before-quit', beforeQuit);
    if (beforeQuit.prevented) return;
    for (const w of this.windows.filter((x) => !x.destroyed)) {
      if (!w.close()) {
        this.log.push('quit abandoned');
        return;
      }
      this.log.push('window closed');
    }
    const willQuit = new FakeEvent();
    this.emit('will-quit', willQuit);
    if (willQuit.prevented) return;
    this.terminated++;
  }

  exit(code = 0): void {
    this.log.push(`exit ${code}`);
    this.exits.push(code);
  }

  window(vetoes = false, title = 'Baton'): FakeWindow {
    const w = new FakeWindow();
    w.webContents.vetoes = vetoes;
    w.webContents.title = title;
    this.windows.push(w);
    return w;
  }
}

/** A window guarded as main.ts guards it, with a recording dialog that answers `answer`. */
function guarded(app: FakeApp, answer: number, opts: { vetoes?: boolean; title?: string } = {}) {
  const win = app.window(opts.vetoes ?? true, opts.title ?? '• flow.yaml — Baton');
  const asked: LeavePromptOptions[] = [];
  guardUnload(win.webContents, {
    ask: (options) => {
      asked.push(options);
      app.log.push('asked');
      return answer;
    },
    workflowName: () => workflowFromTitle(win.webContents.title),
  });
  return { win, asked };
}

function fakeEngine(app: FakeApp, stop: () => Promise<void> = () => Promise.resolve()) {
  const engine = { stops: 0, running: true };
  const messages: string[] = [];
  stopEngineOnQuit(app, {
    stopEngine: async () => {
      engine.stops++;
      app.log.push('engine stopping');
      await stop();
      engine.running = false;
      app.log.push('engine stopped');
    },
    log: (m) => messages.push(m),
  });
  return { engine, messages };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('leavePromptOptions and workflowFromTitle', () => {
  test('names the workflow; Leave and Stay, Stay the default and the cancel', () => {
    const o = leavePromptOptions('flow.yaml');
    assert.equal(o.message, 'You have unsaved changes in “flow.yaml”. Leave without saving?');
    assert.deepEqual(o.buttons, ['Leave', 'Stay']);
    assert.equal(o.buttons[LEAVE_BUTTON], 'Leave');
    assert.equal(o.buttons[STAY_BUTTON], 'Stay');
    assert.equal(o.defaultId, STAY_BUTTON);
    assert.equal(o.cancelId, STAY_BUTTON);
    assert.equal(o.type, 'warning');
    assert.match(leavePromptOptions(null).message, /unsaved changes in this workflow\. Leave without saving\?/);
  });

  test('the workflow is read from the title the renderer sets', () => {
    assert.equal(workflowFromTitle('• flow.yaml — Baton'), 'flow.yaml');
    assert.equal(workflowFromTitle('My pipeline — Baton'), 'My pipeline');
    assert.equal(workflowFromTitle('• a — b.yaml — Baton'), 'a — b.yaml');
    assert.equal(workflowFromTitle('Baton'), null);
    assert.equal(workflowFromTitle(''), null);
  });
});

describe('guardUnload', () => {
  test('Leave: the unload proceeds (will-prevent-unload is prevented)', () => {
    const app = new FakeApp();
    const { win, asked } = guarded(app, LEAVE_BUTTON);
    const event = new FakeEvent();
    win.webContents.emit('will-prevent-unload', event);
    assert.equal(event.prevented, true);
    assert.equal(asked.length, 1);
    assert.match(asked[0]!.message, /“flow\.yaml”/);
  });

  test('Stay: the unload is cancelled', () => {
    const app = new FakeApp();
    const { win, asked } = guarded(app, STAY_BUTTON);
    const event = new FakeEvent();
    win.webContents.emit('will-prevent-unload', event);
    assert.equal(event.prevented, false);
    assert.equal(asked.length, 1);
  });

  test('closing the box any other way counts as Stay', () => {
    const app = new FakeApp();
    const { win } = guarded(app, 7);
    assert.equal(win.close(), false);
    assert.equal(win.destroyed, false);
  });

  test('a page that does not veto is never asked about', () => {
    const app = new FakeApp();
    const { win, asked } = guarded(app, STAY_BUTTON, { vetoes: false });
    assert.equal(win.close(), true);
    assert.equal(asked.length, 0);
  });
});

describe('stopEngineOnQuit', () => {
  test('no veto: windows close, then the engine stops, then the app exits exactly once', async () => {
    const app = new FakeApp();
    guarded(app, STAY_BUTTON, { vetoes: false });
    const { engine } = fakeEngine(app);
    app.quit();
    await settle();
    assert.equal(engine.running, false);
    assert.equal(engine.stops, 1);
    assert.deepEqual(app.exits, [0]);
    assert.equal(app.terminated, 0, 'the first will-quit is held for the engine');
    assert.deepEqual(app.log, ['quit', 'window closed', 'engine stopping', 'engine stopped', 'exit 0']);
  });

  test('a vetoing window and Stay: the quit is abandoned, the window stays, the engine keeps running', async () => {
    const app = new FakeApp();
    const { win } = guarded(app, STAY_BUTTON);
    const { engine } = fakeEngine(app);
    app.quit();
    await settle();
    assert.equal(win.destroyed, false);
    assert.equal(engine.running, true);
    assert.equal(engine.stops, 0);
    assert.deepEqual(app.exits, []);
    assert.deepEqual(app.log, ['quit', 'asked', 'quit abandoned']);
  });

  test('a vetoing window and Leave: the window closes before the engine stops', async () => {
    const app = new FakeApp();
    const { win } = guarded(app, LEAVE_BUTTON);
    const { engine } = fakeEngine(app);
    app.quit();
    await settle();
    assert.equal(win.destroyed, true);
    assert.equal(engine.running, false);
    assert.deepEqual(app.exits, [0]);
    assert.deepEqual(app.log, ['quit', 'asked', 'window closed', 'engine stopping', 'engine stopped', 'exit 0']);
  });

  test('Stay, then quitting again and Leave: the second quit goes through', async () => {
    const app = new FakeApp();
    let answer = STAY_BUTTON;
    const win = app.window(true, '• flow.yaml — Baton');
    guardUnload(win.webContents, { ask: () => answer, workflowName: () => null });
    const { engine } = fakeEngine(app);
    app.quit();
    await settle();
    assert.equal(engine.running, true);
    answer = LEAVE_BUTTON;
    app.quit();
    await settle();
    assert.equal(engine.running, false);
    assert.deepEqual(app.exits, [0]);
  });

  test('more quits while the engine stops: one stop, one exit, no re-entry', async () => {
    const app = new FakeApp();
    app.window(false);
    let release = (): void => {};
    const { engine } = fakeEngine(app, () => new Promise<void>((r) => (release = r)));
    let beforeQuits = 0;
    app.on('before-quit', () => beforeQuits++);
    app.quit();
    app.quit();
    app.quit();
    await settle();
    assert.equal(engine.stops, 1);
    assert.deepEqual(app.exits, []);
    release();
    await settle();
    assert.equal(engine.stops, 1);
    assert.deepEqual(app.exits, [0]);
    assert.equal(beforeQuits, 3, 'only the three asked-for quits; exiting emits no quit events');
    assert.equal(app.terminated, 0);
  });

  test('an engine that fails to stop is logged, and the app still exits', async () => {
    const app = new FakeApp();
    const { messages } = fakeEngine(app, () => Promise.reject(new Error('gone')));
    app.quit();
    await settle();
    assert.deepEqual(app.exits, [0]);
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /gone/);
  });
});
