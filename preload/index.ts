/**
 * The preload script of every Baton window (sandboxed, context-isolated). Bundled to CommonJS at
 * out/preload/index.cjs by `node scripts/electron.mjs preload`, because a sandboxed preload cannot
 * load ES modules or anything from disk but `electron`.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.js';

contextBridge.exposeInMainWorld(
  'baton',
  createBridge(ipcRenderer, (message) => console.error(`[baton preload] ${message}`)),
);
