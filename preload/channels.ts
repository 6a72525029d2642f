/**
 * The two IPC channels between the preload and the main process. The renderer never sees them:
 * it gets `window.baton.call/on`, which checks every name against the API contract first.
 */
/** ipcRenderer.invoke(CALL_CHANNEL, method, input) → ApiResult. */
export const CALL_CHANNEL = 'baton:call';
/** webContents.send(EVENT_CHANNEL, eventName, payload). */
export const EVENT_CHANNEL = 'baton:event';
