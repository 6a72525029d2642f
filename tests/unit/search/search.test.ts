/**
 * Run search on a real SQLite history populated through the Store: every comparator per entity,
 * LIKE/ILIKE case rules, IN, dotted and quoted keys, NaN and missing values, ordering, paging,
 * deleted runs, experiments, and the query plans of common shapes.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { AppError } from '../../../common/errors.js';
import type { Metric, RunStatus } from '../../../common/types.js';
import type { SearchRunsQuery } from '../../../main/engine/store/search.js';
import { compileSearchRuns, likeToGlob, searchRuns } from '../../../main/engine/store/search.js';
import { Store } from '../../../main/engine/store/store.js';
import { tempDir } from '../../helpers.js';

interface Fixture {
  exp: string;
  start: number | null;
  end?: { status: RunStatus; time: number };
  runName: string;
  user: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Metric[];
  deleted?: boolean;
}

const m = (key: string, value: number, step = 0, timestamp = 1): Metric => ({ key, value, step, timestamp });

// Seven runs; the ids sort a < b < … < g. See each test for the expected order and why.
const RUNS: Record<string, Fixture> = {
  a: {
    exp: '0',
    start: 1000,
    end: { status: 'FINISHED', time: 1500 },
    runName: 'run-a',
    user: 'alice',
    params: { alpha: '0.1', model: 'LR' },
    tags: { team: 'Core', 'mlflow.project.entryPoint': 'main', note: "it's" },
    // The latest rmse is the one at the highest step, not the last logged or the largest.
    metrics: [m('rmse', 0.5, 1), m('rmse', 0.9, 0, 5), m('acc', 0.9), m('f1 score', 0.7)],
  },
  b: {
    exp: '0',
    start: 2000,
    runName: 'Run-B',
    user: 'alice',
    params: { alpha: '0.2', model: 'lr' },
    tags: { team: 'core' },
    metrics: [m('rmse', NaN), m('acc', 0.8)],
  },
  c: {
    exp: '0',
    start: 3000,
    end: { status: 'FAILED', time: 3500 },
    runName: 'run-c',
    user: 'alice',
    params: { alpha: '0.10' },
    tags: { team: 'ops', expr: 'a*b' },
    metrics: [m('rmse', 0.1), m('acc', 0)],
  },
  d: { exp: '0', start: null, runName: 'run-d', user: 'bob', params: {}, tags: {}, metrics: [] },
  e: {
    exp: '1',
    start: 5000,
    end: { status: 'FINISHED', time: 6000 },
    runName: 'run-e',
    user: 'bob',
    params: { alpha: '0.1' },
    tags: { team: 'Core' },
    metrics: [m('rmse', 0.3)],
  },
  f: {
    exp: '0',
    start: 3000,
    end: { status: 'FINISHED', time: 4000 },
    runName: 'run-f',
    user: 'bob',
    params: { alpha: '0.3', model: 'rf' },
    tags: { team: 'ops', expr: 'axb' },
    metrics: [m('rmse', 0.1), m('acc', -Infinity)],
  },
  g: {
    exp: '0',
    start: 4000,
    end: { status: 'FINISHED', time: 4500 },
    runName: 'run-g',
    user: 'bob',
    params: { alpha: '0.1' },
    tags: { team: 'Core' },
    metrics: [m('rmse', 0.05)],
    deleted: true,
  },
};

const idOf = (name: string): string => (name.charCodeAt(0) - 96).toString(16).padStart(32, '0');
const nameOf = new Map(Object.keys(RUNS).map((n) => [idOf(n), n]));

function open(): Store {
  const dir = tempDir('baton-search-');
  const s = new Store(path.join(dir, 'baton.db'), path.join(dir, 'artifacts'));
  s.getOrCreateExperiment('Default');
  s.getOrCreateExperiment('other');
  for (const [name, r] of Object.entries(RUNS)) {
    const runId = idOf(name);
    s.createRun({
      runId,
      experimentId: r.exp,
      runName: r.runName,
      userId: r.user,
      projectDir: '/p',
      entryPoint: 'main',
      command: 'true',
      artifactUri: `file:///art/${runId}`,
      logPath: null,
      exitFile: null,
      params: r.params,
      tags: { 'mlflow.runName': r.runName },
      time: 10,
    });
    s.setTags(runId, r.tags);
    if (r.start !== null)
      s.markRunning(runId, {
        time: r.start,
        pid: 1,
        processStart: null,
        supervisorPid: 1,
        supervisorStart: null,
      });
    if (r.metrics.length) s.logMetrics(runId, r.metrics);
    if (r.end) s.finishRun(runId, r.end.status, r.end.status === 'FINISHED' ? 0 : 1, r.end.time);
    if (r.deleted) s.setRunLifecycle(runId, 'deleted');
  }
  return s;
}

const store = open();
const names = (q: SearchRunsQuery): string[] =>
  searchRuns(store.db, q).runIds.map((id) => nameOf.get(id) ?? id);
const where = (filter: string, extra: SearchRunsQuery = {}): string[] => names({ filter, ...extra });
const sorted = (...orderBy: string[]): string[] => names({ orderBy });

function appError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AppError, String(e));
    return e;
  }
  assert.fail('expected an AppError');
}

describe('searchRuns: runs, experiments, view types', () => {
  test('default order: start_time DESC (not started last), then run id; deleted runs hidden', () => {
    assert.deepEqual(names({}), ['e', 'c', 'f', 'b', 'a', 'd']);
  });

  test('the Store turns the ids into records', () => {
    const [first] = searchRuns(store.db, { filter: "params.model = 'rf'" }).runIds;
    assert.equal(store.getRun(first!)?.run_name, 'run-f');
  });

  test('experiment filter: one, several, none; ids must be integers', () => {
    assert.deepEqual(names({ experimentIds: ['0'] }), ['c', 'f', 'b', 'a', 'd']);
    assert.deepEqual(names({ experimentIds: ['1'] }), ['e']);
    assert.deepEqual(names({ experimentIds: ['1', '0', '1'] }), ['e', 'c', 'f', 'b', 'a', 'd']);
    assert.deepEqual(names({ experimentIds: ['7'] }), []);
    assert.deepEqual(names({ experimentIds: [] }), []);
    const e = appError(() => names({ experimentIds: ['abc'] }));
    assert.equal(e.code, 'USAGE');
    assert.equal(e.message, "Invalid experiment id 'abc': experiment ids are non-negative integers.");
  });

  test('run view types', () => {
    assert.deepEqual(names({ runViewType: 'ACTIVE_ONLY' }), ['e', 'c', 'f', 'b', 'a', 'd']);
    assert.deepEqual(names({ runViewType: 'DELETED_ONLY' }), ['g']);
    assert.deepEqual(names({ runViewType: 'ALL' }), ['e', 'g', 'c', 'f', 'b', 'a', 'd']);
    assert.deepEqual(names({ runViewType: 'ALL', filter: "params.alpha = '0.1'" }), ['e', 'g', 'a']);
    const e = appError(() => names({ runViewType: 'EVERYTHING' as 'ALL' }));
    assert.equal(e.message, "Invalid run view type 'EVERYTHING': use ACTIVE_ONLY, DELETED_ONLY or ALL.");
  });
});

describe('searchRuns: metrics (latest value, NaN never compares, missing never matches)', () => {
  test('each comparator', () => {
    assert.deepEqual(where('metrics.rmse = 0.1'), ['c', 'f']);
    assert.deepEqual(where('metrics.rmse != 0.1'), ['e', 'b', 'a']);
    assert.deepEqual(where('metrics.rmse < 0.4'), ['e', 'c', 'f']);
    assert.deepEqual(where('metrics.rmse <= 0.3'), ['e', 'c', 'f']);
    assert.deepEqual(where('metrics.rmse > 0.2'), ['e', 'a']);
    assert.deepEqual(where('metrics.rmse >= 0.5'), ['a']);
  });

  test('NaN (stored as 0 with is_nan) is not 0, not below 1, but is != 0', () => {
    assert.deepEqual(where('metrics.rmse = 0'), []);
    assert.deepEqual(where('metrics.rmse < 1'), ['e', 'c', 'f', 'a']);
    assert.deepEqual(where('metrics.rmse >= -1'), ['e', 'c', 'f', 'a']);
    assert.deepEqual(where('metrics.rmse != 0'), ['e', 'c', 'f', 'b', 'a']);
    assert.deepEqual(where('metrics.acc = 0'), ['c']);
    assert.deepEqual(where('metrics.acc != 0.8'), ['c', 'f', 'a']);
  });

  test('the latest value by step counts, not history', () => {
    assert.deepEqual(where('metrics.rmse > 0.8'), []);
  });

  test('infinities and quoted keys', () => {
    assert.deepEqual(where('metrics.acc < -1e308'), ['f']);
    assert.deepEqual(where('metrics.`f1 score` > 0.5'), ['a']);
    assert.deepEqual(where('metric."f1 score" > 0.5'), ['a']);
  });
});

describe('searchRuns: params and tags', () => {
  test('= and != (a run without the key never matches)', () => {
    assert.deepEqual(where("params.alpha = '0.1'"), ['e', 'a']);
    assert.deepEqual(where("params.alpha != '0.1'"), ['c', 'f', 'b']);
    assert.deepEqual(where("tags.team = 'Core'"), ['e', 'a']);
    assert.deepEqual(where("tags.team != 'Core'"), ['c', 'f', 'b']);
  });

  test('LIKE is case-sensitive, ILIKE is not (as MLflow on SQLite)', () => {
    assert.deepEqual(where("params.model LIKE 'l%'"), ['b']);
    assert.deepEqual(where("params.model ILIKE 'l%'"), ['b', 'a']);
    assert.deepEqual(where("tags.team LIKE 'C%'"), ['e', 'a']);
    assert.deepEqual(where("tags.team LIKE 'c%'"), ['b']);
    assert.deepEqual(where("tags.team ILIKE 'CORE'"), ['e', 'b', 'a']);
    assert.deepEqual(where("params.alpha LIKE '0._'"), ['e', 'f', 'b', 'a']);
    assert.deepEqual(where("params.alpha LIKE '%0'"), ['c']);
  });

  test('GLOB characters in LIKE patterns are literal', () => {
    assert.deepEqual(where("tags.expr LIKE 'a*b'"), ['c']);
    assert.deepEqual(where("tags.expr LIKE 'a_b'"), ['c', 'f']);
    assert.deepEqual(where("tags.expr LIKE 'a?b'"), []);
    assert.equal(likeToGlob('50%_[x]*?'), '50*?[[]x][*][?]');
  });

  test('IS NULL and IS NOT NULL', () => {
    assert.deepEqual(where('params.model IS NULL'), ['e', 'c', 'd']);
    assert.deepEqual(where('params.model IS NOT NULL'), ['f', 'b', 'a']);
    assert.deepEqual(where('tags.team IS NULL'), ['d']);
  });

  test('dotted, double-quoted and backtick-quoted keys; quotes in values', () => {
    assert.deepEqual(where("tags.mlflow.project.entryPoint = 'main'"), ['a']);
    assert.deepEqual(where(`tags."mlflow.runName" = 'run-a'`), ['a']);
    assert.deepEqual(where("tags.`mlflow.runName` LIKE 'run-%'"), ['e', 'c', 'f', 'a', 'd']);
    assert.deepEqual(where("tags.note = 'it''s'"), ['a']);
    assert.deepEqual(where(`tags.note = "it's"`), ['a']);
  });

  test('values are bound, never spliced into the SQL', () => {
    const filter = "params.alpha = 'x''; DROP TABLE runs; --' AND tags.`a\"b` = 'y'";
    const c = compileSearchRuns({ filter });
    assert.ok(!c.sql.includes('DROP') && !c.sql.includes('a"b'), c.sql);
    assert.ok(c.params.includes("x'; DROP TABLE runs; --"));
    assert.deepEqual(where(filter), []);
    assert.equal(names({}).length, 6);
  });
});

describe('searchRuns: attributes', () => {
  test('run_id =, IN, NOT IN', () => {
    assert.deepEqual(where(`run_id = '${idOf('a')}'`), ['a']);
    assert.deepEqual(where(`attributes.run_id IN ('${idOf('a')}', '${idOf('c')}', 'nope')`), ['c', 'a']);
    assert.deepEqual(where(`run_id NOT IN ('${idOf('a')}')`), ['e', 'c', 'f', 'b', 'd']);
  });

  test('a long IN list', () => {
    const ids = Array.from({ length: 300 }, (_, i) => `${i}`.padStart(32, 'f'));
    ids.push(idOf('b'));
    assert.deepEqual(where(`run_id IN (${ids.map((i) => `'${i}'`).join(', ')})`), ['b']);
    assert.deepEqual(where(`run_id NOT IN (${ids.map((i) => `'${i}'`).join(', ')})`), [
      'e',
      'c',
      'f',
      'a',
      'd',
    ]);
  });

  test('run_name (and its aliases), status, user_id, artifact_uri', () => {
    assert.deepEqual(where("run_name = 'Run-B'"), ['b']);
    assert.deepEqual(where("attributes.run_name LIKE 'run-%'"), ['e', 'c', 'f', 'a', 'd']);
    assert.deepEqual(where(`"run name" ILIKE 'RUN-b'`), ['b']);
    assert.deepEqual(where("status = 'FINISHED'"), ['e', 'f', 'a']);
    assert.deepEqual(where("attributes.status != 'FINISHED'"), ['c', 'b', 'd']);
    assert.deepEqual(where("status = 'finished'"), []);
    assert.deepEqual(where("user_id = 'alice'"), ['c', 'b', 'a']);
    assert.deepEqual(where("artifact_uri LIKE 'file:///art/%'"), ['e', 'c', 'f', 'b', 'a', 'd']);
  });

  test('start_time, end_time and created (unset times never match)', () => {
    assert.deepEqual(where('start_time >= 3000'), ['e', 'c', 'f']);
    assert.deepEqual(where('created < 2500'), ['b', 'a']);
    assert.deepEqual(where('end_time > 0'), ['e', 'c', 'f', 'a']);
    assert.deepEqual(where('end_time != 1500'), ['e', 'c', 'f']);
    assert.deepEqual(where('attributes.start_time = 3000'), ['c', 'f']);
  });

  test('clauses combine with AND', () => {
    assert.deepEqual(where("params.alpha = '0.1' AND metrics.rmse < 0.4"), ['e']);
    assert.deepEqual(where("tags.team ILIKE 'core' and status = 'RUNNING'"), ['b']);
    assert.deepEqual(where("params.alpha = '0.1' AND params.alpha = '0.2'"), []);
  });

  test('a bad filter is a FILTER_INVALID error', () => {
    const e = appError(() => where('metrics.rmse <> 1'));
    assert.equal(e.code, 'FILTER_INVALID');
    assert.match(
      e.message,
      /^Invalid filter 'metrics.rmse <> 1': expected a comparison operator at position 13/,
    );
  });
});

describe('searchRuns: ordering', () => {
  test('metrics: values, then NaN, then missing, in both directions; ties by start_time DESC, run id', () => {
    assert.deepEqual(sorted('metrics.rmse ASC'), ['c', 'f', 'e', 'a', 'b', 'd']);
    assert.deepEqual(sorted('metrics.rmse DESC'), ['a', 'e', 'c', 'f', 'b', 'd']);
    assert.deepEqual(sorted('metrics.acc DESC'), ['a', 'b', 'c', 'f', 'e', 'd']);
    assert.deepEqual(sorted('metrics.acc'), ['f', 'c', 'b', 'a', 'e', 'd']);
  });

  test('params and tags sort as strings, missing last both ways', () => {
    assert.deepEqual(sorted('params.alpha DESC'), ['f', 'b', 'c', 'e', 'a', 'd']);
    assert.deepEqual(sorted('params.alpha ASC'), ['e', 'a', 'c', 'b', 'f', 'd']);
    assert.deepEqual(sorted('tags.team'), ['e', 'a', 'b', 'c', 'f', 'd']);
    assert.deepEqual(sorted('tags.team DESC'), ['c', 'f', 'b', 'e', 'a', 'd']);
  });

  test('attributes, unset times last both ways', () => {
    assert.deepEqual(sorted('status'), ['c', 'e', 'f', 'a', 'b', 'd']);
    assert.deepEqual(sorted('end_time ASC'), ['a', 'c', 'f', 'e', 'b', 'd']);
    assert.deepEqual(sorted('end_time DESC'), ['e', 'f', 'c', 'a', 'b', 'd']);
    assert.deepEqual(sorted('attributes.start_time ASC'), ['a', 'b', 'c', 'f', 'e', 'd']);
    assert.deepEqual(sorted('created DESC'), ['e', 'c', 'f', 'b', 'a', 'd']);
    assert.deepEqual(sorted('run_name DESC'), ['f', 'e', 'd', 'c', 'a', 'b']);
    assert.deepEqual(sorted('run_id DESC'), ['f', 'e', 'd', 'c', 'b', 'a']);
  });

  test('several keys, with a filter', () => {
    assert.deepEqual(sorted('tags.team', 'metrics.rmse DESC'), ['a', 'e', 'b', 'c', 'f', 'd']);
    assert.deepEqual(names({ filter: "params.alpha LIKE '0.%'", orderBy: ['params.alpha', 'start_time'] }), [
      'a',
      'e',
      'c',
      'b',
      'f',
    ]);
  });

  test('a bad order_by is a FILTER_INVALID error', () => {
    const e = appError(() => sorted('metrics.rmse', 'metrics.rmse DESC'));
    assert.equal(e.code, 'FILTER_INVALID');
  });
});

describe('searchRuns: paging', () => {
  function all(q: SearchRunsQuery): { pages: string[][]; tokens: (string | null)[] } {
    const pages: string[][] = [];
    const tokens: (string | null)[] = [];
    let pageToken: string | undefined;
    for (;;) {
      const r = searchRuns(store.db, { ...q, pageToken });
      pages.push(r.runIds.map((id) => nameOf.get(id)!));
      tokens.push(r.nextPageToken);
      if (!r.nextPageToken) return { pages, tokens };
      pageToken = r.nextPageToken;
    }
  }

  test('pages of 2 walk every run once, in order; the last page has no token', () => {
    const { pages, tokens } = all({ maxResults: 2 });
    assert.deepEqual(pages, [
      ['e', 'c'],
      ['f', 'b'],
      ['a', 'd'],
    ]);
    assert.equal(tokens.at(-1), null);
    assert.ok(tokens.slice(0, -1).every((t) => typeof t === 'string' && /^[\w-]+\.[0-9a-f]{16}$/.test(t)));
  });

  test('a page that ends exactly at the last run has no token (no empty extra page)', () => {
    assert.deepEqual(all({ maxResults: 3 }).pages, [
      ['e', 'c', 'f'],
      ['b', 'a', 'd'],
    ]);
    assert.deepEqual(all({ maxResults: 6 }).pages, [['e', 'c', 'f', 'b', 'a', 'd']]);
  });

  test('paging with a filter and an order; the page size may change between pages', () => {
    const q: SearchRunsQuery = { filter: 'metrics.rmse != 0', orderBy: ['metrics.rmse DESC'] };
    const first = searchRuns(store.db, { ...q, maxResults: 1 });
    const rest = searchRuns(store.db, { ...q, maxResults: 10, pageToken: first.nextPageToken! });
    assert.deepEqual(
      [...first.runIds, ...rest.runIds].map((id) => nameOf.get(id)),
      ['a', 'e', 'c', 'f', 'b'],
    );
    assert.equal(rest.nextPageToken, null);
    // The same search written differently keeps its tokens.
    const again = searchRuns(store.db, {
      filter: 'metrics.rmse!=0',
      orderBy: ['metric.rmse  desc'],
      maxResults: 10,
      pageToken: first.nextPageToken!,
    });
    assert.deepEqual(again.runIds, rest.runIds);
  });

  test('tampered, foreign and malformed tokens are rejected', () => {
    const token = searchRuns(store.db, { maxResults: 2 }).nextPageToken!;
    const [body, digest] = token.split('.') as [string, string];
    const forged = `${Buffer.from(JSON.stringify({ v: 1, o: 1, q: 'x' })).toString('base64url')}.${digest}`;
    const flipped = `${body.slice(0, -1)}${body.endsWith('A') ? 'B' : 'A'}.${digest}`;
    const cases: [string, string][] = [
      [
        flipped,
        'Invalid page token: it has been altered or truncated. Start the search again without a page token.',
      ],
      [
        forged,
        'Invalid page token: it has been altered or truncated. Start the search again without a page token.',
      ],
      [
        'eyJvZmZzZXQiOiAyfQ==',
        'Invalid page token: it is not a token returned by a previous search. Start the search again without a page token.',
      ],
      [
        token.slice(0, -1),
        'Invalid page token: it is not a token returned by a previous search. Start the search again without a page token.',
      ],
    ];
    for (const [pageToken, message] of cases) {
      const e = appError(() => searchRuns(store.db, { maxResults: 2, pageToken }));
      assert.equal(e.code, 'USAGE');
      assert.equal(e.message, message);
    }
    const other = appError(() =>
      searchRuns(store.db, { maxResults: 2, pageToken: token, filter: "status = 'FINISHED'" }),
    );
    assert.equal(
      other.message,
      'Invalid page token: it belongs to a different search (the filter, order, experiments or view changed). Start the search again without a page token.',
    );
    assert.throws(
      () => searchRuns(store.db, { maxResults: 2, pageToken: token, experimentIds: ['0'] }),
      /different search/,
    );
    assert.throws(
      () => searchRuns(store.db, { maxResults: 2, pageToken: token, runViewType: 'ALL' }),
      /different search/,
    );
    assert.deepEqual(searchRuns(store.db, { maxResults: 2, pageToken: '' }).runIds.length, 2);
  });

  test('maxResults: default 1000, at most 50000, a positive integer', () => {
    assert.equal(compileSearchRuns({}).limit, 1000);
    assert.equal(compileSearchRuns({ maxResults: 50_000 }).limit, 50_000);
    const over = appError(() => searchRuns(store.db, { maxResults: 50_001 }));
    assert.equal(over.code, 'USAGE');
    assert.equal(over.message, 'Invalid value for maxResults: it must be at most 50000, but got 50001.');
    for (const bad of [0, -1, 2.5, NaN]) {
      assert.equal(
        appError(() => searchRuns(store.db, { maxResults: bad })).message,
        `Invalid value for maxResults: it must be a positive integer, but got ${bad}.`,
      );
    }
  });
});

describe('searchRuns: query plans of common shapes use the indexes', () => {
  const plan = (q: SearchRunsQuery): string => {
    const c = compileSearchRuns(q);
    return (store.db.prepare(`EXPLAIN QUERY PLAN ${c.sql}`).all(...c.params) as { detail: string }[])
      .map((r) => r.detail)
      .join('\n');
  };

  test('listing an experiment walks runs_experiment_start in order', () => {
    assert.match(
      plan({ experimentIds: ['1'] }),
      /SEARCH r USING INDEX runs_experiment_start \(experiment_id=\?\)/,
    );
    assert.match(plan({}), /SCAN r USING INDEX runs_start/);
  });

  test('param, tag and metric clauses search their key/value indexes', () => {
    assert.match(
      plan({ filter: "params.model = 'rf'" }),
      /SEARCH params USING COVERING INDEX params_key_value \(key=\? AND value=\?\)/,
    );
    assert.match(
      plan({ filter: "tags.team LIKE 'C%'" }),
      /SEARCH tags USING COVERING INDEX tags_key_value \(key=\? AND value>\? AND value<\?\)/,
    );
    assert.match(
      plan({ filter: 'metrics.acc > 0.5' }),
      /SEARCH latest_metrics USING COVERING INDEX latest_metrics_key_value\w* \(key=\? AND value>\?\)/,
    );
    assert.match(
      plan({ filter: 'params.model IS NULL' }),
      /SEARCH params USING COVERING INDEX params_key_value \(key=\?\)/,
    );
  });

  test('attributes use the runs indexes; metric order joins latest_metrics by primary key', () => {
    assert.match(plan({ filter: "status = 'RUNNING'" }), /runs_status_start \(status=\?\)/);
    assert.match(plan({ filter: `run_id = '${idOf('a')}'` }), /sqlite_autoindex_runs_1 \(run_id=\?\)/);
    assert.match(plan({ filter: 'start_time > 5' }), /runs_start \(start_time>\?\)/);
    assert.match(
      plan({ orderBy: ['metrics.rmse DESC'] }),
      /SEARCH o0 USING PRIMARY KEY \(run_id=\? AND key=\?\) LEFT-JOIN/,
    );
  });
});
