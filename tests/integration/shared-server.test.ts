/**
 * Baton with a shared MLflow tracking server: a real `mlflow server` (SQLite backend, loopback).
 * Runs are created there, the steps' mlflow clients log there directly, the local record mirrors
 * them, references and caching work the same; failures are clear errors that lose nothing. The
 * embedded server's answers to bad requests are compared with the real server's.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../../common/errors.js';
import type { Engine } from '../../main/engine/engine.js';
import { REPO_ROOT, makeProject, openEngine, tempDir, waitUntil, writeFiles } from '../helpers.js';
import { mlflowCli, mlflowPython, readLoggingResult, skipWithoutMlflow } from './mlflow-env.js';

const PYTHON = mlflowPython();
const SKIP = skipWithoutMlflow(PYTHON);

let server: ChildProcess | null = null;
let serverUri = '';
const engines: Engine[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  if (SKIP) return;
  const dir = tempDir('baton-mlflow-server-');
  const port = await freePort();
  server = spawn(
    mlflowCli(),
    ['server', '--backend-store-uri', `sqlite:///${dir}/mlflow.db`, '--artifacts-destination', path.join(dir, 'artifacts'), '--host', '127.0.0.1', '--port', String(port), '--workers', '1'],
    { cwd: dir, stdio: 'ignore', detached: true },
  );
  serverUri = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      try {
        return (await fetch(`${serverUri}/health`)).ok;
      } catch {
        return false;
      }
    },
    'mlflow server to start',
    90_000,
  );
});

after(async () => {
  for (const e of engines) await e.close();
  if (server?.pid) {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
});

function engine(opts: Parameters<typeof openEngine>[0] = {}): Engine {
  const e = openEngine({ trackingUri: serverUri, ...opts });
  engines.push(e);
  return e;
}

async function mlflowGet<T>(endpoint: string, query: Record<string, string>): Promise<T> {
  const res = await fetch(`${serverUri}/api/2.0/mlflow/${endpoint}?${new URLSearchParams(query).toString()}`);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as T;
}

interface WireRun {
  info: { run_id: string; status: string; experiment_id: string };
  data: { params?: { key: string; value: string }[]; metrics?: { key: string; value: number }[]; tags?: { key: string; value: string }[] };
}

const LOGGING_SCRIPT = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'fixtures', 'mlflow_logging.py'), 'utf8');

describe('shared-server mode against a real mlflow server', { skip: SKIP }, () => {
  test('the same logging script: runs are created on the server, logged there, and mirrored locally', async () => {
    const e = engine();
    const dir = makeProject(`name: shared\nentry_points:\n  main:\n    parameters:\n      depth: {type: int, default: 3}\n    command: "${PYTHON} script.py"\n`, {
      'script.py': LOGGING_SCRIPT,
    });
    const sub = await e.runProject({ uri: dir, experimentName: 'team-exp', parameters: { depth: '5' } });
    assert.equal(await sub.wait(), true, fs.readFileSync(e.logPath(sub.runId)!, 'utf8'));
    const result = readLoggingResult(dir);
    assert.equal(result.run_id, sub.runId, 'the client logged into the run Baton created on the server');
    assert.deepEqual(result.found, [sub.runId]);
    assert.deepEqual(result.artifacts, ['model/model.txt']);
    assert.equal(result.metric_count, 2 + 1200);

    // The server holds it all, with Baton's final status and system tags.
    const { run } = await mlflowGet<{ run: WireRun }>('runs/get', { run_id: sub.runId });
    assert.equal(run.info.status, 'FINISHED');
    const remoteParams = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
    assert.deepEqual(remoteParams, { depth: '5', alpha: '0.5', name: 'a b; c' });
    const remoteTags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    assert.equal(remoteTags['mlflow.source.type'], 'PROJECT');
    assert.equal(remoteTags['mlflow.project.entryPoint'], 'main');
    assert.equal(remoteTags.team, 'ml');
    const { experiment } = await mlflowGet<{ experiment: { experiment_id: string } }>('experiments/get-by-name', { experiment_name: 'team-exp' });
    assert.equal(run.info.experiment_id, experiment.experiment_id);
    assert.equal(result.experiment_id, experiment.experiment_id);

    // The local record mirrors it value for value; the full history comes from the server on demand.
    const local = e.getRun(sub.runId);
    assert.equal(local.status, 'FINISHED');
    assert.deepEqual(local.params, remoteParams);
    assert.deepEqual(result.params, remoteParams);
    assert.equal(local.metrics.loss, 0.25);
    assert.ok(Number.isNaN(local.metrics.odd));
    assert.equal(local.metrics.m1199, 119.9);
    assert.equal(Object.keys(local.metrics).length, 2 + 1200);
    assert.equal(local.tags.team, 'ml');
    assert.equal(local.tags['baton.tracking_uri'], serverUri);
    const history = (await e.metricHistory(sub.runId, 'loss')).map((m) => [m.step, m.value, m.timestamp]);
    assert.deepEqual(history, result.history);
    assert.deepEqual(e.store.metricHistory(sub.runId, 'loss').map((m) => [m.step, m.value, m.timestamp]), result.history);
  });

  test('references and caching work the same in a workflow', async () => {
    const e = engine();
    const proj = makeProject(
      `name: wf\nentry_points:\n  train:\n    command: "${PYTHON} train.py"\n  gate:\n    parameters:\n      rmse: float\n      src: string\n    command: "echo {rmse} {src}"\n`,
      { 'train.py': 'import mlflow\nwith mlflow.start_run():\n    mlflow.log_metric("rmse", 0.375)\n' },
    );
    const wf = writeFiles(tempDir(), {
      'wf.yaml': `version: 1\nname: shared-flow\nsteps:\n  train:\n    project: ${proj}\n    entry_point: train\n  gate:\n    project: ${proj}\n    entry_point: gate\n    parameters:\n      rmse: \${{ steps.train.metrics.rmse }}\n      src: \${{ steps.train.run_id }}\n`,
    });
    const first = await (await e.startWorkflow(path.join(wf, 'wf.yaml'))).wait();
    assert.equal(first.status, 'FINISHED', JSON.stringify(first.steps));
    assert.equal(e.getRun(first.steps.gate!.run_id!).params.rmse, '0.375');
    const second = await (await e.startWorkflow(path.join(wf, 'wf.yaml'))).wait();
    assert.equal(second.steps.train!.status, 'CACHED');
    assert.equal(second.steps.train!.run_id, first.steps.train!.run_id);
    assert.equal(second.steps.gate!.status, 'CACHED');
    const { run } = await mlflowGet<{ run: WireRun }>('runs/get', { run_id: first.steps.gate!.run_id! });
    assert.equal(run.info.status, 'FINISHED');
  });

  test('an unreachable server is a clear error and nothing is recorded', async () => {
    const port = await freePort();
    const e = openEngine({ trackingUri: `http://127.0.0.1:${port}`, trackingTimeoutMs: 2000 });
    engines.push(e);
    const dir = makeProject('entry_points:\n  main:\n    command: "true"\n');
    await assert.rejects(e.runProject({ uri: dir }), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'TRACKING_UNAVAILABLE');
      assert.match(err.message, new RegExp(`Cannot reach the MLflow tracking server at http://127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
      return true;
    });
    assert.deepEqual(e.listRuns(), []);
  });

  test('a server that never answers times out with a clear error', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const e = openEngine({ trackingUri: `http://127.0.0.1:${port}`, trackingTimeoutMs: 500 });
      engines.push(e);
      await assert.rejects(e.runProject({ uri: makeProject('entry_points:\n  main:\n    command: "true"\n') }), {
        code: 'TRACKING_UNAVAILABLE',
        message: /no answer within 0\.5 s/,
      });
      assert.deepEqual(e.listRuns(), []);
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });
});

describe('shared-server mode against a token-protected server (Baton as the shared server)', () => {
  test('a wrong token is TRACKING_AUTH; the right one works', async () => {
    const shared = openEngine();
    engines.push(shared);
    const t = await shared.trackingEndpoint();
    const saved = process.env.MLFLOW_TRACKING_TOKEN;
    try {
      process.env.MLFLOW_TRACKING_TOKEN = 'wrong';
      const bad = openEngine({ trackingUri: t.uri });
      engines.push(bad);
      await assert.rejects(bad.runProject({ uri: makeProject('entry_points:\n  main:\n    command: "true"\n') }), {
        code: 'TRACKING_AUTH',
        message: /refused the request \(401\)/,
      });
      assert.deepEqual(bad.listRuns(), []);

      process.env.MLFLOW_TRACKING_TOKEN = t.token!;
      const good = openEngine({ trackingUri: t.uri });
      engines.push(good);
      const dir = makeProject('entry_points:\n  main:\n    command: "echo $MLFLOW_TRACKING_URI > uri.txt"\n');
      const sub = await good.runProject({ uri: dir });
      assert.equal(await sub.wait(), true);
      assert.equal(fs.readFileSync(path.join(dir, 'uri.txt'), 'utf8').trim(), t.uri);
      assert.equal(shared.getRun(sub.runId).status, 'FINISHED', 'the shared server holds the run and its final status');
      assert.equal(good.getRun(sub.runId).status, 'FINISHED', 'and so does the local record');
    } finally {
      if (saved === undefined) delete process.env.MLFLOW_TRACKING_TOKEN;
      else process.env.MLFLOW_TRACKING_TOKEN = saved;
    }
  });

  test('the server going away mid-run never loses the local record', async () => {
    const shared = openEngine();
    const t = await shared.trackingEndpoint();
    const saved = process.env.MLFLOW_TRACKING_TOKEN;
    process.env.MLFLOW_TRACKING_TOKEN = t.token!;
    try {
      const e = openEngine({ trackingUri: t.uri, trackingTimeoutMs: 2000 });
      engines.push(e);
      const dir = makeProject('entry_points:\n  main:\n    command: "while [ ! -f go ]; do sleep 0.05; done"\n');
      const sub = await e.runProject({ uri: dir });
      await shared.close(); // the shared server stops while the step runs
      fs.writeFileSync(path.join(dir, 'go'), '');
      assert.equal(await sub.wait(), true);
      const local = e.getRun(sub.runId);
      assert.equal(local.status, 'FINISHED');
      assert.equal(local.exit_code, 0);
      assert.match(local.tags['baton.remote_error']!, /Cannot reach the MLflow tracking server/);
    } finally {
      if (saved === undefined) delete process.env.MLFLOW_TRACKING_TOKEN;
      else process.env.MLFLOW_TRACKING_TOKEN = saved;
    }
  });
});

describe("the embedded server answers bad requests as MLflow's server does", { skip: SKIP }, () => {
  test('same HTTP status and error_code for each bad request', async () => {
    const e = openEngine();
    engines.push(e);
    const baton = await e.trackingEndpoint();
    const targets = [
      { name: 'mlflow', base: serverUri, headers: {} as Record<string, string> },
      { name: 'baton', base: baton.uri, headers: { authorization: `Bearer ${baton.token}` } },
    ];
    const answers: Record<string, [number, string | null][]> = {};
    for (const t of targets) {
      const post = async (endpoint: string, body: unknown, type = 'application/json'): Promise<[number, string | null]> => {
        const res = await fetch(`${t.base}/api/2.0/mlflow/${endpoint}`, {
          method: 'POST',
          headers: { ...t.headers, 'content-type': type },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        });
        const text = await res.text();
        let code: string | null = null;
        try {
          code = (JSON.parse(text) as { error_code?: string }).error_code ?? null;
        } catch {
          code = null; // MLflow answers unknown endpoints with an HTML page
        }
        return [res.status, code];
      };
      const created = await fetch(`${t.base}/api/2.0/mlflow/runs/create`, {
        method: 'POST',
        headers: { ...t.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ experiment_id: '0' }),
      });
      const runId = ((await created.json()) as { run: WireRun }).run.info.run_id;
      await post('runs/log-parameter', { run_id: runId, key: 'p', value: '1' });
      answers[t.name] = [
        await post('runs/log-metric', { run_id: 'f'.repeat(32), key: 'x', value: 1, timestamp: 1 }),
        await post('runs/log-metric', { run_id: runId, key: '../up', value: 1, timestamp: 1 }),
        await post('runs/log-metric', { run_id: runId, key: 'a;b', value: 1, timestamp: 1 }),
        await post('runs/log-metric', { run_id: runId, key: 'x', value: 'abc', timestamp: 1 }),
        await post('runs/log-metric', { run_id: runId, key: 'x', timestamp: 1 }),
        await post('runs/log-metric', { run_id: runId, key: 'x', value: 'NaN', timestamp: 1 }),
        await post('runs/log-parameter', { run_id: runId, key: 'p', value: '2' }),
        await post('runs/log-batch', { run_id: runId, metrics: Array.from({ length: 1001 }, (_, i) => ({ key: `k${i}`, value: 1, timestamp: 1, step: 0 })) }),
        await post('runs/search', { experiment_ids: ['0'], filter: 'metrics.x <> 1' }),
        await post('runs/log-metric', '{not json'),
        await post('runs/log-metric', { run_id: runId, key: 'x', value: 1, timestamp: 1 }, 'text/plain'),
        (await post('runs/no-such-endpoint', {})).slice(0, 1).concat([null]) as [number, string | null],
      ];
    }
    assert.deepEqual(answers.baton, answers.mlflow);
  });
});
