/**
 * The history screens' pure modules and the runs table's page cache: routes (the URL hash) parse
 * and format back, column and sort terms quote keys as MLflow's languages want, and RunPages
 * fetches pages of `runs.search` from a real engine on demand (the same Api seam both hosts use):
 * only the pages wanted, at most two at a time, stale answers dropped, errors kept for the filter bar.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { MethodInput, MethodName, MethodOutput } from '../../../common/api/contract.js';
import { callApi } from '../../../renderer/src/features/history/call.js';
import type { Call } from '../../../renderer/src/features/history/call.js';
import {
  formatSort,
  keyTerm,
  nextSort,
  parseSort,
  searchInput,
  splitColumn,
  storedColumns,
} from '../../../renderer/src/features/history/columns.js';
import { EMPTY_QUERY, formatRoute, parseHash } from '../../../renderer/src/features/history/route.js';
import type { Route } from '../../../renderer/src/features/history/route.js';
import { PAGE_SIZE, RunPages, prefetchFirstPage, rowAt } from '../../../renderer/src/features/history/run-pages.js';
import type { PagesSnapshot } from '../../../renderer/src/features/history/run-pages.js';
import {
  BLOCK,
  BUILT_IN,
  OVERSCAN,
  ROW_H,
  blockAt,
  cellHtml,
  esc,
  keyColumn,
  rowHtml,
  rowWindow,
  windowCovers,
} from '../../../renderer/src/features/history/run-rows.js';
import { canPaintFirst, paintFirstRows } from '../../../renderer/src/features/history/first-paint.js';
import type { RunRowDto } from '../../../common/api/schemas.js';
import { formatCount } from '../../../renderer/src/lib/format.js';
import { engineApi, waitFor } from './helpers.js';
import type { EngineApi } from './helpers.js';

describe('history routes', () => {
  const id = 'a'.repeat(32);
  test('every route formats to a hash that parses back to it', () => {
    const routes: Route[] = [
      { view: 'editor' },
      { view: 'runs', query: EMPTY_QUERY },
      {
        view: 'runs',
        query: {
          filter: "metrics.rmse < 0.8 and params.alpha = '0.1'",
          statuses: ['FAILED', 'KILLED'],
          experimentIds: ['1', '2'],
          workflowName: 'my flow & more',
          after: 1_700_000_000_000,
          before: 1_800_000_000_000,
          sort: 'metrics.`a b` ASC',
          viewType: 'ALL',
        },
      },
      { view: 'run', runId: id, tab: 'overview' },
      { view: 'run', runId: id, tab: 'logs' },
      { view: 'run', runId: id, tab: 'overview', from: 'd'.repeat(32) },
      { view: 'run', runId: id, tab: 'metrics', from: 'd'.repeat(32) },
      { view: 'compare', runIds: [id, 'b'.repeat(32)] },
      { view: 'workflowRuns' },
      { view: 'workflowRun', workflowRunId: id },
      { view: 'workflowCompare', a: id, b: 'c'.repeat(32) },
    ];
    for (const r of routes) assert.deepEqual(parseHash(formatRoute(r)), r, formatRoute(r));
  });

  test('junk in the hash falls back to a sensible screen', () => {
    assert.deepEqual(parseHash(''), { view: 'editor' });
    assert.deepEqual(parseHash('#/nowhere'), { view: 'editor' });
    assert.equal(parseHash('#/runs/not-an-id').view, 'runs');
    assert.deepEqual(parseHash(`#/runs/${id}/bogus`), { view: 'run', runId: id, tab: 'overview' });
    // A workflow run to see the run from that is not an id is dropped, not passed to the engine.
    assert.deepEqual(parseHash(`#/runs/${id}/logs?from=../x`), { view: 'run', runId: id, tab: 'logs' });
    assert.deepEqual(
      parseHash('#/runs?status=FINISHED,NOPE&view=WHAT').view === 'runs' &&
        parseHash('#/runs?status=FINISHED,NOPE&view=WHAT'),
      {
        view: 'runs',
        query: { ...EMPTY_QUERY, statuses: ['FINISHED'] },
      },
    );
    assert.deepEqual(parseHash('#/compare?runs=xyz,' + id), { view: 'compare', runIds: [id] });
    assert.deepEqual(parseHash('#/workflow-runs/compare?a=1'), { view: 'workflowRuns' });
  });
});

describe('history columns', () => {
  test('keys are quoted when MLflow needs it', () => {
    assert.equal(keyTerm('metrics', 'rmse'), 'metrics.rmse');
    assert.equal(keyTerm('tags', 'mlflow.runName'), 'tags.mlflow.runName');
    assert.equal(keyTerm('params', 'learning rate'), 'params.`learning rate`');
    assert.equal(keyTerm('params', 'a`b'), 'params.`a``b`');
    assert.deepEqual(splitColumn('metrics.val.loss'), { kind: 'metrics', key: 'val.loss' });
    assert.equal(splitColumn('attributes.x'), null);
  });

  test('sorting: a new column starts descending for numbers, ascending for text; the same column flips', () => {
    assert.equal(nextSort('start_time DESC', 'metrics.rmse', true), 'metrics.rmse DESC');
    assert.equal(nextSort('start_time DESC', 'run_name', false), 'run_name ASC');
    assert.equal(nextSort('metrics.rmse DESC', 'metrics.rmse', true), 'metrics.rmse ASC');
    assert.deepEqual(parseSort('params.`a b` DESC'), { column: 'params.`a b`', ascending: false });
    assert.equal(formatSort(parseSort('x asc')), 'x ASC');
  });

  test('the search input carries only what the query sets', () => {
    assert.deepEqual(searchInput(EMPTY_QUERY), { orderBy: ['start_time DESC'] });
    assert.deepEqual(
      searchInput({
        ...EMPTY_QUERY,
        filter: '  metrics.a > 1 ',
        statuses: ['FAILED'],
        after: 5,
        viewType: 'DELETED_ONLY',
      }),
      {
        orderBy: ['start_time DESC'],
        filter: 'metrics.a > 1',
        statuses: ['FAILED'],
        startedAfter: 5,
        viewType: 'DELETED_ONLY',
      },
    );
  });
});

describe("the runs table's row markup", () => {
  const run = (over: Partial<RunRowDto> = {}): RunRowDto => ({
    run_id: 'b'.repeat(32),
    experiment_id: '1',
    run_name: 'train-7',
    status: 'FINISHED',
    start_time: 1_700_000_000_000,
    end_time: 1_700_000_065_000,
    lifecycle_stage: 'active',
    project_dir: '/p',
    entry_point: 'train',
    command: 'python train.py',
    exit_code: 0,
    params: { alpha: '0.5' },
    metrics: { rmse: 0.12345678 },
    tags: {},
    artifact_uri: 'file:///a',
    artifact_dir: '/a',
    workflow_run_id: null,
    step_name: null,
    experiment_name: 'baseline',
    workflow_name: null,
    ...over,
  });
  const columns = [...BUILT_IN, keyColumn('metrics.rmse')!, keyColumn('params.alpha')!, keyColumn('tags.t')!];

  test('esc escapes what HTML text and double-quoted attributes need', () => {
    assert.equal(esc(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    assert.equal(esc('plain 1.5 ✓'), 'plain 1.5 ✓');
  });

  test('a row has the selection cell, then one cell per column with its width, in order', () => {
    const html = rowHtml(run(), columns, Date.now(), false);
    const cols = [...html.matchAll(/data-col="([^"]*)" style="width: (\d+)px;"/g)].map((m) => [m[1], Number(m[2])]);
    assert.deepEqual(cols, columns.map((c) => [c.id, c.width]));
    assert.ok(html.startsWith('<span class="h-cell h-sel" role="gridcell"><input type="checkbox" tabindex="-1"'), html);
    assert.ok(html.includes(`aria-label="Select train-7"></span>`));
    assert.ok(html.includes('<span class="badge badge-finished" data-status="finished">finished</span>'));
    assert.ok(html.includes(`href="#/runs/${'b'.repeat(32)}"`), html);
    assert.ok(html.includes('>1m 5s<'), 'the duration');
    assert.ok(html.includes('<span class="mono">0.1235</span>'), 'the metric, formatted');
    assert.ok(html.includes('<span class="mono">0.5</span>'), 'the param');
    assert.ok(html.includes('data-col="tags.t" style="width: 110px;"></span>'), 'a missing tag is an empty cell');
    assert.ok(!html.includes(' checked'));
    assert.ok(rowHtml(run(), columns, 0, true).includes('<input type="checkbox" checked'));
  });

  test('statuses, deleted runs and runs without a name', () => {
    assert.ok(rowHtml(run({ status: 'SCHEDULED' }), BUILT_IN, 0, false).includes('badge-scheduled'));
    const deleted = rowHtml(run({ lifecycle_stage: 'deleted', run_name: '' }), BUILT_IN, 0, false);
    assert.ok(deleted.includes('>bbbbbbbb<span class="h-deleted-tag">deleted</span></a>'), deleted);
    const running = rowHtml(run({ status: 'RUNNING', end_time: null }), BUILT_IN, 1_700_000_003_000, false);
    assert.ok(running.includes('>3.0s<'), 'a running run counts up to now');
  });

  test('values from the run are escaped everywhere they appear', () => {
    const evil = `<img src=x onerror="alert(1)">'&`;
    const html = rowHtml(
      run({
        run_name: evil,
        run_id: `x"><script>`,
        experiment_name: evil,
        entry_point: evil,
        step_name: evil,
        workflow_name: evil,
        params: { alpha: evil },
        tags: { t: evil },
      }),
      columns,
      0,
      false,
    );
    assert.ok(!/<img|<script|onerror="/.test(html), html);
    assert.ok(html.includes('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;'), html);
    // Every attribute value is a closed double-quoted string without raw markup in it.
    for (const m of html.matchAll(/ ([a-z-]+)="([^"]*)"/g)) assert.ok(!/[<>]/.test(m[2]!), `${m[1]}="${m[2]}"`);
  });

  test('a cell is text or one element; its HTML escapes every value', () => {
    assert.equal(cellHtml('a < b'), 'a &lt; b');
    assert.equal(
      cellHtml({ tag: 'span', text: 'x"y', className: 'mono', title: '<t>' }),
      '<span class="mono" title="&lt;t&gt;">x&quot;y</span>',
    );
    assert.equal(cellHtml({ tag: 'span', text: 'ok' }), '<span>ok</span>');
    assert.equal(
      cellHtml({ tag: 'a', text: 'n', href: '#/runs/1', title: 'n (1)', deleted: true }),
      '<a class="h-runlink" href="#/runs/1" tabindex="-1" title="n (1)">n<span class="h-deleted-tag">deleted</span></a>',
    );
  });

  test('the first paint: the whole page as React first draws it, only for a query without filters', () => {
    const page = { total: 100_001, offset: 0, runs: Array.from({ length: 100 }, (_, i) => run({ run_id: `${i}`.padStart(32, '0'), run_name: `run-${i}` })) };
    // An element's two properties the first paint uses (its first child appears with the HTML).
    const root = {
      innerHTML: '',
      get firstChild(): object | null {
        return this.innerHTML ? {} : null;
      },
    };
    assert.ok(paintFirstRows(root, EMPTY_QUERY, page, 900, 0));
    const html = root.innerHTML;
    assert.ok(html.startsWith('<div class="app" data-first-paint="" inert="" aria-busy="true"><header class="toolbar">'), html.slice(0, 200));
    // The rows in view of a 900 px window before the table is measured (RunsView's first render).
    const rows = [...html.matchAll(/<div class="(h-row[^"]*)" style="top: (\d+)px; width: (\d+)px;" data-run-id="([^"]+)" data-index="(\d+)"/g)];
    assert.equal(rows.length, Math.ceil((900 - 150) / 28) + 1);
    assert.deepEqual(rows.slice(0, 2).map((m) => [m[1], Number(m[2]), m[5]]), [['h-row active', 0, '0'], ['h-row', 28, '1']]);
    const width = 34 + BUILT_IN.reduce((n, c) => n + c.width, 0);
    assert.equal(Number(rows[0]![3]), width);
    assert.ok(html.includes('>100,001 runs</span>'));
    assert.ok(html.includes(`style="height: ${100_001 * 28}px; width: ${width}px;"`));
    // The default sort (start_time DESC) marks its column.
    assert.ok(html.includes('<button class="h-cell h-th num sorted" title="Started: sort" data-col="start" aria-sort="descending" style="width: 162px;"><span class="h-th-label">Started</span><span class="h-sort">▼</span></button>'), 'the sorted column');
    assert.ok(!html.includes('data-testid'), 'nothing to find before React');
    // Already drawn, filtered, or nothing to show: nothing is written.
    assert.equal(paintFirstRows(root, EMPTY_QUERY, page, 900), false);
    const empty = { firstChild: null, innerHTML: '' };
    for (const q of [
      { ...EMPTY_QUERY, filter: 'metrics.x > 1' },
      { ...EMPTY_QUERY, statuses: ['FAILED' as const] },
      { ...EMPTY_QUERY, viewType: 'ALL' as const },
    ]) {
      assert.equal(canPaintFirst(q), false);
      assert.equal(paintFirstRows(empty, q, page, 900), false);
    }
    assert.equal(paintFirstRows(empty, EMPTY_QUERY, { total: 0, offset: 0, runs: [] }, 900), false);
    assert.equal(empty.innerHTML, '');
  });

  test('the chosen columns are read from storage, a broken value ignored', () => {
    const g = globalThis as { localStorage?: unknown };
    const store = new Map<string, string>();
    g.localStorage = { getItem: (k: string) => store.get(k) ?? null };
    try {
      assert.deepEqual(storedColumns(), { columns: [], chosen: false });
      store.set('baton.history.columns', JSON.stringify(['metrics.rmse', 'params.alpha']));
      assert.deepEqual(storedColumns(), { columns: ['metrics.rmse', 'params.alpha'], chosen: true });
      store.set('baton.history.columns', JSON.stringify(['rmse']));
      assert.deepEqual(storedColumns(), { columns: [], chosen: true });
      store.set('baton.history.columns', '{not json');
      assert.deepEqual(storedColumns(), { columns: [], chosen: false });
      g.localStorage = { getItem: () => { throw new Error('denied'); } };
      assert.deepEqual(storedColumns(), { columns: [], chosen: false });
    } finally {
      delete g.localStorage;
    }
  });

  test('counts are grouped by thousands', () => {
    assert.deepEqual(
      [0, 7, 999, 1000, 100_001, 1_234_567.5, -1234, Number.NaN].map(formatCount),
      ['0', '7', '999', '1,000', '100,001', '1,234,567.5', '-1,234', 'NaN'],
    );
  });
});

describe("the runs table's window", () => {
  const H = 620; // the body's height: 23 rows in view
  const TOTAL = 3000;

  test('the rows drawn: the block, the overscan on both sides and the rows in view; fewer before the first paint', () => {
    const w = rowWindow(20, H, TOTAL);
    assert.equal(w.first, 20 * BLOCK - OVERSCAN);
    assert.equal(w.last - w.first, w.size);
    assert.ok(w.size >= BLOCK + 2 * OVERSCAN + Math.ceil(H / ROW_H), `${w.size} slots`);
    assert.equal(rowWindow(20, H + 3, TOTAL).size, w.size, 'a few pixels more keep the same slots');
    assert.deepEqual(rowWindow(0, H, TOTAL, false), { first: 0, last: Math.ceil(H / ROW_H) + 1, size: w.size });
    assert.deepEqual(rowWindow(0, H, 5), { first: 0, last: 5, size: w.size }, 'a short table: its rows');
    const end = rowWindow(blockAt(TOTAL * ROW_H), H, TOTAL);
    assert.equal(end.last, TOTAL);
  });

  test('the block of a scroll position; its window holds the rows in view, one far off does not (a jump)', () => {
    assert.equal(blockAt(0), 0);
    assert.equal(blockAt(BLOCK * ROW_H - 1), 0);
    assert.equal(blockAt(BLOCK * ROW_H), 1);
    for (const top of [0, 1234, 50_000, TOTAL * ROW_H - H]) {
      const b = blockAt(top);
      assert.ok(windowCovers(b, top, H, TOTAL), `top ${top}`);
      // A 300 px wheel notch (~11 rows) stays within the overscan of the block before it.
      if (b > 0 && top + 300 < TOTAL * ROW_H - H) assert.ok(windowCovers(b, top + 300 - (top % (BLOCK * ROW_H)), H, TOTAL), `notch from ${top}`);
      assert.ok(!windowCovers(b + 20, top, H, TOTAL), `top ${top}: a window 20 blocks down`);
      if (b >= 20) assert.ok(!windowCovers(b - 20, top, H, TOTAL), `top ${top}: a window 20 blocks up`);
    }
    assert.ok(windowCovers(0, 0, H, 0), 'an empty table has nothing to draw');
  });
});

describe('RunPages against a real engine', () => {
  let env: EngineApi;
  const RUNS = 1050;
  let requests: { method: string; offset: number | undefined }[] = [];
  let call: Call;

  before(() => {
    env = engineApi();
    const store = env.engine.store;
    const exp = store.getOrCreateExperiment('pages').experiment_id;
    const t0 = Date.now() - RUNS * 1000;
    store.db.transaction(() => {
      for (let i = 0; i < RUNS; i++) {
        const runId = randomBytes(16).toString('hex');
        store.createRun({
          runId,
          experimentId: exp,
          runName: `run-${String(i).padStart(4, '0')}`,
          userId: 't',
          projectDir: '/p',
          entryPoint: 'main',
          command: 'true',
          artifactUri: 'file:///tmp/none',
          logPath: null,
          exitFile: null,
          params: { i: String(i) },
          tags: {},
          time: t0 + i * 1000,
        });
        store.markExternalRunning(runId, t0 + i * 1000);
        store.finishRun(runId, 'FINISHED', 0, t0 + i * 1000 + 10);
      }
    })();
    call = <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> => {
      requests.push({ method, offset: (input as { offset?: number }).offset });
      return callApi(env.api, method, input);
    };
  });
  after(() => env.close());

  const settle = (pages: RunPages, pred: (s: PagesSnapshot) => boolean): Promise<PagesSnapshot> =>
    waitFor('the pages', () => {
      const s = pages.getSnapshot();
      return pred(s) ? s : null;
    });

  test('the first page gives the total; scrolled-to pages are fetched, in order', async () => {
    requests = [];
    const pages = new RunPages(call);
    pages.setQuery({ orderBy: ['start_time DESC'] }, 'q1');
    const s = await settle(pages, (x) => x.total !== null);
    assert.equal(s.total, RUNS);
    assert.equal(rowAt(s, 0)?.run_name, 'run-1049');
    assert.equal(rowAt(s, PAGE_SIZE), undefined);
    pages.want(520, 560);
    const s2 = await settle(pages, (x) => rowAt(x, 560) !== undefined);
    assert.equal(rowAt(s2, 520)?.run_name, `run-${String(RUNS - 1 - 520).padStart(4, '0')}`);
    // The page in view first, then one page of look-ahead on each side.
    assert.deepEqual(
      requests.map((r) => r.offset),
      [0, 500, 400, 600],
    );
  });

  test('pages scrolled past before their turn are never asked for; a new query drops stale answers', async () => {
    requests = [];
    const pages = new RunPages(call);
    pages.setQuery({ orderBy: ['start_time DESC'] }, 'q1');
    await settle(pages, (x) => x.total !== null);
    // A fast scroll: many windows in a row, synchronously; only the last one's pages are fetched.
    for (let row = 100; row <= 1000; row += 100) pages.want(row, row + 40);
    await settle(pages, (x) => rowAt(x, 1040) !== undefined);
    const asked = requests.map((r) => r.offset ?? 0);
    // The first window's pages went out at once (two at a time); the ones in between never did.
    assert.deepEqual(
      asked.filter((o) => o >= 300 && o <= 800),
      [],
      `asked for ${asked.join(', ')}`,
    );
    assert.ok(asked.includes(1000));
    // The query changes while a page is on its way: its answer is not shown for the new query.
    pages.want(300, 340);
    pages.setQuery({ orderBy: ['start_time ASC'] }, 'q2');
    const s = await settle(pages, (x) => x.queryKey === 'q2' && rowAt(x, 300) !== undefined);
    assert.equal(rowAt(s, 0), undefined, 'page 0 of the new query was not asked for yet');
    assert.equal(rowAt(s, 300)?.run_name, 'run-0300');
  });

  test('the early first page: a table that mounts after it arrived starts with its rows, asks only for more', async () => {
    const input = { orderBy: ['start_time DESC'] };
    const key = JSON.stringify(input);
    requests = [];
    await prefetchFirstPage(call, input);
    assert.deepEqual(requests.map((r) => r.offset), [0]);
    const pages = new RunPages(call);
    assert.equal(pages.prime(input, key), true);
    // Synchronously there: the table's first render shows it.
    const s = pages.getSnapshot();
    assert.equal(s.queryKey, key);
    assert.equal(s.total, RUNS);
    assert.equal(rowAt(s, 0)?.run_name, 'run-1049');
    // The same query set by the table's effect keeps the rows; only the look-ahead page is asked for.
    pages.setQuery(input, key);
    assert.equal(pages.getSnapshot(), s);
    pages.want(0, 30);
    await settle(pages, (x) => rowAt(x, PAGE_SIZE) !== undefined);
    assert.deepEqual(requests.map((r) => r.offset), [0, PAGE_SIZE]);
    // Taken once: another table (or another query) asks anew.
    assert.equal(new RunPages(call).prime(input, key), false);
    await prefetchFirstPage(call, input);
    assert.equal(new RunPages(call).prime({ orderBy: ['start_time ASC'] }, 'other'), false);
  });

  test('the early first page not answered yet: the table takes the request in flight, not a second one', async () => {
    const input = { orderBy: ['run_name ASC'] };
    const key = JSON.stringify(input);
    requests = [];
    const answered = prefetchFirstPage(call, input);
    const pages = new RunPages(call);
    assert.equal(pages.prime(input, key), false, 'nothing to show yet');
    pages.setQuery(input, key);
    await answered;
    const s = await settle(pages, (x) => x.total !== null);
    assert.equal(rowAt(s, 0)?.run_name, 'run-0000');
    assert.deepEqual(requests.map((r) => r.offset), [0]);
  });

  test('a bad filter is kept as the error, with the engine code and position', async () => {
    const pages = new RunPages(call);
    pages.setQuery({ filter: 'metrics.rmse <<< 1' }, 'bad');
    const s = await settle(pages, (x) => x.error !== null);
    assert.equal(s.error?.code, 'FILTER_INVALID');
    assert.match(s.error?.message ?? '', /position \d+/);
    assert.equal(s.total, 0);
    // Fixing it clears the error.
    pages.setQuery({ filter: "params.i = '7'" }, 'good');
    const ok = await settle(pages, (x) => x.queryKey === 'good' && x.total !== null);
    assert.equal(ok.error, null);
    assert.equal(ok.total, 1);
  });
});
