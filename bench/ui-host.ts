/**
 * What the Chromium benchmarks share (bench/canvas.ts, bench/history-ui.ts): `baton ui` started on a
 * data folder as a child process, API calls to it, and the flags the system's Chromium runs with.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO } from './stats.js';

export interface Host {
  url: string;
  origin: string;
  token: string;
  proc: ChildProcess;
}

/** Starts `baton ui --port 0 --no-open` on `home` (plus `args`); resolves with the address it prints. */
export async function startHost(home: string, args: string[] = [], timeoutMs = 60_000): Promise<Host> {
  const proc = spawn(
    process.execPath,
    [path.join(REPO, 'bin', 'baton.js'), 'ui', '--port', '0', '--no-open', ...args],
    {
      env: { ...process.env, BATON_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`baton ui did not print its address:\n${err}`)),
      timeoutMs,
    );
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('http'));
      if (line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    proc.on('exit', (code) => reject(new Error(`baton ui exited (${code}):\n${err}`)));
  });
  const u = new URL(url);
  return { url, origin: u.origin, token: u.searchParams.get('token') ?? '', proc };
}

/** One API call over HTTP; throws with the engine's message when it fails. */
export async function call<T>(host: Host, method: string, input: unknown): Promise<T> {
  const r = await fetch(`${host.origin}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await r.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.value as T;
}

/**
 * Debian's Chromium on a closed network, headless, software rendering; nothing is downloaded (the
 * e2e tests launch it with these too, tests/e2e/support.ts). Headless, no sandbox (containers and
 * root have no user namespaces for it), no GPU, and no traffic of Chromium's own: QUIC, first-run
 * tasks, background networking, component updates and sync would reach the network or stall a
 * machine without it.
 */
export const CHROMIUM_CLOSED_NETWORK_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The benchmarks' flags: those, and a page in no visible window still gets full-rate frames and timers. */
export const CHROMIUM_ARGS = [
  ...CHROMIUM_CLOSED_NETWORK_ARGS,
  '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
];
