/** `baton server` and `--tracking-uri` through the real CLI. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { CLI, REPO_ROOT, makeProject, runCli, tempDir, waitUntil } from '../helpers.js';

describe('baton server', () => {
  test('prints the URI and token, serves the MLflow API with them, and stops on SIGTERM', async () => {
    const home = tempDir('baton-home-');
    const child = spawn(process.execPath, [CLI, 'server', '--port', '0'], {
      cwd: REPO_ROOT,
      env: { ...process.env, BATON_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const [, uri, token] = await waitUntil(
      () => /export MLFLOW_TRACKING_URI=(\S+)\nexport MLFLOW_TRACKING_TOKEN=(\S+)\n/.exec(out),
      'the server to print its address',
      20_000,
    );
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${uri}/api/2.0/mlflow/runs/create`, { method: 'POST', headers, body: JSON.stringify({ experiment_id: '0', run_name: 'from-outside' }) });
    assert.equal(created.status, 200);
    const runId = ((await created.json()) as { run: { info: { run_id: string } } }).run.info.run_id;
    const logged = await fetch(`${uri}/api/2.0/mlflow/runs/log-metric`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ run_id: runId, key: 'acc', value: 0.75, timestamp: 1, step: 0 }),
    });
    assert.equal(logged.status, 200);
    assert.equal((await fetch(`${uri}/api/2.0/mlflow/runs/get?run_id=${runId}`)).status, 401, 'no token, no answer');
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const shown = await runCli(['runs', 'show', runId, '--json'], { home });
    assert.equal(shown.code, 0, shown.stderr);
    const run = JSON.parse(shown.stdout) as { run_name: string; metrics: Record<string, number>; status: string };
    assert.equal(run.run_name, 'from-outside');
    assert.equal(run.metrics.acc, 0.75);
  });

  test('bad flags are usage errors', async () => {
    const home = tempDir('baton-home-');
    for (const args of [['server', '--port', 'abc'], ['server', '--port', '70000'], ['server', 'extra'], ['server', '--bogus']]) {
      const r = await runCli(args, { home });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^error\[USAGE\]: /);
    }
  });
});

describe('--tracking-uri', () => {
  test('an unreachable server fails with a clear one-line error, exit 1, and nothing recorded', async () => {
    const home = tempDir('baton-home-');
    const dir = makeProject('entry_points:\n  main:\n    command: "true"\n');
    const r = await runCli(['run', dir, '--tracking-uri', 'http://127.0.0.1:9', '--json'], { home });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error\[TRACKING_UNAVAILABLE\]: Cannot reach the MLflow tracking server at http:\/\/127\.0\.0\.1:9/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    const list = await runCli(['runs', 'list', '--json'], { home });
    assert.deepEqual(JSON.parse(list.stdout), []);
  });

  test('a URI that is not http(s) is a usage error (exit 2)', async () => {
    const home = tempDir('baton-home-');
    for (const args of [['runs', 'list', '--tracking-uri', 'file:///tmp/mlruns'], ['runs', 'list', '--tracking-uri=not a url'], ['runs', 'list', '--tracking-uri']]) {
      const r = await runCli(args, { home });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^error\[USAGE\]: .*(tracking|Tracking)/);
    }
  });
});
