/** The history store on real SQLite files: pragmas, migrations, atomic writes, queries and their plans. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type Database from 'better-sqlite3';
import { AppError } from '../../common/errors.js';
import { Engine } from '../../main/engine/engine.js';
import { SCHEMA_VERSION } from '../../main/engine/store/db.js';
import type { CreateRunInput } from '../../main/engine/store/store.js';
import { Store, fileUri, uriToPath } from '../../main/engine/store/store.js';
import { tempDir } from '../helpers.js';

function store(): { s: Store; file: string } {
  const dir = tempDir();
  const file = path.join(dir, 'baton.db');
  return { s: new Store(file, path.join(dir, 'artifacts')), file };
}

let n = 0;
function runInput(over: Partial<CreateRunInput> = {}): CreateRunInput {
  const runId = (++n).toString(16).padStart(32, '0');
  return {
    runId,
    experimentId: '0',
    runName: `r${n}`,
    userId: 'u',
    projectDir: '/p',
    entryPoint: 'main',
    command: 'true',
    artifactUri: `file:///a/${runId}`,
    logPath: null,
    exitFile: null,
    params: { alpha: '0.1', beta: 'x' },
    tags: { 'mlflow.runName': `r${n}` },
    time: 1000 + n,
    ...over,
  };
}

describe('opening the history', () => {
  test('uses WAL, foreign keys and the current schema version', () => {
    const { s } = store();
    assert.equal(s.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(s.db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(s.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    s.close();
  });

  test('reopening an existing history keeps its data and does not re-run migrations', () => {
    const { s, file } = store();
    s.getOrCreateExperiment('Default');
    s.createRun(runInput());
    s.close();
    const again = new Store(file, '/x');
    assert.equal(again.listRuns().length, 1);
    again.close();
  });

  test('a history from a newer Baton is refused with a clear error', () => {
    const { s, file } = store();
    s.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    s.close();
    assert.throws(() => new Store(file, '/x'), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, 'STORE_ERROR');
      assert.match(e.message, /newer than this Baton understands/);
      return true;
    });
  });

  test('a file that is not a database is a STORE_ERROR naming the file', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'baton.db'), 'this is not sqlite'.repeat(100));
    assert.throws(() => Engine.open({ home: dir }), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, 'STORE_ERROR');
      assert.ok(e.message.includes(path.join(dir, 'baton.db')), e.message);
      return true;
    });
  });
});

describe('runs', () => {
  test('a run is created with its params, tags and lineage in one transaction', () => {
    const { s } = store();
    s.getOrCreateExperiment('Default');
    const first = runInput();
    s.createRun(first);
    // Same run id again: the insert fails, and none of the second run's params or tags are left behind.
    assert.throws(() => s.createRun({ ...first, params: { other: '1' }, tags: { other: '1' } }));
    const r = s.requireRun(first.runId);
    assert.deepEqual(r.params, { alpha: '0.1', beta: 'x' });
    assert.equal(r.tags.other, undefined);
    assert.equal(r.status, 'SCHEDULED');
    // A run in an experiment that does not exist is refused by the foreign key.
    assert.throws(() => s.createRun(runInput({ experimentId: '99' })), /FOREIGN KEY/);
  });

  test('params keep the order they were given in', () => {
    const { s } = store();
    s.getOrCreateExperiment('Default');
    const r = runInput({ params: { zeta: '1', alpha: '2', mid: '3' } });
    s.createRun(r);
    assert.deepEqual(Object.keys(s.requireRun(r.runId).params), ['zeta', 'alpha', 'mid']);
  });

  test('the latest metric is the one with the highest step, then timestamp (as MLflow); NaN survives', () => {
    const { s } = store();
    s.getOrCreateExperiment('Default');
    const r = runInput();
    s.createRun(r);
    s.logMetrics(r.runId, [
      { key: 'loss', value: 3, timestamp: 5, step: 2 },
      { key: 'loss', value: 9, timestamp: 9, step: 1 },
      { key: 'loss', value: 1, timestamp: 6, step: 2 },
      { key: 'odd', value: NaN, timestamp: 1, step: 0 },
      { key: 'big', value: -Infinity, timestamp: 1, step: 0 },
    ]);
    const run = s.requireRun(r.runId);
    assert.equal(run.metrics.loss, 1);
    assert.ok(Number.isNaN(run.metrics.odd));
    assert.equal(run.metrics.big, -Infinity);
    assert.deepEqual(
      s.metricHistory(r.runId, 'loss').map((m) => [m.step, m.value]),
      [[1, 9], [2, 3], [2, 1]],
    );
  });

  test('listing filters by experiment and status, newest first, with a limit', () => {
    const { s } = store();
    s.getOrCreateExperiment('Default');
    const other = s.getOrCreateExperiment('other');
    assert.equal(other.experiment_id, '1');
    const a = runInput();
    const b = runInput({ experimentId: other.experiment_id });
    const c = runInput();
    for (const r of [a, b, c]) s.createRun(r);
    s.markRunning(a.runId, { time: 10, pid: 1, processStart: null, supervisorPid: 1, supervisorStart: null });
    s.finishRun(a.runId, 'FAILED', 2, 20);
    assert.deepEqual(s.listRuns().map((r) => r.run_id), [c.runId, b.runId, a.runId]);
    assert.deepEqual(s.listRuns({ experimentId: '1' }).map((r) => r.run_id), [b.runId]);
    assert.deepEqual(s.listRuns({ status: 'FAILED' }).map((r) => r.run_id), [a.runId]);
    assert.equal(s.listRuns({ limit: 2 }).length, 2);
  });

  test('run ids resolve from a unique prefix of at least 6 characters', () => {
    const { s } = store();
    s.getOrCreateExperiment('Default');
    const a = runInput({ runId: 'abcdef0000000000000000000000000a' });
    const b = runInput({ runId: 'abcdef0000000000000000000000000b' });
    s.createRun(a);
    s.createRun(b);
    assert.equal(s.resolveRunId('abcdef0000000000000000000000000A'), a.runId);
    assert.throws(() => s.resolveRunId('abcdef'), /ambiguous/);
    assert.throws(() => s.resolveRunId('abc'), { code: 'RUN_NOT_FOUND' });
    assert.throws(() => s.resolveRunId('ffffff'), { code: 'RUN_NOT_FOUND' });
  });

  test('the cache lookup finds only FINISHED, active runs, the latest first', () => {
    const { s } = store();
    s.getOrCreateExperiment('Default');
    const old = runInput({ cacheKey: 'k' });
    const failed = runInput({ cacheKey: 'k' });
    const newer = runInput({ cacheKey: 'k' });
    for (const r of [old, failed, newer]) s.createRun(r);
    s.finishRun(old.runId, 'FINISHED', 0, 100);
    s.finishRun(failed.runId, 'FAILED', 1, 300);
    assert.equal(s.findCachedRun('k'), old.runId);
    s.finishRun(newer.runId, 'FINISHED', 0, 200);
    assert.equal(s.findCachedRun('k'), newer.runId);
    assert.equal(s.findCachedRun('other'), null);
  });
});

describe('queries use their indexes', () => {
  const plan = (db: Database.Database, sql: string, ...args: unknown[]) =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join(' | ');

  test('listing, status filters, the cache lookup and active runs are index scans', () => {
    const { s } = store();
    assert.match(plan(s.db, 'SELECT * FROM runs WHERE experiment_id = ? ORDER BY start_time DESC', 1), /USING INDEX runs_experiment_start/);
    assert.match(plan(s.db, "SELECT run_id FROM runs WHERE cache_key = ? AND status = 'FINISHED' ORDER BY end_time DESC", 'k'), /USING INDEX runs_cache/);
    assert.match(plan(s.db, "SELECT * FROM runs WHERE status IN ('SCHEDULED', 'RUNNING')"), /USING (COVERING )?INDEX runs_(active|status_start)/);
    assert.match(plan(s.db, 'SELECT run_id FROM params WHERE key = ? AND value = ?', 'a', 'b'), /USING (COVERING )?INDEX params_key_value/);
    assert.match(plan(s.db, 'SELECT source_run_id FROM run_inputs WHERE source_run_id = ?', 'x'), /USING (COVERING )?INDEX run_inputs_source/);
  });
});

describe('artifact URIs', () => {
  test('file URIs round-trip, including spaces, # and ?', () => {
    for (const p of ['/tmp/a b/c', '/tmp/x#y?z', '/tmp/ünï']) {
      const uri = fileUri(p);
      assert.ok(uri.startsWith('file:///'));
      assert.equal(uriToPath(uri), p);
    }
  });
});
