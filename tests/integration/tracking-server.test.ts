/**
 * The embedded MLflow tracking REST API over real HTTP on loopback: what a step's client logs lands
 * in the history; bad requests get MLflow's error JSON and store nothing; the token, Host and Origin
 * checks hold.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Engine } from '../../main/engine/engine.js';
import { makeProject, openEngine } from '../helpers.js';

let engine: Engine;
let base: string;
let token: string;
let runId: string;

before(async () => {
  engine = openEngine();
  const sub = await engine.runProject({ uri: makeProject('entry_points:\n  main:\n    command: "true"\n') });
  await sub.wait();
  runId = sub.runId;
  const t = await engine.trackingEndpoint();
  base = t.uri;
  token = t.token!;
});
after(async () => engine.close());

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

function request(method: string, endpoint: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const url = new URL(`/api/2.0/mlflow/${endpoint}`, base);
  if (method === 'GET' && body) for (const [k, v] of Object.entries(body)) url.searchParams.set(k, String(v));
  const data = method === 'POST' ? (typeof body === 'string' ? body : JSON.stringify(body ?? {})) : undefined;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

describe('logging into a run', () => {
  test('params, metrics (with steps, NaN, infinities), tags and batches land in the history', async () => {
    assert.equal((await request('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' })).status, 200);
    assert.equal((await request('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' })).status, 200, 'same value again is fine');
    for (const [step, value] of [[0, 1.5], [1, 0.75], [2, 0.5]] as const) {
      assert.equal((await request('POST', 'runs/log-metric', { run_uuid: runId, key: 'loss', value, timestamp: 1000 + step, step })).status, 200);
    }
    await request('POST', 'runs/log-metric', { run_id: runId, key: 'weird', value: 'NaN', timestamp: 1, step: 0 });
    await request('POST', 'runs/log-metric', { run_id: runId, key: 'big', value: 'Infinity', timestamp: 1, step: 0 });
    await request('POST', 'runs/set-tag', { run_id: runId, key: 'team', value: 'ml' });
    const batch = await request('POST', 'runs/log-batch', {
      run_id: runId,
      // MLflow's limit is 1000 entities per batch in all: 998 metrics + 1 param + 1 tag.
      metrics: Array.from({ length: 998 }, (_, i) => ({ key: `m${i}`, value: i, timestamp: 5, step: 0 })),
      params: [{ key: 'depth', value: '3' }],
      tags: [{ key: 'stage', value: 'dev' }],
    });
    assert.equal(batch.status, 200);
    const run = engine.getRun(runId);
    assert.equal(run.params.lr, '0.1');
    assert.equal(run.params.depth, '3');
    assert.equal(run.metrics.loss, 0.5);
    assert.ok(Number.isNaN(run.metrics.weird));
    assert.equal(run.metrics.big, Infinity);
    assert.equal(run.metrics.m997, 997);
    assert.equal(run.tags.team, 'ml');
    assert.equal(run.tags.stage, 'dev');
    const hist = await request('GET', 'metrics/get-history', { run_id: runId, metric_key: 'loss' });
    assert.deepEqual(
      (hist.body.metrics as { step: number; value: number }[]).map((m) => [m.step, m.value]),
      [[0, 1.5], [1, 0.75], [2, 0.5]],
    );
    const got = await request('GET', 'runs/get', { run_id: runId });
    const info = (got.body.run as { info: Record<string, unknown> }).info;
    assert.equal(info.run_id, runId);
    assert.equal(info.run_uuid, runId);
    assert.equal(info.status, 'FINISHED');
    const metrics = (got.body.run as { data: { metrics: { key: string; value: unknown; step: number }[] } }).data.metrics;
    assert.deepEqual(metrics.find((m) => m.key === 'loss'), { key: 'loss', value: 0.5, timestamp: 1002, step: 2 });
    assert.equal(metrics.find((m) => m.key === 'weird')!.value, 'NaN');
  });

  test('the latest metric value is the one with the highest step, as in MLflow', async () => {
    await request('POST', 'runs/log-metric', { run_id: runId, key: 'acc', value: 0.9, timestamp: 10, step: 5 });
    await request('POST', 'runs/log-metric', { run_id: runId, key: 'acc', value: 0.1, timestamp: 20, step: 1 });
    assert.equal(engine.getRun(runId).metrics.acc, 0.9);
  });

  test('experiments and runs can be created and updated through the API', async () => {
    const created = await request('POST', 'experiments/create', { name: 'api-exp' });
    const expId = created.body.experiment_id as string;
    assert.equal((await request('GET', 'experiments/get-by-name', { experiment_name: 'api-exp' })).status, 200);
    const run = await request('POST', 'runs/create', { experiment_id: expId, run_name: 'outside', start_time: 123 });
    const id = ((run.body.run as { info: { run_id: string } }).info.run_id);
    assert.equal(engine.getRun(id).status, 'RUNNING');
    await request('POST', 'runs/update', { run_id: id, status: 'FINISHED', end_time: 456 });
    const r = engine.getRun(id);
    assert.equal(r.status, 'FINISHED');
    assert.equal(r.end_time, 456);
    assert.equal(r.run_name, 'outside');
    assert.equal((await request('POST', 'experiments/create', { name: 'api-exp' })).body.error_code, 'RESOURCE_ALREADY_EXISTS');
  });
});

describe('bad requests get MLflow error JSON and store nothing', () => {
  test('unknown run id', async () => {
    const r = await request('POST', 'runs/log-metric', { run_id: 'f'.repeat(32), key: 'x', value: 1, timestamp: 1 });
    assert.equal(r.status, 404);
    assert.equal(r.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
  });

  test('bad keys', async () => {
    for (const key of ['a\nb', '../up', 'x'.repeat(251), 'semi;colon']) {
      const r = await request('POST', 'runs/log-parameter', { run_id: runId, key, value: '1' });
      assert.equal(r.status, 400, key);
      const m = await request('POST', 'runs/log-metric', { run_id: runId, key, value: 1, timestamp: 1 });
      assert.equal(m.status, 400, key);
      assert.equal(m.body.error_code, 'INVALID_PARAMETER_VALUE');
    }
    assert.equal(Object.keys(engine.getRun(runId).metrics).some((k) => k.includes('..') || k.includes(';')), false);
  });

  test('changing a param value is refused', async () => {
    await request('POST', 'runs/log-parameter', { run_id: runId, key: 'frozen', value: 'a' });
    const r = await request('POST', 'runs/log-parameter', { run_id: runId, key: 'frozen', value: 'b' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE');
    assert.equal(engine.getRun(runId).params.frozen, 'a');
  });

  test('oversized batches are refused whole', async () => {
    const r = await request('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: Array.from({ length: 1001 }, (_, i) => ({ key: `over${i}`, value: i, timestamp: 1, step: 0 })),
    });
    assert.equal(r.status, 400);
    assert.equal(engine.getRun(runId).metrics.over0, undefined);
    const total = await request('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: Array.from({ length: 1000 }, (_, i) => ({ key: `tot${i}`, value: i, timestamp: 1, step: 0 })),
      tags: [{ key: 'one-too-many', value: 'x' }],
    });
    assert.equal(total.status, 400);
    assert.equal(engine.getRun(runId).metrics.tot0, undefined);
    const p = await request('POST', 'runs/log-batch', {
      run_id: runId,
      params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' })),
    });
    assert.equal(p.status, 400);
    assert.equal(engine.getRun(runId).params.p0, undefined);
  });

  test('a batch with one bad entry stores none of it', async () => {
    const r = await request('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: [{ key: 'good', value: 1, timestamp: 1, step: 0 }, { key: 'bad', value: 'abc', timestamp: 1, step: 0 }],
    });
    assert.equal(r.status, 400);
    assert.equal(engine.getRun(runId).metrics.good, undefined);
  });

  test('malformed JSON and unknown endpoints', async () => {
    const r = await request('POST', 'runs/log-metric', '{not json');
    assert.equal(r.status, 400);
    assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE');
    const u = await request('GET', 'runs/nonsense');
    assert.equal(u.status, 404);
    assert.equal(u.body.error_code, 'ENDPOINT_NOT_FOUND');
  });

  test('a missing or wrong token is 401; a foreign Host or Origin is 403', async () => {
    const noToken = await request('GET', 'runs/get', { run_id: runId }, { authorization: '' });
    assert.equal(noToken.status, 401);
    assert.equal(noToken.body.error_code, 'UNAUTHENTICATED');
    assert.equal((await request('GET', 'runs/get', { run_id: runId }, { authorization: 'Bearer nope' })).status, 401);
    assert.equal((await request('GET', 'runs/get', { run_id: runId }, { host: 'evil.example:80' })).status, 403);
    assert.equal((await request('GET', 'runs/get', { run_id: runId }, { origin: 'http://evil.example' })).status, 403);
  });
});
