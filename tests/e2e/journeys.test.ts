/**
 * Smaller user journeys in the web UI, end to end: the real `baton ui` host on loopback (its own
 * data folder and port per test), the real renderer build in Debian's Chromium (playwright-core),
 * real step processes. Nothing is mocked; what the UI shows is checked against the engine's
 * history (the API with the host's token) and the files on disk.
 *
 *   1. First run: a fresh data folder → the welcome card → "Open the example workflow" → Run with
 *      Ctrl+Enter (as the card says) → every step finished, timed from opening the page.
 *   2. Resume only what failed: a step fails, the one after it is skipped → the toolbar's Resume →
 *      the finished step's run is reused (same run id), only the failed and skipped steps run again.
 *   3. Canvas shortcuts (useShortcuts.ts) with the real keyboard: Delete, Ctrl+Z, Ctrl+Shift+Z,
 *      Ctrl+Y, Ctrl+C / Ctrl+V, Ctrl+A, Escape.
 *   4. The search palette (Ctrl+K and its toolbar button) adds a step by part of its name.
 *   5. The output panel's follow mode while a step prints many lines.
 *   6. The inspector's cache checkbox, saved: `cache: false` in the YAML on disk (and gone again).
 *   7. The elapsed time on a running step's node advances, and stops when the step ends.
 *
 * Screenshots go to test-artifacts/e2e/journey-*.png. Build first: `npm run build`.
 * Run: `node scripts/run-tests.mjs tests/e2e/journeys.test.ts`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT, tempDir, waitUntil, writeFiles } from '../helpers.js';
import {
  ARTIFACTS,
  Resources,
  byTestId,
  chooseProjectFolder,
  e2eSkipReason,
  failureShot,
  launchBrowser,
  openApp,
  screenshot,
  selectStep,
  startHost,
  waitForStableViewport,
} from './support.js';
import type { AppPage, Host } from './support.js';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'multistep');
const RUN_TIMEOUT = 90_000;

// ------------------------------------------------------------------------------------- fixtures

/** A small project whose entry points are plain shell (and one Python script). */
const MLPROJECT = `name: journeys
entry_points:
  prepare:
    command: "echo prepared"
  flaky:
    parameters:
      upstream: string
      gate: string
    command: "if test -e {gate}; then echo gate open; else echo gate closed; exit 3; fi"
  publish:
    parameters:
      src: string
    command: "echo publishing {src}"
  chatty:
    parameters:
      stop: string
    command: "python -u chatty.py {stop}"
  wait_for:
    parameters:
      stop: string
    command: "echo waiting; while [ ! -e {stop} ]; do sleep 0.05; done; echo done"
`;

/** Prints a numbered line every 20 ms until the stop file appears (at most 4000 lines). */
const CHATTY = `import os, sys, time
stop = sys.argv[1]
i = 0
while not os.path.exists(stop) and i < 4000:
    i += 1
    print(f"line {i}", flush=True)
    time.sleep(0.02)
print("done", flush=True)
`;

interface Work {
  work: string;
  home: string;
  project: string;
}

/** A temp folder with the data folder (`home/`) and the project (`proj/`). */
function workFolder(): Work {
  const work = tempDir('baton-e2e-journeys-');
  const home = path.join(work, 'home');
  fs.mkdirSync(home);
  const project = path.join(work, 'proj');
  writeFiles(project, { MLproject: MLPROJECT, 'chatty.py': CHATTY });
  return { work, home, project };
}

/** Writes WORK/NAME.yaml with the given steps (YAML text, indented under `steps:`). */
function writeWorkflow(w: Work, name: string, steps: string): string {
  const file = path.join(w.work, `${name}.yaml`);
  fs.writeFileSync(file, `version: 1\nname: ${name}\nsteps:\n${steps}`);
  return file;
}

// ---------------------------------------------------------------------------------------- helpers

const node = (step: string, status: string) => `${byTestId(`step-node-${step}`)}[data-status="${status}"]`;
const wfStatus = (status: string) => `${byTestId('workflow-status')}[data-status="${status}"]`;
const STEP_NODES = '.react-flow__node [data-testid^="step-node-"]';

/** The step names on the canvas, sorted. */
async function stepsOnCanvas(page: Page): Promise<string[]> {
  const ids = await page
    .locator(STEP_NODES)
    .evaluateAll((els) =>
      els.map(
        (e) => (e as unknown as { getAttribute(a: string): string | null }).getAttribute('data-testid') ?? '',
      ),
    );
  return ids.map((id) => id.replace(/^step-node-/, '')).sort();
}

/** Waits until the canvas shows exactly these steps. */
async function expectSteps(page: Page, expected: string[], what: string): Promise<void> {
  const want = [...expected].sort();
  try {
    await waitUntil(
      async () => JSON.stringify(await stepsOnCanvas(page)) === JSON.stringify(want),
      what,
      10_000,
    );
  } catch {
    assert.deepEqual(await stepsOnCanvas(page), want, what);
  }
}

/** Makes FILE the host's last workflow and opens the app on it; waits for its steps, laid out. */
async function openOnWorkflow(
  browser: Browser,
  host: Host,
  res: Resources,
  file: string,
  steps: string[],
): Promise<AppPage> {
  await host.call('app.setLastWorkflow', { file });
  const app = res.app(await openApp(browser, host));
  await app.page
    .getByTestId('workflow-title')
    .filter({ hasText: path.basename(file) })
    .waitFor();
  for (const s of steps) await app.page.getByTestId(`step-node-${s}`).waitFor();
  await app.page.locator('[data-testid="canvas"][data-needs-layout="false"]').waitFor();
  await waitForStableViewport(app.page);
  return app;
}

/** Every file under dir (relative path → size and mtime), to show a folder was not written to. */
function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.statSync(p);
        out[path.relative(dir, p)] = `${st.size}@${st.mtimeMs}`;
      }
    }
  };
  walk(dir);
  return out;
}

/** "850ms", "3.2s", "42s", "1m 5s" (formatDuration) → seconds. */
function parseDuration(text: string): number {
  const t = text.trim();
  let m = /^(\d+)ms$/.exec(t);
  if (m) return Number(m[1]) / 1000;
  m = /^([\d.]+)s$/.exec(t);
  if (m) return Number(m[1]);
  m = /^(\d+)m (\d+)s$/.exec(t);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  throw new Error(`not a duration: "${text}"`);
}

interface LogScroll {
  top: number;
  height: number;
  client: number;
  lastLine: string;
}

/** The output panel's scroll position, and the text of the lowest line rendered in view. */
function logScroll(page: Page): Promise<LogScroll> {
  return page.evaluate(`(() => {
    const el = document.querySelector('[data-testid="log-body"]');
    const r = el.getBoundingClientRect();
    let lastLine = '';
    let lowest = -Infinity;
    for (const l of el.querySelectorAll('[data-testid="log-line"]')) {
      const b = l.getBoundingClientRect();
      if (b.bottom <= r.bottom + 1 && b.top >= r.top - 1 && b.top > lowest) {
        lowest = b.top;
        lastLine = l.textContent;
      }
    }
    return { top: el.scrollTop, height: el.scrollHeight, client: el.clientHeight, lastLine };
  })()`);
}

const atEnd = (s: LogScroll): boolean => s.height - s.top - s.client < 2;

async function logCount(page: Page): Promise<number> {
  const text = (await page.getByTestId('log-count').textContent()) ?? '';
  const m = /^(\d+) line/.exec(text);
  assert.ok(m, `log-count reads "${text}"`);
  return Number(m[1]);
}

/** Waits until the output panel has more than n lines. */
async function waitForLines(page: Page, n: number): Promise<number> {
  return waitUntil(
    async () => {
      const c = await logCount(page);
      return c > n ? c : 0;
    },
    `more than ${n} lines of output`,
    30_000,
  );
}

// ------------------------------------------------------------------------------------------ tests

const skip = e2eSkipReason();

describe('user journeys in Chromium (baton ui)', { skip, timeout: 600_000 }, () => {
  let browser: Browser;
  const res = new Resources();

  before(async () => {
    // A failure screenshot from an earlier run must not outlive the failure.
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const f of fs.readdirSync(ARTIFACTS))
      if (f.startsWith('FAILED-journey-')) fs.rmSync(path.join(ARTIFACTS, f));
    browser = await launchBrowser();
  });

  after(async () => {
    await res.closeAll();
    await browser?.close();
  });

  /**
   * A one-step workflow of the project's `entry` (one that runs until the file `stop` exists),
   * opened on the canvas of a fresh host and data folder.
   */
  async function openStoppable(entry: string): Promise<AppPage & { stop: string }> {
    const w = workFolder();
    const stop = path.join(w.work, `stop-${entry}`);
    const step = `  ${entry}:\n    project: ./proj\n    entry_point: ${entry}\n    parameters:\n      stop: ${stop}\n`;
    const file = writeWorkflow(w, entry, step);
    const host = res.host(await startHost(w.home));
    return { ...(await openOnWorkflow(browser, host, res, file, [entry])), stop };
  }

  test(
    'first run: a fresh data folder → "Open the example workflow" → Ctrl+Enter → finished within a minute',
    { timeout: 150_000 },
    async () => {
      const { home } = workFolder();
      const examplesBefore = snapshotTree(path.join(REPO_ROOT, 'examples'));
      const host = res.host(await startHost(home));
      const t0 = Date.now();
      const { page, pageErrors } = res.app(await openApp(browser, host));
      await failureShot(
        () => page,
        'journey-first-run',
        async () => {
          await page.getByTestId('first-run').waitFor();
          const info = await host.call('app.info', {});
          assert.ok(info.exampleWorkflow, 'the host offers the example workflow');
          await page.locator(`${byTestId('btn-open-example')}:enabled`).click();

          // The example workflow, on the canvas with its project open; the welcome card gone.
          const steps = ['load', 'etl', 'train', 'evaluate', 'report'];
          for (const s of steps) await page.getByTestId(`step-node-${s}`).waitFor();
          await page.getByTestId('first-run').waitFor({ state: 'detached' });
          await page.getByTestId('workflow-title').filter({ hasText: 'workflow.yaml' }).waitFor();
          await page.getByTestId('project-multistep').waitFor();
          await page.locator('[data-testid="canvas"][data-needs-layout="false"]').waitFor();
          assert.equal(
            await page.getByTestId('dirty-indicator').count(),
            0,
            'opening the example leaves it unchanged',
          );

          // "Press Run (Ctrl+Enter)".
          await page.keyboard.press('Control+Enter');
          await page.locator(wfStatus('running')).waitFor({ timeout: 15_000 });
          await page.locator(node('load', 'finished')).waitFor({ timeout: RUN_TIMEOUT });
          await page.locator(node('etl', 'finished')).waitFor({ timeout: RUN_TIMEOUT });
          const twoSteps = Date.now() - t0;
          await page.locator(wfStatus('finished')).waitFor({ timeout: RUN_TIMEOUT });
          const all = Date.now() - t0;
          for (const s of steps) await page.locator(node(s, 'finished')).waitFor();
          await screenshot(page, 'journey-01-first-run-finished');
          console.log(
            `first run: two steps finished ${twoSteps} ms, the whole example ${all} ms after opening the page`,
          );
          assert.ok(twoSteps < 60_000, `the first two steps finished ${twoSteps} ms after opening the page`);
          assert.ok(all < 60_000, `the example workflow finished ${all} ms after opening the page`);

          // The history agrees: one workflow run, every step a finished run of its own.
          const [wr, ...more] = await host.call('workflowRuns.list', { limit: 10 });
          assert.equal(more.length, 0);
          assert.ok(wr);
          assert.equal(wr.status, 'FINISHED');
          assert.equal(wr.workflow_file, info.exampleWorkflow);
          for (const s of steps) {
            assert.equal(wr.steps[s]?.status, 'FINISHED', s);
            assert.equal((await host.call('runs.get', { runId: wr.steps[s].run_id! })).status, 'FINISHED', s);
          }
          // Running the bundled example wrote nothing into it (the run's files are in the data folder).
          assert.deepEqual(snapshotTree(path.join(REPO_ROOT, 'examples')), examplesBefore);
          assert.deepEqual(pageErrors, []);
        },
      );
    },
  );

  test(
    'resume: after a failed step and a skipped one, Resume runs only those two and reuses the finished run',
    { timeout: 150_000 },
    async () => {
      const w = workFolder();
      const gate = path.join(w.work, 'gate-open');
      const file = writeWorkflow(
        w,
        'resume',
        `  prepare:
    project: ./proj
    entry_point: prepare
  flaky:
    project: ./proj
    entry_point: flaky
    parameters:
      upstream: \${{ steps.prepare.run_id }}
      gate: ${gate}
  publish:
    project: ./proj
    entry_point: publish
    parameters:
      src: \${{ steps.flaky.run_id }}
`,
      );
      const host = res.host(await startHost(w.home));
      const { page, pageErrors } = await openOnWorkflow(browser, host, res, file, [
        'prepare',
        'flaky',
        'publish',
      ]);
      await failureShot(
        () => page,
        'journey-resume',
        async () => {
          // Nothing failed yet: Resume is off.
          assert.equal(await page.getByTestId('btn-resume-failed').isDisabled(), true);
          await page.getByTestId('btn-run').click();
          await page.locator(wfStatus('failed')).waitFor({ timeout: RUN_TIMEOUT });
          await page.locator(node('prepare', 'finished')).waitFor();
          await page.locator(node('flaky', 'failed')).waitFor();
          await page.locator(node('publish', 'skipped')).waitFor();
          const wr1Id = await page.getByTestId('workflow-status').getAttribute('data-workflow-run-id');
          assert.ok(wr1Id);
          const wr1 = await host.call('workflowRuns.get', { workflowRunId: wr1Id });
          assert.equal(wr1.status, 'FAILED');
          assert.equal(wr1.steps.prepare?.status, 'FINISHED');
          assert.equal(wr1.steps.flaky?.status, 'FAILED');
          assert.equal(wr1.steps.publish?.status, 'SKIPPED');
          const prepare1 = wr1.steps.prepare.run_id!;
          const flaky1 = wr1.steps.flaky.run_id!;
          assert.ok(prepare1 && flaky1);
          await screenshot(page, 'journey-02-resume-failed');

          // The cause goes away; Resume, from the toolbar.
          fs.writeFileSync(gate, '');
          await page.locator(`${byTestId('btn-resume-failed')}:enabled`).click();
          await page
            .locator(`${wfStatus('finished')}:not([data-workflow-run-id="${wr1Id}"])`)
            .waitFor({ timeout: RUN_TIMEOUT });
          const wr2Id = await page.getByTestId('workflow-status').getAttribute('data-workflow-run-id');
          assert.ok(wr2Id && wr2Id !== wr1Id);
          await page.locator(node('flaky', 'finished')).waitFor();
          await page.locator(node('publish', 'finished')).waitFor();
          // The finished step was not run again: the canvas shows it reused, with its first run.
          await page.locator(node('prepare', 'cached')).waitFor();
          await selectStep(page, 'prepare');
          assert.equal(await page.getByTestId('inspector-run-id').getAttribute('data-run-id'), prepare1);
          await selectStep(page, 'flaky');
          const flakyShown = await page.getByTestId('inspector-run-id').getAttribute('data-run-id');
          await screenshot(page, 'journey-03-resumed');

          // The history: a child of the failed run; prepare's run reused, the other two new and finished.
          const wr2 = await host.call('workflowRuns.get', { workflowRunId: wr2Id });
          assert.equal(wr2.status, 'FINISHED');
          assert.equal(wr2.parent_workflow_run_id, wr1Id);
          assert.equal(wr2.steps.prepare?.run_id, prepare1, 'prepare reuses its finished run');
          assert.equal(wr2.steps.prepare?.cached, true);
          const flaky2 = wr2.steps.flaky?.run_id;
          const publish2 = wr2.steps.publish?.run_id;
          assert.ok(flaky2 && publish2);
          assert.notEqual(flaky2, flaky1, 'flaky ran again');
          assert.equal(flakyShown, flaky2, 'the inspector shows the new run of flaky');
          assert.equal(wr2.steps.flaky?.status, 'FINISHED');
          assert.equal(wr2.steps.publish?.status, 'FINISHED');
          // Exactly two runs were started by the resume, none of them of prepare.
          const started = await host.call('runs.list', { workflowRunId: wr2Id, limit: 100 });
          assert.deepEqual(started.map((r) => r.run_id).sort(), [flaky2, publish2].sort());
          const all = await host.call('runs.list', { limit: 100 });
          assert.equal(all.filter((r) => r.entry_point === 'prepare').length, 1, 'prepare ran once in all');
          assert.equal((await host.call('runs.get', { runId: publish2 })).params.src, flaky2);
          assert.equal((await host.call('runs.get', { runId: flaky2 })).params.upstream, prepare1);
          // Nothing failed any more: Resume is off again.
          assert.equal(await page.getByTestId('btn-resume-failed').isDisabled(), true);
          assert.deepEqual(pageErrors, []);
        },
      );
    },
  );

  test(
    'canvas shortcuts with the real keyboard: Delete, undo, redo, copy/paste, select all',
    { timeout: 120_000 },
    async () => {
      const w = workFolder();
      const file = writeWorkflow(
        w,
        'keys',
        `  prepare:
    project: ./proj
    entry_point: prepare
  publish:
    project: ./proj
    entry_point: publish
    parameters:
      src: \${{ steps.prepare.run_id }}
`,
      );
      const host = res.host(await startHost(w.home));
      const { page, pageErrors } = await openOnWorkflow(browser, host, res, file, ['prepare', 'publish']);
      await failureShot(
        () => page,
        'journey-shortcuts',
        async () => {
          const both = ['prepare', 'publish'];
          const edges = () => page.locator('.react-flow__edge').count();
          // React Flow draws an edge once both its nodes are measured: wait for the count.
          const expectEdges = (n: number, what: string) =>
            waitUntil(async () => (await edges()) === n, `${n} edge(s): ${what}`, 10_000);
          await expectEdges(1, 'the wire prepare → publish');
          assert.equal(await page.getByTestId('dirty-indicator').count(), 0);

          // Delete removes the selected step (and its wire).
          await selectStep(page, 'publish');
          await page.keyboard.press('Delete');
          await expectSteps(page, ['prepare'], 'Delete removes publish');
          await expectEdges(0, 'its wire goes with it');
          await page.getByTestId('dirty-indicator').waitFor();

          // Ctrl+Z brings it back, wire included; Ctrl+Shift+Z and Ctrl+Y redo the delete.
          await page.keyboard.press('Control+z');
          await expectSteps(page, both, 'Ctrl+Z restores publish');
          await expectEdges(1, 'Ctrl+Z restores the wire');
          await page.getByTestId('dirty-indicator').waitFor({ state: 'detached' });
          await page.keyboard.press('Control+Shift+z');
          await expectSteps(page, ['prepare'], 'Ctrl+Shift+Z redoes the delete');
          await page.keyboard.press('Control+z');
          await expectSteps(page, both, 'Ctrl+Z again');
          await page.keyboard.press('Control+y');
          await expectSteps(page, ['prepare'], 'Ctrl+Y redoes the delete');
          await page.keyboard.press('Control+z');
          await expectSteps(page, both, 'and Ctrl+Z once more');
          await expectEdges(1, 'after the last undo');

          // Backspace deletes too, but not while typing in a field.
          await selectStep(page, 'prepare');
          await page.getByTestId('inspector-description').click();
          await page.keyboard.type('x');
          await page.keyboard.press('Backspace');
          await expectSteps(page, both, 'Backspace in a text field edits the text');
          assert.equal(await page.getByTestId('inspector-description').inputValue(), '');

          // Ctrl+C / Ctrl+V: a copy of the selected step, under a new name, selected.
          await page.getByTestId('step-node-prepare').locator('.sn-name').click();
          await page.keyboard.press('Control+c');
          await page.getByTestId('toast').filter({ hasText: 'Copied 1 step' }).waitFor();
          await page.keyboard.press('Control+v');
          await waitUntil(
            async () => (await stepsOnCanvas(page)).length === 3,
            'a third step after Ctrl+V',
            10_000,
          );
          const pasted = (await stepsOnCanvas(page)).filter((s) => !both.includes(s));
          assert.equal(pasted.length, 1, 'exactly one new step');
          const copy = pasted[0]!;
          assert.match(copy, /^prepare/);
          await page
            .locator('.react-flow__node.selected', { has: page.getByTestId(`step-node-${copy}`) })
            .waitFor();
          await page.locator(`${byTestId('inspector-step-name')}[value="${copy}"]`).waitFor();
          assert.equal(await page.getByTestId('inspector-entry-point').inputValue(), 'prepare');
          // A second paste lands another copy.
          await page.keyboard.press('Control+v');
          await waitUntil(
            async () => (await stepsOnCanvas(page)).length === 4,
            'a fourth step after Ctrl+V again',
            10_000,
          );

          // Ctrl+A selects every step; Delete then empties the canvas; Ctrl+Z restores all four.
          // (The focus is still on the canvas: the pasted copies cover publish, nothing to click.)
          await page.keyboard.press('Control+a');
          await waitUntil(
            async () =>
              (await page.locator('.react-flow__node.selected [data-testid^="step-node-"]').count()) === 4,
            'every step selected after Ctrl+A',
            10_000,
          );
          await screenshot(page, 'journey-04-select-all');
          await page.keyboard.press('Delete');
          await expectSteps(page, [], 'Delete after Ctrl+A removes every step');
          await page.getByTestId('canvas-empty').waitFor();
          await page.keyboard.press('Control+z');
          await waitUntil(
            async () => (await stepsOnCanvas(page)).length === 4,
            'Ctrl+Z restores all four steps',
            10_000,
          );
          await expectEdges(1, 'Ctrl+Z after deleting everything restores the wire');

          // Escape clears the selection.
          await page.keyboard.press('Escape');
          await waitUntil(
            async () => (await page.locator('.react-flow__node.selected').count()) === 0,
            'nothing selected after Escape',
            10_000,
          );
          assert.deepEqual(pageErrors, []);
        },
      );
    },
  );

  test(
    'search palette: Ctrl+K or "+ Step", part of an entry point name, Enter → a step on the canvas',
    { timeout: 120_000 },
    async () => {
      const w = workFolder();
      const host = res.host(await startHost(w.home));
      const { page, pageErrors } = res.app(await openApp(browser, host));
      await failureShot(
        () => page,
        'journey-palette',
        async () => {
          await page.getByTestId('first-run').waitFor();
          await page.getByTestId('btn-first-open-project').click();
          await chooseProjectFolder(page, EXAMPLE);
          await page.getByTestId('entry-point-evaluate').waitFor();
          await page.getByTestId('canvas-empty').waitFor();

          // Ctrl+K, "eval": evaluate is the first match; Enter adds it.
          await page.keyboard.press('Control+k');
          await page.getByTestId('search-palette').waitFor();
          await page.getByTestId('search-input').pressSequentially('eval');
          // The entry point first, then the project's script of the same name.
          await page
            .locator('.palette-item.active .pi-label')
            .filter({ hasText: /^evaluate$/ })
            .waitFor();
          assert.deepEqual(await page.locator('.palette-item .pi-label').allTextContents(), [
            'evaluate',
            'evaluate.py',
          ]);
          await screenshot(page, 'journey-05-palette');
          // A pointer standing where the list will appear must not steal the keyboard's choice:
          // park it over the second item's place, open the box again and type.
          const item2 = await page.locator('.palette-item').nth(1).boundingBox();
          assert.ok(item2);
          await page.keyboard.press('Escape');
          await page.getByTestId('search-palette').waitFor({ state: 'detached' });
          await page.mouse.move(item2.x + item2.width / 2, item2.y + item2.height / 2);
          await page.keyboard.press('Control+k');
          await page.getByTestId('search-input').pressSequentially('eval');
          await page.locator('.palette-item').nth(1).waitFor();
          await page.evaluate(
            'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 50))))',
          );
          assert.equal(await page.locator('.palette-item.active .pi-label').textContent(), 'evaluate');
          await page.keyboard.press('Enter');
          await page.getByTestId('search-palette').waitFor({ state: 'detached' });
          await page.getByTestId('step-node-evaluate').waitFor();
          await expectSteps(page, ['evaluate'], 'the palette added evaluate');
          await selectStep(page, 'evaluate');
          assert.equal(await page.getByTestId('inspector-entry-point').inputValue(), 'evaluate');
          assert.equal(await page.getByTestId('inspector-project').getAttribute('title'), EXAMPLE);

          // The toolbar button opens it too; "ra" matches train first; the arrow keys pick load_raw_data.
          await page.getByTestId('btn-search').click();
          await page.getByTestId('search-input').pressSequentially('ra');
          await page
            .locator('.palette-item.active .pi-label')
            .filter({ hasText: /^train$/ })
            .waitFor();
          const labels = await page.locator('.palette-item .pi-label').allTextContents();
          const second = 'load_raw_data';
          const at = labels.indexOf(second);
          assert.ok(at > 0, `matches: ${labels.join(', ')}`);
          for (let i = 0; i < at; i++) await page.keyboard.press('ArrowDown');
          await page
            .locator('.palette-item.active .pi-label')
            .filter({ hasText: /^load_raw_data$/ })
            .waitFor();
          await page.keyboard.press('Enter');
          await page.getByTestId(`step-node-${second}`).waitFor();
          await expectSteps(page, ['evaluate', second], `the palette added ${second}`);

          // Escape closes it without adding anything.
          await page.keyboard.press('Control+k');
          await page.getByTestId('search-input').pressSequentially('report');
          await page.keyboard.press('Escape');
          await page.getByTestId('search-palette').waitFor({ state: 'detached' });
          await expectSteps(page, ['evaluate', second], 'Escape adds nothing');
          assert.deepEqual(pageErrors, []);
        },
      );
    },
  );

  test(
    'output panel follow mode: sticks to the end, scrolling up stops it, ticking Follow jumps back',
    { timeout: 150_000 },
    async () => {
      const { page, pageErrors, stop } = await openStoppable('chatty');
      await failureShot(
        () => page,
        'journey-log-follow',
        async () => {
          try {
            await page.getByTestId('btn-run').click();
            await page.locator(node('chatty', 'running')).waitFor({ timeout: RUN_TIMEOUT });
            await page.getByTestId('log-step').filter({ hasText: 'chatty' }).waitFor();
            const follow = page.getByTestId('log-follow');
            assert.equal(await follow.isChecked(), true, 'follow is on for a new step');

            // Following: after each burst of new lines the view is at the very end, showing the newest line.
            let n = await waitForLines(page, 60);
            for (let i = 0; i < 3; i++) {
              n = await waitForLines(page, n + 20);
              // The lines and the scroll are applied in one layout pass: read them together.
              const s = await logScroll(page);
              assert.ok(s.height > s.client * 2, 'more output than fits');
              assert.ok(
                atEnd(s),
                `following: at the end (top ${s.top}, height ${s.height}, client ${s.client})`,
              );
              assert.match(s.lastLine, /^line \d+$/);
            }
            const before = await logScroll(page);
            const lastN = Number(before.lastLine.replace('line ', ''));
            assert.ok(
              lastN >= n - 25,
              `the last line in view (${before.lastLine}) is near the newest (${n})`,
            );
            await screenshot(page, 'journey-06-log-following');

            // Scrolling up with the wheel turns follow off, and new lines do not move the view.
            const body = await page.getByTestId('log-body').boundingBox();
            assert.ok(body);
            await page.mouse.move(body.x + body.width / 2, body.y + body.height / 2);
            await page.mouse.wheel(0, -400);
            await page.locator(`${byTestId('log-follow')}:not(:checked)`).waitFor({ timeout: 5_000 });
            const up = await logScroll(page);
            assert.ok(!atEnd(up), 'scrolled away from the end');
            const cUp = await logCount(page);
            await waitForLines(page, cUp + 50);
            const still = await logScroll(page);
            assert.equal(still.top, up.top, 'new output does not move a view scrolled up');
            assert.equal(still.lastLine, up.lastLine, 'the same lines stay in view');
            assert.ok(still.height > up.height, 'while the output grows underneath');
            assert.equal(await follow.isChecked(), false);
            await screenshot(page, 'journey-07-log-scrolled-up');

            // Ticking Follow jumps to the end and stays there.
            await follow.check();
            await waitUntil(async () => atEnd(await logScroll(page)), 'the view back at the end', 5_000);
            const c2 = await waitForLines(page, (await logCount(page)) + 30);
            const s2 = await logScroll(page);
            assert.ok(atEnd(s2), 'following again');
            assert.ok(
              Number(s2.lastLine.replace('line ', '')) >= c2 - 25,
              `newest lines in view: ${s2.lastLine} of ${c2}`,
            );
            assert.equal(await follow.isChecked(), true);

            // Scrolling back down to the end by hand turns follow back on too.
            await page.mouse.move(body.x + body.width / 2, body.y + body.height / 2);
            await page.mouse.wheel(0, -300);
            await page.locator(`${byTestId('log-follow')}:not(:checked)`).waitFor({ timeout: 5_000 });
            // (Lines keep arriving, so the end can move on between a wheel notch and its scroll
            // event: keep wheeling down, as a user would.)
            await waitUntil(
              async () => {
                await page.mouse.wheel(0, 5_000);
                return follow.isChecked();
              },
              'follow on again after wheeling to the end',
              10_000,
            );
          } finally {
            fs.writeFileSync(stop, '');
          }
          await page.locator(node('chatty', 'finished')).waitFor({ timeout: RUN_TIMEOUT });
          await page
            .getByTestId('log-line')
            .filter({ hasText: /^done$/ })
            .waitFor();
          assert.deepEqual(pageErrors, []);
        },
      );
    },
  );

  test(
    'inspector cache checkbox: unticked and saved writes cache: false to the file; ticked again removes it',
    { timeout: 120_000 },
    async () => {
      const w = workFolder();
      const file = writeWorkflow(
        w,
        'cache',
        `  prepare:
    project: ./proj
    entry_point: prepare
  publish:
    project: ./proj
    entry_point: publish
    parameters:
      src: \${{ steps.prepare.run_id }}
`,
      );
      type Doc = {
        steps: Record<string, { cache?: boolean; entry_point: string; parameters?: Record<string, string> }>;
      };
      const readDoc = (): Doc => parseYaml(fs.readFileSync(file, 'utf8')) as Doc;
      const host = res.host(await startHost(w.home));
      const { page, pageErrors } = await openOnWorkflow(browser, host, res, file, ['prepare', 'publish']);
      await failureShot(
        () => page,
        'journey-cache-toggle',
        async () => {
          assert.equal(readDoc().steps.prepare?.cache, undefined);
          await selectStep(page, 'prepare');
          const toggle = page.getByTestId('cache-toggle');
          assert.equal(await toggle.isChecked(), true, 'caching is on by default');
          await toggle.uncheck();
          await page.getByTestId('dirty-indicator').waitFor();
          assert.equal(readDoc().steps.prepare?.cache, undefined, 'nothing is written before saving');
          await page.getByTestId('btn-save').click();
          await page.getByTestId('toast').filter({ hasText: 'Saved cache.yaml' }).waitFor();
          await page.getByTestId('dirty-indicator').waitFor({ state: 'detached' });
          const doc = readDoc();
          assert.equal(doc.steps.prepare?.cache, false, 'cache: false written for prepare');
          assert.equal(doc.steps.publish?.cache, undefined, 'publish is left as it was');
          assert.equal(doc.steps.publish?.parameters?.src, '${{ steps.prepare.run_id }}');
          assert.match(fs.readFileSync(file, 'utf8'), /^\s+cache: false$/m);
          // The engine reads the file the same way.
          const v = await host.call('workflows.load', { file });
          assert.equal(v.parsed.spec?.steps.find((s) => s.name === 'prepare')?.cache, false);
          await screenshot(page, 'journey-08-cache-off');

          // Reopened, the box is still unticked; ticking it and saving with Ctrl+S removes the key.
          await page.reload();
          await page.getByTestId('app-ready').waitFor({ timeout: 60_000 });
          await page.getByTestId('step-node-prepare').waitFor();
          await selectStep(page, 'prepare');
          assert.equal(await toggle.isChecked(), false, 'the saved setting is read back');
          await toggle.check();
          await page.getByTestId('dirty-indicator').waitFor();
          await page.getByTestId('step-node-prepare').locator('.sn-name').click();
          await page.keyboard.press('Control+s');
          await page.getByTestId('dirty-indicator').waitFor({ state: 'detached' });
          assert.equal(readDoc().steps.prepare?.cache, undefined, 'cache on is the default: no key');
          assert.deepEqual(pageErrors, []);
        },
      );
    },
  );

  test(
    'elapsed time on a running step node advances while it runs and stops when it ends',
    { timeout: 120_000 },
    async () => {
      const { page, pageErrors, stop } = await openStoppable('wait_for');
      await failureShot(
        () => page,
        'journey-elapsed',
        async () => {
          const elapsed = page.getByTestId('elapsed-wait_for');
          assert.equal(await elapsed.count(), 0, 'no elapsed time before a run');
          try {
            await page.getByTestId('btn-run').click();
            await page.locator(node('wait_for', 'running')).waitFor({ timeout: RUN_TIMEOUT });
            await elapsed.waitFor();
            const t1 = Date.now();
            const first = parseDuration((await elapsed.textContent()) ?? '');
            // It ticks once a second (and on each re-render): wait for the text to change, going
            // forward every time, until it has advanced a second.
            let prev = first;
            for (let i = 0; i < 6 && prev - first < 1; i++) {
              const p = prev;
              prev = await waitUntil(
                async () => {
                  const v = parseDuration((await elapsed.textContent()) ?? '');
                  return v !== p ? v : 0;
                },
                'the elapsed time to change',
                5_000,
              );
              assert.ok(prev > p, `elapsed went forward (${p} s → ${prev} s)`);
            }
            const wall = (Date.now() - t1) / 1000;
            assert.ok(prev - first >= 1, `advanced by at least a second: ${first} s → ${prev} s`);
            assert.ok(
              prev - first <= wall + 1.1,
              `not faster than the clock: ${prev - first} s in ${wall} s`,
            );
            await page.locator(node('wait_for', 'running')).waitFor({ timeout: 1_000 });
            await screenshot(page, 'journey-09-elapsed-running');
          } finally {
            fs.writeFileSync(stop, '');
          }
          await page.locator(node('wait_for', 'finished')).waitFor({ timeout: RUN_TIMEOUT });
          await page.locator(wfStatus('finished')).waitFor();
          const done = (await elapsed.textContent()) ?? '';
          parseDuration(done);
          // Stopped: the value does not change any more (checked across two ticks of the clock).
          await page.waitForTimeout(2_200);
          assert.equal(await elapsed.textContent(), done, 'a finished step does not tick');
          assert.deepEqual(pageErrors, []);
        },
      );
    },
  );
});
