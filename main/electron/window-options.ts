/**
 * The BrowserWindow options for a Baton window, hardened per Electron's security checklist. A pure
 * function, so the test asserts the exact object the real window is created with.
 */
import path from 'node:path';
import type { BrowserWindowConstructorOptions } from 'electron';

export interface WindowOptionsInput {
  /** Absolute path of the bundled CommonJS preload (out/preload/index.cjs). */
  preload: string;
  /** Development build: devtools may be opened. */
  dev: boolean;
  /** The window icon (Linux and Windows show it; macOS uses the bundle's). */
  icon?: string;
  /** Dark or light background shown before the page paints, to avoid a white flash. */
  dark?: boolean;
}

export function createWindowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  if (!path.isAbsolute(input.preload) || !input.preload.endsWith('.cjs')) {
    // A sandboxed preload cannot be an ES module, and a relative path would depend on the cwd.
    throw new Error(`The preload must be an absolute path to a CommonJS bundle (.cjs), got ${input.preload}`);
  }
  return {
    title: 'Baton',
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    backgroundColor: input.dark ? '#1e1e1e' : '#ffffff',
    ...(input.icon ? { icon: input.icon } : {}),
    webPreferences: {
      preload: input.preload,
      // The page runs in Chromium's sandbox, in its own JavaScript world, with no Node.js.
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      // Same-origin policy and mixed-content blocking stay on.
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: input.dev,
    },
  };
}
