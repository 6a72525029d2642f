/**
 * The history UI end to end: the real `baton ui` host on its own data folder, the real renderer
 * build in Debian's Chromium, history seeded by real runs of a small generated project (the built
 * CLI's `baton run` and a workflow run through the API), and what the UI shows checked against the
 * engine's history. Nothing is mocked.
 *
 *   find a run by filter (and the error of a bad filter) → open it → read its metric chart (the
 *   points uPlot drew) and a log line (search → jump) → its artifacts → compare two runs with only
 *   differences → rerun one with an edited param (a bad value refused first) → the new run in the
 *   table with that param → housekeeping (rename, note, delete, restore) → a workflow run's
 *   read-only snapshot and two workflow runs compared step by step.
 *
 * Screenshots go to test-artifacts/e2e/history-*.png. Build first: `npm run build`.
 * Run: `node scripts/run-tests.mjs tests/e2e/history.test.ts`.
 */
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunDto } from '../../common/api/schemas.js';
import { REPO_ROOT, tempDir, waitUntil, writeFiles } from '../helpers.js';
import {
  Resources,
  byTestId,
  cli,
  e2eSkipReason,
  launchBrowser,
  openApp,
  screenshot,
  startHost,
} from './support.js';
import type { Host } from './support.js';

const RUN_TIMEOUT = 90_000;

/** The little of the DOM the page functions use (the tests compile without the DOM library). */
interface ElementLike {
  style: { top: string };
  getAttribute(name: string): string | null;
}
interface CanvasLike {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

const MLPROJECT = `name: history-e2e
entry_points:
  prepare:
    parameters:
      rows: {type: int, default: 100}
    command: "python prepare.py --rows {rows}"
  train:
    parameters:
      alpha: {type: float, default: 0.5}
      epochs: {type: int, default: 30}
      data: {type: string, default: "none"}
    command: "python train.py --alpha {alpha} --epochs {epochs}"
  fail:
    command: "echo about to fail; exit 3"
`;

const PREPARE = `import argparse
import tracking
p = argparse.ArgumentParser()
p.add_argument("--rows", type=int)
a = p.parse_args()
print(f"prepared {a.rows} rows")
tracking.log_metric("rows", a.rows)
`;

/** 30 epochs of a loss that depends on alpha; coloured output; two artifacts (text and a PNG). */
const TRAIN = `import argparse, base64, os
import tracking
p = argparse.ArgumentParser()
p.add_argument("--alpha", type=float)
p.add_argument("--epochs", type=int)
a = p.parse_args()
loss = 0.0
for e in range(a.epochs):
    loss = 1.0 / (1 + e * a.alpha)
    print(f"\\x1b[32mepoch {e}\\x1b[0m loss={loss:.4f}")
    tracking.log_metric("rmse", loss, step=e)
tracking.log_metric("final_rmse", loss)
d = tracking.artifact_dir()
os.makedirs(os.path.join(d, "model"), exist_ok=True)
with open(os.path.join(d, "model", "summary.txt"), "w") as f:
    f.write(f"alpha={a.alpha}\\nfinal loss {loss:.4f}\\n")
png = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAFklEQVR4nGP8z8DwnwEIGBkZGBgYAAAc8AL+2J7F3QAAAABJRU5ErkJggg=="
with open(os.path.join(d, "plot.png"), "wb") as f:
    f.write(base64.b64decode(png))
print("done")
`;

const WORKFLOW = `version: 1
name: hist-flow
steps:
  prepare:
    project: ./proj
    entry_point: prepare
    parameters:
      rows: "50"
  train:
    project: ./proj
    entry_point: train
    parameters:
      alpha: "0.4"
      epochs: "8"
      data: \${{ steps.prepare.run_id }}
`;

/** Runs fn; on failure keeps a screenshot of the page as test-artifacts/e2e/FAILED-history-NAME.png. */
function phases(t: TestContext, page: () => Page | undefined) {
  let failed: string | null = null;
  return async (name: string, fn: () => Promise<void>): Promise<void> => {
    if (failed) {
      await t.test(name, { skip: `an earlier phase failed: ${failed}` }, () => undefined);
      return;
    }
    await t.test(name, async () => {
      try {
        await fn();
      } catch (e) {
        failed = name;
        const p = page();
        if (p)
          await screenshot(p, `FAILED-history-${name.replace(/[^\w]+/g, '-').slice(0, 50)}`).catch(
            () => undefined,
          );
        throw e;
      }
    });
  };
}

/** `baton run` on the host's data folder; returns the new run's id (from `runs list --json`). */
function runCliStep(
  home: string,
  project: string,
  entry: string,
  params: Record<string, string>,
  expectStatus = 0,
): string {
  const args = ['run', project, '-e', entry];
  for (const [k, v] of Object.entries(params)) args.push('-P', `${k}=${v}`);
  const r = cli(home, args);
  assert.equal(r.status, expectStatus, `baton ${args.join(' ')}: ${r.stderr}`);
  const list = cli(home, ['runs', 'list', '--json']);
  assert.equal(list.status, 0, list.stderr);
  const runs = JSON.parse(list.stdout) as { run_id: string; entry_point: string; start_time: number }[];
  const newest = runs.filter((x) => x.entry_point === entry).sort((x, y) => y.start_time - x.start_time)[0];
  assert.ok(newest, `no ${entry} run in the history`);
  return newest.run_id;
}

const skip = e2eSkipReason();

describe('history UI in Chromium (baton ui)', { skip, timeout: 420_000 }, () => {
  const res = new Resources();
  let browser: Browser;
  let host: Host;
  let work: string;
  let project: string;
  let runA: string;
  let runB: string;
  let failed: string;
  let wf1: string;

  before(async () => {
    browser = await launchBrowser();
    work = tempDir('baton-e2e-history-');
    const home = path.join(work, 'home');
    fs.mkdirSync(home);
    project = path.join(work, 'proj');
    writeFiles(project, {
      MLproject: MLPROJECT,
      'tracking.py': fs.readFileSync(path.join(REPO_ROOT, 'examples', 'multistep', 'tracking.py'), 'utf8'),
      'prepare.py': PREPARE,
      'train.py': TRAIN,
    });
    writeFiles(work, { 'flow.yaml': WORKFLOW });
    host = res.host(await startHost(home));
    // Seed: two train runs that differ only in alpha, one failed run, one workflow run.
    runA = runCliStep(home, project, 'train', { alpha: '0.1', epochs: '30' });
    runB = runCliStep(home, project, 'train', { alpha: '0.7', epochs: '30' });
    failed = runCliStep(home, project, 'fail', {}, 1);
    wf1 = (await host.call('workflows.run', { file: path.join(work, 'flow.yaml') })).workflowRunId;
    await waitUntil(
      async () => (await host.call('workflowRuns.get', { workflowRunId: wf1 })).status === 'FINISHED',
      'the workflow run to finish',
      RUN_TIMEOUT,
    );
  });

  after(async () => {
    await res.closeAll();
    await browser?.close();
  });

  test('find, open, read, compare, rerun with an edited param, housekeeping, workflow snapshot', async (t) => {
    const app = res.app(await openApp(browser, host));
    const page = app.page;
    const phase = phases(t, () => page);

    const rows = page.getByTestId('run-row');
    const rowOf = (runId: string) => page.locator(`${byTestId('run-row')}[data-run-id="${runId}"]`);
    const total = (n: number) => page.locator(`${byTestId('runs-total')}[data-total="${n}"]`);
    const filterBy = async (expr: string): Promise<void> => {
      await page.getByTestId('filter-input').fill(expr);
      await page.getByTestId('filter-input').press('Enter');
    };

    await phase('the History switch opens the runs table with every run', async () => {
      await page.getByTestId('nav-history').click();
      await page.getByTestId('runs-view').waitFor();
      // 3 CLI runs and the workflow's 2 steps.
      await total(5).waitFor();
      assert.equal(await rows.count(), 5);
      assert.match(page.url(), /#\/runs/);
      // The editor is only hidden: switching back shows the same canvas.
      await page.getByTestId('nav-editor').click();
      await page.getByTestId('canvas').waitFor({ state: 'visible' });
      await page.goBack();
      await total(5).waitFor();
      await screenshot(page, 'history-01-runs');
    });

    await phase('a bad filter shows the engine error under the input; a good one finds the run', async () => {
      await filterBy('metrics.rmse <<< 1');
      const err = page.getByTestId('filter-error');
      await err.waitFor();
      assert.equal(await err.getAttribute('data-code'), 'FILTER_INVALID');
      assert.match((await err.textContent()) ?? '', /position \d+/);
      await screenshot(page, 'history-02-bad-filter');
      await filterBy("params.alpha = '0.1' and tags.mlflow.project.entryPoint = 'train'");
      await total(1).waitFor();
      await err.waitFor({ state: 'detached' });
      await rowOf(runA).waitFor();
      // The query is in the URL: a reload shows the same table.
      assert.match(decodeURIComponent(page.url()), /filter=params\.alpha/);
      await page.reload();
      await page.getByTestId('app-ready').waitFor();
      await total(1).waitFor();
      await rowOf(runA).waitFor();
      // The status filter: only the failed run.
      await page.getByTestId('filter-clear').click();
      await total(5).waitFor();
      await page.getByTestId('filter-status-FAILED').click();
      await total(1).waitFor();
      await rowOf(failed).waitFor();
      await page.getByTestId('filter-status-FAILED').click();
      await total(5).waitFor();
    });

    await phase('choose columns: kept across a reload', async () => {
      await page.getByTestId('btn-columns').click();
      await page.getByTestId('column-chooser').waitFor();
      await page.getByTestId('column-chooser').getByRole('button', { name: 'None' }).click();
      await page.getByTestId('column-metrics.final_rmse').check();
      await page.getByTestId('column-params.alpha').check();
      await page.getByTestId('column-tags.mlflow.project.entryPoint').check();
      await screenshot(page, 'history-01b-columns');
      await page.getByTestId('columns-apply').click();
      await page.getByTestId('th-tags.mlflow.project.entryPoint').waitFor();
      assert.equal(await page.getByTestId('th-metrics.rmse').count(), 0);
      await page.reload();
      await page.getByTestId('app-ready').waitFor();
      await page.getByTestId('th-tags.mlflow.project.entryPoint').waitFor();
      await total(5).waitFor();
      assert.equal(await page.getByTestId('th-metrics.rmse').count(), 0);
      assert.equal(
        await rowOf(runA).locator('[data-col="tags.mlflow.project.entryPoint"]').textContent(),
        'train',
      );
    });

    await phase('sorting by a metric column orders the rows', async () => {
      await page.getByTestId('th-metrics.final_rmse').click();
      await waitUntil(
        () => decodeURIComponent(page.url()).includes('sort=metrics.final_rmse'),
        'the sort in the URL',
      );
      const sorted = async (): Promise<string[]> =>
        page.locator(byTestId('run-row')).evaluateAll((els) =>
          (els as unknown as ElementLike[])
            .map((e) => ({ top: parseFloat(e.style.top), id: e.getAttribute('data-run-id') ?? '' }))
            .sort((a, b) => a.top - b.top)
            .map((x) => x.id),
        );
      // final_rmse: the workflow's train 0.263, A (alpha 0.1) 0.256, B (alpha 0.7) 0.047; runs without it last.
      const order = async (): Promise<string> => {
        const ids = await sorted();
        return [ids.indexOf(runA), ids.indexOf(runB), ids.indexOf(failed)].join(',');
      };
      await waitUntil(
        async () => (await order()) === '1,2,4',
        'descending: A second, B third, the failed run (no metric) last',
      );
      await page.getByTestId('th-metrics.final_rmse').click();
      await waitUntil(
        async () => (await order()) === '1,0,4',
        'ascending: B first, A second, the failed run still last',
      );
    });

    await phase('open a run: command, params, metrics, lineage-free, exit code', async () => {
      await filterBy("params.alpha = '0.1'");
      await total(1).waitFor();
      // By keyboard: the table is one tab stop; Home makes the first row active, Enter opens it.
      await rowOf(runA).waitFor();
      await page.getByTestId('runs-table').focus();
      await page.keyboard.press('Home');
      await page.locator(`${byTestId('run-row')}.active[data-run-id="${runA}"]`).waitFor();
      await page.keyboard.press('Enter');
      const detail = page.locator(`${byTestId('run-detail')}[data-run-id="${runA}"]`);
      await detail.waitFor();
      assert.match(page.url(), new RegExp(`#/runs/${runA}$`));
      assert.match(
        (await page.getByTestId('run-command').textContent()) ?? '',
        /python train\.py --alpha 0\.1 --epochs 30/,
      );
      assert.equal(await page.getByTestId('param-alpha').textContent(), '0.1');
      assert.match((await page.getByTestId('run-exit-code').textContent()) ?? '', /exit code 0/);
      const run = await host.call('runs.get', { runId: runA });
      assert.equal(await page.getByTestId('run-name').textContent(), run.run_name);
      await screenshot(page, 'history-03-run');
    });

    await phase('the metric chart draws every point', async () => {
      await page.getByTestId('run-tab-metrics').click();
      const chart = page.locator(`${byTestId('metric-chart-rmse')}[data-drawn="1"]`);
      await chart.waitFor();
      assert.equal(await chart.getAttribute('data-points'), '30');
      assert.equal(await chart.getAttribute('data-total'), '30');
      // The canvas holds a drawn line: some pixels differ from the first one.
      const painted = await chart
        .locator('canvas')
        .first()
        .evaluate((c) => {
          const canvas = c as unknown as CanvasLike;
          const ctx = canvas.getContext('2d');
          if (!ctx) return 0;
          const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) if ((d[i + 3] ?? 0) > 0) n++;
          return n;
        });
      assert.ok(painted > 200, `the chart canvas has ${painted} painted pixels`);
      // Hover: the legend shows the value under the cursor.
      const box = await chart.locator('.u-over').boundingBox();
      assert.ok(box);
      await page.mouse.move(box.x + 2, box.y + box.height / 2);
      await waitUntil(
        async () =>
          /1(\.0+)?\b/.test((await chart.locator('.u-legend .u-series').nth(1).textContent()) ?? ''),
        'the legend to show step 0 (loss 1)',
      );
      await screenshot(page, 'history-04-metrics');
    });

    await phase('the log: coloured lines, search jumps to the line', async () => {
      await page.getByTestId('run-tab-logs').click();
      await page.getByTestId('run-logs').waitFor();
      await page.locator(byTestId('run-log-line'), { hasText: 'done' }).waitFor();
      const green = page.locator(byTestId('run-log-line'), { hasText: 'epoch 3 ' }).locator('span').first();
      assert.match((await green.getAttribute('style')) ?? '', /color/);
      await page.getByTestId('log-search-input').fill('epoch 17 ');
      await page.getByTestId('log-search-go').click();
      const hit = page.getByTestId('log-hit');
      await hit.first().waitFor();
      assert.equal(await hit.count(), 1);
      assert.match((await hit.first().textContent()) ?? '', /^18epoch 17 loss=/);
      await hit.first().click();
      await page.locator('.h-log-hit', { hasText: 'epoch 17 loss=' }).waitFor();
      await screenshot(page, 'history-05-logs');
    });

    await phase('artifacts: a lazy folder, a text preview, an image preview', async () => {
      await page.getByTestId('run-tab-artifacts').click();
      await page.getByTestId('artifact-model').click();
      await page.getByTestId('artifact-model/summary.txt').click();
      await page.locator(byTestId('artifact-preview'), { hasText: 'alpha=0.1' }).waitFor();
      await page.getByTestId('artifact-plot.png').click();
      await page.locator(`${byTestId('artifact-preview')} img[src^="data:image/png"]`).waitFor();
      // The web host cannot open a file manager: the path is shown to copy instead.
      await page.getByTestId('btn-open-folder').click();
      await page.getByTestId('artifact-path').waitFor();
      await screenshot(page, 'history-06-artifacts');
    });

    await phase('compare two runs with only the differences', async () => {
      await page.getByTestId('nav-runs').click();
      await page.getByTestId('filter-clear').click();
      await total(5).waitFor();
      await page.getByTestId(`select-${runA}`).check();
      await page.getByTestId(`select-${runB}`).check();
      await page.getByTestId('btn-compare').click();
      await page.getByTestId('compare-view').waitFor();
      await page.getByTestId('compare-param-alpha').waitFor();
      assert.equal(
        await page.getByTestId('compare-param-epochs').count(),
        0,
        'epochs is the same in both: hidden',
      );
      const alpha = await page.getByTestId('compare-param-alpha').locator('td').allTextContents();
      assert.deepEqual(alpha, ['alpha', '0.1', '0.7']);
      // Deltas against the first run.
      const final = await page.getByTestId('compare-metric-final_rmse').locator('td').nth(2).textContent();
      assert.match(final ?? '', /-0\.\d+ \(-\d+\.\d%\)/);
      await page.locator(`${byTestId('compare-chart-rmse')}[data-drawn="1"]`).waitFor();
      assert.equal(await page.getByTestId('compare-chart-rmse').getAttribute('data-points'), '60');
      await screenshot(page, 'history-07-compare');
      await page.getByTestId('only-differences').uncheck();
      await page.getByTestId('compare-param-epochs').waitFor();
    });

    let rerunId = '';
    await phase('rerun with an edited param: a bad value is refused, a good one runs', async () => {
      await page.goto(`${host.origin}/#/runs/${runA}`);
      await page.getByTestId('btn-run-rerun-edit').click();
      const dialog = page.getByTestId('rerun-dialog');
      await dialog.waitFor();
      const alpha = page.getByTestId('rerun-param-alpha');
      assert.equal(await alpha.inputValue(), '0.1');
      await alpha.fill('abc');
      await page.getByTestId('rerun-param-alpha-error').waitFor();
      assert.ok(await page.getByTestId('rerun-submit').isDisabled());
      await screenshot(page, 'history-08-rerun-refused');
      await alpha.fill('0.25');
      await page.getByTestId('rerun-param-alpha-error').waitFor({ state: 'detached' });
      await page.getByTestId('rerun-submit').click();
      await waitUntil(() => {
        const m = /#\/runs\/([0-9a-f]+)$/.exec(page.url());
        return m && m[1] !== runA ? (rerunId = m[1] ?? '') : null;
      }, 'the new run page');
      await page
        .locator(`${byTestId('run-detail')}[data-run-id="${rerunId}"][data-status="finished"]`)
        .waitFor({ timeout: RUN_TIMEOUT });
      const run: RunDto = await host.call('runs.get', { runId: rerunId });
      assert.equal(run.params.alpha, '0.25');
      assert.equal(run.params.epochs, '30');
      await page.getByTestId('nav-runs').click();
      await total(6).waitFor();
      await filterBy("params.alpha = '0.25'");
      await total(1).waitFor();
      await rowOf(rerunId).waitFor();
      assert.equal(await rowOf(rerunId).locator('[data-col="params.alpha"]').textContent(), '0.25');
      await screenshot(page, 'history-09-rerun-in-table');
    });

    await phase(
      'rerun with edits → open in editor: the step lands on the canvas with those values',
      async () => {
        await page.goto(`${host.origin}/#/runs/${runA}`);
        await page.getByTestId('btn-run-rerun-edit').click();
        await page.getByTestId('rerun-dialog').waitFor();
        await page.getByTestId('rerun-param-alpha').fill('0.4');
        await page.getByTestId('rerun-open-editor').click();
        await waitUntil(() => page.url().endsWith('#/editor') || null, 'the editor route');
        await page.getByTestId('step-title-train').waitFor();
        await page.getByTestId('step-inspector').waitFor();
        assert.equal(await page.getByTestId('param-alpha').inputValue(), '0.4');
        // epochs was its default (30): left unset, so the step follows the MLproject's default.
        assert.equal(await page.getByTestId('param-epochs').inputValue(), '');
        await screenshot(page, 'history-09b-rerun-in-editor');
        // Nothing ran: the step waits in the editor to be wired, saved and run.
        assert.equal((await host.call('runs.search', { limit: 1000 })).total, 6);
        await page.getByTestId('nav-history').click();
        await rowOf(rerunId).waitFor();
      },
    );

    await phase('housekeeping: rename, note, delete and restore', async () => {
      await rowOf(rerunId).click();
      await page.getByTestId('btn-rename').click();
      await page.getByTestId('rename-input').fill('');
      await page.getByTestId('rename-input').press('Enter');
      await page.getByTestId('rename-error').waitFor(); // an empty name is refused
      await page.getByTestId('rename-input').fill('alpha-quarter');
      await page.getByTestId('rename-input').press('Enter');
      await page.locator(byTestId('run-name'), { hasText: 'alpha-quarter' }).waitFor();
      await page.getByTestId('btn-edit-note').click();
      await page.getByTestId('note-input').fill('smaller alpha, slower descent');
      await page.getByTestId('btn-save-note').click();
      await page.locator(byTestId('note-text'), { hasText: 'smaller alpha' }).waitFor();
      const run = await host.call('runs.get', { runId: rerunId });
      assert.equal(run.run_name, 'alpha-quarter');
      assert.equal(run.tags['mlflow.note.content'], 'smaller alpha, slower descent');
      // A name too long for its column is cut with an ellipsis that fits the cell (the table's cells
      // don't clip: lib/fit-text.ts measures), the whole name in the tooltip.
      const long = `alpha-quarter ${'with a very long descriptive suffix '.repeat(3)}end`;
      await page.getByTestId('btn-rename').click();
      await page.getByTestId('rename-input').fill(long);
      await page.getByTestId('rename-input').press('Enter');
      await page.locator(byTestId('run-name'), { hasText: 'descriptive suffix' }).waitFor();
      await page.getByTestId('nav-history').click();
      const link = rowOf(rerunId).locator('[data-col="name"] a');
      await link.waitFor();
      const fit = await page.evaluate<{ text: string; title: string; width: number; room: number }>(`(() => {
        const a = document.querySelector('[data-run-id="${rerunId}"] [data-col="name"] a');
        const cell = a.parentElement;
        const cs = getComputedStyle(cell);
        const room = cell.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
        return { text: a.textContent, title: a.title, width: a.getBoundingClientRect().width, room };
      })()`);
      assert.ok(fit.text.endsWith('…') && long.startsWith(fit.text.slice(0, -1).trimEnd()), fit.text);
      assert.ok(fit.width <= fit.room + 0.5, `the cut name (${fit.width} px) fits its cell (${fit.room} px)`);
      assert.ok(fit.title.includes(long), fit.title);
      // Short ASCII texts skip the measure (lib/fit-text.ts): no printable ASCII glyph of the cells'
      // fonts is wider than the 1.25 em it assumes.
      const widest = await page.evaluate<number>(`(() => {
        const ctx = document.createElement('canvas').getContext('2d');
        const root = getComputedStyle(document.documentElement);
        let max = 0;
        for (const font of ['12px ' + root.getPropertyValue('--font'), '600 12px ' + root.getPropertyValue('--font'), '12px ' + root.getPropertyValue('--mono')]) {
          ctx.font = font;
          for (let c = 0x20; c < 0x7f; c++) max = Math.max(max, ctx.measureText(String.fromCharCode(c)).width / 12);
        }
        return max;
      })()`);
      assert.ok(widest > 0.5 && widest <= 1.25, `the widest ASCII glyph is ${widest} em`);
      // A row's cells are HTML made from the run (features/history/run-rows.ts): markup in a name is
      // shown as text, never parsed.
      const markup = `<img src=x onerror="document.title='pwned'"> & "quoted" <b>bold</b>`;
      await rowOf(rerunId).click();
      await page.getByTestId('btn-rename').click();
      await page.getByTestId('rename-input').fill(markup);
      await page.getByTestId('rename-input').press('Enter');
      await page.locator(byTestId('run-name'), { hasText: 'quoted' }).waitFor();
      await page.getByTestId('nav-history').click();
      await link.waitFor();
      const shown = await page.evaluate<{
        text: string;
        title: string;
        label: string;
        elements: number;
        pageTitle: string;
      }>(`(() => {
        const row = document.querySelector('[data-run-id="${rerunId}"]');
        const a = row.querySelector('[data-col="name"] a');
        return { text: a.textContent, title: a.title, label: row.querySelector('input').getAttribute('aria-label'),
          elements: row.querySelectorAll('img, b').length, pageTitle: document.title };
      })()`);
      assert.equal(shown.elements, 0, 'no element made from the name');
      assert.ok(markup.startsWith(shown.text.replace(/…$/, '').trimEnd()), shown.text);
      assert.ok(shown.title.includes(markup), shown.title);
      assert.equal(shown.label, `Select ${markup}`);
      assert.notEqual(shown.pageTitle, 'pwned');
      await rowOf(rerunId).click();
      await page.getByTestId('btn-rename').click();
      await page.getByTestId('rename-input').fill('alpha-quarter');
      await page.getByTestId('rename-input').press('Enter');
      await page.locator(byTestId('run-name'), { hasText: /^alpha-quarter$/ }).waitFor();
      await page.getByTestId('btn-run-delete').click();
      await page.getByTestId('confirm-ok').click();
      await page.getByTestId('run-deleted').waitFor();
      assert.equal((await host.call('runs.get', { runId: rerunId })).lifecycle_stage, 'deleted');
      await screenshot(page, 'history-10-deleted');
      await page.getByTestId('btn-run-restore').click();
      await page.getByTestId('confirm-ok').click();
      await page.getByTestId('run-deleted').waitFor({ state: 'detached' });
      assert.equal((await host.call('runs.get', { runId: rerunId })).lifecycle_stage, 'active');
    });

    await phase('a workflow run as a read-only snapshot, and two compared step by step', async () => {
      await page.getByTestId('nav-workflow-runs').click();
      await page.getByTestId(`workflow-run-link-${wf1}`).waitFor();
      await screenshot(page, 'history-13-workflow-runs');
      await page.getByTestId(`workflow-run-link-${wf1}`).click();
      const view = page.locator(`${byTestId('workflow-run-view')}[data-workflow-run-id="${wf1}"]`);
      await view.waitFor();
      await page.locator(`${byTestId('snap-node-prepare')}[data-status="finished"]`).waitFor();
      await page.locator(`${byTestId('snap-node-train')}[data-status="finished"]`).waitFor();
      // The data edge prepare.run_id → train.data is drawn.
      const edge = page
        .locator(`${byTestId('workflow-snapshot')} ${byTestId('rf__edge-d:prepare.run_id>train.data')} path`)
        .first();
      await edge.waitFor({ state: 'attached' });
      assert.match((await edge.getAttribute('d')) ?? '', /^M/);
      await screenshot(page, 'history-11-workflow-snapshot');
      // Run from "train": prepare is reused, train runs again.
      await page.getByTestId('btn-wr-from').click();
      await page.getByTestId('from-step-select').selectOption('train');
      await page.getByTestId('from-step-run').click();
      let wf2 = '';
      await waitUntil(() => {
        const m = /#\/workflow-runs\/([0-9a-f]+)$/.exec(page.url());
        return m && m[1] !== wf1 ? (wf2 = m[1] ?? '') : null;
      }, 'the new workflow run page');
      await page
        .locator(`${byTestId('workflow-run-view')}[data-workflow-run-id="${wf2}"][data-status="finished"]`)
        .waitFor({ timeout: RUN_TIMEOUT });
      await page.locator(`${byTestId('snap-node-train')}[data-status="finished"]`).waitFor();
      await page.goto(`${host.origin}/#/workflow-runs/compare?a=${wf1}&b=${wf2}`);
      await page.getByTestId('workflow-diff').waitFor();
      const prepareRow = await page.getByTestId('wf-diff-prepare').textContent();
      const trainRow = await page.getByTestId('wf-diff-train').textContent();
      assert.match(prepareRow ?? '', /same run/);
      assert.match(trainRow ?? '', /ran it again/);
      await screenshot(page, 'history-12-workflow-diff');
      // A reused step's run opens as seen from the workflow run that reused it: which step, why.
      await page.goto(`${host.origin}/#/workflow-runs/${wf2}`);
      await page.getByTestId('snap-run-prepare').click();
      const reused = page.getByTestId('run-cache-reused');
      await reused.waitFor();
      assert.equal(new URL(page.url()).hash.split('?from=')[1], wf2);
      const reusedText = (await reused.textContent()) ?? '';
      assert.match(
        reusedText,
        new RegExp(`^Step prepare of workflow run ${wf2.slice(0, 8)} reused this run`),
      );
      assert.match(reusedText, /: Reused run [0-9a-f]{32} from workflow run [0-9a-f]{32}/);
      await screenshot(page, 'history-14-run-reused');
      // A step's run link leads to its run page.
      await page.goto(`${host.origin}/#/workflow-runs/${wf1}`);
      await page.getByTestId('snap-run-train').click();
      await page.getByTestId('run-detail').waitFor();
      await page.getByTestId('run-lineage').locator('a').first().waitFor();
    });

    await phase('links to runs that do not exist say so', async () => {
      await page.goto(`${host.origin}/#/runs/deadbeefdeadbeef`);
      const err = page.getByTestId('run-detail-error');
      await err.waitFor();
      assert.match((await err.textContent()) ?? '', /deadbeefdeadbeef/);
      await page.goto(`${host.origin}/#/workflow-runs/deadbeefdeadbeef`);
      await page.getByTestId('workflow-run-error').waitFor();
      await page.goto(`${host.origin}/#/compare?runs=${runA}`);
      await page.locator(byTestId('compare-view'), { hasText: 'at least two runs' }).waitFor();
    });

    assert.deepEqual(app.pageErrors, []);
  });

  /**
   * Opened straight on the runs table, main.tsx draws the first page's rows before React has loaded
   * (features/history/first-paint.ts). Held there (the app's chunk is not answered yet), every
   * element of that first paint must be where React then draws the same element, with the same
   * classes, size and text: the page must not move or change when React takes over.
   */
  test('the rows drawn before React are where and as React draws them', async () => {
    const keys = await host.call('runs.columns', {});
    const chosen = [`metrics.${keys.metrics[0]}`, `params.${keys.params[0]}`];
    // Each element under the app: a path of tags, classes and row/column ids → place and own text.
    const SIGNATURE = `(() => {
      const app = document.querySelector('#root > .app');
      const out = {};
      const walk = (el, path) => {
        const seen = new Map();
        for (const c of el.children) {
          if (c.classList.contains('toasts')) continue;
          let key = c.tagName.toLowerCase() + [...c.classList].sort().map((x) => '.' + x).join('');
          if (c.dataset.col) key += '[' + c.dataset.col + ']';
          if (c.dataset.index) key += '#' + c.dataset.index;
          const n = seen.get(key) || 0;
          seen.set(key, n + 1);
          const p = path + '/' + key + (n ? ':' + n : '');
          const r = c.getBoundingClientRect();
          const own = [...c.childNodes].filter((x) => x.nodeType === 3).map((x) => x.textContent).join('').trim();
          // Rows, the header and the table's body are as wide as all the columns, which grow when React learns the keys.
          const wide = c.matches('.h-row, .h-head, .h-spacer');
          out[p] = { x: Math.round(r.x * 2) / 2, y: Math.round(r.y * 2) / 2, w: wide ? null : Math.round(r.width * 2) / 2, h: Math.round(r.height * 2) / 2, text: c.tagName === 'SELECT' ? '' : own };
          walk(c, p);
        }
      };
      walk(app, '');
      return out;
    })()`;
    for (const columns of [null, chosen]) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      try {
        const page = await context.newPage();
        if (columns)
          await page.addInitScript({
            content: `localStorage.setItem('baton.history.columns', ${JSON.stringify(JSON.stringify(columns))})`,
          });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        let release = (): void => undefined;
        const held = new Promise<void>((r) => (release = r));
        await page.route(/\/assets\/start-app-[^/]*\.js$/, async (route) => {
          await held;
          await route.continue();
        });
        await page.goto(`${host.url}#/runs`);
        await page.locator('[data-first-paint] .h-row').first().waitFor();
        const before =
          await page.evaluate<
            Record<string, { x: number; y: number; w: number | null; h: number; text: string }>
          >(SIGNATURE);
        assert.equal(
          await page.locator('[data-first-paint]').getAttribute('inert'),
          '',
          'the first paint takes no input',
        );
        assert.equal(await page.getByTestId('run-row').count(), 0, 'nothing to find before React');
        if (!columns) await screenshot(page, 'history-00-first-paint');
        const rowsBefore = Object.keys(before).filter((k) => /\/div\.h-row[^/]*#\d+$/.test(k));
        assert.ok(rowsBefore.length >= 5, `the first paint has the rows: ${rowsBefore.join(', ')}`);
        if (columns)
          assert.ok(
            Object.keys(before).some((k) => k.includes(`[${chosen[0]}]`)),
            'the chosen columns are drawn',
          );
        release();
        await page.getByTestId('app-ready').waitFor({ timeout: 60_000 });
        await page.getByTestId('run-row').first().waitFor();
        assert.equal(await page.locator('[data-first-paint]').count(), 0, 'React replaced the first paint');
        const after = await page.evaluate<typeof before>(SIGNATURE);
        const moved = Object.entries(before)
          .filter(([k, v]) => JSON.stringify(after[k]) !== JSON.stringify(v))
          .map(([k, v]) => `${k}: ${JSON.stringify(v)} → ${JSON.stringify(after[k])}`);
        assert.deepEqual(moved, [], 'every element of the first paint is where React draws it');
        // And React draws nothing the first paint left out, but for what React learns later: rows past
        // the first window, the columns of keys (when none were chosen), the filter lists' options.
        const cols = new Set(
          Object.keys(before).flatMap((k) => [...k.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1])),
        );
        const missing = Object.keys(after).filter((k) => {
          if (k in before || /\/option/.test(k)) return false;
          const row = /#(\d+)/.exec(k);
          if (row && Number(row[1]) >= rowsBefore.length) return false;
          const col = /\[([^\]]+)\]/.exec(k);
          return !(col && !cols.has(col[1]) && !columns);
        });
        assert.deepEqual(missing, [], 'React draws nothing the first paint lacks');
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
      }
    }
  });

  // Its answer arrives after React has drawn the table: paintFirstRows finds the root taken, and
  // main.tsx paints nothing once React has started (reactStarted), even before its first commit.
  test('a first page slower than React: React draws it, with no first paint before', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      // Records whether a first paint was ever in the document, from the page's first script on.
      await page.addInitScript({
        content: `window.__firstPaint = false; new MutationObserver(() => { if (document.querySelector('[data-first-paint]')) window.__firstPaint = true; }).observe(document, { childList: true, subtree: true });`,
      });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // The first search answers after React's wait for it (250 ms, main.tsx) is over.
      let first = true;
      await page.route(/\/api\/runs\.search$/, async (route) => {
        if (first) {
          first = false;
          await new Promise((r) => setTimeout(r, 1500));
        }
        await route.continue();
      });
      await page.goto(`${host.url}#/runs`);
      await page.getByTestId('run-row').first().waitFor({ timeout: 60_000 });
      await page.getByTestId('app-ready').waitFor({ timeout: 60_000 });
      assert.equal(
        await page.evaluate<boolean>('window.__firstPaint'),
        false,
        'no first paint once React has started',
      );
      assert.ok((await page.getByTestId('run-row').count()) > 0);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
