/**
 * The canvas with a big workflow, in Chromium (npm run bench:canvas). Generates a project and a
 * workflow of 500 steps and 800 edges (acyclic) with its layout sidecar, serves it with `baton ui`
 * on a temp BATON_HOME and opens it in headless Chromium (playwright-core driving the system's
 * Chromium; nothing is downloaded) the way the app reopens the last workflow. Per round, a fresh page:
 *  - time to first render: from navigation start until the canvas is complete and painted — every
 *    node React Flow keeps in the DOM is measured and visible, the edges are drawn, and nothing
 *    (node count, visibility, ports, viewport, node positions) changes for a second afterwards;
 *  - frame times while panning (mouse drag on the empty pane) and while dragging a node, a few
 *    seconds each of real mouse events (up to 125 moves/s), recorded in the page with a
 *    requestAnimationFrame loop and a PerformanceObserver for long tasks: first at the zoom the
 *    workflow opens with (the whole graph, clamped to the minimum zoom), then zoomed in to 1.
 * Then first render only: the same workflow without its sidecar (ELK auto-layout on open: done once
 * the canvas no longer says `data-needs-layout="true"` and the nodes moved), and with the sidecar in
 * a window large enough for all 500 steps to be on screen at the fitted zoom. Each first render also
 * reports its longest long task (the longest the page could not answer input) and their sum.
 * Prints the medians over the rounds as one JSON document.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { rng, median } from './stats.js';
import { CHROMIUM_ARGS, call, startHost } from './ui-host.js';
import type { Host } from './ui-host.js';

const { values } = parseArgs({
  options: {
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    'renderer-dir': { type: 'string' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '500' },
    edges: { type: 'string', default: '800' },
    width: { type: 'string', default: '1440' },
    height: { type: 'string', default: '900' },
    profile: { type: 'string' },
    scenarios: { type: 'string', default: 'sidecar,auto,large' },
    keep: { type: 'boolean' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const STEPS = Number(values.steps);
const EDGES = Number(values.edges);
const VIEWPORT = { width: Number(values.width), height: Number(values.height) };
/** A window in which the fitted view of the generated graph is above React Flow's minimum zoom here. */
const LARGE = { width: 2560, height: 1440 };
const SCENARIOS = new Set((values.scenarios ?? '').split(',').map((x) => x.trim()));
const t0 = performance.now();

// ------------------------------------------------------------------------------------------------
// The generated project and workflow


const MLPROJECT = `name: synthetic
entry_points:
  ingest:
    parameters:
      source: {type: string, default: "s3://bucket/raw"}
      rows: {type: int, default: 1000}
      seed: {type: int, default: 7}
    command: "python ingest.py --source {source} --rows {rows} --seed {seed}"
  transform:
    parameters:
      input_run: string
      aux_run: {type: string, default: "none"}
      ratio: {type: float, default: 0.2}
      mode: {type: string, default: fast}
    command: "python transform.py --input-run {input_run} --aux-run {aux_run} --ratio {ratio} --mode {mode}"
  train:
    parameters:
      data_run: string
      init_run: {type: string, default: "none"}
      learning_rate: {type: float, default: 0.05}
      epochs: {type: int, default: 10}
      out_dir: {type: path, default: out}
    command: "python train.py --data-run {data_run} --init-run {init_run} --lr {learning_rate} --epochs {epochs} --out {out_dir}"
  evaluate:
    parameters:
      model_run: string
      data_dir: path
      threshold: {type: float, default: 0.5}
    command: "python evaluate.py --model-run {model_run} --data-dir {data_dir} --threshold {threshold}"
  merge:
    parameters:
      a: string
      b: string
      c: {type: string, default: "none"}
      weight: {type: float, default: 1.0}
    command: "python merge.py {a} {b} {c} --weight {weight}"
`;

/** Reference slots of each entry point, in the order incoming edges fill them. */
const SLOTS: Record<string, { name: string; attr: string }[]> = {
  transform: [
    { name: 'input_run', attr: 'run_id' },
    { name: 'aux_run', attr: 'run_id' },
  ],
  train: [
    { name: 'data_run', attr: 'run_id' },
    { name: 'init_run', attr: 'run_id' },
    { name: 'learning_rate', attr: 'metrics.best_lr' },
  ],
  evaluate: [
    { name: 'model_run', attr: 'run_id' },
    { name: 'data_dir', attr: 'artifact_dir' },
    { name: 'threshold', attr: 'metrics.auc' },
  ],
  merge: [
    { name: 'a', attr: 'run_id' },
    { name: 'b', attr: 'run_id' },
    { name: 'c', attr: 'run_id' },
  ],
};

interface Generated {
  yaml: string;
  layout: { version: 1; nodes: Record<string, { x: number; y: number }> };
  dataEdges: number;
  needsEdges: number;
  entryPoints: Record<string, number>;
}

/**
 * Layers of ~20 steps; every step in a later layer reads 1–3 steps of the one to three layers
 * before it (so the graph is acyclic), mostly through parameters (`${{ steps.X.run_id }}`,
 * `artifact_dir`, `metrics.*`), about one edge in ten as `needs`. Exactly `edges` edges in all.
 */
function generate(steps: number, edges: number): Generated {
  const rand = rng(42);
  const width = 20;
  const layers: string[][] = [];
  const names: string[] = [];
  for (let i = 0; i < steps; i++) {
    const layer = Math.floor(i / width);
    (layers[layer] ??= []).push(`s${String(i).padStart(3, '0')}`);
    names.push(layers[layer][layers[layer].length - 1]!);
  }
  const roots = layers[0]!.length;
  const later = steps - roots;
  if (edges < later || edges > later * 3) throw new Error(`cannot make ${edges} edges for ${steps} steps`);
  // Incoming edges per step: 1 each, then +1 at random (up to 3) until the total is exact.
  const k = new Array<number>(steps).fill(0);
  for (let i = roots; i < steps; i++) k[i] = 1;
  for (let extra = edges - later; extra > 0;) {
    const i = roots + Math.floor(rand() * later);
    if (k[i]! < 3) {
      k[i]!++;
      extra--;
    }
  }
  const entryPoints: Record<string, number> = {};
  let dataEdges = 0;
  let needsEdges = 0;
  const lines = [
    'version: 1',
    'name: canvas-bench',
    `description: ${steps} generated steps and ${edges} edges (bench/canvas.ts).`,
    'steps:',
  ];
  const layout: Generated['layout'] = { version: 1, nodes: {} };
  for (let i = 0; i < steps; i++) {
    const name = names[i]!;
    const layer = Math.floor(i / width);
    const row = i % width;
    layout.nodes[name] = { x: layer * 380, y: row * 280 + (layer % 2) * 40 };
    if (layer === 0) {
      entryPoints.ingest = (entryPoints.ingest ?? 0) + 1;
      lines.push(
        `  ${name}:`,
        '    project: ./project',
        '    entry_point: ingest',
        '    parameters:',
        `      rows: ${1000 + i}`,
        `      seed: ${i}`,
      );
      continue;
    }
    const n = k[i]!;
    const ep =
      n === 3
        ? rand() < 0.5
          ? 'merge'
          : rand() < 0.5
            ? 'train'
            : 'evaluate'
        : (['transform', 'train', 'evaluate'] as const)[Math.floor(rand() * 3)]!;
    entryPoints[ep] = (entryPoints[ep] ?? 0) + 1;
    // Distinct sources from the previous layers, mostly the one just before.
    const sources: string[] = [];
    while (sources.length < n) {
      const back = Math.min(layer, rand() < 0.7 ? 1 : rand() < 0.6 ? 2 : 3);
      const pool = layers[layer - back]!;
      const s = pool[Math.floor(rand() * pool.length)]!;
      if (!sources.includes(s)) sources.push(s);
    }
    const params: string[] = [];
    const needs: string[] = [];
    const slots = SLOTS[ep]!;
    sources.forEach((src, j) => {
      const slot = slots[j];
      if (!slot || rand() < 0.1) {
        needs.push(src);
        needsEdges++;
      } else {
        const value =
          slot.attr === 'artifact_dir'
            ? `\${{ steps.${src}.artifact_dir }}/part-${j}`
            : `\${{ steps.${src}.${slot.attr} }}`;
        params.push(`      ${slot.name}: "${value}"`);
        dataEdges++;
      }
    });
    // Required parameters that got no edge get a literal value; a few optional ones too.
    for (const slot of slots.slice(0, 2)) {
      if (
        !params.some((p) => p.startsWith(`      ${slot.name}:`)) &&
        ['input_run', 'data_run', 'model_run', 'data_dir', 'a', 'b'].includes(slot.name)
      ) {
        params.push(`      ${slot.name}: ${slot.name === 'data_dir' ? '/data/shared' : 'none'}`);
      }
    }
    if (ep === 'train') params.push(`      epochs: ${5 + (i % 20)}`);
    if (ep === 'transform') params.push(`      mode: ${i % 2 ? 'fast' : 'exact'}`);
    lines.push(`  ${name}:`, '    project: ./project', `    entry_point: ${ep}`);
    if (params.length) lines.push('    parameters:', ...params);
    if (needs.length) lines.push(`    needs: [${needs.join(', ')}]`);
  }
  return { yaml: `${lines.join('\n')}\n`, layout, dataEdges, needsEdges, entryPoints };
}

// ------------------------------------------------------------------------------------------------
// The web host

// ------------------------------------------------------------------------------------------------
// In-page probes. Plain JavaScript strings: the page is a browser, this file is compiled for Node.

/**
 * Installed before the app's scripts. Every frame (requestAnimationFrame) it takes a signature of
 * the canvas: how many nodes are in the DOM and how many of them are visible (React Flow hides a
 * node until it has measured it), edges (React Flow's in the DOM, or zoomed out those the edge layer
 * painted), ports, the viewport transform and whether a node moved.
 * When the signature changes it posts a message, which runs after that frame has been painted:
 * that time is the change's paint time. Done when nothing changed for a second.
 */
const FIRST_RENDER_PROBE = `(() => {
  const b = (window.__bench = { changes: [], done: false, frames: 0, longtasks: [] });
  // Long tasks (main thread busy ≥ 50 ms: the page does not answer input meanwhile).
  new PerformanceObserver((list) => { for (const e of list.getEntries()) b.longtasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
  const ch = new MessageChannel();
  let pending = null;
  ch.port1.onmessage = () => { if (pending) { pending.t = performance.now(); b.changes.push(pending); pending = null; } };
  // Auto-layout: once the ELK chunk has loaded, done only after the nodes have moved (ELK can take
  // longer than the quiet second). A move: a node's position differs from the one last seen for it.
  let elkAt = null, movedAfterElk = false, moves = 0;
  new PerformanceObserver((list) => { for (const e of list.getEntries()) if (elkAt === null && /elk[.-](bundled|worker)/.test(e.name)) elkAt = performance.now(); })
    .observe({ type: 'resource', buffered: true });
  // The canvas says while a document waits for its auto-layout (ELK runs in a worker, off this thread).
  const layoutPending = () => !!document.querySelector('[data-testid="canvas"][data-needs-layout="true"]');
  const seen = new Map();
  let last = '';
  let lastChange = performance.now();
  const tick = () => {
    b.frames++;
    const nodes = document.querySelectorAll('.react-flow__node-step');
    let visible = 0, moved = false;
    for (const n of nodes) {
      if (n.style.visibility !== 'hidden') visible++;
      const before = seen.get(n.dataset.id);
      if (before !== undefined && before !== n.style.transform) moved = true;
      seen.set(n.dataset.id, n.style.transform);
    }
    if (moved) { moves++; if (elkAt !== null) movedAfterElk = true; }
    const layer = document.querySelector('[data-testid="light-edges"]');
    const edges = document.querySelectorAll('.react-flow__edge').length + Number(layer ? layer.dataset.edges || 0 : 0);
    const ports = document.querySelectorAll('.react-flow__node .port').length;
    const vp = document.querySelector('.react-flow__viewport');
    const ready = !!document.querySelector('[data-testid="app-ready"]');
    const sig = [nodes.length, visible, edges, ports, vp ? vp.style.transform : '', moves, ready].join('|');
    const now = performance.now();
    if (sig !== last) {
      last = sig;
      lastChange = now;
      pending = { frame: b.frames, raf: now, nodes: nodes.length, visible, edges, ports, viewport: vp ? vp.style.transform : '', ready };
      ch.port2.postMessage(0);
    } else if (nodes.length > 0 && visible === nodes.length && ready && (elkAt === null || movedAfterElk) && !layoutPending() && now - lastChange > 1000) {
      b.done = true;
      return;
    }
    if (now > 60000) { b.done = true; b.timeout = true; return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

/** Starts recording frame times (performance.now deltas per rAF callback) and long tasks. */
const START_RECORDER = `(() => {
  const r = (window.__rec = { deltas: [], stamps: [], longtasks: [], running: true, start: performance.now(), moves: 0 });
  r.onMove = () => { r.moves++; };
  window.addEventListener('mousemove', r.onMove, { capture: true, passive: true });
  r.po = new PerformanceObserver((list) => { for (const e of list.getEntries()) r.longtasks.push([e.startTime, e.duration]); });
  r.po.observe({ type: 'longtask' });
  let last = -1;
  const tick = (ts) => {
    const now = performance.now();
    if (last >= 0) { r.deltas.push(now - last); r.stamps.push(ts); }
    last = now;
    if (r.running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

const STOP_RECORDER = `(() => {
  const r = window.__rec;
  r.running = false;
  r.po.takeRecords().forEach((e) => r.longtasks.push([e.startTime, e.duration]));
  r.po.disconnect();
  window.removeEventListener('mousemove', r.onMove, { capture: true });
  return { deltas: r.deltas, stamps: r.stamps, longtasks: r.longtasks.filter(([s]) => s >= r.start), elapsed: performance.now() - r.start, moves: r.moves,
    nodesInDom: document.querySelectorAll('.react-flow__node').length, edgesInDom: document.querySelectorAll('.react-flow__edge').length };
})()`;

interface Change {
  t: number;
  raf: number;
  nodes: number;
  visible: number;
  edges: number;
  ports: number;
  viewport: string;
  ready: boolean;
}

interface FirstRender {
  /** Navigation start → the first painted frame with a step node visible. */
  first_node_ms: number;
  /** Navigation start → the last change (nothing changed for a second after it), painted. */
  complete_ms: number;
  nodes_in_dom: number;
  /** React Flow's edges in the DOM, or zoomed out those the edge layer painted. */
  edges_drawn: number;
  /** Navigation start → the answer of `workflows.load` received. */
  workflow_loaded_ms: number | null;
  /** Navigation start → the ELK chunk loaded (auto-layout only). */
  elk_loaded_ms: number | null;
  /** The longest long task until complete (the longest the page did not answer input), and their sum. */
  longest_task_ms: number;
  long_tasks_ms: number;
  changes: number;
  timeout: boolean;
}

async function openAndTimeFirstRender(
  browser: Browser,
  host: Host,
  profileTo?: string,
  viewport: { width: number; height: number } = VIEWPORT,
): Promise<{ page: Page; fr: FirstRender }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.addInitScript({ content: FIRST_RENDER_PROBE });
  let cdp: CDPSession | null = null;
  if (profileTo) {
    cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    await browser.startTracing(page, {
      path: profileTo.replace(/\.cpuprofile$/, '.trace.json'),
      categories: TRACE_CATEGORIES,
    });
  }
  await page.goto(host.url);
  // Polled with evaluate: the page's CSP forbids the string eval waitForFunction would use.
  while (!(await page.evaluate('!!(window.__bench && window.__bench.done)'))) await sleep(250);
  if (cdp && profileTo) {
    await browser.stopTracing();
    await saveProfile(cdp, profileTo);
  }
  const raw = await page.evaluate<{
    changes: Change[];
    timeout: boolean;
    load: number | null;
    elk: number | null;
    longtasks: number[];
  }>(`(() => {
    const res = performance.getEntriesByType('resource');
    const find = (s) => { const e = res.find((x) => x.name.includes(s)); return e ? e.responseEnd : null; };
    return { changes: window.__bench.changes, timeout: !!window.__bench.timeout, load: find('/api/workflows.load'),
      elk: find('elk-worker') ?? find('elk.bundled'), longtasks: window.__bench.longtasks };
  })()`);
  const firstNode = raw.changes.find((c) => c.visible > 0);
  const last = raw.changes[raw.changes.length - 1];
  if (!firstNode || !last) throw new Error('the canvas never showed a step');
  return {
    page,
    fr: {
      first_node_ms: firstNode.t,
      complete_ms: last.t,
      nodes_in_dom: last.nodes,
      edges_drawn: last.edges,
      workflow_loaded_ms: raw.load,
      elk_loaded_ms: raw.elk,
      longest_task_ms: Math.round(Math.max(0, ...raw.longtasks)),
      long_tasks_ms: Math.round(raw.longtasks.reduce((a, b) => a + b, 0)),
      changes: raw.changes.length,
      timeout: raw.timeout,
    },
  };
}

/** What --profile records in its Chromium traces (open them in DevTools' Performance panel). */
const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'blink.user_timing',
  'latencyInfo',
];

async function saveProfile(cdp: CDPSession, file: string): Promise<void> {
  const { profile } = await cdp.send('Profiler.stop');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(profile));
  await cdp.detach();
}

// ------------------------------------------------------------------------------------------------
// Interactions

interface FrameStats {
  frames: number;
  seconds: number;
  fps: number;
  median_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  over_16_7ms: number;
  over_33ms: number;
  /** Frames that missed at least one vsync by the rAF timestamps (≥ 1.5 × 16.7 ms apart). */
  missed_vsyncs: number;
  longtasks: number;
  longtask_total_ms: number;
  /** mousemove events the page handled. */
  mouse_moves: number;
  nodes_in_dom: number;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(s.length * q) - 1))] ?? NaN;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

function frameStats(raw: {
  deltas: number[];
  stamps: number[];
  longtasks: [number, number][];
  elapsed: number;
  moves: number;
  nodesInDom: number;
}): FrameStats {
  const d = raw.deltas;
  const total = d.reduce((a, b) => a + b, 0);
  let missed = 0;
  for (let i = 1; i < raw.stamps.length; i++) if (raw.stamps[i]! - raw.stamps[i - 1]! > 25) missed++;
  return {
    frames: d.length,
    seconds: r1(total / 1000),
    fps: r1((d.length * 1000) / total),
    median_ms: r1(median(d)),
    p95_ms: r1(quantile(d, 0.95)),
    p99_ms: r1(quantile(d, 0.99)),
    max_ms: r1(Math.max(...d)),
    over_16_7ms: d.filter((x) => x > 16.7).length,
    over_33ms: d.filter((x) => x > 33.4).length,
    missed_vsyncs: missed,
    longtasks: raw.longtasks.length,
    longtask_total_ms: Math.round(raw.longtasks.reduce((a, [, dur]) => a + dur, 0)),
    mouse_moves: raw.moves,
    nodes_in_dom: raw.nodesInDom,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Holds the left button at (x, y) and moves the mouse along `path(t)` (t in seconds) for SECONDS,
 * recording frames and long tasks in the page meanwhile. Two kinds of mouse:
 *  - 'paced' (what the figures use): page.mouse.move every 8 ms, each waiting until the page has
 *    taken the previous move — the mouse slows down to the page's pace, at most 125 moves/s;
 *  - 'stream': a 125 Hz mouse that does not wait (moves go to the browser through CDP, which queues
 *    them and coalesces what piles up). Headless Chromium hands the page 2–3 moves per frame then,
 *    not one, and each is a full drag update, so this is the harsh case.
 */
async function gesture(
  page: Page,
  x: number,
  y: number,
  pathAt: (t: number) => [number, number],
  mouse: 'paced' | 'stream',
  profileTo?: string,
): Promise<FrameStats> {
  let cdp: CDPSession | null = null;
  if (profileTo) {
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    // A Chromium trace too: style, layout, paint and compositing are there, not in the JS profile.
    await page
      .context()
      .browser()!
      .startTracing(page, {
        path: profileTo.replace(/\.cpuprofile$/, '.trace.json'),
        categories: TRACE_CATEGORIES,
      });
  }
  const input = await page.context().newCDPSession(page);
  await page.mouse.move(x, y);
  await page.evaluate(START_RECORDER);
  await page.mouse.down();
  const start = performance.now();
  const sent: Promise<unknown>[] = [];
  let [lx, ly] = [x, y];
  for (let n = 1; ; n++) {
    const t = (performance.now() - start) / 1000;
    if (t >= SECONDS) break;
    const [dx, dy] = pathAt(t);
    [lx, ly] = [x + dx, y + dy];
    if (mouse === 'paced') await page.mouse.move(lx, ly);
    else
      sent.push(
        input.send('Input.dispatchMouseEvent', {
          type: 'mouseMoved',
          x: lx,
          y: ly,
          button: 'left',
          buttons: 1,
        }),
      );
    const wait = start + n * 8 - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(sent);
  await page.mouse.move(lx, ly); // so that the button is released where the mouse is
  await page.mouse.up();
  await input.detach();
  const raw = await page.evaluate<Parameters<typeof frameStats>[0]>(STOP_RECORDER);
  if (cdp && profileTo) {
    await page.context().browser()!.stopTracing();
    await saveProfile(cdp, profileTo);
  }
  return frameStats(raw);
}

/** A point on the empty pane (inside the canvas, not on a node, edge or control). */
async function panePoint(page: Page): Promise<[number, number]> {
  const p = await page.evaluate<[number, number] | null>(`(() => {
    const r = document.querySelector('.react-flow').getBoundingClientRect();
    for (let fy = 0.5; fy > 0.02; fy -= 0.04) for (const fx of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9]) {
      const x = r.left + r.width * fx, y = r.top + r.height * fy;
      const el = document.elementFromPoint(x, y);
      if (el && el.classList.contains('react-flow__pane')) return [x, y];
    }
    return null;
  })()`);
  if (!p) throw new Error('no empty spot on the pane');
  return p;
}

/** The title of the step node nearest the canvas centre (where a person would grab it). */
async function nodeHandlePoint(page: Page): Promise<{ x: number; y: number; id: string }> {
  const p = await page.evaluate<{ x: number; y: number; id: string } | null>(`(() => {
    const r = document.querySelector('.react-flow').getBoundingClientRect();
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    let best = null;
    for (const el of document.querySelectorAll('.react-flow__node-step .sn-name')) {
      const b = el.getBoundingClientRect();
      const x = b.left + b.width / 2, y = b.top + b.height / 2;
      const d = Math.hypot(x - cx, y - cy);
      if (!best || d < best.d) best = { x, y, d, id: el.closest('.react-flow__node').dataset.id };
    }
    return best;
  })()`);
  if (!p) throw new Error('no step node to drag');
  return p;
}

// ------------------------------------------------------------------------------------------------
// The run

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bench-canvas-'));
const home = path.join(root, 'home');
fs.mkdirSync(path.join(root, 'project'), { recursive: true });
fs.mkdirSync(home);
fs.writeFileSync(path.join(root, 'project', 'MLproject'), MLPROJECT);
const gen = generate(STEPS, EDGES);
const wf = path.join(root, 'big.yaml');
const wfAuto = path.join(root, 'big-no-layout.yaml');
fs.writeFileSync(wf, gen.yaml);
fs.writeFileSync(`${wf}.layout.json`, `${JSON.stringify(gen.layout, null, 2)}\n`);
fs.writeFileSync(wfAuto, gen.yaml);

const loadBefore = os.loadavg()[0]!;
const host = await startHost(
  home,
  values['renderer-dir'] ? ['--renderer-dir', path.resolve(values['renderer-dir'])] : [],
);
const browser = await chromium.launch({
  executablePath: values.chromium,
  headless: true,
  args: CHROMIUM_ARGS,
});

const profileDir = values.profile ? path.resolve(values.profile) : undefined;
interface Round {
  first_render: FirstRender;
  overview: { zoom: number; idle: FrameStats; pan: FrameStats; drag: FrameStats; drag_stream: FrameStats; dragged: string };
  zoomed: { zoom: number; idle: FrameStats; pan: FrameStats; drag: FrameStats; drag_stream: FrameStats; dragged: string };
}
const rounds: Round[] = [];
const autoLayout: FirstRender[] = [];
const allOnScreen: FirstRender[] = [];
const chromiumVersion = browser.version();
let canvasSize: number[] = [];

/** The canvas's zoom, from React Flow's viewport transform. */
const zoomOf = async (page: Page): Promise<number> =>
  Number(
    /scale\(([\d.]+)\)/.exec(
      await page.evaluate<string>(`document.querySelector('.react-flow__viewport').style.transform`),
    )?.[1] ?? NaN,
  );

/**
 * The frames of SECONDS in which nothing happens: the baseline, what headless Chromium gives this
 * page at best on this machine (frame pacing, timer jitter, the other processes).
 */
async function idleFrames(page: Page): Promise<FrameStats> {
  await page.evaluate(START_RECORDER);
  await sleep(SECONDS * 1000);
  return frameStats(await page.evaluate<Parameters<typeof frameStats>[0]>(STOP_RECORDER));
}

/** Nothing, then pan, then drag a node, at the current zoom. */
async function panAndDrag(page: Page, prof: (name: string) => string | undefined, tag: string) {
  const idle = await idleFrames(page);
  // Pan: drag the empty pane back and forth (a Lissajous figure, ±260 × ±120 px).
  const [px, py] = await panePoint(page);
  const panPath = (t: number): [number, number] => [
    260 * Math.sin((2 * Math.PI * t) / 1.5),
    120 * Math.sin((2 * Math.PI * t) / 1.1),
  ];
  const pan = await gesture(page, px, py, panPath, 'paced', prof(`${tag}-pan`));
  await sleep(700);
  // Drag: the step nearest the canvas centre by its title, ±120 × ±80 px (clear of auto-pan at the edges).
  const dragPath = (t: number): [number, number] => [
    120 * Math.sin((2 * Math.PI * t) / 1.5),
    80 * Math.sin((2 * Math.PI * t) / 1.1),
  ];
  const n = await nodeHandlePoint(page);
  const drag = await gesture(page, n.x, n.y, dragPath, 'paced', prof(`${tag}-drag`));
  await sleep(700);
  const m = await nodeHandlePoint(page);
  const dragStream = await gesture(page, m.x, m.y, dragPath, 'stream');
  await sleep(700);
  return {
    zoom: Math.round((await zoomOf(page)) * 100) / 100,
    idle,
    pan,
    drag,
    drag_stream: dragStream,
    dragged: n.id,
  };
}

try {
  // Checks the generated workflow the way the engine reads it, before timing anything.
  const { problems } = await call<{ problems: { message: string }[] }>(host, 'workflows.load', { file: wf });
  if (problems.length)
    throw new Error(`the generated workflow is invalid: ${problems.map((p) => p.message).join('; ')}`);

  // A warm-up page (browser start, disk cache of the bundle), not counted.
  await call(host, 'app.setLastWorkflow', { file: wf });
  await (await openAndTimeFirstRender(browser, host)).page.context().close();

  for (let round = 0; round < (SCENARIOS.has('sidecar') ? ROUNDS : 0); round++) {
    const prof = (name: string) =>
      round === 0 && profileDir ? path.join(profileDir, `${name}.cpuprofile`) : undefined;
    await call(host, 'app.setLastWorkflow', { file: wf });
    const { page, fr } = await openAndTimeFirstRender(browser, host, prof('first-render'));
    canvasSize = await page.evaluate<number[]>(
      `(() => { const r = document.querySelector('.react-flow').getBoundingClientRect(); return [r.width, r.height]; })()`,
    );
    await sleep(700);
    // The whole graph as opened (fit view, clamped to the minimum zoom): the heaviest view.
    const overview = await panAndDrag(page, prof, 'overview');
    // Zoomed in to 1 with the wheel at the centre, as one does to edit: a dozen steps on screen.
    const box = (await page.locator('.react-flow').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 40 && (await zoomOf(page)) < 0.97; i++) {
      await page.mouse.wheel(0, -100);
      await sleep(60);
    }
    await sleep(1000);
    const zoomed = await panAndDrag(page, prof, 'zoomed');
    rounds.push({ first_render: fr, overview, zoomed });
    await page.context().close();
  }

  if (SCENARIOS.has('auto')) {
    // Without the layout sidecar: a layered placement at once, then ELK once the nodes are measured.
    for (let round = 0; round < ROUNDS; round++) {
      await call(host, 'app.setLastWorkflow', { file: wfAuto });
      const { page, fr } = await openAndTimeFirstRender(
        browser,
        host,
        round === 0 && profileDir ? path.join(profileDir, 'first-render-auto-layout.cpuprofile') : undefined,
      );
      autoLayout.push(fr);
      await page.context().close();
    }
  }
  if (SCENARIOS.has('large')) {
    // A window large enough for all 500 steps to be on screen at the fitted zoom, so all are in the DOM.
    for (let round = 0; round < ROUNDS; round++) {
      await call(host, 'app.setLastWorkflow', { file: wf });
      const { page, fr } = await openAndTimeFirstRender(browser, host, undefined, LARGE);
      allOnScreen.push(fr);
      await page.context().close();
    }
  }
} finally {
  await browser.close();
  host.proc.kill('SIGTERM');
  await new Promise((r) => host.proc.once('exit', r));
  if (!values.keep) fs.rmSync(root, { recursive: true, force: true });
}

/** The median of each numeric field over the rounds. */
function medians<T extends object>(rows: T[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(rows[0] ?? {})) {
    const xs = rows
      .map((r) => (r as Record<string, unknown>)[key])
      .filter((x): x is number => typeof x === 'number');
    if (xs.length === rows.length) out[key] = r1(median(xs));
  }
  return out;
}

const pick = <T>(f: (r: Round) => T) => rounds.map(f);
const gestures = (xs: Round['overview'][]) => ({
  zoom: median(xs.map((x) => x.zoom)),
  idle: medians(xs.map((x) => x.idle)),
  pan: medians(xs.map((x) => x.pan)),
  drag_node: medians(xs.map((x) => x.drag)),
  drag_node_stream: medians(xs.map((x) => x.drag_stream)),
});
const report = {
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`,
  chromium: chromiumVersion,
  rendering: 'headless, --disable-gpu: software raster and compositing',
  date: new Date().toISOString().slice(0, 10),
  load_average: { before: r1(loadBefore), after: r1(os.loadavg()[0]!) },
  viewport: VIEWPORT,
  canvas: canvasSize,
  graph: {
    steps: STEPS,
    edges: gen.dataEdges + gen.needsEdges,
    parameter_edges: gen.dataEdges,
    needs_edges: gen.needsEdges,
    entry_points: gen.entryPoints,
  },
  rounds: ROUNDS,
  gesture_seconds: SECONDS,
  first_render_ms: rounds.length ? medians(pick((r) => r.first_render)) : null,
  first_render_auto_layout_ms: autoLayout.length ? medians(autoLayout) : null,
  first_render_all_on_screen_ms: allOnScreen.length ? { viewport: LARGE, ...medians(allOnScreen) } : null,
  overview: rounds.length ? gestures(pick((r) => r.overview)) : null,
  zoomed: rounds.length ? gestures(pick((r) => r.zoomed)) : null,
  per_round: { with_layout: rounds, auto_layout: autoLayout, all_on_screen: allOnScreen },
  wall_seconds: r1((performance.now() - t0) / 1000),
  ...(profileDir ? { profiles: profileDir } : {}),
  ...(values.keep ? { kept: root } : {}),
};
console.log(JSON.stringify(report, null, 2));
