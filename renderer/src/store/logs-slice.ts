/**
 * The logs slice: a bounded window over one run's output (see logs/log-buffer.ts). Live output is
 * pulled page by page from where the window ends whenever the engine announces new text, so the
 * window is always an exact byte range of the file, however the announcements were chunked.
 */
import { appendPage, emptyLog, hasNewer, hasOlder, prependPage, startAt } from '../logs/log-buffer.js';
import type { LogsActions, LogsState, SliceCreator } from './types.js';

/** The first view of a run's output: its last 256 KiB. */
export const LOG_TAIL_BYTES = 256 * 1024;
/** Later pages are smaller, so each one is parsed and drawn within a frame or two. */
export const LOG_PAGE_BYTES = 128 * 1024;
/** When following and further behind than this, jump to the end instead of reading everything. */
export const LOG_SKIP_BYTES = 2 * 1024 * 1024;

export const createLogsSlice: SliceCreator<LogsState & LogsActions> = (set, get, api) => ({
  log: emptyLog(null),
  logStep: null,
  logFollow: true,
  logLoading: false,
  logStale: false,
  logError: null,

  async showLog(step, runId) {
    const s = get();
    if (s.logStep === step && s.log.runId === runId) return;
    set({ logStep: step, log: emptyLog(runId), logFollow: true, logLoading: runId !== null, logStale: false, logError: null });
    if (!runId) return;
    const r = await api.call('runs.logs', { runId, offset: -LOG_TAIL_BYTES, limit: LOG_TAIL_BYTES });
    if (get().log.runId !== runId) return;
    if (!r.ok) {
      set({ logLoading: false, logError: r.error.message });
      return;
    }
    set({ log: startAt(runId, r.value), logLoading: false });
    if (get().logStale) {
      set({ logStale: false });
      await get().fetchNewerLog();
    }
  },

  async fetchNewerLog() {
    const s = get();
    const runId = s.log.runId;
    if (!runId) return;
    if (s.logLoading) {
      set({ logStale: true });
      return;
    }
    set({ logLoading: true, logStale: false });
    try {
      for (let guard = 0; guard < 128; guard++) {
        const cur = get();
        if (cur.log.runId !== runId) return;
        const behind = cur.log.size - cur.log.nextOffset;
        const jump = cur.logFollow && behind > LOG_SKIP_BYTES;
        const r = await api.call(
          'runs.logs',
          jump ? { runId, offset: -LOG_TAIL_BYTES, limit: LOG_TAIL_BYTES } : { runId, offset: cur.log.nextOffset, limit: LOG_PAGE_BYTES },
        );
        if (get().log.runId !== runId) return;
        if (!r.ok) {
          set({ logError: r.error.message });
          return;
        }
        const log = jump ? startAt(runId, r.value, cur.log.maxLines) : appendPage(get().log, r.value);
        set({ log });
        const more = hasNewer(log) && r.value.text !== '';
        if (!more && !get().logStale) return;
        set({ logStale: false });
      }
    } finally {
      if (get().log.runId === runId) set({ logLoading: false });
    }
  },

  async fetchOlderLog() {
    const s = get();
    const runId = s.log.runId;
    if (!runId || s.logLoading || !hasOlder(s.log)) return;
    const end = s.log.startOffset;
    const start = Math.max(0, end - LOG_PAGE_BYTES);
    set({ logLoading: true });
    try {
      const r = await api.call('runs.logs', { runId, offset: start, limit: end - start });
      if (get().log.runId !== runId) return;
      if (!r.ok) {
        set({ logError: r.error.message });
        return;
      }
      set({ log: prependPage(get().log, r.value) });
    } finally {
      if (get().log.runId === runId) set({ logLoading: false });
    }
    if (get().logStale) await get().fetchNewerLog();
  },

  setLogFollow(on) {
    set({ logFollow: on });
    if (on && hasNewer(get().log)) void get().fetchNewerLog();
  },
});
