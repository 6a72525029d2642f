/**
 * 5,000 generated runs inserted through the Store in one transaction; each search, paged to the
 * end, must equal an in-memory evaluation written after MLflow's SearchUtils (`_does_run_match_clause`
 * and `_get_value_for_sort`): same runs, same order.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Clause, RunAttribute } from '../../../common/search/filter.js';
import { parseFilter } from '../../../common/search/filter.js';
import type { OrderTerm } from '../../../common/search/order-by.js';
import { parseOrderBy } from '../../../common/search/order-by.js';
import type { RunStatus } from '../../../common/types.js';
import type { RunViewType, SearchRunsQuery } from '../../../main/engine/store/search.js';
import { searchRuns } from '../../../main/engine/store/search.js';
import { Store } from '../../../main/engine/store/store.js';
import { tempDir } from '../../helpers.js';

interface Run {
  run_id: string;
  experiment_id: string;
  run_name: string;
  status: RunStatus;
  user_id: string;
  artifact_uri: string;
  start_time: number | null;
  end_time: number | null;
  deleted: boolean;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, number>;
}

const N = 5000;

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(): Run[] {
  const rnd = random(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const runs: Run[] = [];
  for (let i = 0; i < N; i++) {
    const run_id =
      Math.floor(rnd() * 2 ** 48)
        .toString(16)
        .padStart(16, '0') + i.toString(16).padStart(16, '0');
    const started = rnd() > 0.03;
    const status: RunStatus = !started
      ? 'SCHEDULED'
      : pick(['RUNNING', 'FINISHED', 'FINISHED', 'FAILED', 'KILLED'] as const);
    // Few distinct start times, so ties are common and the run id tie-breaker matters.
    const start_time = started ? 1_000 + Math.floor(rnd() * 400) * 10 : null;
    const end_time = start_time !== null && status !== 'RUNNING' ? start_time + Math.floor(rnd() * 50) : null;
    const params: Record<string, string> = {};
    if (rnd() > 0.1) params.alpha = pick(['0.1', '0.01', '0.5', '1', '0.10']);
    if (rnd() > 0.2) params.model = pick(['lr', 'LR', 'rf', 'xgb', 'Lasso']);
    params.seed = String(i % 97);
    const run_name = `${pick(['train', 'Train', 'eval'])}-${i % 50}`;
    const tags: Record<string, string> = { 'mlflow.runName': run_name };
    if (rnd() > 0.15) tags.team = pick(['Core', 'core', 'ops', 'ml_ops', 'ml-ops']);
    if (rnd() > 0.5) tags['mlflow.source.git.commit'] = pick(['abc123', 'def456']);
    const metrics: Record<string, number> = {};
    const r = rnd();
    if (r > 0.1) metrics.rmse = r > 0.95 ? NaN : Math.round(rnd() * 100) / 100;
    if (rnd() > 0.3) metrics.acc = Math.round(rnd() * 20) / 20;
    if (rnd() > 0.7) metrics['val loss'] = rnd() > 0.9 ? NaN : Math.round(rnd() * 10) / 10;
    runs.push({
      run_id,
      experiment_id: String(i % 3),
      run_name,
      status,
      user_id: pick(['alice', 'bob']),
      artifact_uri: `file:///art/${i % 3}/${run_id}`,
      start_time,
      end_time,
      deleted: rnd() < 0.05,
      params,
      tags,
      metrics,
    });
  }
  return runs;
}

function populate(runs: Run[]): Store {
  const dir = tempDir('baton-search-scale-');
  const s = new Store(path.join(dir, 'baton.db'), path.join(dir, 'artifacts'));
  s.getOrCreateExperiment('Default');
  s.getOrCreateExperiment('one');
  s.getOrCreateExperiment('two');
  s.db.transaction(() => {
    for (const r of runs) {
      s.createRun({
        runId: r.run_id,
        experimentId: r.experiment_id,
        runName: r.run_name,
        userId: r.user_id,
        projectDir: '/p',
        entryPoint: 'main',
        command: 'true',
        artifactUri: r.artifact_uri,
        logPath: null,
        exitFile: null,
        params: r.params,
        tags: {},
        time: 1,
      });
      s.setTags(r.run_id, r.tags);
      if (r.start_time !== null) {
        s.markRunning(r.run_id, {
          time: r.start_time,
          pid: 1,
          processStart: null,
          supervisorPid: 1,
          supervisorStart: null,
        });
      }
      // An older value at a lower step first: only the latest may count.
      const metrics = Object.entries(r.metrics);
      if (metrics.length) {
        s.logMetrics(
          r.run_id,
          metrics.map(([key]) => ({ key, value: 123456, timestamp: 1, step: 0 })),
        );
        s.logMetrics(
          r.run_id,
          metrics.map(([key, value]) => ({ key, value, timestamp: 2, step: 1 })),
        );
      }
      if (r.end_time !== null) s.finishRun(r.run_id, r.status, 0, r.end_time);
      if (r.deleted) s.setRunLifecycle(r.run_id, 'deleted');
    }
  })();
  return s;
}

// ---- the reference, after MLflow's SearchUtils ---------------------------------------------------

function likeRegex(pattern: string, ci: boolean): RegExp {
  const body = [...pattern]
    .map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, ci ? 'is' : 's');
}

function matches(run: Run, c: Clause): boolean {
  let lhs: string | number | null | undefined;
  if (c.type === 'metric') lhs = run.metrics[c.key];
  else if (c.type === 'parameter') lhs = run.params[c.key];
  else if (c.type === 'tag') lhs = run.tags[c.key];
  else lhs = run[c.key as RunAttribute];
  if (!('value' in c)) return c.comparator === 'IS NULL' ? lhs === undefined : lhs !== undefined;
  if (lhs === undefined || lhs === null) return false;
  const v = c.value;
  switch (c.comparator) {
    case '=':
      return lhs === v;
    case '!=':
      return lhs !== v;
    case '<':
      return lhs < v;
    case '<=':
      return lhs <= v;
    case '>':
      return lhs > v;
    case '>=':
      return lhs >= v;
    case 'LIKE':
      return likeRegex(v as string, false).test(lhs as string);
    case 'ILIKE':
      return likeRegex(v as string, true).test(lhs as string);
    case 'IN':
      return (v as string[]).includes(lhs as string);
    case 'NOT IN':
      return !(v as string[]).includes(lhs as string);
  }
}

function sortValue(run: Run, t: OrderTerm): string | number | undefined {
  if (t.type === 'metric') return run.metrics[t.key];
  if (t.type === 'parameter') return run.params[t.key];
  if (t.type === 'tag') return run.tags[t.key];
  return run[t.key as 'run_id'] ?? undefined;
}

/** Missing last both ways; for metrics NaN after values and before missing. */
function compare(a: Run, b: Run, terms: OrderTerm[]): number {
  for (const t of terms) {
    const x = sortValue(a, t);
    const y = sortValue(b, t);
    const rank = (v: unknown): number =>
      v === undefined ? 2 : typeof v === 'number' && Number.isNaN(v) ? 1 : 0;
    const d = rank(x) - rank(y);
    if (d !== 0) return d;
    if (rank(x) !== 0 || x === y) continue;
    return (x! < y! ? -1 : 1) * (t.ascending ? 1 : -1);
  }
  return 0;
}

function reference(runs: Run[], q: SearchRunsQuery): string[] {
  const clauses = parseFilter(q.filter);
  const terms = parseOrderBy(q.orderBy);
  const view: RunViewType = q.runViewType ?? 'ACTIVE_ONLY';
  return runs
    .filter((r) => (view === 'ALL' ? true : view === 'DELETED_ONLY' ? r.deleted : !r.deleted))
    .filter((r) => q.experimentIds === undefined || q.experimentIds.includes(r.experiment_id))
    .filter((r) => clauses.every((c) => matches(r, c)))
    .sort((a, b) => compare(a, b, terms))
    .map((r) => r.run_id);
}

// ---- the test -------------------------------------------------------------------------------------

describe(`searchRuns on ${N} runs`, () => {
  const runs = generate();
  const store = populate(runs);

  function everything(q: SearchRunsQuery): string[] {
    const out: string[] = [];
    let pageToken: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const r = searchRuns(store.db, { ...q, pageToken });
      out.push(...r.runIds);
      if (!r.nextPageToken) return out;
      pageToken = r.nextPageToken;
    }
    assert.fail('too many pages');
  }

  const queries: SearchRunsQuery[] = [
    {},
    { experimentIds: ['1'] },
    { experimentIds: ['0', '2'], runViewType: 'ALL' },
    { runViewType: 'DELETED_ONLY' },
    { filter: 'metrics.rmse < 0.5', orderBy: ['metrics.rmse DESC'] },
    { filter: 'metrics.rmse != 0.5', orderBy: ['metrics.rmse'] },
    { filter: 'metrics.rmse = 0' },
    {
      filter: 'metrics.acc >= 0.5 AND metrics.`val loss` <= 0.5',
      orderBy: ['metrics.`val loss` DESC', 'metrics.acc'],
    },
    { filter: "params.model = 'lr'", orderBy: ['params.alpha DESC'] },
    { filter: "params.model ILIKE 'l%' AND params.alpha != '0.1'", orderBy: ['params.model'] },
    { filter: "params.model LIKE 'L%'", orderBy: ['tags.team DESC'] },
    { filter: 'params.model IS NULL AND tags.team IS NOT NULL', orderBy: ['tags.team'] },
    { filter: "tags.team LIKE 'ml_ops'", orderBy: ['run_name DESC'] },
    { filter: "tags.`mlflow.source.git.commit` = 'abc123' AND tags.mlflow.runName LIKE 'train-%'" },
    { filter: "attributes.status = 'FINISHED'", orderBy: ['end_time'] },
    { filter: "status != 'RUNNING' AND user_id = 'bob'", orderBy: ['end_time DESC', 'status'] },
    { filter: 'start_time > 2500 AND end_time < 4000', orderBy: ['start_time ASC'] },
    { filter: "run_name ILIKE 'TRAIN-1%'", orderBy: ['created DESC', 'run_id DESC'] },
    { filter: `run_id IN ('${runs[10]!.run_id}', '${runs[20]!.run_id}', '${runs[30]!.run_id}')` },
    {
      filter: `run_id NOT IN ('${runs[10]!.run_id}') AND artifact_uri LIKE 'file:///art/2/%'`,
      orderBy: ['metrics.acc DESC'],
    },
    { orderBy: ['metrics.`val loss`', 'params.seed DESC'], runViewType: 'ALL' },
  ];

  for (const q of queries) {
    test(JSON.stringify(q), () => {
      const expected = reference(runs, q);
      const paged = everything({ ...q, maxResults: 777 });
      assert.equal(paged.length, expected.length);
      assert.deepEqual(paged, expected);
      const first = searchRuns(store.db, q);
      assert.deepEqual(first.runIds, expected.slice(0, 1000));
      assert.equal(first.nextPageToken === null, expected.length <= 1000);
    });
  }

  test('the data exercises ties, NaN, missing values and deleted runs', () => {
    const all = reference(runs, { runViewType: 'ALL' });
    assert.equal(all.length, N);
    assert.ok(runs.filter((r) => Number.isNaN(r.metrics.rmse)).length > 50);
    assert.ok(runs.filter((r) => r.metrics.rmse === undefined).length > 50);
    assert.ok(runs.filter((r) => r.deleted).length > 50);
    assert.ok(runs.filter((r) => r.start_time === null).length > 50);
    assert.ok(new Set(runs.map((r) => r.start_time)).size < N / 5);
  });
});
