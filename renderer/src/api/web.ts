/**
 * The browser transport of the API contract, for the web host (`baton ui`): calls are
 * `POST /api/<method>` with a JSON body and the per-launch token as a bearer header; events come
 * from one shared, reconnecting EventSource on `/api/events`. Failures are results, never thrown.
 * Protocol: docs/web-host.md.
 */
import type {
  Api,
  ApiResult,
  EventName,
  EventPayload,
  MethodInput,
  MethodName,
  MethodOutput,
} from '../../../common/api/contract.js';
import { EVENT_NAMES } from '../../../common/api/event-names.js';
import type { AppErrorShape } from '../../../common/errors.js';

export interface WebApiOptions {
  /** Where Baton answers, e.g. `http://127.0.0.1:8123`; default: this page's origin. */
  baseUrl?: string;
  /** The per-launch token; default: the page's `?token=` (then kept in sessionStorage). */
  token?: string;
}

export interface WebApi extends Api {
  /**
   * Called when the server says events were lost (the stream was cut for longer than its replay
   * buffer covers): state shown from events should be fetched again through `call`.
   */
  onResync(listener: () => void): () => void;
  /** Closes the event stream; later `on` calls open it again. */
  close(): void;
}

/** Where the token lives for the tab's lifetime (survives reloads, not the tab). */
export const TOKEN_STORAGE_KEY = 'baton.token';

/** The non-contract event the server sends when a reconnecting client missed events it no longer has. */
const RESYNC_EVENT = 'resync';
/** Grace before an unused stream closes, so a quick unsubscribe/subscribe (React StrictMode) keeps it. */
const IDLE_CLOSE_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/**
 * The page's token: taken from `?token=` once (then stored in sessionStorage and removed from the
 * address bar, so it is not bookmarked, shared or kept in history), else from sessionStorage.
 */
export function readToken(): string | null {
  if (typeof window === 'undefined') return null;
  let token: string | null = null;
  try {
    const url = new URL(window.location.href);
    const fromQuery = url.searchParams.get('token');
    if (fromQuery) {
      token = fromQuery;
      try {
        window.sessionStorage.setItem(TOKEN_STORAGE_KEY, fromQuery);
      } catch {
        // Storage disabled: the token still works for this page, and the session cookie for reloads.
      }
      url.searchParams.delete('token');
      window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
    }
  } catch {
    // An unusual location (about:blank, sandboxed frame): fall through to storage.
  }
  if (!token) {
    try {
      token = window.sessionStorage.getItem(TOKEN_STORAGE_KEY);
    } catch {
      token = null;
    }
  }
  return token;
}

function isApiResult(body: unknown): body is ApiResult<unknown> {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as { ok?: unknown; value?: unknown; error?: { code?: unknown; message?: unknown } };
  if (b.ok === true) return 'value' in b;
  return (
    b.ok === false &&
    typeof b.error === 'object' &&
    b.error !== null &&
    typeof b.error.code === 'string' &&
    typeof b.error.message === 'string'
  );
}

function internal(message: string): { ok: false; error: AppErrorShape } {
  return { ok: false, error: { code: 'INTERNAL', message } };
}

/** Rethrown outside the dispatch loop: a broken listener is reported but never stops the others. */
function report(e: unknown): void {
  setTimeout(() => {
    throw e;
  });
}

export function createWebApi(opts: WebApiOptions = {}): WebApi {
  const pageOrigin = typeof window !== 'undefined' ? window.location.origin : '';
  const base = (opts.baseUrl ?? pageOrigin).replace(/\/+$/, '');
  const where = base || 'this address';
  const token = opts.token ?? readToken();

  async function call<M extends MethodName>(
    method: M,
    input: MethodInput<M>,
  ): Promise<ApiResult<MethodOutput<M>>> {
    let body: string;
    try {
      body = JSON.stringify(input ?? {});
    } catch (e) {
      return {
        ok: false,
        error: { code: 'USAGE', message: `Cannot send ${method}: ${(e as Error).message}` },
      };
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(`${base}/api/${method}`, {
        method: 'POST',
        headers,
        body,
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (e) {
      return internal(
        `Cannot reach Baton at ${where} (${(e as Error).message || 'network error'}). Is \`baton ui\` still running?`,
      );
    }
    let result: unknown;
    try {
      result = await res.json();
    } catch {
      return internal(`Baton at ${where} answered ${method} with HTTP ${res.status} and no result.`);
    }
    if (!isApiResult(result))
      return internal(`Baton at ${where} answered ${method} with an unexpected body.`);
    return result as ApiResult<MethodOutput<M>>;
  }

  // ---- events: one EventSource shared by every listener --------------------------------------------

  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const resyncListeners = new Set<() => void>();
  let source: EventSource | null = null;
  let lastEventId: string | null = null;
  let failures = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let idleTimer: ReturnType<typeof setTimeout> | null = null;

  const eventListenerCount = () => [...listeners.values()].reduce((n, s) => n + s.size, 0);

  function dispatch(name: string, ev: MessageEvent<string>): void {
    if (ev.lastEventId) lastEventId = ev.lastEventId;
    let payload: unknown;
    try {
      payload = JSON.parse(ev.data);
    } catch {
      return;
    }
    for (const l of [...(listeners.get(name) ?? [])]) {
      try {
        l(payload);
      } catch (e) {
        report(e);
      }
    }
  }

  function connect(): void {
    if (source || typeof EventSource === 'undefined') return;
    const params = new URLSearchParams();
    // EventSource cannot send headers; the session cookie normally authenticates it, the token in
    // the (same-origin, never logged) URL covers browsers that refuse cookies for 127.0.0.1.
    if (token) params.set('token', token);
    // A fresh EventSource after a hard failure forgets Last-Event-ID; the server accepts it here too.
    if (lastEventId) params.set('lastEventId', lastEventId);
    const query = params.toString();
    const es = new EventSource(`${base}/api/events${query ? `?${query}` : ''}`);
    source = es;
    for (const name of EVENT_NAMES)
      es.addEventListener(name, (ev: MessageEvent<string>) => dispatch(name, ev));
    es.addEventListener(RESYNC_EVENT, (ev: MessageEvent<string>) => {
      if (ev.lastEventId) lastEventId = ev.lastEventId;
      for (const l of [...resyncListeners]) {
        try {
          l();
        } catch (e) {
          report(e);
        }
      }
    });
    es.onopen = () => {
      failures = 0;
    };
    es.onerror = () => {
      // CONNECTING: the browser retries by itself (and sends Last-Event-ID). CLOSED: it gave up
      // (HTTP error, server gone for good); retry with backoff while anyone listens.
      if (es.readyState !== EventSource.CLOSED || source !== es) return;
      es.close();
      source = null;
      if (eventListenerCount() === 0 || retryTimer) return;
      const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures++);
      retryTimer = setTimeout(() => {
        retryTimer = null;
        if (eventListenerCount() > 0) connect();
      }, delay);
    };
  }

  function disconnect(): void {
    if (retryTimer) clearTimeout(retryTimer);
    if (idleTimer) clearTimeout(idleTimer);
    retryTimer = idleTimer = null;
    source?.close();
    source = null;
  }

  function on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    // A wrapper per subscription: the same function subscribed twice is two subscriptions.
    const entry = (payload: unknown) => listener(payload as EventPayload<E>);
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(entry);
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    connect();
    return () => {
      if (!set.delete(entry) || eventListenerCount() > 0 || idleTimer) return;
      idleTimer = setTimeout(() => {
        idleTimer = null;
        if (eventListenerCount() === 0) disconnect();
      }, IDLE_CLOSE_MS);
    };
  }

  return {
    call,
    on,
    onResync(listener) {
      const entry = () => listener();
      resyncListeners.add(entry);
      return () => void resyncListeners.delete(entry);
    },
    close: disconnect,
  };
}
