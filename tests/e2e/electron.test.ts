/**
 * The desktop app end to end, in the real Electron with playwright-core's `_electron`: open the
 * example project, see its entry points, run the example workflow, see it finish. Runs wherever the
 * Electron binary is installed (and, on Linux, a display exists — use xvfb-run on CI); elsewhere it
 * reports itself skipped with the reason. Works on copies of examples/ and its own data folder.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { _electron } from 'playwright-core';
import { REPO_ROOT, tempDir } from '../helpers.js';

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
  if (paths.electron.missing) return `the Electron binary is not installed (${paths.electron.missing}); see README "Desktop app (Electron)"`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display (DISPLAY/WAYLAND_DISPLAY unset): run under a virtual display, e.g. xvfb-run npm run test:e2e';
  }
  if (!fs.existsSync(MAIN) || !fs.existsSync(path.join(REPO_ROOT, 'renderer', 'dist', 'index.html'))) return 'the app is not built: run npm run build';
  return false;
}

test('desktop app: open the example project, see its entry points, run the workflow, see it finish', { skip: skipReason(), timeout: 600_000 }, async () => {
  // The preload bundle and the Electron build of better-sqlite3 (first time: a download or a compile).
  for (const step of ['preload', 'native']) {
    const r = electronScript([step], 480_000);
    assert.equal(r.status, 0, `scripts/electron.mjs ${step} failed:\n${r.stderr}`);
  }

  // Copies of the example, so saving and running never write into the repository.
  const work = tempDir('baton-e2e-electron-');
  fs.cpSync(path.join(REPO_ROOT, 'examples'), work, { recursive: true });
  const project = path.join(work, 'multistep');
  const workflow = path.join(work, 'workflow.yaml');
  const home = path.join(work, 'home');
  fs.mkdirSync(home);
  // The app reopens the last workflow on start.
  fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ lastWorkflow: workflow }));

  const app = await _electron.launch({
    executablePath: paths.electron.binary!,
    args: [MAIN],
    cwd: REPO_ROOT,
    env: { ...process.env, BATON_HOME: home },
    timeout: 60_000,
  });
  try {
    const page = await app.firstWindow();
    await page.getByTestId('app-ready').waitFor({ timeout: 60_000 });

    // The page is Baton's own, sandboxed: no Node, only the contract bridge.
    const probe = await page.evaluate(() => {
      const g = globalThis as unknown as Record<string, unknown>;
      const origin = (g.location as { origin: string }).origin;
      return { origin, require: typeof g.require, process: typeof g.process, baton: Object.keys(g.baton ?? {}).sort() };
    });
    assert.deepEqual(probe, { origin: 'app://baton', require: 'undefined', process: 'undefined', baton: ['call', 'on'] });
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
      const g = globalThis as unknown as { baton: { on(e: string, l: (p: unknown) => void): () => void }; menuSeen: unknown[] };
      g.menuSeen = [];
      g.baton.on('app.menuCommand', (p) => g.menuSeen.push(p));
    });
    await app.evaluate(({ Menu }) => {
      Menu.getApplicationMenu()?.getMenuItemById('view.fit')?.click();
    });
    await page.waitForFunction(() => (globalThis as unknown as { menuSeen: unknown[] }).menuSeen.length > 0);
    assert.deepEqual(await page.evaluate(() => (globalThis as unknown as { menuSeen: unknown[] }).menuSeen), [{ command: 'view.fit' }]);

    // Open the example project through the native folder dialog (answered in the main process).
    await app.evaluate(({ dialog }, folder) => {
      dialog.showOpenDialog = () => Promise.resolve({ canceled: false, filePaths: [folder] });
    }, project);
    await page.getByTestId('btn-open-project').click();
    for (const ep of ['load_raw_data', 'etl_data', 'train', 'evaluate', 'report']) {
      await page.getByTestId(`entry-point-${ep}`).first().waitFor({ timeout: 30_000 });
    }

    // Run the workflow and wait for it to finish.
    await page.getByTestId('btn-run').click();
    await page.locator('[data-testid="workflow-status"][data-status="finished"]').waitFor({ timeout: 300_000 });
    const runs = await page.evaluate(() =>
      (globalThis as unknown as { baton: { call(m: string, i: unknown): Promise<unknown> } }).baton.call('workflowRuns.list', { limit: 1 }),
    );
    const list = runs as { ok: boolean; value: { status: string; workflow_file: string }[] };
    assert.ok(list.ok);
    assert.equal(list.value[0]?.status, 'FINISHED');
    assert.equal(list.value[0]?.workflow_file, workflow);
  } finally {
    await app.close();
  }
});
