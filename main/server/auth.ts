/**
 * Who may talk to the web host: a request must come to the loopback address it listens on (Host
 * check, against DNS rebinding), from its own pages (Origin check, against cross-site requests),
 * and carry the per-launch token (bearer header, `token` query parameter or the session cookie).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

/** Tokens are URL-, header- and cookie-safe so they travel unencoded in all three places. */
const TOKEN_RE = /^[A-Za-z0-9_~.-]{16,256}$/;

/** 32 random bytes, base64url: 43 characters. */
export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isValidToken(token: string): boolean {
  return TOKEN_RE.test(token);
}

/**
 * Constant-time comparison. Both sides are hashed first so neither the content nor the length of
 * the expected token leaks through timing.
 */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The cookie's name carries the port: cookies are shared by every port of a host, so two Baton
 * windows on 127.0.0.1 would otherwise overwrite each other's token.
 */
export function cookieName(port: number): string {
  return `baton_token_${port}`;
}

/** `Set-Cookie` for the session: HttpOnly (page scripts never see it), SameSite=Strict, whole site. */
export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

function cookieValue(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) out.push(part.slice(eq + 1).trim());
  }
  return out;
}

export type AuthResult =
  | {
      ok: true;
      /** The token came in the query string: the response should set the session cookie. */ viaQuery: boolean;
    }
  | { ok: false; status: 401 | 403; message: string };

/**
 * Checks Host, then Origin, then the token. Any one of the credentials that matches is enough;
 * a stale cookie next to a valid header does not lock anyone out.
 */
export function authorize(req: http.IncomingMessage, url: URL, port: number, token: string): AuthResult {
  const host = req.headers.host ?? '';
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    return {
      ok: false,
      status: 403,
      message: `Host '${host}' is not allowed: Baton answers only on 127.0.0.1:${port} and localhost:${port}.`,
    };
  }
  const origin = req.headers.origin;
  if (
    origin !== undefined &&
    origin !== `http://127.0.0.1:${port}` &&
    origin !== `http://localhost:${port}`
  ) {
    return { ok: false, status: 403, message: `Origin '${origin}' is not allowed.` };
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer !== undefined && tokensEqual(bearer, token)) return { ok: true, viaQuery: false };
  const query = url.searchParams.get('token');
  if (query !== null && tokensEqual(query, token)) return { ok: true, viaQuery: true };
  for (const c of cookieValue(req.headers.cookie, cookieName(port))) {
    if (tokensEqual(c, token)) return { ok: true, viaQuery: false };
  }
  return {
    ok: false,
    status: 401,
    message:
      'Missing or invalid token. Open the address `baton ui` printed (it ends in ?token=…); the token changes every launch.',
  };
}
