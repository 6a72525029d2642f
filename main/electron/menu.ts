/**
 * The native menu as a template (a pure function of platform, dev mode and actions). Items that act
 * on the workflow send a contract `app.menuCommand` to the page, which owns those actions; clipboard,
 * zoom, fullscreen, reload and devtools use Electron's built-in roles.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../common/api/contract.js';

export interface MenuActions {
  /** Sends a command to the focused Baton window. */
  command(command: MenuCommand): void;
  openDataFolder(): void;
  openMlflowDocs(): void;
  about(): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  dev: boolean;
  appName: string;
  actions: MenuActions;
}

/** Every menu item that sends a command, with its id and shortcut (also the documentation table). */
export const COMMAND_ITEMS: readonly { id: string; command: MenuCommand; label: string; accelerator?: string; macAccelerator?: string }[] = [
  { id: 'file.newWorkflow', command: 'workflow.new', label: 'New Workflow', accelerator: 'CmdOrCtrl+N' },
  { id: 'file.openWorkflow', command: 'workflow.open', label: 'Open Workflow…', accelerator: 'CmdOrCtrl+O' },
  { id: 'file.openProject', command: 'project.open', label: 'Open Project Folder…', accelerator: 'CmdOrCtrl+Shift+O' },
  { id: 'file.save', command: 'workflow.save', label: 'Save Workflow', accelerator: 'CmdOrCtrl+S' },
  { id: 'file.saveAs', command: 'workflow.saveAs', label: 'Save Workflow As…', accelerator: 'CmdOrCtrl+Shift+S' },
  { id: 'edit.undo', command: 'edit.undo', label: 'Undo', accelerator: 'CmdOrCtrl+Z' },
  { id: 'edit.redo', command: 'edit.redo', label: 'Redo', accelerator: 'CmdOrCtrl+Y', macAccelerator: 'Shift+Cmd+Z' },
  { id: 'view.fit', command: 'view.fit', label: 'Fit View', accelerator: 'CmdOrCtrl+Shift+F' },
  { id: 'run.start', command: 'run.start', label: 'Run Workflow', accelerator: 'F5' },
  { id: 'run.cancel', command: 'run.cancel', label: 'Cancel Run', accelerator: 'Shift+F5' },
  { id: 'run.rerun', command: 'run.rerun', label: 'Rerun', accelerator: 'CmdOrCtrl+Shift+F5' },
];

export function buildMenuTemplate(opts: MenuOptions): MenuItemConstructorOptions[] {
  const mac = opts.platform === 'darwin';
  const item = (id: string): MenuItemConstructorOptions => {
    const spec = COMMAND_ITEMS.find((c) => c.id === id);
    if (!spec) throw new Error(`No menu command item '${id}'`);
    const accelerator = mac && spec.macAccelerator ? spec.macAccelerator : spec.accelerator;
    return { id: spec.id, label: spec.label, ...(accelerator ? { accelerator } : {}), click: () => opts.actions.command(spec.command) };
  };
  const sep: MenuItemConstructorOptions = { type: 'separator' };

  const appMenu: MenuItemConstructorOptions = {
    label: opts.appName,
    submenu: [
      { role: 'about' },
      sep,
      { role: 'services' },
      sep,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      sep,
      { role: 'quit' },
    ],
  };
  const file: MenuItemConstructorOptions = {
    id: 'file',
    label: '&File',
    submenu: [
      item('file.newWorkflow'),
      item('file.openWorkflow'),
      item('file.openProject'),
      sep,
      item('file.save'),
      item('file.saveAs'),
      sep,
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const edit: MenuItemConstructorOptions = {
    id: 'edit',
    label: '&Edit',
    submenu: [
      item('edit.undo'),
      item('edit.redo'),
      sep,
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      ...(mac ? [{ role: 'pasteAndMatchStyle' } as const, { role: 'delete' } as const] : []),
      { role: 'selectAll' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    id: 'view',
    label: '&View',
    submenu: [
      item('view.fit'),
      sep,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      sep,
      { role: 'togglefullscreen' },
      ...(opts.dev ? [sep, { role: 'reload' } as const, { role: 'forceReload' } as const, { role: 'toggleDevTools' } as const] : []),
    ],
  };
  const run: MenuItemConstructorOptions = {
    id: 'run',
    label: '&Run',
    submenu: [item('run.start'), item('run.cancel'), item('run.rerun')],
  };
  const help: MenuItemConstructorOptions = {
    id: 'help',
    role: 'help',
    label: '&Help',
    submenu: [
      { id: 'help.dataFolder', label: 'Open Data Folder', click: () => opts.actions.openDataFolder() },
      { id: 'help.mlflowDocs', label: 'MLflow Projects Documentation', click: () => opts.actions.openMlflowDocs() },
      ...(mac ? [] : [sep, { id: 'help.about', label: `About ${opts.appName}`, click: () => opts.actions.about() }]),
    ],
  };
  return [...(mac ? [appMenu] : []), file, edit, view, run, ...(mac ? [{ role: 'windowMenu' } as const] : []), help];
}
