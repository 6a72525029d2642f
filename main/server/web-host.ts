/**
 * The local web host: the renderer build and the API contract over HTTP on 127.0.0.1, for machines
 * without a display (`baton ui`). Calls are `POST /api/<method>` with a JSON body, events one
 * server-sent event stream; both go through the same dispatcher and event forwarder as Electron IPC.
 * See docs/web-host.md for the protocol and the security model.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isMethodName } from '../../common/api/contract.js';
import type { ApiResult } from '../../common/api/contract.js';
import { AppError } from '../../common/errors.js';
import type { ErrorCode } from '../../common/errors.js';
import { createDispatcher, createHandlers, forwardEvents, prepareLastWorkflow } from '../api/handlers.js';
import type { Engine } from '../engine/engine.js';
import { authorize, createToken, isValidToken, sessionCookie } from './auth.js';
import type { Headers } from './respond.js';
import { sendJson, sendPage } from './respond.js';
import type { EventStreamOptions } from './sse.js';
import { EventStreams } from './sse.js';
import { serveStatic } from './static.js';

export interface WebHostOptions {
  engine: Engine;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The per-launch secret; default: 32 random bytes. Must be 16+ URL-safe characters. */
  token?: string;
  /** The renderer build (renderer/dist); it may be missing, then pages answer 503. */
  rendererDir: string;
  /** Largest accepted request body (default 10 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  events?: EventStreamOptions;
  /** Where the host reports what a person running it should know (default: nowhere). */
  log?: (message: string) => void;
}

export interface WebHost {
  /** The address to open: `http://127.0.0.1:PORT/?token=TOKEN`. */
  url: string;
  /** `http://127.0.0.1:PORT`, without the token. */
  origin: string;
  port: number;
  token: string;
  /** Open event streams (for tests and diagnostics). */
  readonly eventClients: number;
  /** Ends every event stream and connection and stops listening. The engine stays open. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** HTTP status for each error code: the compiler asks for a line here when a code is added. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  USAGE: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  FILTER_INVALID: 400,
  MLPROJECT_NOT_FOUND: 404,
  ENTRY_POINT_NOT_FOUND: 404,
  WORKFLOW_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  WORKFLOW_RUN_NOT_FOUND: 404,
  EXPERIMENT_NOT_FOUND: 404,
  MLPROJECT_INVALID: 422,
  PARAM_MISSING: 422,
  PARAM_INVALID: 422,
  PARAM_NAME_INVALID: 422,
  WORKFLOW_INVALID: 422,
  WORKFLOW_CYCLE: 422,
  RUN_NOT_ACTIVE: 422,
  RUN_ACTIVE: 409,
  LAUNCH_FAILED: 500,
  STORE_ERROR: 500,
  // A remote tracking server failed behind the engine: a bad gateway, not the caller's mistake.
  TRACKING_UNAVAILABLE: 502,
  TRACKING_AUTH: 502,
  TRACKING_ERROR: 502,
  INTERNAL: 500,
};

export function statusOf(result: ApiResult<unknown>): number {
  return result.ok ? 200 : (ERROR_STATUS[result.error.code] ?? 500);
}

function failure(code: ErrorCode, message: string): ApiResult<never> {
  return { ok: false, error: { code, message } };
}

type BodyResult = { ok: true; text: string } | { ok: false; tooLarge: true } | { ok: false; tooLarge: false };

/** Reads a request body up to `max` bytes; stops reading (without buffering the rest) once past it. */
function readBody(req: http.IncomingMessage, max: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) return Promise.resolve({ ok: false, tooLarge: true });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) finish({ ok: false, tooLarge: true });
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', () => finish({ ok: false, tooLarge: false }));
    req.on('close', () => finish({ ok: false, tooLarge: false }));
  });
}

function isJson(contentType: string | undefined): boolean {
  return /^application\/json\s*(;|$)/i.test(contentType ?? '');
}

/** Starts the host on 127.0.0.1 (never another interface) and resolves once it listens. */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const token = opts.token ?? createToken();
  if (!isValidToken(token))
    throw new AppError(
      'USAGE',
      'The web host token must be 16 to 256 URL-safe characters (A-Z a-z 0-9 _ ~ . -).',
    );
  const rendererDir = path.resolve(opts.rendererDir);
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const handlers = createHandlers(opts.engine);
  const dispatch = createDispatcher(handlers);
  const streams = new EventStreams({ log: opts.log, ...opts.events });
  const stopForwarding = forwardEvents(opts.engine, (name, payload) => streams.publish(name, payload));
  let port = 0;

  async function handleApi(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    rawPath: string,
    url: URL,
    headers: Headers,
  ): Promise<void> {
    if (rawPath === '/api/events') {
      if (req.method !== 'GET') {
        sendJson(res, 405, failure('USAGE', 'The event stream is GET /api/events.'), {
          ...headers,
          allow: 'GET',
        });
        return;
      }
      const lastId = req.headers['last-event-id'];
      streams.attach(
        req,
        res,
        (typeof lastId === 'string' ? lastId : null) ?? url.searchParams.get('lastEventId'),
        headers,
      );
      return;
    }
    const method = rawPath.slice('/api/'.length);
    if (!isMethodName(method)) {
      sendJson(res, 404, failure('USAGE', `Unknown method '${method}'.`), headers);
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, failure('USAGE', `Call ${method} with POST /api/${method} and a JSON body.`), {
        ...headers,
        allow: 'POST',
      });
      return;
    }
    if (!isJson(req.headers['content-type'])) {
      sendJson(
        res,
        415,
        failure('USAGE', 'The request body must be JSON (Content-Type: application/json).'),
        headers,
      );
      return;
    }
    const body = await readBody(req, maxBody);
    if (!body.ok) {
      if (body.tooLarge) {
        // Answer at once. Node then reads and discards the rest of the body (no buffering), so the
        // client sees the answer instead of a reset; a sender that keeps going is cut off after 5 s.
        sendJson(res, 413, failure('USAGE', `The request body is larger than ${maxBody} bytes.`), headers);
        if (!req.complete) {
          const cut = setTimeout(() => req.socket.destroy(), 5000).unref();
          req.once('close', () => clearTimeout(cut));
          req.resume();
        }
      } else {
        res.destroy();
      }
      return;
    }
    let input: unknown = {};
    if (body.text.trim() !== '') {
      try {
        input = JSON.parse(body.text);
      } catch (e) {
        sendJson(
          res,
          400,
          failure('USAGE', `The request body is not valid JSON: ${(e as Error).message}`),
          headers,
        );
        return;
      }
    }
    const result = await dispatch(method, input);
    if (res.destroyed) return; // the client went away while the engine worked
    sendJson(res, statusOf(result), result, headers);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const isApi = rawPath === '/api' || rawPath.startsWith('/api/');
    // Only the query string is read through URL (for `token` and `lastEventId`): URL would resolve
    // `..` and `%2e%2e` in the path, so static.ts judges the raw path itself.
    const url = new URL(`http://127.0.0.1${q < 0 ? '' : rawUrl.slice(q)}`);
    const auth = authorize(req, url, port, token);
    if (!auth.ok) {
      if (isApi) sendJson(res, auth.status, failure(auth.status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', auth.message));
      else
        sendPage(res, auth.status, auth.status === 401 ? 'Baton needs its token' : 'Forbidden', [
          auth.message,
        ]);
      return;
    }
    const headers: Headers = auth.viaQuery ? { 'set-cookie': sessionCookie(port, token) } : {};
    if (isApi) await handleApi(req, res, rawPath, url, headers);
    else serveStatic(req, res, rendererDir, rawPath, headers);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      opts.log?.(`web host: ${(e as Error).message}`);
      if (!res.headersSent)
        sendJson(res, 500, failure('INTERNAL', 'The web host failed to answer this request.'));
      else res.destroy();
    });
  });
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    stopForwarding();
    streams.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new AppError(
        'USAGE',
        `Port ${opts.port} on 127.0.0.1 is in use; choose another with --port, or 0 for any free one.`,
      );
    if (code === 'EACCES')
      throw new AppError(
        'USAGE',
        `Port ${opts.port} on 127.0.0.1 is not allowed for this user; choose one above 1023.`,
      );
    throw e;
  }
  prepareLastWorkflow(handlers);
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  let closing: Promise<void> | null = null;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    get eventClients() {
      return streams.size;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        stopForwarding();
        streams.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
