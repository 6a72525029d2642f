/**
 * `app.openPath` in the desktop app: the main process (which owns Electron's `shell`) answers it
 * itself instead of relaying it to the engine. Only existing folders are opened — a file could be
 * a program, and opening it would run it. Electron's `shell.openPath` and a stat are passed in, so
 * the rules are unit-tested under plain Node.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ApiResult } from '../../common/api/contract.js';

export interface OpenPathDeps {
  /** Electron's shell.openPath: resolves to '' on success, else an error message. */
  openPath(folder: string): Promise<string>;
  /** Whether the path is an existing folder (default: fs.statSync). */
  isDirectory?(p: string): boolean | null;
}

function defaultIsDirectory(p: string): boolean | null {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return null;
  }
}

export function createOpenPath(deps: OpenPathDeps) {
  const isDirectory = (p: string): boolean | null => (deps.isDirectory ? deps.isDirectory(p) : defaultIsDirectory(p));
  return async function openPath(input: { path: string }): Promise<ApiResult<Record<string, never>>> {
    if (!path.isAbsolute(input.path)) {
      return { ok: false, error: { code: 'USAGE', message: `Cannot open '${input.path}': give an absolute folder path.` } };
    }
    const folder = path.resolve(input.path);
    const dir = isDirectory(folder);
    if (dir === null) return { ok: false, error: { code: 'USAGE', message: `Cannot open ${folder}: it does not exist.` } };
    if (!dir) return { ok: false, error: { code: 'USAGE', message: `Cannot open ${folder}: only folders are opened, and it is a file.` } };
    const err = await deps.openPath(folder);
    if (err) return { ok: false, error: { code: 'INTERNAL', message: `The file manager could not open ${folder}: ${err}` } };
    return { ok: true, value: {} };
  };
}
