/**
 * The history UI with a big history, in Chromium (npm run bench:history-ui). Generates a data
 * folder in process through the engine's Store (100,000 runs, each with 10 params and 10 metrics
 * of 3 steps, in transactions of 2,000 runs; plus one run with a 1,000,000-point metric), or reuses
 * `--home DIR`; serves it with `baton ui`; opens the history in headless Chromium (the system's,
 * through playwright-core; nothing is downloaded) and measures, per round on a fresh page:
 *  - table first paint: navigation start → the first frame with run rows painted (React's, or the
 *    first paint main.tsx draws before React), and the total, on a fresh browser profile (the first
 *    launch), and again on a warm one (a relaunch: HTTP and V8 code caches warm); with the app's
 *    marks, among them when React committed its rows (`rows-committed`: the table takes clicks);
 *  - scrolling: the mouse wheel over the table for a few seconds (a 300 px notch every 16 ms, or
 *    --notch N),
 *    frame times from a requestAnimationFrame loop (fps, p95, frames missed at 60 Hz), and how many
 *    frames showed rows still loading;
 *  - a jump to row 50,000 (scrollTop set): until those rows are shown;
 *  - the 1,000,000-point chart: click on the Metrics tab → the chart drawn and painted.
 * Prints the medians over the rounds as one JSON document. `--renderer-dir DIR` serves another build
 * of the renderer (e.g. one from before a change, for an A/B on the same machine and data).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { homeLayout } from '../main/engine/paths.js';
import { Store, fileUri } from '../main/engine/store/store.js';
import { rng, median, p95 } from './stats.js';
import { CHROMIUM_ARGS, call, startHost } from './ui-host.js';
import type { Host } from './ui-host.js';

const { values } = parseArgs({
  options: {
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    home: { type: 'string' },
    'renderer-dir': { type: 'string' },
    runs: { type: 'string', default: '100000' },
    points: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '4' },
    notch: { type: 'string', default: '300' },
    width: { type: 'string', default: '1440' },
    height: { type: 'string', default: '900' },
    keep: { type: 'boolean' },
  },
});
const RUNS = Number(values.runs);
const POINTS = Number(values.points);
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
/**
 * Pixels per wheel event, one sent every 16 ms at most: each waits until the browser has taken the
 * previous one (Playwright's mouse.wheel), which here lets through one every ~36 ms, so 300 px gives
 * ~8,000 px/s (a fast fling), 100 px ~2,700 px/s. The speed reached is reported (scroll_px_per_s).
 */
const NOTCH = Number(values.notch);
const VIEWPORT = { width: Number(values.width), height: Number(values.height) };
const r1 = (x: number): number => Math.round(x * 10) / 10;
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const BIG_METRIC = 'loss_1m';

// ------------------------------------------------------------------------------------------------
// The generated history

const newId = (): string => randomBytes(16).toString('hex');

/** Fills `home` with RUNS runs and the big run; returns the big run's id. */
function generate(home: string): { bigRun: string; seconds: number } {
  const t0 = performance.now();
  const layout = homeLayout(home);
  fs.mkdirSync(layout.artifactRoot, { recursive: true });
  const store = new Store(layout.dbFile, layout.artifactRoot);
  try {
    const rand = rng(42);
    const experiments = ['baseline', 'tuning', 'ablation', 'nightly'].map(
      (n) => store.getOrCreateExperiment(n).experiment_id,
    );
    const models = ['linear', 'ridge', 'lasso', 'tree', 'forest'];
    const start = Date.now() - RUNS * 60_000;
    const BATCH = 2000;
    for (let b = 0; b < RUNS; b += BATCH) {
      store.db.transaction(() => {
        for (let i = b; i < Math.min(RUNS, b + BATCH); i++) {
          const runId = newId();
          const exp = experiments[i % experiments.length] ?? '0';
          const t = start + i * 60_000;
          const params: Record<string, string> = {
            alpha: (rand() * 2).toFixed(3),
            l1_ratio: rand().toFixed(2),
            model: models[i % models.length] ?? 'linear',
            epochs: String(10 + (i % 50)),
            batch_size: String(2 ** (4 + (i % 5))),
            seed: String(i % 97),
            lr: (rand() / 10).toFixed(4),
            dropout: (rand() / 2).toFixed(2),
            optimizer: i % 2 ? 'adam' : 'sgd',
            data_version: `v${1 + (i % 7)}`,
          };
          store.createRun({
            runId,
            experimentId: exp,
            runName: `run-${i}`,
            userId: 'bench',
            projectDir: '/bench/project',
            entryPoint: i % 3 ? 'train' : 'evaluate',
            command: `python train.py --alpha ${params.alpha}`,
            artifactUri: fileUri(path.join(layout.artifactRoot, exp, runId, 'artifacts')),
            logPath: null,
            exitFile: null,
            params,
            tags: {
              'mlflow.user': 'bench',
              'mlflow.source.type': 'PROJECT',
              'mlflow.project.entryPoint': i % 3 ? 'train' : 'evaluate',
            },
            time: t,
          });
          store.markExternalRunning(runId, t);
          const metrics = [];
          for (let k = 0; k < 10; k++)
            for (let s = 0; s < 3; s++)
              metrics.push({ key: `m${k}`, value: rand() * (k + 1), timestamp: t + s * 1000, step: s });
          store.logMetrics(runId, metrics);
          store.finishRun(
            runId,
            i % 17 === 0 ? 'FAILED' : 'FINISHED',
            i % 17 === 0 ? 1 : 0,
            t + 5_000 + (i % 300) * 1000,
          );
        }
      })();
      if ((b / BATCH) % 10 === 0) log(`  ${b + BATCH} runs (${r1((performance.now() - t0) / 1000)} s)`);
    }
    // The run with a million points.
    const bigRun = newId();
    const t = Date.now();
    store.createRun({
      runId: bigRun,
      experimentId: experiments[0] ?? '0',
      runName: 'million-points',
      userId: 'bench',
      projectDir: '/bench/project',
      entryPoint: 'train',
      command: 'python train.py --long',
      artifactUri: fileUri(path.join(layout.artifactRoot, experiments[0] ?? '0', bigRun, 'artifacts')),
      logPath: null,
      exitFile: null,
      params: { alpha: '0.5' },
      tags: {},
      time: t,
    });
    store.markExternalRunning(bigRun, t);
    const CHUNK = 100_000;
    for (let s = 0; s < POINTS; s += CHUNK) {
      const pts = [];
      for (let k = s; k < Math.min(POINTS, s + CHUNK); k++)
        pts.push({
          key: BIG_METRIC,
          value: Math.exp(-k / 200_000) + Math.sin(k / 500) * 0.05 + rand() * 0.02,
          timestamp: t + k,
          step: k,
        });
      store.logMetrics(bigRun, pts);
    }
    store.finishRun(bigRun, 'FINISHED', 0, t + POINTS);
    return { bigRun, seconds: (performance.now() - t0) / 1000 };
  } finally {
    store.close();
  }
}

// ------------------------------------------------------------------------------------------------
// The host and the page

// In-page probes: plain JavaScript (the page is a browser; this file is compiled for Node).

/**
 * From document start: the first frame with a run row in the DOM (React's, or the first paint's
 * that main.tsx draws before React: renderer/src/features/history/first-paint.ts), painted: the end
 * of the frame after it (rAF, rAF, then a task), an upper bound of when the browser painted them.
 * (Element Timing, the browser's own presentation time, reports nothing for the first paint's rows:
 * Chromium drops the entry of text that React has replaced by the time the frame's presentation is
 * reported.)
 */
const FIRST_ROWS_PROBE = `(() => {
  const b = (window.__hb = { firstRows: null, total: null });
  const ch = new MessageChannel();
  ch.port1.onmessage = () => { if (b.firstRows === null) b.firstRows = performance.now(); };
  const tick = () => {
    if (document.querySelector('[data-testid="run-row"], [data-first-paint] .h-row')) {
      const t = document.querySelector('[data-testid="runs-total"], [data-first-paint] [data-total]');
      b.total = t ? t.getAttribute('data-total') : null;
      requestAnimationFrame(() => ch.port2.postMessage(0));
      return;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

const START_RECORDER = `(() => {
  const r = (window.__rec = { deltas: [], loadingFrames: 0, frames: 0, running: true, start: performance.now(), longtasks: [] });
  r.po = new PerformanceObserver((list) => { for (const e of list.getEntries()) r.longtasks.push(e.duration); });
  r.po.observe({ type: 'longtask' });
  const table = document.querySelector('[data-testid="runs-table"]');
  let last = -1;
  const tick = () => {
    const now = performance.now();
    if (last >= 0) r.deltas.push(now - last);
    last = now;
    r.frames++;
    // Rows still loading inside the visible part of the table.
    const top = table.scrollTop, bottom = top + table.clientHeight;
    for (const el of table.querySelectorAll('.h-row-loading')) {
      const y = parseFloat(el.style.top);
      if (y + 28 > top && y < bottom) { r.loadingFrames++; break; }
    }
    if (r.running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

const STOP_RECORDER = `(() => {
  const r = window.__rec;
  r.running = false;
  r.po.disconnect();
  const t = document.querySelector('[data-testid="runs-table"]');
  return { deltas: r.deltas, frames: r.frames, loadingFrames: r.loadingFrames, elapsed: performance.now() - r.start, longtasks: r.longtasks,
    scrollTop: t.scrollTop, rowsInDom: document.querySelectorAll('[data-testid="runs-table"] .h-row').length };
})()`;

/** Sets scrollTop to row N and resolves with the time until the rows in view are loaded (painted). */
const JUMP = (row: number): string => `new Promise((resolve) => {
  const t = document.querySelector('[data-testid="runs-table"]');
  const t0 = performance.now();
  t.scrollTop = ${row} * 28;
  const check = () => {
    const top = t.scrollTop, bottom = top + t.clientHeight;
    let loading = false, shown = 0;
    for (const el of t.querySelectorAll('.h-row')) {
      const y = parseFloat(el.style.top);
      if (y + 28 > top && y < bottom) { shown++; if (el.classList.contains('h-row-loading')) loading = true; }
    }
    if (!loading && shown > 0) requestAnimationFrame(() => resolve(performance.now() - t0));
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})`;

const CHART = (metric: string): string => `new Promise((resolve) => {
  const t0 = performance.now();
  document.querySelector('[data-testid="run-tab-metrics"]').click();
  const check = () => {
    const c = document.querySelector('[data-testid="metric-chart-${metric}"][data-drawn="1"]');
    if (c) {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => resolve({ ms: performance.now() - t0, points: Number(c.getAttribute('data-points')), total: Number(c.getAttribute('data-total')) });
      requestAnimationFrame(() => ch.port2.postMessage(0));
    } else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})`;

async function poll<T>(page: Page, expr: string, what: string, timeoutMs = 60_000): Promise<T> {
  const t0 = performance.now();
  for (;;) {
    const v = await page.evaluate<T | null>(expr);
    if (v !== null && v !== undefined && v !== false) return v;
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * One round on a fresh browser context (nothing cached: the first launch). The first-rows fields:
 * DOMContentLoaded, the first runs.search request's start and end (navigation start = 0), and the
 * app's own performance marks (main.tsx, RunsView: app chunk loaded, first page answered, React
 * started, rows committed).
 */
interface Round extends FirstRows {
  scroll: {
    fps: number;
    p95_ms: number;
    missed_frames: number;
    frames: number;
    loading_frames: number;
    long_tasks: number;
    rows_scrolled: number;
    px_per_s: number;
    wheel_events: number;
    rows_in_dom: number;
  };
  jump_ms: number;
  chart: { ms: number; points: number; total: number };
}

interface FirstRows {
  first_rows_ms: number;
  page_loaded_ms: number;
  first_search_ms: [number, number];
  marks: Record<string, number>;
  total: number;
}

/** Navigates to the runs table and waits for its first rows painted; where the time went. */
async function firstRows(host: Host, page: Page): Promise<FirstRows> {
  // A page straight onto the runs table (the token in the query, the view in the hash).
  await page.goto(`${host.url}#/runs`);
  const first = await poll<{ firstRows: number; total: string }>(
    page,
    'window.__hb && window.__hb.firstRows !== null ? window.__hb : null',
    'the first rows',
  );
  // React's rows (after a first paint before React, a moment later): when the table takes clicks.
  await poll<boolean>(
    page,
    `performance.getEntriesByName('baton:rows-committed').length > 0`,
    'React to commit the rows',
  );
  // Where the time went: the page's own load, the first runs.search on the wire, the app's marks.
  const timing = await page.evaluate<{
    dcl: number;
    searchStart: number;
    searchEnd: number;
    marks: Record<string, number>;
  }>(`(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const s = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/runs.search'));
    const marks = {};
    for (const m of performance.getEntriesByType('mark')) if (m.name.startsWith('baton:')) marks[m.name.slice(6)] = Math.round(m.startTime);
    return { dcl: nav ? nav.domContentLoadedEventEnd : -1, searchStart: s ? s.startTime : -1, searchEnd: s ? s.responseEnd : -1, marks };
  })()`);
  return {
    first_rows_ms: r1(first.firstRows),
    page_loaded_ms: r1(timing.dcl),
    first_search_ms: [r1(timing.searchStart), r1(timing.searchEnd)],
    marks: timing.marks,
    total: Number(first.total),
  };
}

async function round(host: Host, page: Page, big: { run: string; metric: string }): Promise<Round> {
  const first = await firstRows(host, page);
  // The wheel over the table.
  const box = await page.getByTestId('runs-table').boundingBox();
  if (!box) throw new Error('no table');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.evaluate(START_RECORDER);
  const t0 = performance.now();
  let wheels = 0;
  for (let n = 1; performance.now() - t0 < SECONDS * 1000; n++) {
    await page.mouse.wheel(0, NOTCH);
    wheels++;
    const wait = t0 + n * 16 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const rec = await page.evaluate<{
    deltas: number[];
    frames: number;
    loadingFrames: number;
    elapsed: number;
    longtasks: number[];
    scrollTop: number;
    rowsInDom: number;
  }>(STOP_RECORDER);
  const frame = 1000 / 60;
  const missed = rec.deltas.reduce((n, d) => n + Math.max(0, Math.round(d / frame) - 1), 0);
  const jump = await page.evaluate<number>(JUMP(50_000));
  // The chart: the big run's page (an in-app navigation), then a click on its Metrics tab.
  await page.evaluate(`location.hash = '#/runs/${big.run}'`);
  await poll(page, `!!document.querySelector('[data-testid="run-tab-metrics"]')`, 'the run page');
  const chart = await page.evaluate<{ ms: number; points: number; total: number }>(CHART(big.metric));
  return {
    ...first,
    scroll: {
      fps: r1((rec.frames / rec.elapsed) * 1000),
      p95_ms: r1(p95(rec.deltas)),
      missed_frames: missed,
      frames: rec.frames,
      loading_frames: rec.loadingFrames,
      long_tasks: rec.longtasks.length,
      rows_scrolled: Math.round(rec.scrollTop / 28),
      px_per_s: Math.round((rec.scrollTop / rec.elapsed) * 1000),
      wheel_events: wheels,
      rows_in_dom: rec.rowsInDom,
    },
    jump_ms: r1(jump),
    chart: { ms: r1(chart.ms), points: chart.points, total: chart.total },
  };
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0] ?? 0;
  let home = values.home ? path.resolve(values.home) : '';
  let generated: { bigRun: string; seconds: number } | null = null;
  const fresh = !home || !fs.existsSync(path.join(home, 'baton.db'));
  if (!home) home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bench-history-'));
  if (fresh) {
    log(`generating ${RUNS.toLocaleString()} runs and a ${POINTS.toLocaleString()}-point metric in ${home}`);
    generated = generate(home);
    log(`generated in ${r1(generated.seconds)} s`);
  }
  const host = await startHost(
    home,
    values['renderer-dir'] ? ['--renderer-dir', path.resolve(values['renderer-dir'])] : [],
  );
  const browser = await chromium.launch({
    executablePath: values.chromium,
    args: CHROMIUM_ARGS,
  });
  try {
    // This script's big run, or `npm run bench:history`'s (its folder, --home, has the issue's
    // full data set: a 1,000-step metric in every run); the chart is its longest metric.
    let bigRun: string | undefined;
    for (const name of ['million-points', 'big-metric']) {
      const found = await call<{ runs: { run_id: string }[] }>(host, 'runs.search', {
        filter: `attributes.run_name = '${name}'`,
        limit: 1,
      });
      bigRun ??= found.runs[0]?.run_id;
    }
    if (!bigRun)
      throw new Error(
        'the data folder has no run named million-points or big-metric (generate a fresh one without --home)',
      );
    const keys = await call<{ metricKeys: { key: string; count: number }[] }>(host, 'runs.detail', {
      runId: bigRun,
    });
    const longest = [...keys.metricKeys].sort((a, b) => b.count - a.count)[0];
    if (!longest) throw new Error(`the big run ${bigRun} has no metric`);
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const context = await browser.newContext({ viewport: VIEWPORT });
      const page = await context.newPage();
      await page.addInitScript({ content: FIRST_ROWS_PROBE });
      rounds.push(await round(host, page, { run: bigRun, metric: longest.key }));
      log(`round ${i + 1}: ${JSON.stringify(rounds[i])}`);
      await context.close();
    }
    // A relaunch: the same browser profile opening the table again, its HTTP cache and V8's code
    // cache warm (the assets are immutable; Chromium caches a script's compiled code from its
    // second load on, so two loads warm it up first).
    const warm: FirstRows[] = [];
    {
      const context = await browser.newContext({ viewport: VIEWPORT });
      const page = await context.newPage();
      await page.addInitScript({ content: FIRST_ROWS_PROBE });
      for (let i = 0; i < 2; i++) await firstRows(host, page);
      for (let i = 0; i < ROUNDS; i++) {
        warm.push(await firstRows(host, page));
        log(`warm ${i + 1}: ${JSON.stringify(warm[i])}`);
      }
      await context.close();
    }
    const m = (f: (r: Round) => number): number => r1(median(rounds.map(f)));
    const result = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`,
      load_average: { before: r1(loadBefore), after: r1(os.loadavg()[0] ?? 0) },
      viewport: VIEWPORT,
      wheel_notch_px: NOTCH,
      runs: rounds[0]?.total,
      generated_s: generated ? r1(generated.seconds) : null,
      rounds: ROUNDS,
      median: {
        table_first_rows_ms: m((r) => r.first_rows_ms),
        table_first_rows_warm_ms: r1(median(warm.map((r) => r.first_rows_ms))),
        table_react_rows_committed_ms: m((r) => r.marks['rows-committed'] ?? Number.NaN),
        page_dom_content_loaded_ms: m((r) => r.page_loaded_ms),
        first_search_sent_ms: m((r) => r.first_search_ms[0]),
        first_search_answered_ms: m((r) => r.first_search_ms[1]),
        scroll_fps: m((r) => r.scroll.fps),
        scroll_p95_frame_ms: m((r) => r.scroll.p95_ms),
        scroll_missed_frames: m((r) => r.scroll.missed_frames),
        scroll_frames: m((r) => r.scroll.frames),
        scroll_frames_with_loading_rows: m((r) => r.scroll.loading_frames),
        scroll_long_tasks: m((r) => r.scroll.long_tasks),
        rows_scrolled: m((r) => r.scroll.rows_scrolled),
        scroll_px_per_s: m((r) => r.scroll.px_per_s),
        scroll_wheel_events: m((r) => r.scroll.wheel_events),
        rows_in_dom: m((r) => r.scroll.rows_in_dom),
        jump_to_row_50000_ms: m((r) => r.jump_ms),
        chart_1m_click_to_painted_ms: m((r) => r.chart.ms),
        chart_points_drawn: m((r) => r.chart.points),
        chart_points_logged: m((r) => r.chart.total),
      },
      all: rounds,
      warm,
      home: values.keep || values.home ? home : null,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await browser.close();
    host.proc.kill('SIGTERM');
    if (!values.keep && !values.home) fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
