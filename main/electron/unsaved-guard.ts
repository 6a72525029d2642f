/**
 * Leaving with unsaved changes in the desktop app. The page guards its document with `beforeunload`
 * (renderer/src/hooks/useUnsavedGuard.ts); a browser turns that into its own prompt, but Electron
 * just cancels the close or reload, silently. So:
 *
 * - `guardUnload` answers the window's `will-prevent-unload` with a native Leave / Stay box and lets
 *   the unload go ahead (event.preventDefault()) only on Leave.
 * - `stopEngineOnQuit` stops the engine in `will-quit`, which Electron emits only once every window
 *   has closed — after each page and its prompt had their say. Choosing Stay abandons the quit
 *   (Electron's app.quit gives up when a window stays open), so the engine keeps running.
 *
 * Electron's objects are passed in as small `…Like` interfaces, so both are unit-tested under plain
 * Node (tests/unit/electron/unsaved-guard.test.ts).
 */

export interface PreventableEventLike {
  preventDefault(): void;
}

export interface UnloadContentsLike {
  on(event: 'will-prevent-unload', listener: (event: PreventableEventLike) => void): unknown;
}

/** The subset of Electron's MessageBoxSyncOptions the prompt uses. */
export interface LeavePromptOptions {
  type: 'warning';
  title: string;
  message: string;
  detail: string;
  buttons: string[];
  defaultId: number;
  cancelId: number;
  noLink: true;
}

export const LEAVE_BUTTON = 0;
export const STAY_BUTTON = 1;

export function leavePromptOptions(workflow: string | null): LeavePromptOptions {
  const what = workflow ? `“${workflow}”` : 'this workflow';
  return {
    type: 'warning',
    title: 'Unsaved changes',
    message: `You have unsaved changes in ${what}. Leave without saving?`,
    detail: 'If you leave, the changes since the last save are lost.',
    buttons: ['Leave', 'Stay'],
    // Stay is the default and what Escape or closing the box means: nothing is lost by accident.
    defaultId: STAY_BUTTON,
    cancelId: STAY_BUTTON,
    noLink: true,
  };
}

/**
 * The workflow a window shows, from its title (renderer/src/hooks/useWindowTitle.ts writes
 * "• name — Baton", the bullet while there are unsaved changes), or null when there is none.
 */
export function workflowFromTitle(title: string): string | null {
  const name = title
    .replace(/\s*—\s*Baton\s*$/, '')
    .replace(/^\s*•\s*/, '')
    .trim();
  return name && name !== 'Baton' ? name : null;
}

export interface UnloadGuardDeps {
  /** Shows the box (dialog.showMessageBoxSync with the window as parent) and returns the button index. */
  ask(options: LeavePromptOptions): number;
  /** The workflow's name for the message, or null. */
  workflowName(): string | null;
}

/**
 * Handles `will-prevent-unload` for one window's page. The answer must be given synchronously (the
 * close or reload waits on the event), hence a synchronous message box.
 */
export function guardUnload(contents: UnloadContentsLike, deps: UnloadGuardDeps): void {
  contents.on('will-prevent-unload', (event) => {
    if (deps.ask(leavePromptOptions(deps.workflowName())) === LEAVE_BUTTON) event.preventDefault();
  });
}

export interface QuitAppLike {
  on(event: 'will-quit', listener: (event: PreventableEventLike) => void): unknown;
  /** Ends the app at once; emits neither before-quit nor will-quit again. */
  exit(code?: number): void;
}

export interface QuitDeps {
  stopEngine(): Promise<void>;
  log?(message: string): void;
}

/**
 * Stops the engine after the windows have closed, then exits. `will-quit` comes only when every
 * window closed (a Stay means it never comes, and the engine keeps running); the exit waits for the
 * engine, once however many quits are asked for meanwhile, and does not go through the quit events
 * again (app.exit, since every window is already gone), so no handler runs twice.
 */
export function stopEngineOnQuit(app: QuitAppLike, deps: QuitDeps): void {
  let stopping: Promise<void> | null = null;
  app.on('will-quit', (event) => {
    event.preventDefault();
    if (stopping) return;
    stopping = Promise.resolve()
      .then(() => deps.stopEngine())
      .catch((e: unknown) => deps.log?.(`could not stop the engine cleanly: ${(e as Error).message ?? String(e)}`))
      .then(() => app.exit(0));
  });
}
