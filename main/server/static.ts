/**
 * Serves the renderer build (renderer/dist): path-traversal safe, with content types, cache headers
 * and the single-page-app fallback to index.html.
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { Headers } from './respond.js';
import { SECURITY_HEADERS, send, sendPage } from './respond.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

export function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Vite writes content-hashed file names under assets/: they never change, so they cache forever. */
function cacheControlFor(rel: string): string {
  return rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

export type StaticTarget =
  | { kind: 'file'; file: string; rel: string }
  /** Not a file: the single-page app's index.html answers (client-side routes). */
  | { kind: 'index' }
  | { kind: 'not-found' }
  | { kind: 'bad-path'; reason: string };

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + path.sep);
}

/**
 * Maps a request path (still percent-encoded, exactly as received; never one normalised by `new
 * URL`, which would silently resolve `%2e%2e`) to a file under root. Encoded or literal `..`,
 * encoded slashes or backslashes, NUL and malformed escapes are refused outright; dotfiles are not
 * served; a symlink that leads out of root is treated as missing.
 */
export function resolveStatic(root: string, rawPath: string): StaticTarget {
  if (!rawPath.startsWith('/')) return { kind: 'bad-path', reason: 'the path must start with /' };
  if (/[\\\0]/.test(rawPath)) return { kind: 'bad-path', reason: 'backslashes and NUL are not allowed' };
  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { kind: 'bad-path', reason: 'malformed percent-encoding' };
    }
    if (/[/\\\0]/.test(seg))
      return { kind: 'bad-path', reason: 'encoded slashes, backslashes and NUL are not allowed' };
    if (seg === '..') return { kind: 'bad-path', reason: "'..' is not allowed" };
    if (seg === '' || seg === '.') continue;
    segments.push(seg);
  }
  if (segments.length === 0) return { kind: 'index' };
  if (segments.some((s) => s.startsWith('.'))) return { kind: 'not-found' };
  const rel = segments.join('/');
  const file = path.resolve(root, ...segments);
  if (!inside(root, file)) return { kind: 'bad-path', reason: 'the path leaves the renderer folder' };
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    // A client-side route (/runs/abc) gets the app; a missing file (/assets/x.js) a real 404, so a
    // stale bundle fails loudly instead of executing HTML as JavaScript.
    return path.extname(segments[segments.length - 1]!) ? { kind: 'not-found' } : { kind: 'index' };
  }
  if (stat.isDirectory()) return { kind: 'index' };
  if (!stat.isFile()) return { kind: 'not-found' };
  try {
    if (!inside(fs.realpathSync(root), fs.realpathSync(file))) return { kind: 'not-found' };
  } catch {
    return { kind: 'not-found' };
  }
  return { kind: 'file', file, rel };
}

/** The command that builds what this module serves; named in the 503 page. */
export const BUILD_COMMAND = 'npm run build:renderer';
export const BUILD_COMMAND_FULL = 'vite build --config renderer/vite.config.ts';

export function serveStatic(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  root: string,
  rawPath: string,
  headers: Headers,
): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n', { ...headers, allow: 'GET, HEAD' });
    return;
  }
  const target = resolveStatic(root, rawPath);
  switch (target.kind) {
    case 'bad-path':
      send(res, 400, 'text/plain; charset=utf-8', `Bad path: ${target.reason}\n`, headers);
      return;
    case 'not-found':
      send(res, 404, 'text/plain; charset=utf-8', 'Not found\n', headers);
      return;
    case 'file':
      if (target.rel === 'index.html') serveIndex(req, res, target.file, headers);
      else serveFile(req, res, target.file, cacheControlFor(target.rel), headers);
      return;
    case 'index': {
      const index = path.join(root, 'index.html');
      if (!fs.existsSync(index)) {
        sendPage(
          res,
          503,
          'The Baton UI is not built',
          [
            `There is no ${index}.`,
            `Build it with \`${BUILD_COMMAND}\` (that is \`${BUILD_COMMAND_FULL}\`) in the Baton folder, or run \`npm run web\`, which builds everything first, then reload this page.`,
            'The API under /api/ works already.',
          ],
          { ...headers, 'retry-after': '5' },
        );
        return;
      }
      serveIndex(req, res, index, headers);
      return;
    }
  }
}

/**
 * index.html with `<base href="/">` added: the build uses relative asset paths (`base: './'`, so
 * the same build also works under Electron's app:// scheme), which would resolve against a deep
 * link such as /runs/abc and miss. The web host always serves the app at /.
 */
function serveIndex(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  file: string,
  headers: Headers,
): void {
  let html: string;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
    html = fs.readFileSync(file, 'utf8');
  } catch {
    send(res, 404, 'text/plain; charset=utf-8', 'Not found\n', headers);
    return;
  }
  if (!/<base\s/i.test(html)) html = html.replace(/<head(\s[^>]*)?>/i, (m) => `${m}<base href="/">`);
  const etag = `W/"i-${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const common = { ...SECURITY_HEADERS, 'cache-control': 'no-cache', etag, ...headers };
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && inm.split(',').some((t) => t.trim() === etag)) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  res.writeHead(200, {
    ...common,
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(html)),
  });
  res.end(req.method === 'HEAD' ? undefined : html);
}

function serveFile(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  file: string,
  cacheControl: string,
  headers: Headers,
): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    send(res, 404, 'text/plain; charset=utf-8', 'Not found\n', headers);
    return;
  }
  const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const common = {
    ...SECURITY_HEADERS,
    'cache-control': cacheControl,
    etag,
    'last-modified': stat.mtime.toUTCString(),
    ...headers,
  };
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && inm.split(',').some((t) => t.trim() === etag)) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  res.writeHead(200, { ...common, 'content-type': contentType(file), 'content-length': String(stat.size) });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = fs.createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
