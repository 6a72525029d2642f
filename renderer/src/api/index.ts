/**
 * The only desktop/web seam in the renderer: picks the transport. Under Electron the preload puts
 * `window.baton` on the page and IPC carries the calls; in a browser tab the web host serves the
 * page and the calls go over HTTP (+ server-sent events). Everything else sees only `Api`.
 */
import type { Api } from '../../../common/api/contract.js';
import { createElectronApi, electronBridge } from './electron.js';
import { createWebApi } from './web.js';
import type { WebApi } from './web.js';

export function createApi(): Api {
  const bridge = electronBridge();
  return bridge ? createElectronApi(bridge) : createWebApi();
}

/**
 * "Events were lost, fetch state again": the web transport says so after a disconnect longer than
 * its replay buffer. IPC never loses events, so there it is a no-op.
 */
export function onResync(api: Api, listener: () => void): () => void {
  const web = api as Partial<Pick<WebApi, 'onResync'>>;
  return typeof web.onResync === 'function' ? web.onResync(listener) : () => {};
}
