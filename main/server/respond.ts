/** Response helpers shared by the web host's routes: security headers on everything, JSON and HTML bodies. */
import type http from 'node:http';

/**
 * A strict policy for a Vite React build: only same-origin scripts (Vite emits no inline script in
 * production), inline styles allowed because React Flow injects its own, no framing, no plugins,
 * API and event-stream requests to this origin only. `base-uri 'self'` admits the `<base href="/">`
 * static.ts adds to index.html.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export type Headers = Record<string, string | string[]>;

export function send(
  res: http.ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Headers = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Headers = {},
): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A small self-contained page (no scripts, inline style only) for errors a person sees in the browser. */
export function sendPage(
  res: http.ServerResponse,
  status: number,
  title: string,
  paragraphs: string[],
  headers: Headers = {},
): void {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} — Baton</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}code{background:#f2f2f2;padding:.1em .3em;border-radius:3px}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${paragraphs.map((p) => `<p>${escapeHtml(p).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`).join('\n')}
</body></html>
`;
  send(res, status, 'text/html; charset=utf-8', body, headers);
}
