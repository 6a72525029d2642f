/**
 * Shared pieces of the browser end-to-end tests: the real `baton ui` host as a child process on
 * its own data folder and port, Debian's Chromium through playwright-core, typed API calls with the
 * host's token (to read the engine's history), screenshots, and the few UI gestures the journeys
 * repeat (the in-app folder browser, dragging an entry point, drawing a connection).
 *
 * Nothing here sleeps for a fixed time: every wait is on an app signal, the DOM, the history or a
 * process. Build first (`npm run build`); without a build or a Chromium the tests report
 * themselves skipped with the reason.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { MethodInput, MethodName, MethodOutput } from '../../common/api/contract.js';
import { CLI, REPO_ROOT, waitUntil } from '../helpers.js';
import { CHROMIUM_CLOSED_NETWORK_ARGS } from '../../bench/ui-host.js';

/** Where screenshots go (kept as test artifacts; not in git). */
export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'e2e');

/** Debian's Chromium by default; BATON_E2E_CHROMIUM points elsewhere. Never downloaded. */
export const CHROMIUM = process.env.BATON_E2E_CHROMIUM ?? '/usr/bin/chromium';

export const VIEWPORT = { width: 1280, height: 800 };

/**
 * Why the browser tests cannot run here, or false when they can. On CI (`CI` set) a missing
 * Chromium or build is a failure, not a skip (as a missing mlflow is for the integration tests).
 */
export function e2eSkipReason(): string | false {
  let reason: string | false = false;
  if (!fs.existsSync(CHROMIUM))
    reason = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set BATON_E2E_CHROMIUM)`;
  else if (!fs.existsSync(path.join(REPO_ROOT, 'out', 'main', 'cli', 'main.js')))
    reason = 'the CLI is not built: run npm run build';
  else if (!fs.existsSync(path.join(REPO_ROOT, 'renderer', 'dist', 'index.html')))
    reason = 'the renderer is not built: run npm run build';
  if (reason && process.env.CI) throw new Error(`CI must run the browser tests: ${reason}`);
  return reason;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_CLOSED_NETWORK_ARGS, timeout: 60_000 });
}

// ------------------------------------------------------------------------------------------ host

export interface Host {
  /** The printed address, with its token. */
  url: string;
  origin: string;
  token: string;
  home: string;
  /** Everything the host wrote on stderr so far (for failure messages). */
  stderr(): string;
  /** A contract call over HTTP with the token; throws on an error result. */
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  /** SIGTERM, then waits for the exit (SIGKILL after 15 s); resolves to the exit code. */
  stop(): Promise<number | null>;
  stopped: boolean;
}

/**
 * Starts `node bin/baton.js ui --port 0 --no-open` on the data folder `home` and resolves once it
 * has printed its address. PYTHONDONTWRITEBYTECODE keeps the example's Python steps from writing
 * __pycache__ into the repository's examples/ folder.
 */
export async function startHost(home: string, env: NodeJS.ProcessEnv = {}): Promise<Host> {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
    process.execPath,
    [CLI, 'ui', '--port', '0', '--no-open'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env, BATON_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  let exit: { code: number | null } | null = null;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exit = { code };
      resolve(code);
    }),
  );
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const url = await waitUntil(
    () => {
      if (exit)
        throw new Error(`baton ui exited (${String(exit.code)}) before printing its address:\n${stderr}`);
      return /^(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)\n/m.exec(stdout)?.[1];
    },
    'baton ui to print its address',
    30_000,
  );
  const parsed = new URL(url);
  const token = parsed.searchParams.get('token') ?? '';
  const host: Host = {
    url,
    origin: parsed.origin,
    token,
    home,
    stopped: false,
    stderr: () => stderr,
    async call(method, input) {
      const res = await fetch(`${parsed.origin}/api/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      const body = (await res.json()) as
        { ok: true; value: never } | { ok: false; error: { code: string; message: string } };
      if (!body.ok) throw new Error(`${method} failed: ${body.error.code}: ${body.error.message}`);
      return body.value;
    },
    async stop() {
      if (!host.stopped) {
        host.stopped = true;
        if (!exit) child.kill('SIGTERM');
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return host;
}

// ------------------------------------------------------------------------------------------ page

export interface AppPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page (a test asserts there are none). */
  pageErrors: string[];
}

/** A new browser context (1280×800) on the host's address, once the app says it is ready. */
/** `initScript`: run in the page before its own scripts (e.g. an observer the test reads later). */
export async function openApp(
  browser: Browser,
  host: Host,
  { initScript }: { initScript?: string } = {},
): Promise<AppPage> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  if (initScript) await page.addInitScript({ content: initScript });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(host.url);
  await page.getByTestId('app-ready').waitFor({ timeout: 60_000 });
  return { context, page, pageErrors };
}

/** Writes test-artifacts/e2e/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export const byTestId = (id: string): string => `[data-testid="${id}"]`;

/**
 * Waits until the canvas viewport (pan and zoom) has not moved for 10 animation frames: React
 * Flow's fit-view animates, and handles measured mid-animation are in the wrong place.
 */
export async function waitForStableViewport(page: Page): Promise<void> {
  const key = `${Date.now()}-${Math.random()}`;
  await page.waitForFunction(
    (k) => {
      const g = globalThis as unknown as {
        document: { querySelector(s: string): { style: { transform: string } } | null };
        __vp?: { key: string; last: string | null; same: number };
      };
      const t = g.document.querySelector('.react-flow__viewport')?.style.transform ?? '';
      if (g.__vp?.key !== k) g.__vp = { key: k, last: null, same: 0 };
      const s = g.__vp;
      s.same = s.last === t ? s.same + 1 : 0;
      s.last = t;
      return s.same >= 10;
    },
    key,
    { polling: 'raf' },
  );
}

/**
 * In the open in-app file browser: waits for its first listing, goes to `dir` by typing it into
 * the path field, and waits for `entry` (a file or folder known to be in `dir`) to be listed —
 * the browser has no other sign that a listing has arrived (see docs/testing.md).
 */
export async function browseTo(page: Page, dir: string, entry: string): Promise<void> {
  await page.getByTestId('file-browser').waitFor();
  // "Up" is enabled once the first listing (of a folder that has a parent) is in; typing a path
  // before that races it: the late first listing would replace the one asked for.
  await page.locator(`${byTestId('file-browser-up')}:enabled`).waitFor();
  await page.getByTestId('file-browser-path').fill(dir);
  await page.getByTestId('file-browser-path').press('Enter');
  await page.getByTestId(`file-browser-entry-${entry}`).waitFor();
}

/** Opens the project folder `dir` in the folder browser: go to its parent, double-click it (◆). */
export async function chooseProjectFolder(page: Page, dir: string): Promise<void> {
  const browser = page.getByTestId('file-browser');
  await browser.waitFor();
  if ((await browser.getAttribute('data-mode')) !== 'folder')
    throw new Error('the file browser is not picking a folder');
  await browseTo(page, path.dirname(dir), path.basename(dir));
  await page.getByTestId(`file-browser-entry-${path.basename(dir)}`).dblclick();
  await browser.waitFor({ state: 'detached' });
}

/** In the save browser: goes to `dir` (which lists `entry`), types the file name, saves. */
export async function saveAs(page: Page, dir: string, entry: string, fileName: string): Promise<void> {
  const browser = page.getByTestId('file-browser');
  await browser.waitFor();
  if ((await browser.getAttribute('data-mode')) !== 'save')
    throw new Error('the file browser is not choosing where to save');
  await browseTo(page, dir, entry);
  await page.getByTestId('file-browser-filename').fill(fileName);
  await page.getByTestId('file-browser-choose').click();
  await browser.waitFor({ state: 'detached' });
}

export interface Point {
  x: number;
  y: number;
}

async function center(page: Page, testId: string): Promise<Point> {
  const box = await page.getByTestId(testId).boundingBox();
  if (!box) throw new Error(`${testId} is not visible`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/**
 * Drags entry point `ep` from the project panel onto the canvas at page position `at` — a real
 * HTML5 drag and drop (Chromium's own dragstart/dragover/drop with a DataTransfer) — and waits for
 * the step node it creates.
 */
export async function dropEntryPoint(page: Page, ep: string, at: Point, stepName = ep): Promise<void> {
  const canvas = await page.getByTestId('canvas').boundingBox();
  if (!canvas) throw new Error('the canvas is not visible');
  if (
    at.x < canvas.x ||
    at.y < canvas.y ||
    at.x > canvas.x + canvas.width ||
    at.y > canvas.y + canvas.height
  ) {
    throw new Error(`drop point ${at.x},${at.y} is outside the canvas`);
  }
  await page.dragAndDrop(byTestId(`entry-point-${ep}`), byTestId('canvas'), {
    targetPosition: { x: at.x - canvas.x, y: at.y - canvas.y },
  });
  await page.getByTestId(`step-node-${stepName}`).waitFor();
  await waitForStableViewport(page);
}

/**
 * Draws a connection with the real mouse: onto the source handle, press, move in steps onto the
 * target handle, release. `whileOver` runs with the button still down over the target.
 */
export async function drawConnection(
  page: Page,
  fromHandle: string,
  toHandle: string,
  whileOver?: () => Promise<void>,
): Promise<void> {
  await waitForStableViewport(page);
  const from = await center(page, fromHandle);
  const to = await center(page, toHandle);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2 + 30, { steps: 8 });
  await page.mouse.move(to.x, to.y, { steps: 8 });
  try {
    if (whileOver) await whileOver();
  } finally {
    await page.mouse.up();
  }
}

/** The React Flow edge for a data reference `${{ steps.SOURCE.ATTR }}` in TARGET's PARAM. */
export function dataEdge(source: string, attr: string, target: string, param: string): string {
  return byTestId(`rf__edge-d:${source}.${attr}>${target}.${param}`);
}

/** Clicks a step's title (selects it without starting a drag from a handle). */
export async function selectStep(page: Page, step: string): Promise<void> {
  await page.getByTestId(`step-node-${step}`).locator('.sn-name').click();
  await page.locator(`${byTestId('inspector-step-name')}[value="${step}"]`).waitFor();
}

// --------------------------------------------------------------------------------- processes, CLI

/** Pids whose full command line matches the regular expression (pgrep -f); never includes pgrep. */
export function pgrep(pattern: string): number[] {
  const r = spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`pgrep failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

/** The built CLI on the same data folder as a host, synchronously (short commands only). */
export function cli(home: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, BATON_HOME: home },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ------------------------------------------------------------------------------------------ clean-up

/** What a test opened, closed in `after` whatever happened (browser contexts first, then hosts). */
export class Resources {
  private readonly contexts: BrowserContext[] = [];
  private readonly hosts: Host[] = [];

  host(h: Host): Host {
    this.hosts.push(h);
    return h;
  }

  app(a: AppPage): AppPage {
    this.contexts.push(a.context);
    return a;
  }

  async closeAll(): Promise<void> {
    const contexts = this.contexts.splice(0);
    const hosts = this.hosts.splice(0);
    await Promise.allSettled(contexts.map((c) => c.close()));
    await Promise.allSettled(hosts.map((h) => h.stop()));
  }
}

// ------------------------------------------------------------------------------------------------
// The new user's journey (web.test.ts and electron.test.ts)

export async function box(
  page: Page,
  testId: string,
): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await page.getByTestId(testId).boundingBox();
  assert.ok(b, `${testId} is not on screen`);
  return b;
}

/** Fully inside the canvas's visible rectangle. */
export async function assertOnCanvas(page: Page, testId: string): Promise<void> {
  const c = await box(page, 'canvas');
  const b = await box(page, testId);
  assert.ok(
    b.x >= c.x && b.y >= c.y && b.x + b.width <= c.x + c.width && b.y + b.height <= c.y + c.height,
    `${testId} is not fully visible on the canvas`,
  );
}

/** The run id the inspector shows for the selected step's last run (the full id is its title). */
export function inspectorRunId(page: Page) {
  return page.locator(`${byTestId('inspector-run')} .run-line span.mono[title]`);
}

export const status = (page: Page, testId: string, value: string) =>
  page.locator(`${byTestId(testId)}[data-status="${value}"]`);

/** The welcome card gives way once a project is open; if it is still up, dismiss it as a user would. */
export async function dismissWelcomeIfShown(page: Page): Promise<void> {
  if (await page.getByTestId('first-run').isVisible()) await page.getByTestId('btn-first-empty').click();
  await page.getByTestId('first-run').waitFor({ state: 'detached' });
}

/** Drops load_raw_data, then etl_data to its right, and fits both in view. */
export async function placeTwoSteps(page: Page): Promise<void> {
  const canvas = await box(page, 'canvas');
  await dropEntryPoint(page, 'load_raw_data', { x: canvas.x + 160, y: canvas.y + 140 });
  // The first node makes React Flow fit the view to it, so step 2 is placed from where step 1 ended up.
  const n1 = await box(page, 'step-node-load_raw_data');
  await dropEntryPoint(page, 'etl_data', {
    x: Math.min(n1.x + n1.width + 90, canvas.x + canvas.width - 40),
    y: n1.y + 60,
  });
  await page.getByTestId('btn-fit').click();
  await waitForStableViewport(page);
  await assertOnCanvas(page, 'step-node-load_raw_data');
  await assertOnCanvas(page, 'step-node-etl_data');
}

/** Runs fn; on failure keeps a screenshot of the page as test-artifacts/e2e/FAILED-NAME.png. */
export async function failureShot(
  page: () => Page | undefined,
  name: string,
  fn: () => Promise<void>,
): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const p = page();
    if (p) await screenshot(p, `FAILED-${name.replace(/[^\w]+/g, '-').slice(0, 60)}`).catch(() => undefined);
    throw e;
  }
}
