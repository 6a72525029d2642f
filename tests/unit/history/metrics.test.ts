/**
 * runs.metricHistory's downsampling and the metric tiles behind it, on real SQLite files: a
 * 1,000,000-point metric comes back as at most maxPoints points with every bucket's extremes (so
 * the global peaks survive), the first and last points and NaN gaps; small metrics come back whole;
 * the tiles kept by logMetrics equal what migration 3 computes for an older history.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Metric } from '../../../common/types.js';
import { createDispatcher, createHandlers } from '../../../main/api/handlers.js';
import { Store } from '../../../main/engine/store/store.js';
import { sql as m001 } from '../../../main/engine/store/migrations/001-initial.js';
import { sql as m002 } from '../../../main/engine/store/migrations/002-latest-metrics-nan-index.js';
import { openEngine, tempDir } from '../../helpers.js';
import { createBareRun } from './helpers.js';

const engine = openEngine();
after(() => engine.close());
const dispatch = createDispatcher(createHandlers(engine));

function newRun(id: string): string {
  return createBareRun(engine, id, { artifactUri: (runId) => `file:///art/${runId}` });
}

type Point = { key: string; value: number | string; timestamp: number; step: number };
async function history(input: Record<string, unknown>): Promise<{ metrics: Point[]; total: number; downsampled: boolean }> {
  const r = await dispatch('runs.metricHistory', input);
  assert.ok(r.ok, JSON.stringify(r));
  return r.value as { metrics: Point[]; total: number; downsampled: boolean };
}

// 1,000,000 points: a noisy wave, a spike up at step 123,457 and down at 876,543, NaN every 250,000 steps.
const N = 1_000_000;
const value = (i: number): number => (i === 123_457 ? 1000 : i === 876_543 ? -1000 : i % 250_000 === 7 ? NaN : Math.sin(i / 10_000) + ((i * 7919) % 13) / 100);
const big = newRun('b1');
for (let s = 0; s < N; s += 50_000) {
  const batch: Metric[] = [];
  for (let i = s; i < s + 50_000; i++) batch.push({ key: 'loss', value: value(i), timestamp: 1_000_000 + i * 10, step: i });
  engine.store.logMetrics(big, batch);
}

describe('runs.metricHistory downsampling', () => {
  test('1,000,000 points → at most maxPoints, extremes, first/last and NaN kept', async () => {
    const r = await history({ runId: big, key: 'loss', maxPoints: 2000 });
    assert.equal(r.total, N);
    assert.equal(r.downsampled, true);
    assert.ok(r.metrics.length <= 2000 && r.metrics.length > 500, `${r.metrics.length} points`);
    const steps = r.metrics.map((p) => p.step);
    assert.deepEqual(steps, [...steps].sort((a, b) => a - b), 'in step order');
    assert.equal(r.metrics[0]!.step, 0);
    assert.equal(r.metrics.at(-1)!.step, N - 1);
    const byStep = new Map(r.metrics.map((p) => [p.step, p.value]));
    assert.equal(byStep.get(123_457), 1000, 'the peak survives');
    assert.equal(byStep.get(876_543), -1000, 'the trough survives');
    for (const s of [7, 250_007, 500_007, 750_007]) assert.equal(byStep.get(s), 'NaN', `NaN at ${s}`);
    // Every returned point is a real point of the series.
    for (const p of r.metrics) {
      const v = value(p.step);
      assert.equal(p.value, Number.isNaN(v) ? 'NaN' : v, `step ${p.step}`);
      assert.equal(p.timestamp, 1_000_000 + p.step * 10);
    }
  });

  test('each bucket keeps its own min and max: a tighter maxPoints still has both spikes', async () => {
    const r = await history({ runId: big, key: 'loss', maxPoints: 10 });
    assert.ok(r.metrics.length <= 10, `${r.metrics.length}`);
    const values = r.metrics.map((p) => p.value);
    assert.ok(values.includes(1000) && values.includes(-1000));
  });

  test('x = time returns the same kind of points in time order', async () => {
    const r = await history({ runId: big, key: 'loss', maxPoints: 500, x: 'time' });
    assert.ok(r.metrics.length <= 500);
    const ts = r.metrics.map((p) => p.timestamp);
    assert.deepEqual(ts, [...ts].sort((a, b) => a - b));
    assert.ok(r.metrics.some((p) => p.value === 1000));
  });

  test('a metric within maxPoints (or without it) comes back whole and not downsampled', async () => {
    const run = newRun('a1');
    engine.store.logMetrics(run, [
      { key: 'acc', value: 0.5, timestamp: 30, step: 2 },
      { key: 'acc', value: NaN, timestamp: 20, step: 1 },
      { key: 'acc', value: Infinity, timestamp: 10, step: 3 },
    ]);
    const r = await history({ runId: run, key: 'acc', maxPoints: 10 });
    assert.deepEqual(r, {
      total: 3,
      downsampled: false,
      metrics: [
        { key: 'acc', value: 'NaN', timestamp: 20, step: 1 },
        { key: 'acc', value: 0.5, timestamp: 30, step: 2 },
        { key: 'acc', value: 'Infinity', timestamp: 10, step: 3 },
      ],
    });
    const byTime = await history({ runId: run, key: 'acc', x: 'time' });
    assert.deepEqual(byTime.metrics.map((p) => p.step), [3, 1, 2]);
    assert.deepEqual(await history({ runId: run, key: 'missing' }), { metrics: [], total: 0, downsampled: false });
  });

  test('many points on few steps: buckets fall back to step ranges, still bounded and exact', async () => {
    const run = newRun('a2');
    const points: Metric[] = [];
    for (let i = 0; i < 20_000; i++) points.push({ key: 'x', value: i === 12_345 ? 99 : (i % 17) / 17, timestamp: i, step: i % 40 });
    engine.store.logMetrics(run, points);
    const r = await history({ runId: run, key: 'x', maxPoints: 100 });
    assert.equal(r.total, 20_000);
    assert.ok(r.downsampled && r.metrics.length <= 100);
    assert.ok(r.metrics.some((p) => p.value === 99 && p.step === 12_345 % 40 && p.timestamp === 12_345));
  });

  test('bad input: unknown run, maxPoints out of range', async () => {
    const r1 = await dispatch('runs.metricHistory', { runId: 'abcdef0123', key: 'loss' });
    assert.ok(!r1.ok);
    assert.equal(r1.error.code, 'RUN_NOT_FOUND');
    const r2 = await dispatch('runs.metricHistory', { runId: big, key: 'loss', maxPoints: 2 });
    assert.ok(!r2.ok);
    assert.equal(r2.error.code, 'USAGE');
  });

  test('runs.detail counts each metric from its tiles', async () => {
    const r = await dispatch('runs.detail', { runId: big });
    assert.ok(r.ok);
    assert.deepEqual((r.value as { metricKeys: unknown }).metricKeys, [{ key: 'loss', count: N }]);
  });

  test('the chart reads tiles, not points (query plans)', () => {
    const plan = (sql: string) =>
      (engine.store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(big, 'loss') as { detail: string }[]).map((p) => p.detail).join('\n');
    assert.match(plan('SELECT tile, n FROM metric_tiles WHERE run_id = ? AND key = ? ORDER BY tile'), /SEARCH metric_tiles USING PRIMARY KEY \(run_id=\? AND key=\?\)/);
    assert.match(
      plan('SELECT step, timestamp, value, is_nan FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, timestamp'),
      /COVERING INDEX metrics_run_key_step_value/,
    );
  });
});

describe('metric tiles', () => {
  test('kept by logMetrics in any batch order equal what migration 3 computes for an older history', () => {
    const dir = tempDir('baton-tiles-');
    const file = path.join(dir, 'baton.db');
    // A history at schema version 2 with metrics in it.
    const old = new Database(file);
    old.exec(m001);
    old.exec(m002);
    old.pragma('user_version = 2');
    old.prepare("INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES (0, 'Default', 'x', 1, 1)").run();
    const runId = 'c'.repeat(32);
    old.prepare("INSERT INTO runs (run_id, experiment_id, run_name, status, artifact_uri, created_time) VALUES (?, 0, 'r', 'FINISHED', 'x', 1)").run(runId);
    const points: Metric[] = [];
    for (let i = 0; i < 5000; i++) {
      points.push({ key: 'm', value: i % 311 === 0 ? NaN : Math.cos(i) * (i % 97), timestamp: 5000 - i, step: (i * 37) % 3000 });
      points.push({ key: 'n', value: i, timestamp: i, step: -i });
    }
    const ins = old.prepare('INSERT INTO metrics (run_id, key, value, is_nan, timestamp, step) VALUES (?, ?, ?, ?, ?, ?)');
    old.transaction(() => {
      for (const p of points) ins.run(runId, p.key, Number.isNaN(p.value) ? 0 : p.value, Number.isNaN(p.value) ? 1 : 0, p.timestamp, p.step);
    })();
    old.close();
    const migrated = new Store(file, path.join(dir, 'art'));
    const fromMigration = migrated.db.prepare('SELECT * FROM metric_tiles ORDER BY key, tile').all();
    // The same points through logMetrics, in shuffled batches.
    migrated.db.exec('DELETE FROM metric_tiles');
    migrated.db.exec('DELETE FROM metrics');
    const shuffled = [...points].sort((a, b) => ((a.step * 7 + a.timestamp) % 13) - ((b.step * 7 + b.timestamp) % 13));
    for (let i = 0; i < shuffled.length; i += 777) migrated.logMetrics(runId, shuffled.slice(i, i + 777));
    const fromLogging = migrated.db.prepare('SELECT * FROM metric_tiles ORDER BY key, tile').all() as Record<string, number | null>[];
    assert.ok(fromLogging.length > 3);
    // Equal summaries; where values tie, the recorded point may differ but must hold that value.
    assert.equal(fromLogging.length, fromMigration.length);
    fromLogging.forEach((t, i) => {
      const u = fromMigration[i] as Record<string, number | null>;
      for (const k of ['run_id', 'key', 'tile', 'n', 'lo_value', 'hi_value', 'nan_step', 'nan_ts']) assert.equal(t[k], u[k], `${k} of tile ${i}`);
    });
    migrated.close();
  });

  test('replacing a metric history (shared-server copy) replaces its tiles', () => {
    const run = newRun('c1');
    engine.store.logMetrics(run, [{ key: 'k', value: 5, timestamp: 1, step: 0 }]);
    engine.store.replaceMetricHistory(run, 'k', [
      { key: 'k', value: 1, timestamp: 1, step: 0 },
      { key: 'k', value: 2, timestamp: 2, step: 1 },
    ]);
    assert.equal(engine.store.history.pointCount(run, 'k'), 2);
    const tile = engine.store.db.prepare('SELECT n, lo_value, hi_value FROM metric_tiles WHERE run_id = ? AND key = ?').get(run, 'k');
    assert.deepEqual({ ...(tile as object) }, { n: 2, lo_value: 1, hi_value: 2 });
  });
});
