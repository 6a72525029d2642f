/**
 * The `app://baton/…` protocol that serves the renderer build (renderer/dist) to the desktop window.
 * Pure Node: the protocol handler is a `(Request) => Promise<Response>` function, so the path checks
 * and headers are tested under plain Node with real files; main.ts only hands it to protocol.handle.
 */
import fs from 'node:fs';
import path from 'node:path';
import { contentType } from '../server/static.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'baton';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The only URL a Baton window ever loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Privileges for protocol.registerSchemesAsPrivileged. `standard` + `secure` give the app a real
 * origin (`app://baton`), so relative URLs, ES modules, `'self'` in the CSP and storage work as on
 * https. Everything that would weaken the page stays off: no CSP bypass, no service workers, and no
 * `corsEnabled` — that flag lets *other* origins read the scheme without any
 * Access-Control-Allow-Origin check, and the app's own module scripts are same-origin anyway.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
  bypassCSP: false,
  allowServiceWorkers: false,
  corsEnabled: false,
  stream: false,
} as const;

/**
 * The page's Content Security Policy, sent as a response header with every file. Scripts only from
 * the app itself (no inline script, no eval); no network at all besides the app's own files; no
 * frames, plugins, forms or base-URL tricks. Inline *styles* are allowed because React Flow
 * positions nodes with style attributes; styles cannot run code.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
};

/** The same content types the web host serves (one table for both hosts). */
export const contentTypeFor = contentType;

export type Resolution = { ok: true; file: string } | { ok: false; status: 400 | 403 | 404 | 405; reason: string };

/**
 * Maps an app URL to a path under `root` without touching the disk. Each path segment is decoded on
 * its own and refused when the decoded text could change the folder it names: `..` and `.` (also
 * written `%2e%2e`), an encoded separator (`%2f`, `%5c`), NUL, or a drive/stream colon. The joined
 * result must still be inside `root`. The URL parser has already resolved literal `..` segments;
 * this check does not rely on it.
 */
export function resolveAppPath(root: string, url: string): Resolution {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return { ok: false, status: 403, reason: `not an ${APP_ORIGIN} URL` };
  if (u.username || u.password || u.port) return { ok: false, status: 403, reason: 'credentials or port in the URL' };
  const segments: string[] = [];
  for (const raw of u.pathname.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400, reason: `malformed escape in '${raw}'` };
    }
    if (seg === '.' || seg === '..') return { ok: false, status: 403, reason: 'dot segment' };
    if (/[/\\\0:]/.test(seg)) return { ok: false, status: 403, reason: `forbidden character in '${raw}'` };
    segments.push(seg);
  }
  if (segments.length === 0) segments.push('index.html');
  const base = path.resolve(root);
  const file = path.resolve(base, ...segments);
  const rel = path.relative(base, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return { ok: false, status: 403, reason: 'outside the app folder' };
  return { ok: true, file };
}

function isInside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function errorResponse(status: number, reason: string): Response {
  return new Response(`${status} ${reason}\n`, {
    status,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

export interface AppRequestLike {
  readonly url: string;
  readonly method: string;
}

/**
 * The protocol.handle handler for `app://baton/`. Serves files from `root` only: after the URL
 * checks above, the file's real path (symlinks resolved) must still lie inside the real root, so a
 * symlink in the build output cannot expose the rest of the disk. A path without an extension that
 * does not exist falls back to index.html (client-side routes); anything else missing is 404.
 */
export function createAppProtocolHandler(opts: { root: string; log?: (message: string) => void }): (request: AppRequestLike) => Promise<Response> {
  const log = opts.log ?? (() => {});
  let realRoot: string | null = null;
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return errorResponse(405, 'method not allowed');
    const resolved = resolveAppPath(opts.root, request.url);
    if (!resolved.ok) {
      log(`app protocol refused ${request.url}: ${resolved.reason}`);
      return errorResponse(resolved.status, resolved.reason);
    }
    try {
      realRoot ??= await fs.promises.realpath(opts.root);
    } catch {
      return errorResponse(404, 'the renderer build is missing (run npm run build)');
    }
    let file = resolved.file;
    let real: string;
    try {
      real = await fs.promises.realpath(file);
    } catch {
      if (path.extname(file) !== '') return errorResponse(404, 'not found');
      file = path.join(opts.root, 'index.html');
      try {
        real = await fs.promises.realpath(file);
      } catch {
        return errorResponse(404, 'not found');
      }
    }
    if (!isInside(realRoot, real)) {
      log(`app protocol refused ${request.url}: resolves outside the app folder (${real})`);
      return errorResponse(403, 'outside the app folder');
    }
    let body: Buffer;
    try {
      const st = await fs.promises.stat(real);
      if (!st.isFile()) return errorResponse(404, 'not found');
      body = await fs.promises.readFile(real);
    } catch {
      return errorResponse(404, 'not found');
    }
    const headers = { ...SECURITY_HEADERS, 'Content-Type': contentTypeFor(real), 'Content-Length': String(body.length) };
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
  };
}
