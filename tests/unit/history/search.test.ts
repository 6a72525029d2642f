/**
 * runs.search and runs.columns through the API dispatcher, on a real engine and SQLite history
 * populated through the Store: the filter language (valid and invalid), every order key including
 * Baton's own (NULLs last, ties broken by start_time and run_id), offset paging and `total`, the
 * view types and each of the table's filters, and the query plans of the hot shapes.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { MethodName } from '../../../common/api/contract.js';
import type { Metric, RunStatus } from '../../../common/types.js';
import { createDispatcher, createHandlers } from '../../../main/api/handlers.js';
import { compileHistorySearch } from '../../../main/engine/store/search.js';
import { openEngine } from '../../helpers.js';

interface Fixture {
  exp: 'Default' | 'tuning';
  start: number | null;
  end?: { status: RunStatus; time: number };
  entry: string;
  params: Record<string, string>;
  tags?: Record<string, string>;
  metrics: Metric[];
  workflow?: { id: string; step: string };
  deleted?: boolean;
}

const m = (key: string, value: number, step = 0): Metric => ({ key, value, step, timestamp: 1 });
const WF1 = 'f1'.padEnd(32, '0');
const WF2 = 'f2'.padEnd(32, '0');

// Run ids sort a < b < … (hex of the letter's position).
const RUNS: Record<string, Fixture> = {
  a: { exp: 'Default', start: 1000, end: { status: 'FINISHED', time: 1500 }, entry: 'train', params: { alpha: '0.1' }, tags: { team: 'core' }, metrics: [m('rmse', 0.5)], workflow: { id: WF1, step: 'train' } },
  b: { exp: 'Default', start: 2000, end: { status: 'FAILED', time: 9000 }, entry: 'etl', params: { alpha: '0.2' }, metrics: [m('rmse', NaN)], workflow: { id: WF1, step: 'etl' } },
  c: { exp: 'tuning', start: 3000, end: { status: 'FINISHED', time: 3100 }, entry: 'train', params: { alpha: '0.1' }, tags: { team: 'ops' }, metrics: [m('rmse', 0.2)], workflow: { id: WF2, step: 'train' } },
  d: { exp: 'Default', start: null, entry: 'main', params: {}, metrics: [] },
  e: { exp: 'tuning', start: 5000, end: { status: 'FINISHED', time: 5500 }, entry: 'train', params: { alpha: '0.5' }, metrics: [m('rmse', 0.2)] },
  f: { exp: 'Default', start: 6000, end: { status: 'KILLED', time: 6010 }, entry: '', params: { alpha: '0.1' }, metrics: [m('rmse', 0.9)], deleted: true },
  g: { exp: 'Default', start: 7000, entry: 'train', params: { alpha: '0.1' }, metrics: [m('rmse', 0.1)] },
};
const idOf = (name: string): string => (name.charCodeAt(0) - 96).toString(16).padStart(32, '0');
const nameOf = new Map(Object.keys(RUNS).map((n) => [idOf(n), n]));
const NOW = 10_000;

const engine = openEngine();
after(() => engine.close());
const dispatch = createDispatcher(createHandlers(engine));
{
  const s = engine.store;
  const exps = { Default: s.getOrCreateExperiment('Default'), tuning: s.getOrCreateExperiment('tuning') };
  for (const [id, name] of [
    [WF1, 'train-eval'],
    [WF2, 'sweep'],
  ] as const) {
    s.createWorkflowRun({ id, name, file: '/w.yaml', yaml: 'name: x\n', inputs: {}, options: {}, parent: null, time: 1, supervisorPid: 1, supervisorStart: null, steps: [] });
  }
  for (const [name, r] of Object.entries(RUNS)) {
    const runId = idOf(name);
    s.createRun({
      runId,
      experimentId: exps[r.exp].experiment_id,
      runName: `run-${name}`,
      userId: 'u',
      projectDir: '/p',
      entryPoint: r.entry,
      command: 'true',
      artifactUri: `file:///art/${runId}`,
      logPath: null,
      exitFile: null,
      params: r.params,
      tags: { 'mlflow.runName': `run-${name}`, 'mlflow.project.entryPoint': r.entry, ...r.tags },
      workflowRunId: r.workflow?.id ?? null,
      stepName: r.workflow?.step ?? null,
      time: 1,
    });
    if (r.start !== null) s.markRunning(runId, { time: r.start, pid: 1, processStart: null, supervisorPid: 1, supervisorStart: null });
    if (r.metrics.length) s.logMetrics(runId, r.metrics);
    if (r.end) s.finishRun(runId, r.end.status, 0, r.end.time);
    if (r.deleted) s.setRunLifecycle(runId, 'deleted');
  }
}

async function call(method: MethodName, input: unknown) {
  return dispatch(method, input);
}
async function search(input: Record<string, unknown>): Promise<{ names: string[]; total: number; offset: number }> {
  const r = await call('runs.search', input);
  assert.ok(r.ok, JSON.stringify(r));
  const v = r.value as { runs: { run_id: string }[]; total: number; offset: number };
  return { names: v.runs.map((x) => nameOf.get(x.run_id) ?? x.run_id), total: v.total, offset: v.offset };
}
const names = async (input: Record<string, unknown>) => (await search(input)).names;
async function error(input: Record<string, unknown>): Promise<{ code: string; message: string; details?: unknown }> {
  const r = await call('runs.search', input);
  assert.ok(!r.ok, `expected an error for ${JSON.stringify(input)}`);
  return r.error;
}

describe('runs.search: filter language', () => {
  test('the issue example and every entity', async () => {
    assert.deepEqual(await names({ filter: "metrics.rmse < 0.8 and params.alpha = '0.1' and tags.mlflow.project.entryPoint = 'train'" }), ['g', 'c', 'a']);
    assert.deepEqual(await names({ filter: "tags.team = 'core'" }), ['a']);
    assert.deepEqual(await names({ filter: "attributes.status = 'FAILED'" }), ['b']);
    assert.deepEqual(await names({ filter: 'start_time >= 3000 AND start_time < 6000' }), ['e', 'c']);
    assert.deepEqual(await names({ filter: "params.alpha LIKE '0.%' AND metrics.rmse >= 0.2" }), ['e', 'c', 'a']);
    assert.deepEqual(await names({ filter: 'params.alpha IS NULL' }), ['d']);
    assert.deepEqual(await names({ filter: '  ' }), ['g', 'e', 'c', 'b', 'a', 'd']);
  });

  test('NaN never compares; a run without the metric never matches', async () => {
    assert.deepEqual(await names({ filter: 'metrics.rmse != 0.5' }), ['g', 'e', 'c', 'b']);
    assert.deepEqual(await names({ filter: 'metrics.rmse > -1' }), ['g', 'e', 'c', 'a']);
  });

  test('a bad expression is FILTER_INVALID with the position', async () => {
    for (const [filter, position] of [
      ['metrics.rmse <', 14],
      ["params.alpha < '0.1'", 13],
      ['metrics.rmse < 0.8 or params.a = 1', 19],
      ['nope.x = 1', 0],
      ["params.alpha = '0.1", 15],
    ] as const) {
      const e = await error({ filter });
      assert.equal(e.code, 'FILTER_INVALID', filter);
      assert.match(e.message, /^Invalid filter/, filter);
      assert.equal((e.details as { position: number }).position, position, `${filter}: ${e.message}`);
    }
  });

  test('a bad order_by is FILTER_INVALID naming it; Baton keys too', async () => {
    const e1 = await error({ orderBy: ['metrics.rmse SIDEWAYS'] });
    assert.equal(e1.code, 'FILTER_INVALID');
    assert.match(e1.message, /ASC or DESC/);
    const e2 = await error({ orderBy: ['duration', 'attributes.duration DESC'] });
    assert.equal(e2.code, 'FILTER_INVALID');
    assert.match(e2.message, /duplicate column duration/);
    const e3 = await error({ orderBy: ['metrics.a', 'metrics.a DESC'] });
    assert.match(e3.message, /duplicate column/);
    const e4 = await error({ orderBy: ['bogus_column'] });
    assert.equal(e4.code, 'FILTER_INVALID');
  });

  test('bad inputs to the other fields are USAGE errors', async () => {
    assert.equal((await error({ experimentIds: ['abc'] })).code, 'USAGE');
    assert.equal((await error({ statuses: ['DONE'] })).code, 'USAGE');
    assert.equal((await error({ limit: 0 })).code, 'USAGE');
    assert.equal((await error({ offset: -1 })).code, 'USAGE');
    assert.equal((await error({ viewType: 'SOME' })).code, 'USAGE');
    assert.equal((await error({ workflowRunId: 'ffffff' })).code, 'WORKFLOW_RUN_NOT_FOUND');
  });
});

describe('runs.search: ordering', () => {
  test('default: newest first, runs never started last, run_id breaks ties', async () => {
    assert.deepEqual(await names({}), ['g', 'e', 'c', 'b', 'a', 'd']);
  });

  test('metrics: real values, then NaN, then missing — both directions; ties by start_time DESC', async () => {
    assert.deepEqual(await names({ orderBy: ['metrics.rmse ASC'] }), ['g', 'e', 'c', 'a', 'b', 'd']);
    assert.deepEqual(await names({ orderBy: ['metrics.rmse DESC'] }), ['a', 'e', 'c', 'g', 'b', 'd']);
  });

  test('params and tags: missing last both ways', async () => {
    assert.deepEqual(await names({ orderBy: ['params.alpha DESC'] }), ['e', 'b', 'g', 'c', 'a', 'd']);
    assert.deepEqual(await names({ orderBy: ['tags.team ASC'] }), ['a', 'c', 'g', 'e', 'b', 'd']);
  });

  test('attributes', async () => {
    assert.deepEqual(await names({ orderBy: ['start_time ASC'] }), ['a', 'b', 'c', 'e', 'g', 'd']);
    assert.deepEqual(await names({ orderBy: ['end_time DESC'] }), ['b', 'e', 'c', 'a', 'g', 'd']);
    assert.deepEqual(await names({ orderBy: ['run_name DESC'] }), ['g', 'e', 'd', 'c', 'b', 'a']);
    assert.deepEqual(await names({ orderBy: ['status ASC'] }), ['b', 'e', 'c', 'a', 'g', 'd']);
  });

  test("Baton's keys: duration, experiment_name, workflow_name, step_name, entry_point", async () => {
    // duration: a 500, b 7000, c 100, e 500, g still running (NOW - 7000 at the time of the call ≥ 3000), d never started.
    const byDuration = await names({ orderBy: ['duration ASC'] });
    assert.deepEqual(byDuration.slice(0, 3), ['c', 'e', 'a']);
    assert.deepEqual(byDuration.slice(-1), ['d']);
    assert.deepEqual(await names({ orderBy: ['duration DESC'] }), ['g', 'b', 'e', 'a', 'c', 'd']);
    assert.deepEqual(await names({ orderBy: ['experiment_name DESC'] }), ['e', 'c', 'g', 'b', 'a', 'd']);
    assert.deepEqual(await names({ orderBy: ['attributes.workflow_name ASC'] }), ['c', 'b', 'a', 'g', 'e', 'd']);
    assert.deepEqual(await names({ orderBy: ['workflow_name DESC'] }), ['b', 'a', 'c', 'g', 'e', 'd']);
    assert.deepEqual(await names({ orderBy: ['step_name ASC'] }), ['b', 'c', 'a', 'g', 'e', 'd']);
    assert.deepEqual(await names({ orderBy: ['entry_point DESC', 'metrics.rmse ASC'] }), ['g', 'e', 'c', 'a', 'd', 'b']);
    assert.deepEqual(await names({ orderBy: ['ENTRY_POINT asc', 'start_time ASC'] }), ['b', 'd', 'a', 'c', 'e', 'g']);
  });

  test('duration of a run still going grows with now', () => {
    const early = compileHistorySearch({ orderBy: ['duration'], now: 1 });
    const late = compileHistorySearch({ orderBy: ['duration'], now: NOW });
    assert.equal(early.sql, late.sql);
    assert.ok(late.params.includes(NOW) && early.params.includes(1));
  });
});

describe('runs.search: paging, total, view types, filters', () => {
  test('offset and limit page through every match; total counts them all', async () => {
    const all = await names({ orderBy: ['metrics.rmse ASC'] });
    const pages: string[] = [];
    for (let offset = 0; offset < 8; offset += 4) {
      const p = await search({ orderBy: ['metrics.rmse ASC'], offset, limit: 4 });
      assert.equal(p.total, 6);
      assert.equal(p.offset, offset);
      pages.push(...p.names);
    }
    assert.deepEqual(pages, all);
    const beyond = await search({ offset: 100, limit: 10 });
    assert.deepEqual(beyond, { names: [], total: 6, offset: 100 });
  });

  test('view types', async () => {
    assert.deepEqual(await names({ viewType: 'DELETED_ONLY' }), ['f']);
    assert.equal((await search({ viewType: 'ALL' })).total, 7);
    assert.equal((await search({ viewType: 'ACTIVE_ONLY' })).total, 6);
  });

  test('each table filter, alone and together', async () => {
    assert.deepEqual(await names({ statuses: ['FAILED', 'RUNNING'] }), ['g', 'b']);
    assert.deepEqual(await names({ statuses: [] }), []);
    const tuning = engine.store.findExperimentByName('tuning')!.experiment_id;
    assert.deepEqual(await names({ experimentIds: [tuning] }), ['e', 'c']);
    assert.deepEqual(await names({ experimentIds: [] }), []);
    assert.deepEqual(await names({ workflowName: 'train-eval' }), ['b', 'a']);
    assert.deepEqual(await names({ workflowName: 'nope' }), []);
    assert.deepEqual(await names({ workflowRunId: WF2 }), ['c']);
    assert.deepEqual(await names({ workflowRunId: WF1.slice(0, 8) }), ['b', 'a']);
    assert.deepEqual(await names({ startedAfter: 2000, startedBefore: 5000 }), ['e', 'c', 'b']);
    assert.deepEqual(await names({ startedAfter: 2000, statuses: ['FINISHED'], filter: "params.alpha = '0.1'", experimentIds: [tuning] }), ['c']);
  });

  test('a workflow run filter includes the runs its cached steps reused', async () => {
    const wf3 = 'f3'.padEnd(32, '0');
    engine.store.createWorkflowRun({
      id: wf3,
      name: 'train-eval',
      file: '/w.yaml',
      yaml: 'name: x\n',
      inputs: {},
      options: {},
      parent: WF1,
      time: 2,
      supervisorPid: 1,
      supervisorStart: null,
      steps: [{ name: 'train', status: 'CACHED', runId: idOf('a'), cached: true, reason: 'Reused' }],
    });
    assert.deepEqual(await names({ workflowRunId: wf3 }), ['a']);
    // The workflow name filter is about the runs' own workflow run.
    assert.deepEqual(await names({ workflowName: 'train-eval' }), ['b', 'a']);
  });

  test('rows carry the experiment and workflow names', async () => {
    const r = await call('runs.search', { filter: "attributes.run_name = 'run-c'" });
    assert.ok(r.ok);
    const row = (r.value as { runs: Record<string, unknown>[] }).runs[0]!;
    assert.equal(row.experiment_name, 'tuning');
    assert.equal(row.workflow_name, 'sweep');
    assert.equal(row.step_name, 'train');
    assert.deepEqual(row.params, { alpha: '0.1' });
  });
});

describe('runs.columns', () => {
  test('every key, sorted; per experiment', async () => {
    const r = await call('runs.columns', {});
    assert.ok(r.ok);
    const v = r.value as { params: string[]; metrics: string[]; tags: string[] };
    assert.deepEqual(v.params, ['alpha']);
    assert.deepEqual(v.metrics, ['rmse']);
    assert.deepEqual(v.tags, ['mlflow.project.entryPoint', 'mlflow.runName', 'team']);
    const tuning = engine.store.findExperimentByName('tuning')!.experiment_id;
    const t = await call('runs.columns', { experimentIds: [tuning] });
    assert.ok(t.ok);
    assert.deepEqual((t.value as { tags: string[] }).tags, ['mlflow.project.entryPoint', 'mlflow.runName', 'team']);
    const none = await call('runs.columns', { experimentIds: ['99'] });
    assert.ok(none.ok);
    assert.deepEqual(none.value, { params: [], metrics: [], tags: [] });
    const bad = await call('runs.columns', { experimentIds: ['x'] });
    assert.ok(!bad.ok);
    assert.equal(bad.error.code, 'USAGE');
  });

  test('keys are found by index seeks (skip scan), not by scanning the table', () => {
    const plan = engine.store.db
      .prepare(
        `EXPLAIN QUERY PLAN WITH RECURSIVE k(key) AS (SELECT (SELECT min(key) FROM params) UNION ALL
         SELECT (SELECT min(key) FROM params WHERE key > k.key) FROM k WHERE k.key IS NOT NULL) SELECT key FROM k WHERE key IS NOT NULL`,
      )
      .all() as { detail: string }[];
    const text = plan.map((p) => p.detail).join('\n');
    assert.match(text, /params_key_value/);
    assert.doesNotMatch(text, /SCAN params/);
  });
});

describe('runs.search: query plans', () => {
  const plan = (q: Parameters<typeof compileHistorySearch>[0]): string => {
    const c = compileHistorySearch(q);
    const rows = engine.store.db.prepare(`EXPLAIN QUERY PLAN ${c.sql}`).all(...c.params) as { detail: string }[];
    const count = engine.store.db.prepare(`EXPLAIN QUERY PLAN ${c.countSql}`).all(...c.countParams) as { detail: string }[];
    return [...rows, ...count].map((r) => r.detail).join('\n');
  };
  // (DELETED_ONLY uses runs_deleted_start once the history has planner statistics; bench:history shows it at 100,000 runs.)
  test('a param filter starts from the param index; a workflow name and a time range from theirs', () => {
    assert.match(plan({ filter: "params.alpha = '0.1'", orderBy: ['metrics.rmse DESC'] }), /params_key_value \(key=\? AND value=\?\)/);
    assert.match(plan({ workflowName: 'etl' }), /workflow_runs_name \(workflow_name=\?\)/);
    assert.match(plan({ workflowRunId: WF1 }), /runs_workflow/);
    assert.match(plan({ startedAfter: 1, startedBefore: 2 }), /runs_start \(start_time>\? AND start_time<\?\)/);
  });
});
