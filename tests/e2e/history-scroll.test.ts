/**
 * The runs table's virtualisation with a big history, in Chromium: 3,000 runs written through the
 * engine's Store (as the history benchmark does), served by the real `baton ui`. A fast wheel fling
 * (300 px every 16 ms), then jumps to the end and back to the top: in every frame each row in view
 * is drawn (a row element at its place, loaded or still loading — never a gap: the window of rows
 * moves by blocks, run-rows.ts rowWindow), and once the pages are in, every row shows the run of its
 * place (newest first) in its recycled element.
 *
 * Run: `node scripts/run-tests.mjs tests/e2e/history-scroll.test.ts` (after `npm run build`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { homeLayout } from '../../main/engine/paths.js';
import { Store, fileUri } from '../../main/engine/store/store.js';
import { tempDir, waitUntil } from '../helpers.js';
import { Resources, VIEWPORT, e2eSkipReason, launchBrowser, startHost } from './support.js';
import type { Host } from './support.js';

const RUNS = 3000;
const ROW_H = 28;
const skip = e2eSkipReason();

/** RUNS finished runs, run-0 oldest (start times a minute apart), each with a param and a metric. */
function seed(home: string): void {
  const layout = homeLayout(home);
  fs.mkdirSync(layout.artifactRoot, { recursive: true });
  const store = new Store(layout.dbFile, layout.artifactRoot);
  try {
    const exp = store.getOrCreateExperiment('scroll').experiment_id;
    const start = Date.now() - RUNS * 60_000;
    store.db.transaction(() => {
      for (let i = 0; i < RUNS; i++) {
        const runId = randomBytes(16).toString('hex');
        const t = start + i * 60_000;
        store.createRun({
          runId,
          experimentId: exp,
          runName: `run-${i}`,
          userId: 'e2e',
          projectDir: '/e2e/project',
          entryPoint: 'train',
          command: 'python train.py',
          artifactUri: fileUri(path.join(layout.artifactRoot, exp, runId, 'artifacts')),
          logPath: null,
          exitFile: null,
          params: { alpha: String(i % 10) },
          tags: {},
          time: t,
        });
        store.markExternalRunning(runId, t);
        store.logMetrics(runId, [{ key: 'loss', value: i / RUNS, timestamp: t, step: 0 }]);
        store.finishRun(runId, 'FINISHED', 0, t + 1000 + (i % 60) * 1000);
      }
    })();
  } finally {
    store.close();
  }
}

/**
 * In the page, from now on: each frame, the rows in view without a row element at their place
 * (gaps), and how many frames showed a loading row or had the window's rows change.
 */
const START_WATCH = `(() => {
  const t = document.querySelector('[data-testid="runs-table"]');
  const w = (window.__watch = { frames: 0, gaps: [], loading: 0, running: true });
  const tick = () => {
    w.frames++;
    const head = 28, top = t.scrollTop, bottom = top + t.clientHeight - head;
    const total = Number(document.querySelector('[data-testid="runs-total"]').dataset.total);
    const at = new Map();
    for (const el of t.querySelectorAll('.h-row')) at.set(Math.round(parseFloat(el.style.top) / ${ROW_H}), el);
    let loading = false;
    for (let i = Math.floor(top / ${ROW_H}); i < Math.min(total, Math.ceil(bottom / ${ROW_H})); i++) {
      const el = at.get(i);
      if (!el) w.gaps.push({ frame: w.frames, row: i, top });
      else if (el.classList.contains('h-row-loading')) loading = true;
    }
    if (loading) w.loading++;
    if (w.running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

const STOP_WATCH = `(() => { window.__watch.running = false; return window.__watch; })()`;

/** The rows in view once every one is loaded: index → the run name shown. */
async function rowsInView(page: Page): Promise<{ index: number; name: string; top: number }[]> {
  // Polled with evaluate (the app's CSP refuses the eval that a string waitForFunction polls with).
  const loaded = `(() => {
    const t = document.querySelector('[data-testid="runs-table"]');
    const top = t.scrollTop, bottom = top + t.clientHeight;
    const rows = [...t.querySelectorAll('.h-row')].filter((el) => { const y = parseFloat(el.style.top); return y + ${ROW_H} > top && y < bottom; });
    return rows.length > 0 && rows.every((el) => !el.classList.contains('h-row-loading'));
  })()`;
  await waitUntil(() => page.evaluate<boolean>(loaded), 'the rows in view to load', 30_000);
  return page.evaluate(`(() => {
    const t = document.querySelector('[data-testid="runs-table"]');
    const top = t.scrollTop, bottom = top + t.clientHeight;
    return [...t.querySelectorAll('[data-testid="run-row"]')]
      .map((el) => ({ index: Number(el.dataset.index), name: el.querySelector('[data-col="name"] a').textContent, top: parseFloat(el.style.top) }))
      .filter((r) => r.top + ${ROW_H} > top && r.top < bottom)
      .sort((a, b) => a.index - b.index);
  })()`);
}

/** Newest first: the row at index i is run-(RUNS - 1 - i), at top i × 28 px. */
function assertRunsInPlace(rows: { index: number; name: string; top: number }[], where: string): void {
  assert.ok(rows.length >= 10, `${where}: ${rows.length} rows in view`);
  for (const r of rows) {
    assert.equal(r.name, `run-${RUNS - 1 - r.index}`, `${where}: row ${r.index}`);
    assert.equal(r.top, r.index * ROW_H, `${where}: row ${r.index}'s place`);
  }
  for (let k = 1; k < rows.length; k++) assert.equal(rows[k]!.index, rows[k - 1]!.index + 1, `${where}: rows in view are consecutive`);
}

describe('runs table virtualisation with 3,000 runs (Chromium)', { skip, timeout: 180_000 }, () => {
  const res = new Resources();
  let browser: Browser;
  let host: Host;

  before(async () => {
    const home = tempDir('baton-e2e-scroll-');
    seed(home);
    browser = await launchBrowser();
    host = res.host(await startHost(home));
  });

  after(async () => {
    await res.closeAll();
    await browser?.close();
  });

  test('a fast fling, a jump to the end and back: no gap in any frame, every row shows its run', async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${host.url}#/runs`);
      await page.locator(`[data-testid="runs-total"][data-total="${RUNS}"]`).waitFor();
      assertRunsInPlace(await rowsInView(page), 'at the top');
      const inDom = await page.getByTestId('run-row').count();
      assert.ok(inDom < 100, `only a window of rows is in the DOM (${inDom})`);

      // The fling: 300 px wheel notches, one every 16 ms at most, over the table.
      const box = await page.getByTestId('runs-table').boundingBox();
      assert.ok(box);
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.evaluate(START_WATCH);
      const t0 = Date.now();
      for (let n = 1; n <= 120; n++) {
        await page.mouse.wheel(0, 300);
        const wait = t0 + n * 16 - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const scrolled = await page.evaluate<number>(`document.querySelector('[data-testid="runs-table"]').scrollTop`);
      assert.ok(scrolled > 300 * 60, `the table scrolled (${scrolled} px)`);
      const fling = await page.evaluate<{ frames: number; gaps: unknown[]; loading: number }>(STOP_WATCH);
      assert.deepEqual(fling.gaps, [], `no row in view without its element (${fling.frames} frames)`);
      assertRunsInPlace(await rowsInView(page), `after the fling (${scrolled} px)`);
      assert.equal(await page.getByTestId('run-row').count(), inDom, 'the same window of row elements, recycled');

      // A jump to the end, then back to the top: rows drawn at once (no gap), then loaded.
      for (const [where, top] of [
        ['the end', RUNS * ROW_H],
        ['the top', 0],
      ] as const) {
        await page.evaluate(START_WATCH);
        await page.evaluate(`document.querySelector('[data-testid="runs-table"]').scrollTop = ${top}`);
        const rows = await rowsInView(page);
        const jump = await page.evaluate<{ frames: number; gaps: unknown[] }>(STOP_WATCH);
        assert.deepEqual(jump.gaps, [], `jump to ${where}: no gap`);
        assertRunsInPlace(rows, `at ${where}`);
        if (where === 'the end') assert.equal(rows.at(-1)?.name, 'run-0', 'the last row is the oldest run');
        else assert.equal(rows[0]?.name, `run-${RUNS - 1}`, 'the first row is the newest run');
      }
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
