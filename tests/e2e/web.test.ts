/**
 * The web UI end to end: the real `baton ui` host (its own data folder and port per test), the real
 * renderer build in Debian's Chromium (playwright-core, a new 1280×800 context per test), the real
 * engine running real step processes. What the UI shows is checked against the engine's history
 * (the API over HTTP with the host's token, and the CLI on the same data folder). Nothing is mocked.
 *
 *   1. A new user's journey: the first-run screen → the example project (examples/multistep) through
 *      the in-app folder browser → two entry points dragged onto the canvas → run_id wired into the
 *      next step → saved with the in-app save browser → run → both finish → step 2 got step 1's run
 *      id → one-click rerun → a new host on the same data folder reopens the saved file.
 *   2. Cancelling a long step (a temp project whose entry point sleeps).
 *   3. Bad input refused visibly (a run id into a float parameter, a literal that is not a float).
 *
 * Screenshots of the main screens go to test-artifacts/e2e/. Build first: `npm run build`.
 * Run: `node scripts/run-tests.mjs tests/e2e/web.test.ts`.
 */
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import type { WorkflowRunDto } from '../../common/api/schemas.js';
import { REPO_ROOT, tempDir, waitUntil } from '../helpers.js';
import {
  ARTIFACTS,
  Resources,
  box,
  browseTo,
  byTestId,
  chooseProjectFolder,
  cli,
  dataEdge,
  dismissWelcomeIfShown,
  drawConnection,
  dropEntryPoint,
  e2eSkipReason,
  failureShot,
  inspectorRunId,
  launchBrowser,
  openApp,
  pgrep,
  placeTwoSteps,
  saveAs,
  screenshot,
  selectStep,
  startHost,
  status,
  waitForStableViewport,
} from './support.js';
import type { Host } from './support.js';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'multistep');
const RUN_TIMEOUT = 90_000;

/** A temp work folder holding the data folder (`home/`), so the folder browser always lists `home`. */
function workFolder(): { work: string; home: string } {
  const work = tempDir('baton-e2e-web-');
  const home = path.join(work, 'home');
  fs.mkdirSync(home);
  return { work, home };
}

/**
 * Runs the named phases of one journey as subtests, in order; after a failure the rest are
 * reported skipped (not as confusing follow-on failures), and a screenshot of the failure is kept.
 */
function phases(t: TestContext, page: () => Page) {
  let failed: string | null = null;
  return async (name: string, fn: () => Promise<void>): Promise<void> => {
    if (failed) {
      await t.test(name, { skip: `an earlier phase failed: ${failed}` }, () => undefined);
      return;
    }
    await t.test(name, async () => {
      try {
        await failureShot(page, name, fn);
      } catch (e) {
        failed = name;
        throw e;
      }
    });
  };
}

const skip = e2eSkipReason();

describe('web UI in Chromium (baton ui)', { skip, timeout: 300_000 }, () => {
  let browser: Browser;
  const res = new Resources();

  before(async () => {
    // A failure screenshot from an earlier run must not outlive the failure.
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const f of fs.readdirSync(ARTIFACTS))
      if (f.startsWith('FAILED-')) fs.rmSync(path.join(ARTIFACTS, f));
    browser = await launchBrowser();
  });

  after(async () => {
    await res.closeAll();
    await browser?.close();
  });

  test(
    'a new user: first run → example project → drag and wire two steps → save → run → rerun → reopen',
    { timeout: 180_000 },
    async (t) => {
      const { work, home } = workFolder();
      const file = path.join(work, 'journey.yaml');
      let host: Host = res.host(await startHost(home));
      let app = res.app(await openApp(browser, host));
      let page = app.page;
      const phase = phases(t, () => page);
      let wr1: WorkflowRunDto | undefined;
      let wr2: WorkflowRunDto | undefined;

      await phase(
        '1. the first-run screen; the example project opened with the in-app folder browser',
        async () => {
          await page.getByTestId('first-run').waitFor();
          const info = await host.call('app.info', {});
          assert.equal(info.nativeDialogs, false, 'the web host has no native dialogs');
          assert.equal(info.home, home);
          assert.equal(info.exampleProject, EXAMPLE);
          await screenshot(page, '01-first-run');

          await page.getByTestId('btn-first-open-project').click();
          await chooseProjectFolder(page, EXAMPLE);
          await page.getByTestId('project-multistep').waitFor();
          for (const ep of ['load_raw_data', 'etl_data', 'train', 'evaluate', 'report'])
            await page.getByTestId(`entry-point-${ep}`).waitFor();
          await page.getByTestId('ep-param-etl_data-load_run_id').filter({ hasText: 'required' }).waitFor();
          await dismissWelcomeIfShown(page);
          await page.getByTestId('canvas-empty').waitFor();
        },
      );

      await phase(
        '2. load_raw_data and etl_data dragged from the project panel onto the canvas',
        async () => {
          await placeTwoSteps(page);
          await page.getByTestId('canvas-empty').waitFor({ state: 'detached' });
          // The step dropped last is selected; it still lacks its required parameter.
          await page.locator(`${byTestId('inspector-step-name')}[value="etl_data"]`).waitFor();
          assert.equal(
            await page.getByTestId('inspector-project').textContent(),
            EXAMPLE,
            'an unsaved workflow names the project by absolute path',
          );
          await page.getByTestId('param-error-load_run_id').waitFor();
          await page.getByTestId('dirty-indicator').waitFor();
        },
      );

      await phase("3. step 1's run_id wired into step 2's load_run_id with the mouse", async () => {
        await drawConnection(
          page,
          'handle-load_raw_data-out-run_id',
          'handle-etl_data-in-load_run_id',
          async () => {
            // While dragging over it, the target handle says it accepts the connection.
            await page.locator(`${byTestId('handle-etl_data-in-load_run_id')}.connectingto.valid`).waitFor();
          },
        );
        await page.locator(dataEdge('load_raw_data', 'run_id', 'etl_data', 'load_run_id')).waitFor();
        assert.equal(await page.locator('.react-flow__edge').count(), 1);
        await page
          .getByTestId('bound-load_run_id')
          .filter({ hasText: 'steps.load_raw_data.run_id' })
          .waitFor();
        assert.equal(
          await page.getByTestId('param-load_run_id').inputValue(),
          '${{ steps.load_raw_data.run_id }}',
        );
        await page.getByTestId('param-error-load_run_id').waitFor({ state: 'detached' });
        await page
          .getByTestId('command-preview')
          .filter({ hasText: "--load-run-id '<steps.load_raw_data.run_id>'" })
          .waitFor();
        await screenshot(page, '02-canvas-wired');
      });

      await phase('4. saved with the in-app save browser, run, both steps finish', async () => {
        await page.getByTestId('btn-save').click();
        await saveAs(page, work, 'home', 'journey.yaml');
        await page.getByTestId('toast').filter({ hasText: 'Saved journey.yaml' }).waitFor();
        await page.getByTestId('dirty-indicator').waitFor({ state: 'detached' });
        await page.getByTestId('workflow-title').filter({ hasText: 'journey.yaml' }).waitFor();
        assert.ok(fs.existsSync(file), 'the workflow file is written where the browser pointed');

        await page.getByTestId('btn-run').click();
        await status(page, 'workflow-status', 'finished').waitFor({ timeout: RUN_TIMEOUT });
        await status(page, 'status-load_raw_data', 'finished').waitFor();
        await status(page, 'status-etl_data', 'finished').waitFor();
        // Metrics the steps logged through the tracking API reach the nodes.
        await page.getByTestId('metrics-load_raw_data').filter({ hasText: 'rows' }).waitFor();
        await page.getByTestId('metrics-etl_data').filter({ hasText: 'train_rows' }).waitFor();
        await screenshot(page, '03-run-finished');
      });

      await phase(
        "5. the history says step 2 received step 1's run id (API and CLI), as the UI shows",
        async () => {
          const list = await host.call('workflowRuns.list', { limit: 10 });
          assert.equal(list.length, 1);
          wr1 = list[0]!;
          assert.equal(wr1.status, 'FINISHED');
          assert.equal(wr1.workflow_file, file);
          const loadId = wr1.steps.load_raw_data?.run_id;
          const etlId = wr1.steps.etl_data?.run_id;
          assert.ok(loadId && etlId && loadId !== etlId);
          const load = await host.call('runs.get', { runId: loadId });
          const etl = await host.call('runs.get', { runId: etlId });
          assert.equal(load.status, 'FINISHED');
          assert.equal(etl.status, 'FINISHED');
          assert.equal(etl.params.load_run_id, loadId);
          assert.equal(load.metrics.rows, 2000);

          const shown = cli(home, ['runs', 'show', etlId, '--json']);
          assert.equal(shown.status, 0, shown.stderr);
          const fromCli = JSON.parse(shown.stdout) as {
            params: Record<string, string>;
            step_name: string;
            workflow_run_id: string;
          };
          assert.equal(fromCli.params.load_run_id, loadId);
          assert.equal(fromCli.workflow_run_id, wr1.workflow_run_id);

          // The UI shows the same runs: etl_data's last run in the inspector, and its output names step 1's run.
          assert.equal(await inspectorRunId(page).getAttribute('title'), etlId);
          await page.getByTestId('log-step').filter({ hasText: 'etl_data' }).waitFor();
          await page
            .getByTestId('log-line')
            .filter({ hasText: `from run ${loadId}` })
            .waitFor();
        },
      );

      await phase(
        '6. one-click rerun: a new workflow run finishes with new runs, and the history agrees',
        async () => {
          assert.ok(wr1);
          const old = { load: wr1.steps.load_raw_data!.run_id!, etl: wr1.steps.etl_data!.run_id! };
          await page.locator(`${byTestId('btn-rerun')}:enabled`).click();
          // Wait for the UI to show a different etl_data run that has ended, and the whole run finished.
          await page.waitForFunction(
            (oldEtl) => {
              const d = (
                globalThis as unknown as {
                  document: { querySelector(s: string): { getAttribute(a: string): string | null } | null };
                }
              ).document;
              const id = d
                .querySelector('[data-testid="inspector-run"] .run-line span.mono[title]')
                ?.getAttribute('title');
              const wf = d.querySelector('[data-testid="workflow-status"]')?.getAttribute('data-status');
              return !!id && id !== oldEtl && wf === 'finished';
            },
            old.etl,
            { timeout: RUN_TIMEOUT },
          );
          await status(page, 'status-load_raw_data', 'finished').waitFor();
          await status(page, 'status-etl_data', 'finished').waitFor();
          const uiEtl = await inspectorRunId(page).getAttribute('title');

          const list = await host.call('workflowRuns.list', { limit: 10 });
          assert.equal(list.length, 2);
          wr2 = list[0]!;
          assert.equal(wr2.parent_workflow_run_id, wr1.workflow_run_id);
          assert.equal(wr2.status, 'FINISHED');
          // Rerun re-runs every step (no cache): new runs, and step 2 read the new step 1.
          for (const name of ['load_raw_data', 'etl_data']) {
            assert.equal(wr2.steps[name]?.status, 'FINISHED', name);
            assert.equal(wr2.steps[name]?.cached, false, name);
          }
          const load2 = wr2.steps.load_raw_data!.run_id!;
          const etl2 = wr2.steps.etl_data!.run_id!;
          assert.notEqual(load2, old.load);
          assert.notEqual(etl2, old.etl);
          assert.equal(uiEtl, etl2, 'the UI shows the rerun');
          assert.equal((await host.call('runs.get', { runId: etl2 })).params.load_run_id, load2);
          await page
            .getByTestId('log-line')
            .filter({ hasText: `from run ${load2}` })
            .waitFor();
          await screenshot(page, '04-rerun-finished');
        },
      );

      await phase(
        '7. a new host on the same data folder reopens the file: same steps, same wiring, latest run; the CLI accepts the file',
        async () => {
          assert.ok(wr2);
          assert.deepEqual(app.pageErrors, []);
          await app.context.close();
          assert.equal(await host.stop(), 0, `baton ui did not exit cleanly:\n${host.stderr()}`);

          host = res.host(await startHost(home));
          app = res.app(await openApp(browser, host));
          page = app.page;
          // The app reopens the last workflow by itself, with its latest run.
          await page.getByTestId('workflow-title').filter({ hasText: 'journey.yaml' }).waitFor();
          assert.equal(await page.getByTestId('first-run').count(), 0);
          await page.locator(dataEdge('load_raw_data', 'run_id', 'etl_data', 'load_run_id')).waitFor();
          await status(page, 'workflow-status', 'finished').waitFor();

          // And explicitly: New, then Open in the in-app browser.
          await page.getByTestId('btn-new').click();
          await page.getByTestId('canvas-empty').waitFor();
          await page.getByTestId('btn-open').click();
          assert.equal(await page.getByTestId('file-browser').getAttribute('data-mode'), 'open');
          await browseTo(page, work, 'journey.yaml');
          await page.getByTestId('file-browser-entry-journey.yaml').dblclick();
          await page.getByTestId('file-browser').waitFor({ state: 'detached' });

          await page.getByTestId('step-node-load_raw_data').waitFor();
          await page.getByTestId('step-node-etl_data').waitFor();
          await page.locator(dataEdge('load_raw_data', 'run_id', 'etl_data', 'load_run_id')).waitFor();
          assert.equal(await page.locator('.react-flow__edge').count(), 1);
          await waitForStableViewport(page);
          const n1 = await box(page, 'step-node-load_raw_data');
          const n2 = await box(page, 'step-node-etl_data');
          assert.ok(
            n2.x > n1.x + n1.width * 0.8,
            'the saved positions are kept: etl_data right of load_raw_data',
          );
          await status(page, 'status-load_raw_data', 'finished').waitFor();
          await status(page, 'status-etl_data', 'finished').waitFor();
          assert.equal(await page.getByTestId('dirty-indicator').count(), 0);
          await selectStep(page, 'etl_data');
          await page
            .getByTestId('bound-load_run_id')
            .filter({ hasText: 'steps.load_raw_data.run_id' })
            .waitFor();
          await page
            .locator(
              `${byTestId('inspector-run')} .run-line span.mono[title="${wr2.steps.etl_data!.run_id!}"]`,
            )
            .waitFor();
          await screenshot(page, '05-reopened');

          // What is on disk is what the canvas showed, and what the CLI accepts.
          const doc = parseYaml(fs.readFileSync(file, 'utf8')) as {
            steps: Record<
              string,
              { project: string; entry_point: string; parameters?: Record<string, string> }
            >;
          };
          assert.deepEqual(Object.keys(doc.steps), ['load_raw_data', 'etl_data']);
          assert.equal(doc.steps.etl_data?.parameters?.load_run_id, '${{ steps.load_raw_data.run_id }}');
          assert.equal(
            doc.steps.load_raw_data?.project,
            path.relative(work, EXAMPLE),
            'saving writes projects relative to the file',
          );
          const layout = JSON.parse(fs.readFileSync(`${file}.layout.json`, 'utf8')) as Record<
            string,
            unknown
          >;
          assert.ok(
            JSON.stringify(layout).includes('load_raw_data') && JSON.stringify(layout).includes('etl_data'),
            'the layout sidecar places both steps',
          );
          const v = cli(home, ['workflow', 'validate', file, '--json']);
          assert.equal(v.status, 0, v.stdout + v.stderr);
          const result = JSON.parse(v.stdout) as { valid: boolean; steps: string[] };
          assert.equal(result.valid, true);
          assert.deepEqual(result.steps, ['load_raw_data', 'etl_data']);
          assert.deepEqual(app.pageErrors, []);
        },
      );
    },
  );

  test(
    'cancel: a long step is killed from the UI, in the history and on the machine',
    { timeout: 120_000 },
    async () => {
      const { work, home } = workFolder();
      // A unique sleep length marks this test's process (and the launcher shells around it) for pgrep.
      const marker = `300.${randomInt(100_000, 999_999)}`;
      const project = path.join(work, 'sleepy');
      fs.mkdirSync(project);
      fs.writeFileSync(
        path.join(project, 'MLproject'),
        `name: sleepy\nentry_points:\n  nap:\n    command: "echo napping; sleep ${marker}"\n`,
      );
      const pattern = `sleep ${marker.replace('.', '\\.')}`;

      const host = res.host(await startHost(home));
      const { page, pageErrors } = res.app(await openApp(browser, host));
      await failureShot(
        () => page,
        'cancel',
        async () => {
          await page.getByTestId('first-run').waitFor();
          await page.getByTestId('btn-first-empty').click();
          await page.getByTestId('btn-open-project').click();
          await chooseProjectFolder(page, project);
          await page.getByTestId('entry-point-nap').waitFor();
          const canvas = await box(page, 'canvas');
          await dropEntryPoint(page, 'nap', {
            x: canvas.x + canvas.width / 2,
            y: canvas.y + canvas.height / 3,
          });

          // Run asks where to save a new workflow first.
          await page.getByTestId('btn-run').click();
          await saveAs(page, work, 'sleepy', 'sleepy.yaml');
          await status(page, 'status-nap', 'running').waitFor({ timeout: RUN_TIMEOUT });
          await page.getByTestId('log-line').filter({ hasText: 'napping' }).waitFor();
          await waitUntil(() => pgrep(pattern).length > 0, `a process running "sleep ${marker}"`);
          await status(page, 'workflow-status', 'running').waitFor();
          await screenshot(page, '06-cancel-running');

          await page.getByTestId('btn-cancel').click();
          await status(page, 'workflow-status', 'killed').waitFor({ timeout: 30_000 });
          await status(page, 'status-nap', 'killed').waitFor();
          await page.locator(`${byTestId('btn-run')}:enabled`).waitFor();
          await page.locator(`${byTestId('btn-resume-failed')}:enabled`).waitFor();

          const [wr, ...more] = await host.call('workflowRuns.list', { limit: 10 });
          assert.equal(more.length, 0);
          assert.ok(wr);
          assert.equal(wr.status, 'KILLED');
          assert.equal(wr.steps.nap?.status, 'KILLED');
          const runId = wr.steps.nap?.run_id;
          assert.ok(runId);
          assert.equal((await host.call('runs.get', { runId })).status, 'KILLED');
          // Nothing of the step is left on the machine: not the sleep, not the shells around it.
          await waitUntil(() => pgrep(pattern).length === 0, `no process running "sleep ${marker}"`, 10_000);
          await screenshot(page, '07-cancelled');
          assert.deepEqual(pageErrors, []);
        },
      );
    },
  );

  test(
    'bad input is refused visibly: a run id into a float parameter, a literal that is not a float',
    { timeout: 120_000 },
    async () => {
      const { work, home } = workFolder();
      const host = res.host(await startHost(home));
      const { page, pageErrors } = res.app(await openApp(browser, host));
      await failureShot(
        () => page,
        'bad-input',
        async () => {
          await page.getByTestId('first-run').waitFor();
          await page.getByTestId('btn-first-empty').click();
          await page.getByTestId('btn-open-project').click();
          await chooseProjectFolder(page, EXAMPLE);
          await placeTwoSteps(page);

          // run_id is text: test_fraction is a float. The handle turns red while over it, and a toast says why.
          await drawConnection(
            page,
            'handle-load_raw_data-out-run_id',
            'handle-etl_data-in-test_fraction',
            async () => {
              await page
                .locator(`${byTestId('handle-etl_data-in-test_fraction')}.connectingto:not(.valid)`)
                .waitFor();
            },
          );
          await page
            .locator(`${byTestId('toast')}[data-kind="error"]`)
            .filter({ hasText: '"test_fraction" is a float parameter, but run_id is a run id, not a number' })
            .waitFor();
          assert.equal(
            await page.locator('.react-flow__edge').count(),
            0,
            'a refused connection draws no edge',
          );
          await selectStep(page, 'etl_data');
          assert.equal(
            await page.getByTestId('param-test_fraction').inputValue(),
            '',
            'and writes nothing into the parameter',
          );
          await screenshot(page, '08-refused-wiring');

          // The right wire still works after a refusal.
          await drawConnection(page, 'handle-load_raw_data-out-run_id', 'handle-etl_data-in-load_run_id');
          await page.locator(dataEdge('load_raw_data', 'run_id', 'etl_data', 'load_run_id')).waitFor();

          // A literal that is not a float: the field says so as it is typed, the workflow check lists it.
          await page.getByTestId('param-test_fraction').fill('abc');
          const fieldError = page.getByTestId('param-error-test_fraction');
          await fieldError.waitFor();
          assert.match((await fieldError.textContent()) ?? '', /abc/);
          assert.match(
            (await page.getByTestId('param-test_fraction').getAttribute('class')) ?? '',
            /\binvalid\b/,
          );
          await page
            .locator(`${byTestId('problem-item')}[data-code="PARAM_INVALID"]`)
            .filter({ hasText: 'test_fraction' })
            .waitFor();
          await page.getByTestId('problems-etl_data').waitFor();
          await screenshot(page, '09-field-error');

          // Running it anyway is refused by the engine, visibly, and nothing is recorded.
          await page.getByTestId('btn-run').click();
          await saveAs(page, work, 'home', 'bad.yaml');
          // (The wiring refusal above may still be on screen: this one carries the engine's error code.)
          const refusal = page
            .locator(`${byTestId('toast')}[data-kind="error"]`)
            .filter({ has: page.locator('.toast-code', { hasText: 'WORKFLOW_INVALID' }) });
          await refusal.waitFor();
          assert.match((await refusal.textContent()) ?? '', /test_fraction/);
          assert.equal(await page.getByTestId('workflow-status').count(), 0);
          assert.deepEqual(await host.call('workflowRuns.list', { limit: 10 }), []);
          assert.deepEqual(pageErrors, []);
        },
      );
    },
  );

  test('the welcome card gives way once a project is opened from it', async () => {
    const { home } = workFolder();
    const host = res.host(await startHost(home));
    const { page } = res.app(await openApp(browser, host));
    await page.getByTestId('btn-first-open-project').click();
    await chooseProjectFolder(page, EXAMPLE);
    await page.getByTestId('entry-point-load_raw_data').waitFor();
    await page.getByTestId('first-run').waitFor({ state: 'detached', timeout: 3_000 });
  });
});
