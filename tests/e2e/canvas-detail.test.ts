/**
 * The canvas's level of detail and worker auto-layout in Chromium (docs/ui.md, "Level of detail").
 * The example workflow, copied without its layout sidecar, is reopened by a fresh `baton ui`: it is
 * laid out by ELK in a Web Worker (elkjs's worker script, not the in-page fallback). Then, with the
 * real mouse wheel, zoomed out below LOW_DETAIL_ZOOM and back in: at each level every edge must end
 * exactly on its handles (React Flow re-measured them when the level changed) — on the parameter
 * and output rows in full detail; zoomed out, where the edges are painted on a canvas
 * (LightEdgeLayer.tsx), every painted pixel must lie on a line between the middles of the steps'
 * sides and every such line must be painted — and a light step can still be selected and dragged.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT, tempDir, waitUntil } from '../helpers.js';
import { Resources, e2eSkipReason, launchBrowser, openApp, screenshot, startHost, waitForStableViewport } from './support.js';

const skip = e2eSkipReason();
const res = new Resources();
let browser: Browser;

before(async () => {
  if (!skip) browser = await launchBrowser();
});
after(async () => {
  await res.closeAll();
  await browser?.close();
});

interface EdgeCheck {
  id: string;
  /** Distance (flow px) between the edge's ends and the centres of the handle sides it names. */
  sourceOff: number;
  targetOff: number;
  /** Target end relative to the target node: x from its left side, y as a fraction of its height. */
  targetDy: number;
}

/**
 * In full detail, for every edge React Flow drew: where its path starts and ends (flow coordinates, from the `d` attribute)
 * against where its handles are in the DOM (the right side of the source handle, the left side of
 * the target handle, their vertical centres), converted to flow coordinates through the viewport.
 */
function measureEdges(page: Page): Promise<EdgeCheck[]> {
  return page.evaluate(`(() => {
    const rf = document.querySelector('.react-flow').getBoundingClientRect();
    const m = /translate\\(([-\\d.]+)px, ([-\\d.]+)px\\) scale\\(([\\d.]+)\\)/.exec(document.querySelector('.react-flow__viewport').style.transform);
    const [tx, ty, z] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const flow = (x, y) => [(x - rf.left - tx) / z, (y - rf.top - ty) / z];
    const handle = (node, id, side) => {
      const el = document.querySelector('.react-flow__node[data-id="' + CSS.escape(node) + '"] .react-flow__handle[data-handleid="' + CSS.escape(id) + '"]');
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return flow(side === 'right' ? r.right : r.left, r.top + r.height / 2);
    };
    const out = [];
    for (const g of document.querySelectorAll('.react-flow__edge')) {
      const id = g.getAttribute('data-id');
      const d = g.querySelector('path.react-flow__edge-path').getAttribute('d');
      const n = d.match(/-?[\\d.]+(e-?\\d+)?/g).map(Number);
      const [sx, sy, ex, ey] = [n[0], n[1], n[n.length - 2], n[n.length - 1]];
      const edge = window.__edges[id];
      const s = handle(edge.source, edge.sourceHandle, 'right');
      const t = handle(edge.target, edge.targetHandle, 'left');
      const tn = document.querySelector('.react-flow__node[data-id="' + CSS.escape(edge.target) + '"]').getBoundingClientRect();
      const [, ty0] = flow(0, tn.top);
      const [, ty1] = flow(0, tn.bottom);
      out.push({ id, sourceOff: s ? Math.hypot(s[0] - sx, s[1] - sy) : 1e9, targetOff: t ? Math.hypot(t[0] - ex, t[1] - ey) : 1e9, targetDy: (ey - ty0) / (ty1 - ty0) });
    }
    return out;
  })()`);
}

/** The edges drawn, by id → their ends (from the ids the store gives them), for measureEdges. */
function recordEdges(page: Page): Promise<void> {
  return page.evaluate(`(() => {
    window.__edges = {};
    for (const g of document.querySelectorAll('.react-flow__edge')) {
      const id = g.getAttribute('data-id');
      const m = /^d:([^.]+)\\.(.+)>([^.]+)\\.(.+)$/.exec(id) || /^i:(.+)>([^.]+)\\.(.+)$/.exec(id) || /^n:(.+)>(.+)$/.exec(id);
      if (id.startsWith('d:')) window.__edges[id] = { source: m[1], sourceHandle: 'out:' + m[2], target: m[3], targetHandle: 'in:' + m[4] };
      else if (id.startsWith('i:')) window.__edges[id] = { source: '$inputs', sourceHandle: 'input:' + m[1], target: m[2], targetHandle: 'in:' + m[3] };
      else window.__edges[id] = { source: m[1], sourceHandle: 'needs-out', target: m[2], targetHandle: 'needs-in' };
    }
  })()`);
}

interface LightCheck {
  /** Per edge in view: the share of points along its visible line with paint within 1.5 px. */
  coverage: Record<string, number>;
  /** Painted pixels further than 2 px from every expected line, or inside a node's box. */
  stray: number;
  painted: number;
}

/**
 * Zoomed out: the edge layer's pixels against the lines the edges should be, taken from the DOM —
 * from 3.5 flow px right of the source step's box (the middle of its height) to 3.5 flow px left of
 * the target step's, or from the right side of the workflow inputs' handle — and passing under the
 * nodes' boxes (erased there). `edges`: id → ends, as recordEdges gives them.
 */
function checkLightEdges(page: Page, edges: Record<string, { source: string; sourceHandle: string; target: string }>): Promise<LightCheck> {
  return page.evaluate(`((edges) => {
    const canvas = document.querySelector('[data-testid="light-edges"]');
    if (!canvas) return { coverage: {}, stray: -1, painted: 0 };
    const cr = canvas.getBoundingClientRect();
    const k = canvas.width / cr.width;
    const z = Number(/scale\\(([\\d.]+)\\)/.exec(document.querySelector('.react-flow__viewport').style.transform)[1]);
    const node = (id) => document.querySelector('.react-flow__node[data-id="' + CSS.escape(id) + '"]').getBoundingClientRect();
    const lines = [];
    for (const [id, e] of Object.entries(edges)) {
      let s;
      if (e.source === '$inputs') {
        const h = document.querySelector('.react-flow__node[data-id="$inputs"] .react-flow__handle[data-handleid="' + CSS.escape(e.sourceHandle) + '"]').getBoundingClientRect();
        s = [h.right, h.top + h.height / 2];
      } else {
        const r = node(e.source);
        s = [r.right + 3.5 * z, r.top + r.height / 2];
      }
      const t = node(e.target);
      // In the canvas's device pixels.
      lines.push({ id, x1: (s[0] - cr.left) * k, y1: (s[1] - cr.top) * k, x2: (t.left - 3.5 * z - cr.left) * k, y2: (t.top + t.height / 2 - cr.top) * k });
    }
    // The nodes' boxes (the selected one's outline included), where nothing may be painted.
    const boxes = [...document.querySelectorAll('.react-flow__node')].map((el) => {
      const r = el.getBoundingClientRect();
      const o = el.classList.contains('selected') ? 3 * z : 0;
      return { x0: (r.left - o - cr.left) * k, y0: (r.top - o - cr.top) * k, x1: (r.right + o - cr.left) * k, y1: (r.bottom + o - cr.top) * k };
    });
    const inBox = (x, y, m) => boxes.some((b) => x > b.x0 - m && x < b.x1 + m && y > b.y0 - m && y < b.y1 + m);
    const w = canvas.width, h = canvas.height;
    const d = canvas.getContext('2d').getImageData(0, 0, w, h).data;
    const at = (x, y) => x >= 0 && y >= 0 && x < w && y < h && d[(y * w + x) * 4 + 3] > 0;
    const near = (px, py, r) => {
      for (let y = Math.floor(py - r); y <= Math.ceil(py + r); y++) for (let x = Math.floor(px - r); x <= Math.ceil(px + r); x++) if (at(x, y)) return true;
      return false;
    };
    const coverage = {};
    for (const l of lines) {
      const len = Math.hypot(l.x2 - l.x1, l.y2 - l.y1);
      let n = 0, hit = 0;
      // A point every pixel of the line's length, where it is on the canvas and not under a node.
      for (let i = 1; i < Math.floor(len); i++) {
        const x = l.x1 + ((l.x2 - l.x1) * i) / len, y = l.y1 + ((l.y2 - l.y1) * i) / len;
        if (x < 2 || y < 2 || x > w - 3 || y > h - 3 || inBox(x, y, 1.5)) continue;
        n++;
        if (near(x, y, 1.5)) hit++;
      }
      if (n >= 3) coverage[l.id] = hit / n;
    }
    const dist = (px, py, l) => {
      const dx = l.x2 - l.x1, dy = l.y2 - l.y1;
      const t = Math.max(0, Math.min(1, ((px - l.x1) * dx + (py - l.y1) * dy) / (dx * dx + dy * dy || 1)));
      return Math.hypot(px - l.x1 - t * dx, py - l.y1 - t * dy);
    };
    let stray = 0, painted = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      if (!at(x, y)) continue;
      painted++;
      if (inBox(x + 0.5, y + 0.5, -1) || !lines.some((l) => dist(x + 0.5, y + 0.5, l) <= 2)) stray++;
    }
    return { coverage, stray, painted };
  })(${JSON.stringify(edges)})`);
}

/** The ends of the edges recorded by recordEdges. */
function recordedEdges(page: Page): Promise<Record<string, { source: string; sourceHandle: string; target: string }>> {
  return page.evaluate(`window.__edges`);
}

/** Every edge in view painted along its whole line (dashed ones in part), nothing painted elsewhere. */
function assertLightEdges(c: LightCheck, inView: number, what: string): void {
  assert.equal(Object.keys(c.coverage).length, inView, `${what}: edges in view ${JSON.stringify(c.coverage)}`);
  for (const [id, share] of Object.entries(c.coverage)) assert.ok(share >= (id.startsWith('n:') ? 0.4 : 0.9), `${what}: ${id} painted along ${share}`);
  assert.ok(c.painted > 0, `${what}: something is painted`);
  assert.equal(c.stray, 0, `${what}: ${c.stray} of ${c.painted} painted pixels are off every edge`);
}

async function zoomOf(page: Page): Promise<number> {
  const t = await page.evaluate<string>(`document.querySelector('.react-flow__viewport').style.transform`);
  return Number(/scale\(([\d.]+)\)/.exec(t)?.[1]);
}

/** Wheel at the canvas centre until the zoom is past `target` (down: below it; up: at or above). */
async function wheelTo(page: Page, target: number, dir: 'in' | 'out'): Promise<void> {
  const box = await page.locator('.react-flow').boundingBox();
  assert.ok(box);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < 80; i++) {
    const z = await zoomOf(page);
    if (dir === 'out' ? z < target : z >= target) break;
    await page.mouse.wheel(0, dir === 'out' ? 100 : -100);
    await page.waitForFunction(`Number(/scale\\(([\\d.]+)\\)/.exec(document.querySelector('.react-flow__viewport').style.transform)[1]) !== ${z}`, undefined, { polling: 'raf' });
  }
  await waitForStableViewport(page);
  // Handles re-measured (one React Flow update after the commit that changed the level).
  await page.evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))`);
}

describe('canvas level of detail and worker layout (Chromium)', { skip }, () => {
  test('edges stay on their handles at both levels; a light step can be selected and dragged', async () => {
    const dir = tempDir('baton-e2e-lod-');
    fs.cpSync(path.join(REPO_ROOT, 'examples'), dir, { recursive: true });
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.layout.json')) fs.rmSync(path.join(dir, f));
    const file = path.join(dir, 'workflow.yaml');
    const host = res.host(await startHost(tempDir('baton-e2e-lod-home-')));
    await host.call('app.setLastWorkflow', { file });
    const { page, pageErrors } = res.app(await openApp(browser, host));

    // Laid out by ELK in the worker (no sidecar), then fitted.
    await page.locator('[data-testid="canvas"][data-needs-layout="false"]').waitFor();
    await page.getByTestId('step-node-report').waitFor();
    await waitForStableViewport(page);
    const scripts = await page.evaluate<string[]>(`performance.getEntriesByType('resource').map((e) => e.name)`);
    assert.ok(scripts.some((n) => /elk-worker\.min-[\w-]+\.js$/.test(n)), 'the ELK worker script was loaded');
    assert.ok(!scripts.some((n) => n.includes('elk.bundled')), 'the in-page ELK fallback was not needed');

    await recordEdges(page);

    const full = await page.getByTestId('canvas').getAttribute('data-detail');
    assert.equal(full, 'full', `the example opens at an editing zoom (${await zoomOf(page)})`);
    const atFull = await measureEdges(page);
    assert.ok(atFull.length >= 8, `${atFull.length} edges`);
    for (const e of atFull) assert.ok(e.sourceOff < 1.5 && e.targetOff < 1.5, `full: ${JSON.stringify(e)}`);
    // On the rows: evaluate's test_csv is its second parameter, well below the middle of the step.
    const csv = atFull.find((e) => e.id === 'd:etl.artifact_dir>evaluate.test_csv');
    assert.ok(csv && csv.targetDy > 0.5, JSON.stringify(csv));

    // An edge selected in full detail is deselected zoomed out, where edges cannot be clicked (React
    // Flow, without them, could not deselect it when a step is clicked, as it does in full detail).
    await page.locator('.react-flow__edge[data-id="d:etl.artifact_dir>evaluate.test_csv"] .react-flow__edge-interaction').click({ force: true });
    await page.locator('.react-flow__edge.selected').waitFor();
    await wheelTo(page, 0.45, 'out');
    assert.equal(await page.getByTestId('canvas').getAttribute('data-detail'), 'light', `zoom ${await zoomOf(page)}`);
    assert.equal(await page.getByTestId('step-node-evaluate').getAttribute('data-detail'), 'light');
    assert.equal(await page.locator('.react-flow__node-step .port').count(), 0, 'no rows in light detail');
    // React Flow draws no edge; the layer paints every one, on its line and nowhere else.
    assert.equal(await page.locator('.react-flow__edge').count(), 0, 'no SVG edges in light detail');
    const recorded = await recordedEdges(page);
    await waitUntil(() => page.evaluate<boolean>(`document.querySelector('[data-testid="light-edges"]')?.dataset.edges === '${atFull.length}'`), 'the edge layer');
    assertLightEdges(await checkLightEdges(page, recorded), atFull.length, 'light');
    // Not vacuous: a line from a step moved off its place is not there.
    const [oneId, one] = Object.entries(recorded).find(([id]) => id.startsWith('d:'))!;
    const moved = await checkLightEdges(page, { [oneId]: { ...one, target: one.source } });
    assert.ok(moved.stray > 0, 'pixels off a wrong line are found');
    await screenshot(page, 'lod-light');

    // A light step is selected by a click and moved by a drag (one undo step, the document dirty).
    const title = page.getByTestId('step-title-train');
    await title.click();
    await page.locator('[data-testid="step-node-train"].selected').waitFor();
    assert.equal(await page.getByTestId('inspector-step-name').inputValue(), 'train');
    const before = await page.locator('.react-flow__node[data-id="train"]').getAttribute('style');
    const box = await title.boundingBox();
    assert.ok(box);
    await page.mouse.move(box.x + 4, box.y + 4);
    await page.mouse.down();
    for (let i = 1; i <= 8; i++) await page.mouse.move(box.x + 4 + i * 5, box.y + 4 + i * 4);
    await page.mouse.up();
    await page.getByTestId('dirty-indicator').waitFor();
    // The drag's last move reaches the store in the next animation frame (useFrameNodeChanges).
    await page.evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))`);
    assert.notEqual(await page.locator('.react-flow__node[data-id="train"]').getAttribute('style'), before);
    assertLightEdges(await checkLightEdges(page, recorded), atFull.length, 'after the drag');

    // Back to full detail: the handles are measured again, edges end on the rows again.
    await wheelTo(page, 0.6, 'in');
    assert.equal(await page.getByTestId('canvas').getAttribute('data-detail'), 'full');
    assert.equal(await page.locator('.react-flow__edge.selected').count(), 0, 'the edge selected before zooming out is not selected any more');
    const again = await measureEdges(page);
    for (const e of again) assert.ok(e.sourceOff < 1.5 && e.targetOff < 1.5, `full again: ${JSON.stringify(e)}`);
    const csv2 = again.find((e) => e.id === 'd:etl.artifact_dir>evaluate.test_csv');
    assert.ok(csv2 && csv2.targetDy > 0.5, JSON.stringify(csv2));

    // While a full step is dragged, each of its edges is in a compositor layer of its own (canvas.css,
    // useDetailGraph.ts markMovingEdges), the others are not; after the drag none is.
    const EDGE_LAYERS = `[...document.querySelectorAll('.react-flow__edge')].map((g) => ({
      label: g.getAttribute('aria-label'), marked: g.classList.contains('moving-edge'), layer: getComputedStyle(g.parentElement).willChange === 'transform' }))`;
    const fullTitle = await page.getByTestId('step-title-train').boundingBox();
    assert.ok(fullTitle);
    await page.mouse.move(fullTitle.x + 4, fullTitle.y + 4);
    await page.mouse.down();
    for (let i = 1; i <= 6; i++) await page.mouse.move(fullTitle.x + 4 + i * 6, fullTitle.y + 4 + i * 3);
    await page.waitForFunction(`document.querySelectorAll('.react-flow__edge.moving-edge').length > 0`);
    const during = await page.evaluate<{ label: string; marked: boolean; layer: boolean }[]>(EDGE_LAYERS);
    const ofTrain = during.filter((e) => /^Edge from train to |to train$/.test(e.label));
    assert.ok(ofTrain.length >= 2, JSON.stringify(during));
    for (const e of during) {
      const mine = ofTrain.includes(e);
      assert.deepEqual([e.marked, e.layer], [mine, mine], `during the drag: ${JSON.stringify(e)}`);
    }
    await page.mouse.up();
    await page.waitForFunction(`document.querySelectorAll('.react-flow__edge.moving-edge').length === 0`);
    assert.ok((await page.evaluate<{ layer: boolean }[]>(EDGE_LAYERS)).every((e) => !e.layer), 'no edge layer after the drag');
    await page.evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))`);
    for (const e of await measureEdges(page)) assert.ok(e.sourceOff < 1.5 && e.targetOff < 1.5, `after a full drag: ${JSON.stringify(e)}`);
    await screenshot(page, 'lod-full-again');

    // The minimap (a canvas, CanvasMiniMap.tsx): every node drawn, and a press on it moves the view
    // so that the point pressed is the view's centre.
    const minimap = page.getByTestId('minimap');
    await page.waitForFunction(`document.querySelector('[data-testid="minimap"]')?.dataset.nodes === '${await page.locator('.react-flow__node').count()}'`);
    const painted = await page.evaluate<number>(`(() => {
      const c = document.querySelector('[data-testid="minimap"]');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const colours = new Set();
      for (let i = 0; i < d.length; i += 4) colours.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2]);
      return colours.size;
    })()`);
    assert.ok(painted >= 3, `the minimap shows nodes over a background and a mask (${painted} colours)`);
    const view = await page.evaluate<string>(`document.querySelector('.react-flow__viewport').style.transform`);
    const mm = await minimap.boundingBox();
    assert.ok(mm);
    await page.mouse.click(mm.x + 8, mm.y + 8);
    await waitForStableViewport(page);
    assert.notEqual(await page.evaluate<string>(`document.querySelector('.react-flow__viewport').style.transform`), view);
    assert.deepEqual(pageErrors, []);
  });

  test('a big workflow opens zoomed out in one pass: light steps from the start, every edge on the steps', async () => {
    // 200 steps in a chain (s001 reads s000's run_id, …), laid out in a 20-column grid by a sidecar.
    const dir = tempDir('baton-e2e-big-');
    fs.cpSync(path.join(REPO_ROOT, 'examples', 'multistep'), path.join(dir, 'multistep'), { recursive: true });
    const n = 200;
    const steps = [`  s000:\n    project: ./multistep\n    entry_point: load_raw_data\n`];
    for (let i = 1; i < n; i++) {
      const id = `s${String(i).padStart(3, '0')}`;
      const prev = `s${String(i - 1).padStart(3, '0')}`;
      steps.push(`  ${id}:\n    project: ./multistep\n    entry_point: etl_data\n    parameters:\n      load_run_id: \${{ steps.${prev}.run_id }}\n`);
    }
    const file = path.join(dir, 'big.yaml');
    fs.writeFileSync(file, `version: 1\nname: big\nsteps:\n${steps.join('')}`);
    const nodes: Record<string, { x: number; y: number }> = {};
    for (let i = 0; i < n; i++) nodes[`s${String(i).padStart(3, '0')}`] = { x: (i % 20) * 360, y: Math.floor(i / 20) * 260 };
    fs.writeFileSync(`${file}.layout.json`, JSON.stringify({ version: 1, nodes }));
    const host = res.host(await startHost(tempDir('baton-e2e-big-home-')));
    await host.call('app.setLastWorkflow', { file });

    // From the first script on: was a step ever drawn in full, or hidden by React Flow to be measured?
    const initScript = `(() => {
      window.__seen = { full: false, hidden: false };
      new MutationObserver(() => {
        if (document.querySelector('.react-flow__node-step [data-detail="full"]')) window.__seen.full = true;
        for (const el of document.querySelectorAll('.react-flow__node-step')) if (el.style.visibility === 'hidden') window.__seen.hidden = true;
      }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['style'] });
    })()`;
    const { page, pageErrors } = res.app(await openApp(browser, host, { initScript }));
    await page.locator('.react-flow__node-step').first().waitFor();
    await waitForStableViewport(page);
    assert.equal(await page.getByTestId('canvas').getAttribute('data-detail'), 'light', `opened fitted, zoomed out (${await zoomOf(page)})`);
    assert.equal(await page.locator('.react-flow__node-step').count(), n, 'every step is in the DOM (no culling when light)');
    await waitUntil(() => page.evaluate<boolean>(`document.querySelector('[data-testid="light-edges"]')?.dataset.edges === '${n - 1}'`), 'every edge painted');
    assert.deepEqual(await page.evaluate(`window.__seen`), { full: false, hidden: false }, 'no step was drawn in full or hidden to be measured first');
    const chain: Record<string, { source: string; sourceHandle: string; target: string }> = {};
    for (let i = 1; i < n; i++) {
      const [prev, id] = [i - 1, i].map((j) => `s${String(j).padStart(3, '0')}`);
      chain[`d:${prev}.run_id>${id}.load_run_id`] = { source: prev!, sourceHandle: 'out:run_id', target: id! };
    }
    const c = await checkLightEdges(page, chain);
    const checked = Object.keys(c.coverage).length;
    assert.ok(checked > n / 2, `${checked} edges in view`);
    assertLightEdges(c, checked, 'opened');
    await screenshot(page, 'lod-big-opened');
    assert.deepEqual(pageErrors, []);
  });
});
