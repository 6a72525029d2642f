import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  bringToFront,
  claimSingleInstance,
  focusOnSecondInstance,
} from '../../../main/electron/single-instance.js';
import type { FocusableWindowLike, SingleInstanceAppLike } from '../../../main/electron/single-instance.js';

/** A fake app: the lock is held by whoever took it first, as Electron's is per data folder. */
class FakeApp implements SingleInstanceAppLike {
  calls: string[] = [];
  ready = true;
  private listeners: (() => void)[] = [];
  constructor(private lock: { held: boolean }) {}
  requestSingleInstanceLock(): boolean {
    this.calls.push('lock');
    if (this.lock.held) return false;
    this.lock.held = true;
    return true;
  }
  quit(): void {
    this.calls.push('quit');
  }
  isReady(): boolean {
    return this.ready;
  }
  on(event: 'second-instance', listener: () => void): this {
    assert.equal(event, 'second-instance');
    this.listeners.push(listener);
    return this;
  }
  secondInstance(): void {
    for (const l of this.listeners) l();
  }
}

class FakeWindow implements FocusableWindowLike {
  calls: string[] = [];
  constructor(public minimized = false) {}
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.calls.push('restore');
    this.minimized = false;
  }
  show(): void {
    this.calls.push('show');
  }
  focus(): void {
    this.calls.push('focus');
  }
}

describe('single instance', () => {
  test('the first launch takes the lock and stays; a second one quits', () => {
    const lock = { held: false };
    const first = new FakeApp(lock);
    const second = new FakeApp(lock);
    assert.equal(claimSingleInstance(first), true);
    assert.deepEqual(first.calls, ['lock']);
    assert.equal(claimSingleInstance(second), false);
    assert.deepEqual(second.calls, ['lock', 'quit']);
  });

  test('a second launch brings the first one’s window to the front, restored if minimised', () => {
    const app = new FakeApp({ held: false });
    const win = new FakeWindow(true);
    focusOnSecondInstance(app, () => win);
    assert.deepEqual(win.calls, [], 'nothing happens before a second launch');
    app.secondInstance();
    assert.deepEqual(win.calls, ['restore', 'show', 'focus']);
    app.secondInstance();
    assert.deepEqual(
      win.calls,
      ['restore', 'show', 'focus', 'show', 'focus'],
      'a shown window is not restored again',
    );
  });

  test('with no window left (macOS), a second launch opens one; before ready, none', () => {
    const app = new FakeApp({ held: false });
    const made: FakeWindow[] = [];
    focusOnSecondInstance(app, () => {
      const w = new FakeWindow();
      made.push(w);
      return w;
    });
    app.ready = false;
    app.secondInstance();
    assert.equal(made.length, 0, 'no window is made before the app is ready');
    app.ready = true;
    app.secondInstance();
    assert.equal(made.length, 1);
    assert.deepEqual(made[0]!.calls, ['show', 'focus']);
  });

  test('bringToFront on a visible window shows and focuses it without restoring', () => {
    const w = new FakeWindow(false);
    bringToFront(w);
    assert.deepEqual(w.calls, ['show', 'focus']);
  });
});
