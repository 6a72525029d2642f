/**
 * The Electron main process. Deliberately thin: it wires Electron's objects into the pure modules
 * next to it, which hold the logic and are tested under plain Node (see docs/architecture.md):
 *
 *   window-options.ts  hardened BrowserWindow options       url-gate.ts   navigation, links, permissions
 *   app-protocol.ts    app://baton/ → renderer/dist (+CSP)   ipc.ts        sender + schema checks, events
 *   engine-relay.ts    calls ↔ the engine utility process   menu.ts       native menus → app.menuCommand
 *   dialogs.ts         native dialogs for the engine         app-paths.ts  where files and data live
 *   open-path.ts       app.openPath (folders only)           unsaved-guard.ts  Leave/Stay prompt, quit order
 *   single-instance.ts one Baton per data folder, the second launch focuses the first
 */
import fs from 'node:fs';
import path from 'node:path';
import { BrowserWindow, Menu, app, dialog, ipcMain, nativeTheme, protocol, session, shell, utilityProcess } from 'electron';
import { APP_ENTRY_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './app-protocol.js';
import { appPaths, dataFolders, findAppRoot } from './app-paths.js';
import { createDialogs } from './dialogs.js';
import { EngineRelay } from './engine-relay.js';
import type { CallContext } from './ipc.js';
import { createEventSender, registerApiIpc } from './ipc.js';
import { buildMenuTemplate } from './menu.js';
import { createOpenPath } from './open-path.js';
import { claimSingleInstance, focusOnSecondInstance } from './single-instance.js';
import { guardUnload, stopEngineOnQuit, workflowFromTitle } from './unsaved-guard.js';
import { hardenSession, hardenWebContents, openExternalSafely } from './url-gate.js';
import { createWindowOptions } from './window-options.js';

const MLFLOW_PROJECTS_DOCS = 'https://mlflow.org/docs/latest/projects.html';

const log = (message: string) => console.error(`[baton] ${message}`);
const dev = !app.isPackaged;
const root = findAppRoot();
const paths = appPaths(root, { abi: process.versions.modules, platform: process.platform, arch: process.arch });
const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

// Everything below, up to whenReady, must happen before Electron's `ready` event.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
app.enableSandbox();
app.setName('Baton');
const folders = dataFolders(process.env, app.getPath('appData'));
app.setPath('userData', folders.userData);

if (claimSingleInstance(app)) {
  // (Without the lock another Baton on this data folder runs; it gets 'second-instance' and shows
  // its window, and this one quits.)
  // Not awaited: Electron holds its `ready` event until this module's top level finishes, and run()
  // waits for `ready`.
  run().catch((e: unknown) => {
    log(`could not start: ${(e as Error).stack ?? String(e)}`);
    app.exit(1);
  });
}

async function run(): Promise<void> {
  const windows = new Set<BrowserWindow>();
  let mainWindow: BrowserWindow | null = null;
  const liveWindows = () => [...windows].filter((w) => !w.isDestroyed());
  const windowFor = (context: CallContext | null): BrowserWindow | null =>
    liveWindows().find((w) => context && w.webContents.id === context.webContentsId) ?? BrowserWindow.getFocusedWindow() ?? mainWindow;

  const events = createEventSender(() => liveWindows().map((w) => w.webContents), log);
  const showDialog = createDialogs<CallContext | null>({
    showOpen: (options, context) => {
      const win = windowFor(context);
      return win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options);
    },
    showSave: (options, context) => {
      const win = windowFor(context);
      return win ? dialog.showSaveDialog(win, options) : dialog.showSaveDialog(options);
    },
  });

  const hostArgs = ['--home', folders.home];
  // Packaged, the examples are read-only resources (electron-builder.yml extraResources): the engine
  // copies them into the data folder before offering them.
  if (!dev) hostArgs.push('--examples', path.join(process.resourcesPath, 'examples'));
  if (dev) {
    if (fs.existsSync(paths.nativeBinding)) hostArgs.push('--sqlite-binding', paths.nativeBinding);
    else log(`no better-sqlite3 build for this Electron at ${paths.nativeBinding}; run: node scripts/electron.mjs native`);
  }
  const relay = new EngineRelay({
    spawn: () => utilityProcess.fork(paths.engineHost, hostArgs, { serviceName: 'Baton engine', stdio: 'inherit' }),
    onEvent: (name, payload) => void events.broadcast(name, payload),
    showDialog,
    log,
  });

  const createWindow = (): BrowserWindow => {
    const icon = process.platform === 'linux' && fs.existsSync(paths.icon) ? paths.icon : undefined;
    const win = new BrowserWindow(createWindowOptions({ preload: paths.preload, dev, icon, dark: nativeTheme.shouldUseDarkColors }));
    windows.add(win);
    mainWindow ??= win;
    win.on('closed', () => {
      windows.delete(win);
      if (mainWindow === win) mainWindow = liveWindows()[0] ?? null;
    });
    win.once('ready-to-show', () => win.show());
    win.webContents.on('render-process-gone', (_e, details) => log(`the window's page stopped (${details.reason})`));
    // The page's beforeunload guard cancels a close or reload silently in Electron: ask here instead.
    guardUnload(win.webContents, {
      ask: (options) => dialog.showMessageBoxSync(win, options),
      workflowName: () => workflowFromTitle(win.webContents.getTitle()),
    });
    win.loadURL(APP_ENTRY_URL).catch((e: unknown) => log(`could not load ${APP_ENTRY_URL}: ${(e as Error).message}`));
    return win;
  };

  focusOnSecondInstance(app, () => mainWindow ?? createWindow());
  app.on('web-contents-created', (_e, contents) =>
    hardenWebContents(contents, { openExternal: (url) => openExternalSafely(shell, url, log), log }),
  );
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Quitting closes the windows first (each page may veto, see guardUnload); only once all have
  // closed is the engine stopped. A Stay abandons the quit and the engine keeps running.
  stopEngineOnQuit(app, { stopEngine: () => relay.stop(), log });

  await app.whenReady();

  hardenSession(session.defaultSession, { log });
  protocol.handle(APP_SCHEME, createAppProtocolHandler({ root: paths.rendererDist, log }));
  if (!fs.existsSync(path.join(paths.rendererDist, 'index.html'))) log(`the renderer is not built (${paths.rendererDist}); run npm run build`);
  const openPath = createOpenPath({ openPath: (folder) => shell.openPath(folder) });
  registerApiIpc(ipcMain, {
    // app.openPath needs Electron's shell, which lives here; everything else goes to the engine.
    call: (method, input, context) => (method === 'app.openPath' ? openPath(input as { path: string }) : relay.call(method, input, context)),
    isKnownWebContents: (id) => liveWindows().some((w) => w.webContents.id === id),
    log,
  });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        platform: process.platform,
        dev,
        appName: 'Baton',
        actions: {
          command: (command) => {
            const win = BrowserWindow.getFocusedWindow() ?? mainWindow;
            if (win && !win.isDestroyed()) events.sendTo(win.webContents, 'app.menuCommand', { command });
          },
          openDataFolder: () => void shell.openPath(folders.home).then((err) => err && log(`could not open ${folders.home}: ${err}`)),
          openMlflowDocs: () => void openExternalSafely(shell, MLFLOW_PROJECTS_DOCS, log),
          about: () => {
            const detail = [
              `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node.js ${process.versions.node}`,
              `Data folder: ${folders.home}`,
            ].join('\n');
            const options = { type: 'info' as const, title: 'About Baton', message: `Baton ${version}`, detail };
            const win = BrowserWindow.getFocusedWindow() ?? mainWindow;
            void (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
          },
        },
      }),
    ),
  );
  relay.start();
  createWindow();
  app.on('activate', () => {
    if (liveWindows().length === 0) createWindow();
  });
}
