/**
 * The desktop app end to end, in the real Electron with playwright-core's `_electron`, with the web
 * journey's steps (tests/e2e/web.test.ts; the helpers are shared, support.ts): the first-run screen,
 * the example project opened through the native folder dialog, two entry points dragged onto the
 * canvas, step 1's run_id wired into step 2's parameter, saved through the native save dialog, run,
 * both finish and step 2 received step 1's run id, rerun with one click, a long step cancelled, and
 * the saved workflow reopened in a relaunched app. Also: the page is sandboxed (no Node, only the
 * contract bridge, no remote content) and a native menu item reaches the page. Native dialogs are
 * answered in the main process. Runs wherever the Electron binary is installed (and, on Linux, a
 * display exists — use xvfb-run on CI); elsewhere it reports itself skipped with the reason. Works
 * on copies of examples/ and its own data folder. Screenshots: test-artifacts/e2e/electron-*.png.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { _electron } from 'playwright-core';
import type { ElectronApplication, Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import type { WorkflowRunDto } from '../../common/api/schemas.js';
import { REPO_ROOT, tempDir, waitUntil } from '../helpers.js';
import {
  box,
  byTestId,
  dataEdge,
  dismissWelcomeIfShown,
  drawConnection,
  dropEntryPoint,
  inspectorRunId,
  placeTwoSteps,
  screenshot,
  status,
} from './support.js';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'electron.mjs');
const MAIN = path.join(REPO_ROOT, 'out', 'main', 'electron', 'main.js');

interface ScriptPaths {
  electron: { binary?: string; missing?: string };
}

function electronScript(args: string[], timeout = 10_000) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout });
}

const paths = JSON.parse(electronScript(['paths']).stdout) as ScriptPaths;

function skipReason(): string | false {
  if (paths.electron.missing)
    return `the Electron binary is not installed (${paths.electron.missing}); see README "Desktop app (Electron)"`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display (DISPLAY/WAYLAND_DISPLAY unset): run under a virtual display, e.g. xvfb-run npm run test:e2e';
  }
  if (!fs.existsSync(MAIN) || !fs.existsSync(path.join(REPO_ROOT, 'renderer', 'dist', 'index.html')))
    return 'the app is not built: run npm run build';
  return false;
}

const RUN_TIMEOUT = 300_000;

/** Calls the contract through the page's bridge (what the renderer does), unwrapping the result. */
async function apiCall<T>(page: Page, method: string, input: unknown): Promise<T> {
  const r = (await page.evaluate(
    ([m, i]) =>
      (globalThis as unknown as { baton: { call(m: string, i: unknown): Promise<unknown> } }).baton.call(
        m,
        i,
      ),
    [method, input] as const,
  )) as { ok: boolean; value?: T; error?: { message: string } };
  assert.ok(r.ok, `${method}: ${r.error?.message}`);
  return r.value as T;
}

/** The next native open (folder or file) dialog answers `file`; the next save dialog `save`. */
async function answerDialogs(
  app: ElectronApplication,
  answers: { open?: string; save?: string },
): Promise<void> {
  await app.evaluate(({ dialog }, a) => {
    const { open, save } = a;
    if (open) dialog.showOpenDialog = () => Promise.resolve({ canceled: false, filePaths: [open] });
    if (save) dialog.showSaveDialog = () => Promise.resolve({ canceled: false, filePath: save });
  }, answers);
}

async function launch(home: string): Promise<{ app: ElectronApplication; page: Page }> {
  const app = await _electron.launch({
    executablePath: paths.electron.binary!,
    args: [MAIN],
    cwd: REPO_ROOT,
    env: { ...process.env, BATON_HOME: home },
    timeout: 60_000,
  });
  const page = await app.firstWindow();
  await page.getByTestId('app-ready').waitFor({ timeout: 60_000 });
  return { app, page };
}

test(
  'desktop app: first run → example project → drag and wire two steps → save → run → rerun → cancel a long step → reopen',
  { skip: skipReason(), timeout: 900_000 },
  async () => {
    // The preload bundle and the Electron build of better-sqlite3 (first time: a download or a compile).
    for (const step of ['preload', 'native']) {
      const r = electronScript([step], 480_000);
      assert.equal(r.status, 0, `scripts/electron.mjs ${step} failed:\n${r.stderr}`);
    }

    // Copies of the example, so saving and running never write into the repository.
    const work = tempDir('baton-e2e-electron-');
    fs.cpSync(path.join(REPO_ROOT, 'examples'), work, { recursive: true });
    const project = path.join(work, 'multistep');
    const file = path.join(work, 'journey.yaml');
    const home = path.join(work, 'home');
    fs.mkdirSync(home);
    // A long step to cancel.
    const sleepy = path.join(work, 'sleepy');
    fs.mkdirSync(sleepy);
    fs.writeFileSync(
      path.join(sleepy, 'MLproject'),
      'name: sleepy\nentry_points:\n  nap:\n    command: "echo napping; sleep 300"\n',
    );

    let { app, page } = await launch(home);
    try {
      // The page is Baton's own, sandboxed: no Node, only the contract bridge.
      const probe = await page.evaluate(() => {
        const g = globalThis as unknown as Record<string, unknown>;
        const origin = (g.location as { origin: string }).origin;
        return {
          origin,
          require: typeof g.require,
          process: typeof g.process,
          baton: Object.keys(g.baton ?? {}).sort(),
        };
      });
      assert.deepEqual(probe, {
        origin: 'app://baton',
        require: 'undefined',
        process: 'undefined',
        baton: ['call', 'on'],
      });
      // The session refuses remote content.
      const remote = await page.evaluate(() =>
        fetch('https://example.com/').then(
          () => 'loaded',
          () => 'blocked',
        ),
      );
      assert.equal(remote, 'blocked');

      // A native menu item reaches the page as a contract event.
      await page.evaluate(() => {
        const g = globalThis as unknown as {
          baton: { on(e: string, l: (p: unknown) => void): () => void };
          menuSeen: unknown[];
        };
        g.menuSeen = [];
        g.baton.on('app.menuCommand', (p) => g.menuSeen.push(p));
      });
      await app.evaluate(({ Menu }) => {
        Menu.getApplicationMenu()?.getMenuItemById('view.fit')?.click();
      });
      await page.waitForFunction(
        () => (globalThis as unknown as { menuSeen: unknown[] }).menuSeen.length > 0,
      );
      assert.deepEqual(
        await page.evaluate(() => (globalThis as unknown as { menuSeen: unknown[] }).menuSeen),
        [{ command: 'view.fit' }],
      );

      // 1. The first-run screen; the example project opened through the native folder dialog.
      await page.getByTestId('first-run').waitFor();
      await screenshot(page, 'electron-01-first-run');
      await answerDialogs(app, { open: project });
      await page.getByTestId('btn-first-open-project').click();
      for (const ep of ['load_raw_data', 'etl_data', 'train', 'evaluate', 'report']) {
        await page.getByTestId(`entry-point-${ep}`).first().waitFor({ timeout: 30_000 });
      }
      await dismissWelcomeIfShown(page);

      // 2–3. Two entry points dragged onto the canvas; step 1's run_id wired into step 2's load_run_id.
      await placeTwoSteps(page);
      await drawConnection(page, 'handle-load_raw_data-out-run_id', 'handle-etl_data-in-load_run_id');
      await page.locator(dataEdge('load_raw_data', 'run_id', 'etl_data', 'load_run_id')).waitFor();
      await screenshot(page, 'electron-02-canvas-wired');

      // 4. Saved through the native save dialog, run, both steps finish.
      await answerDialogs(app, { save: file });
      await page.getByTestId('btn-save').click();
      await page.getByTestId('toast').filter({ hasText: 'Saved journey.yaml' }).waitFor();
      assert.ok(fs.existsSync(file));
      await page.getByTestId('btn-run').click();
      await status(page, 'workflow-status', 'finished').waitFor({ timeout: RUN_TIMEOUT });
      await status(page, 'status-load_raw_data', 'finished').waitFor();
      await status(page, 'status-etl_data', 'finished').waitFor();
      await screenshot(page, 'electron-03-run-finished');

      // 5. Step 2 received step 1's run id.
      const [wr1] = await apiCall<WorkflowRunDto[]>(page, 'workflowRuns.list', { limit: 10 });
      assert.ok(wr1);
      assert.equal(wr1.status, 'FINISHED');
      assert.equal(wr1.workflow_file, file);
      const load1 = wr1.steps.load_raw_data!.run_id!;
      const etl1 = wr1.steps.etl_data!.run_id!;
      const etl = await apiCall<{ params: Record<string, string> }>(page, 'runs.get', { runId: etl1 });
      assert.equal(etl.params.load_run_id, load1);

      // 6. One-click rerun: a new workflow run with new runs, step 2 reading the new step 1.
      await page.locator(`${byTestId('btn-rerun')}:enabled`).click();
      let wr2: WorkflowRunDto | undefined;
      await waitUntil(
        async () => {
          const list = await apiCall<WorkflowRunDto[]>(page, 'workflowRuns.list', { limit: 10 });
          return list.length === 2 && list[0]!.status === 'FINISHED' ? (wr2 = list[0]) : null;
        },
        'the rerun finished',
        RUN_TIMEOUT,
      );
      assert.ok(wr2);
      assert.equal(wr2.parent_workflow_run_id, wr1.workflow_run_id);
      const load2 = wr2.steps.load_raw_data!.run_id!;
      assert.notEqual(load2, load1);
      const etl2 = await apiCall<{ params: Record<string, string> }>(page, 'runs.get', {
        runId: wr2.steps.etl_data!.run_id!,
      });
      assert.equal(etl2.params.load_run_id, load2);
      await status(page, 'workflow-status', 'finished').waitFor();
      await page
        .locator(`${byTestId('inspector-run')} .run-line span.mono[title="${wr2.steps.etl_data!.run_id!}"]`)
        .waitFor();
      assert.equal(await inspectorRunId(page).getAttribute('title'), wr2.steps.etl_data!.run_id!);

      // 7. A long step cancelled: a new workflow with the sleepy project's step, run, cancelled.
      await page.getByTestId('btn-new').click();
      await page.getByTestId('canvas-empty').waitFor();
      await answerDialogs(app, { open: sleepy });
      await page.getByTestId('btn-open-project').click();
      await page.getByTestId('entry-point-nap').waitFor();
      const canvas = await box(page, 'canvas');
      await dropEntryPoint(page, 'nap', { x: canvas.x + canvas.width / 2, y: canvas.y + canvas.height / 3 });
      await answerDialogs(app, { save: path.join(work, 'sleepy.yaml') });
      await page.getByTestId('btn-run').click();
      await status(page, 'status-nap', 'running').waitFor({ timeout: RUN_TIMEOUT });
      await page.getByTestId('log-line').filter({ hasText: 'napping' }).waitFor();
      await page.getByTestId('btn-cancel').click();
      await status(page, 'workflow-status', 'killed').waitFor({ timeout: 30_000 });
      await status(page, 'status-nap', 'killed').waitFor();
      await screenshot(page, 'electron-04-cancelled');

      // 8. Reopened: a relaunched app, the saved workflow opened through the native open dialog.
      await app.close();
      ({ app, page } = await launch(home));
      await answerDialogs(app, { open: file });
      await page.getByTestId('btn-open').click();
      await page.getByTestId('workflow-title').filter({ hasText: 'journey.yaml' }).waitFor();
      await page.getByTestId('step-node-load_raw_data').waitFor();
      await page.getByTestId('step-node-etl_data').waitFor();
      await page.locator(dataEdge('load_raw_data', 'run_id', 'etl_data', 'load_run_id')).waitFor();
      await status(page, 'status-etl_data', 'finished').waitFor();
      const doc = parseYaml(fs.readFileSync(file, 'utf8')) as {
        steps: Record<string, { parameters?: Record<string, string> }>;
      };
      assert.equal(doc.steps.etl_data?.parameters?.load_run_id, '${{ steps.load_raw_data.run_id }}');
      await screenshot(page, 'electron-05-reopened');
    } finally {
      await app.close();
    }
  },
);
