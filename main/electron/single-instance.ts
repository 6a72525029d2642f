/**
 * One Baton per data folder: a second launch hands over to the first (Electron's single-instance
 * lock) and quits; the first brings its window to the front — restored if minimised, a new one if
 * all were closed (macOS keeps the app running without windows). Electron's objects come in as
 * small `…Like` interfaces, so this is unit-tested under plain Node
 * (tests/unit/electron/single-instance.test.ts).
 */

export interface SingleInstanceAppLike {
  requestSingleInstanceLock(): boolean;
  quit(): void;
  isReady(): boolean;
  on(event: 'second-instance', listener: () => void): unknown;
}

export interface FocusableWindowLike {
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
}

/** Takes the lock; without it (another Baton runs) quits and returns false. */
export function claimSingleInstance(app: SingleInstanceAppLike): boolean {
  if (app.requestSingleInstanceLock()) return true;
  app.quit();
  return false;
}

/** Shows, restores and focuses a window. */
export function bringToFront(win: FocusableWindowLike): void {
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

/**
 * On a second launch, brings the app's window (`window()`: the main one, or a new one) to the
 * front. Before the app is ready there is nothing to show yet (its window appears when it is).
 */
export function focusOnSecondInstance(app: SingleInstanceAppLike, window: () => FocusableWindowLike): void {
  app.on('second-instance', () => {
    if (app.isReady()) bringToFront(window());
  });
}
