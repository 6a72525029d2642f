/**
 * Native open/save dialogs for HostCapabilities.dialogs. The engine process asks for them over the
 * relay; this module turns a request into Electron dialog options and the answer into a path or null
 * (cancelled). Electron's `dialog` is passed in as two functions, so the mapping is unit-tested.
 */
import type { DialogRequest } from './engine-protocol.js';

export interface OpenDialogOptionsLike {
  title: string;
  defaultPath?: string;
  properties: ('openFile' | 'openDirectory' | 'createDirectory')[];
  filters?: { name: string; extensions: string[] }[];
}

export interface SaveDialogOptionsLike {
  title: string;
  defaultPath?: string;
  properties: ('createDirectory' | 'showOverwriteConfirmation')[];
  filters: { name: string; extensions: string[] }[];
}

export interface DialogDeps<C> {
  showOpen(options: OpenDialogOptionsLike, context: C): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSave(options: SaveDialogOptionsLike, context: C): Promise<{ canceled: boolean; filePath?: string }>;
}

const WORKFLOW_FILTERS = [
  { name: 'Workflow (YAML)', extensions: ['yaml', 'yml'] },
  { name: 'All Files', extensions: ['*'] },
];

export function dialogOptions(request: DialogRequest): OpenDialogOptionsLike | SaveDialogOptionsLike {
  const defaultPath = request.defaultPath ? { defaultPath: request.defaultPath } : {};
  switch (request.kind) {
    case 'openFolder':
      return { title: request.title ?? 'Open Project Folder', ...defaultPath, properties: ['openDirectory', 'createDirectory'] };
    case 'openFile':
      return { title: request.title ?? 'Open Workflow', ...defaultPath, properties: ['openFile'], filters: WORKFLOW_FILTERS };
    case 'saveFile':
      return {
        title: request.title ?? 'Save Workflow',
        ...defaultPath,
        properties: ['createDirectory', 'showOverwriteConfirmation'],
        filters: WORKFLOW_FILTERS,
      };
  }
}

/** Shows the dialog a request names; resolves to the chosen path, or null when cancelled. */
export function createDialogs<C>(deps: DialogDeps<C>) {
  return async function showDialog(request: DialogRequest, context: C): Promise<string | null> {
    if (request.kind === 'saveFile') {
      const r = await deps.showSave(dialogOptions(request) as SaveDialogOptionsLike, context);
      return r.canceled || !r.filePath ? null : r.filePath;
    }
    const r = await deps.showOpen(dialogOptions(request) as OpenDialogOptionsLike, context);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  };
}
