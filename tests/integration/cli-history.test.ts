/**
 * The CLI's run housekeeping through the built CLI (`npm run build` first): `runs rename`, `runs
 * note`, `runs delete` / `restore`, `runs mark-failed`, `runs rerun -P`. Output, exit codes and the
 * history afterwards; bad input exits 2 with `error[CODE]` and changes nothing. And `runs list
 * --filter / --order-by / --max-results`: the history table's search (the UI's runs.search) with
 * its own sort keys (duration, experiment_name, …), giving the same runs in the same order.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createDispatcher, createHandlers } from '../../main/api/handlers.js';
import { Engine } from '../../main/engine/engine.js';
import type { CliResult } from '../helpers.js';
import { CLI, makeProject, runCli as cli, tempDir, waitUntil } from '../helpers.js';

const PROJECT = `name: demo
entry_points:
  main:
    parameters:
      a: {type: float, default: 1.5}
    command: "echo a={a}"
  wait:
    command: "sleep 300.3131"
`;

interface RunJson {
  run_id: string;
  run_name: string;
  status: string;
  lifecycle_stage: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  command: string;
  experiment_id: string;
  metrics: Record<string, number>;
}

function json<T>(r: CliResult): T {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

function assertInputError(r: CliResult, code: string, message: RegExp): void {
  assert.equal(r.code, 2, `exit 2 expected, got ${r.code}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`^error\\[${code}\\]: `));
  assert.match(r.stderr, message);
}

const home = tempDir('baton-cli-history-');
const dir = makeProject(PROJECT);
const show = async (id: string) => json<RunJson>(await cli(['runs', 'show', id, '--json'], { home }));

describe('baton runs housekeeping', () => {
  const ids: string[] = [];
  const children: number[] = [];
  after(() => {
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });

  test('setup: two finished runs', async () => {
    for (const a of ['1', '2']) ids.push(json<RunJson>(await cli(['run', dir, '-P', `a=${a}`, '--json'], { home })).run_id);
  });

  test('rename and note', async () => {
    const r = await cli(['runs', 'rename', ids[0]!.slice(0, 8), 'baseline'], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${ids[0]} renamed to 'baseline'\n`);
    let run = await show(ids[0]!);
    assert.equal(run.run_name, 'baseline');
    assert.equal(run.tags['mlflow.runName'], 'baseline');
    assert.equal((await cli(['runs', 'note', ids[0]!, 'first try'], { home })).stdout, `${ids[0]}: note set\n`);
    assert.equal((await show(ids[0]!)).tags['mlflow.note.content'], 'first try');
    assert.equal((await cli(['runs', 'note', ids[0]!, '--clear'], { home })).stdout, `${ids[0]}: note removed\n`);
    run = await show(ids[0]!);
    assert.equal(run.tags['mlflow.note.content'], undefined);
  });

  test('rename and note: bad input', async () => {
    assertInputError(await cli(['runs', 'rename', ids[0]!, '  '], { home }), 'USAGE', /name cannot be empty/);
    assertInputError(await cli(['runs', 'rename', ids[0]!], { home }), 'USAGE', /Missing argument: RUN_ID NAME/);
    assertInputError(await cli(['runs', 'note', ids[0]!], { home }), 'USAGE', /--clear/);
    assertInputError(await cli(['runs', 'note', ids[0]!, 'x', '--clear'], { home }), 'USAGE', /not both/);
    assertInputError(await cli(['runs', 'rename', 'ffffffffff', 'x'], { home }), 'RUN_NOT_FOUND', /ffffffffff/);
    assert.equal((await show(ids[0]!)).run_name, 'baseline', 'unchanged');
  });

  test('delete and restore', async () => {
    const bad = await cli(['runs', 'delete', ids[0]!, 'ffffffffff'], { home });
    assertInputError(bad, 'RUN_NOT_FOUND', /ffffffffff.*Nothing was changed/);
    assert.equal((await show(ids[0]!)).lifecycle_stage, 'active');
    const del = await cli(['runs', 'delete', ...ids], { home });
    assert.equal(del.stdout, '2 runs deleted\n', del.stderr);
    assert.deepEqual(json<RunJson[]>(await cli(['runs', 'list', '--json'], { home })), []);
    assert.equal(json<RunJson[]>(await cli(['runs', 'list', '--all', '--json'], { home })).length, 2);
    assert.equal((await cli(['runs', 'delete', ids[0]!], { home })).stdout, '0 runs deleted (1 already deleted)\n');
    assert.equal((await cli(['runs', 'restore', ...ids], { home })).stdout, '2 runs restored\n');
    assert.equal(json<RunJson[]>(await cli(['runs', 'list', '--json'], { home })).length, 2);
  });

  test('a running run cannot be deleted or marked failed; an ended one cannot be marked failed', async () => {
    const child = spawn(process.execPath, [CLI, 'run', dir, '-e', 'wait', '-q'], { env: { ...process.env, BATON_HOME: home }, stdio: 'ignore' });
    children.push(child.pid!);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const running = await waitUntil(async () => {
      const r = await cli(['runs', 'list', '--status', 'RUNNING', '--json'], { home });
      return json<RunJson[]>(r)[0] ?? null;
    }, 'the run to start');
    assertInputError(await cli(['runs', 'delete', ids[1]!, running.run_id], { home }), 'RUN_ACTIVE', /still going.*RUNNING/);
    assert.equal((await show(ids[1]!)).lifecycle_stage, 'active', 'nothing half-done');
    assertInputError(await cli(['runs', 'mark-failed', running.run_id], { home }), 'RUN_ACTIVE', /still alive/);
    assertInputError(await cli(['runs', 'mark-failed', ids[1]!], { home }), 'RUN_NOT_ACTIVE', /already ended \(FINISHED\)/);
    const cancel = await cli(['runs', 'cancel', running.run_id], { home });
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.equal(await exited, 1, 'the killed run makes baton run exit 1');
  });

  test('rerun -P replaces a parameter; a bad value is refused before anything runs', async () => {
    const r = json<RunJson>(await cli(['runs', 'rerun', ids[0]!, '-P', 'a=2.5', '--json', '-q'], { home }));
    assert.equal(r.status, 'FINISHED');
    assert.equal(r.params.a, '2.5');
    assert.equal(r.command, 'echo a=2.5');
    assert.equal(r.tags['baton.rerun_of'], ids[0]);
    const before = json<RunJson[]>(await cli(['runs', 'list', '--all', '--json'], { home })).length;
    assertInputError(await cli(['runs', 'rerun', ids[0]!, '-P', 'a=abc'], { home }), 'PARAM_INVALID', /a/);
    assertInputError(await cli(['runs', 'rerun', ids[0]!, '-P', 'noequals'], { home }), 'USAGE', /NAME=VALUE/);
    assert.equal(json<RunJson[]>(await cli(['runs', 'list', '--all', '--json'], { home })).length, before);
  });

  test('help lists the housekeeping commands', async () => {
    const r = await cli(['runs', '--help'], { home });
    for (const c of ['rename RUN_ID NAME', 'note RUN_ID TEXT', 'delete RUN_ID...', 'restore RUN_ID...', 'mark-failed RUN_ID', 'rerun RUN_ID [-P NAME=VALUE]']) {
      assert.ok(r.stdout.includes(c), `${c} in\n${r.stdout}`);
    }
  });
});

/**
 * `log.mjs SCORE TEAM WAIT_MS` logs the metric score and the tag team into its run through Baton's
 * MLflow REST API, then waits WAIT_MS (so the runs' durations differ by a clear margin).
 */
const LOG_MJS = `const post = async (endpoint, body) => {
  const r = await fetch(process.env.MLFLOW_TRACKING_URI.replace(/\\/$/, '') + '/api/2.0/mlflow/' + endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + process.env.MLFLOW_TRACKING_TOKEN },
    body: JSON.stringify({ run_id: process.env.MLFLOW_RUN_ID, ...body }),
  });
  if (!r.ok) throw new Error(endpoint + ': ' + r.status + ' ' + (await r.text()));
};
const [score, team, waitMs] = process.argv.slice(2);
await post('runs/log-metric', { key: 'score', value: Number(score), timestamp: Date.now(), step: 0 });
await post('runs/set-tag', { key: 'team', value: team });
await new Promise((r) => setTimeout(r, Number(waitMs)));
`;

const SEARCH_PROJECT = `name: search
entry_points:
  main:
    parameters:
      a: string
      score: float
      team: string
      wait_ms: {type: float, default: 0}
    command: "${process.execPath} log.mjs {score} {team} {wait_ms}"
`;

describe('baton runs list --filter / --order-by / --max-results', () => {
  const searchHome = tempDir('baton-cli-search-');
  const proj = makeProject(SEARCH_PROJECT, { 'log.mjs': LOG_MJS });
  /** r1, r2, r3 in start order; see the table in before(). */
  const r: string[] = [];
  const list = async (...args: string[]): Promise<string[]> =>
    json<RunJson[]>(await cli(['runs', 'list', ...args, '--json'], { home: searchHome })).map((x) => x.run_id);
  const failing = async (...args: string[]): Promise<CliResult> => cli(['runs', 'list', ...args, '--json'], { home: searchHome });

  before(async () => {
    // run  experiment  a  score  team  waits
    // r1   m-exp       1  0.5    red   700 ms
    // r2   a-exp       2  0.9    blue  0
    // r3   z-exp       3  0.1    red   350 ms
    for (const [a, exp, score, team, wait] of [
      ['1', 'm-exp', '0.5', 'red', '700'],
      ['2', 'a-exp', '0.9', 'blue', '0'],
      ['3', 'z-exp', '0.1', 'red', '350'],
    ] as const) {
      const run = json<RunJson>(
        await cli(['run', proj, '-P', `a=${a}`, '-P', `score=${score}`, '-P', `team=${team}`, '-P', `wait_ms=${wait}`, '--experiment-name', exp, '--json', '-q'], {
          home: searchHome,
        }),
      );
      assert.equal(run.status, 'FINISHED');
      assert.deepEqual(run.metrics, { score: Number(score) });
      assert.equal(run.tags.team, team);
      r.push(run.run_id);
    }
  });

  test('without --filter or --order-by: every run, newest first', async () => {
    assert.deepEqual(await list(), [r[2], r[1], r[0]]);
  });

  test('--filter with metrics, params and tags clauses selects the matching runs', async () => {
    assert.deepEqual(await list('--filter', 'metrics.score >= 0.5'), [r[1], r[0]]);
    assert.deepEqual(await list('--filter', "params.a = '3'"), [r[2]]);
    assert.deepEqual(await list('--filter', "tags.team = 'red'"), [r[2], r[0]]);
    assert.deepEqual(await list('--filter', "metrics.score > 0.2 and params.a != '2' and tags.team = 'red'"), [r[0]]);
    assert.deepEqual(await list('--filter', "tags.team = 'green'"), []);
    // --status and --experiment-name narrow the filter further.
    assert.deepEqual(await list('--filter', "tags.team = 'red'", '--status', 'finished', '--experiment-name', 'z-exp'), [r[2]]);
  });

  test('--order-by metrics.score DESC and ASC', async () => {
    assert.deepEqual(await list('--order-by', 'metrics.score DESC'), [r[1], r[0], r[2]]);
    assert.deepEqual(await list('--order-by', 'metrics.score ASC'), [r[2], r[0], r[1]]);
    assert.deepEqual(await list('--filter', "tags.team = 'red'", '--order-by', 'metrics.score DESC'), [r[0], r[2]]);
    assert.deepEqual(await list('--order-by', 'params.a DESC'), [r[2], r[1], r[0]]);
    assert.deepEqual(await list('--order-by', 'tags.team ASC', '--order-by', 'metrics.score ASC'), [r[1], r[2], r[0]]);
  });

  test("--order-by the history table's keys: duration, experiment_name (bare or attributes., any case)", async () => {
    assert.deepEqual(await list('--order-by', 'duration'), [r[1], r[2], r[0]]);
    assert.deepEqual(await list('--order-by', 'duration DESC'), [r[0], r[2], r[1]]);
    assert.deepEqual(await list('--order-by', 'experiment_name'), [r[1], r[0], r[2]]);
    assert.deepEqual(await list('--order-by', 'attributes.experiment_name desc'), [r[2], r[0], r[1]]);
    assert.deepEqual(await list('--filter', "tags.team = 'red'", '--order-by', 'DURATION ASC'), [r[2], r[0]]);
  });

  test('--max-results limits the list after ordering', async () => {
    assert.deepEqual(await list('--order-by', 'metrics.score DESC', '--max-results', '2'), [r[1], r[0]]);
    assert.deepEqual(await list('--order-by', 'duration DESC', '--max-results', '1'), [r[0]]);
    assert.deepEqual(await list('--max-results', '1'), [r[2]]);
  });

  test("the same runs in the same order as the UI's runs.search", async () => {
    const engine = Engine.open({ home: searchHome });
    try {
      const dispatch = createDispatcher(createHandlers(engine));
      for (const q of [
        { orderBy: ['duration DESC'] },
        { orderBy: ['experiment_name ASC'], filter: "tags.team = 'red'" },
        { orderBy: ['metrics.score DESC'], filter: "params.a != '1'" },
      ]) {
        const ui = await dispatch('runs.search', q);
        assert.ok(ui.ok, JSON.stringify(ui));
        const uiIds = (ui.value as { runs: { run_id: string }[] }).runs.map((x) => x.run_id);
        assert.deepEqual(await list(...(q.filter ? ['--filter', q.filter] : []), '--order-by', q.orderBy[0]!), uiIds, JSON.stringify(q));
      }
    } finally {
      await engine.close();
    }
  });

  test('a bad --filter is error[FILTER_INVALID] naming the position; exit 2, nothing on stdout', async () => {
    assertInputError(await failing('--filter', 'metrics.score >'), 'FILTER_INVALID', /Invalid filter 'metrics\.score >': expected a number for metrics\.score at position 15/);
    assertInputError(
      await failing('--filter', "params.a = '1' or params.a = '2'"),
      'FILTER_INVALID',
      /Invalid filter .* at position 15, found 'or'/,
    );
  });

  test('a bad --order-by key is error[FILTER_INVALID] naming it and the accepted keys; exit 2, nothing on stdout', async () => {
    const unknown = await failing('--order-by', 'durations DESC');
    assertInputError(unknown, 'FILTER_INVALID', /Invalid order_by 'durations DESC': unknown attribute at position 0, found 'durations'/);
    assert.match(unknown.stderr, /--order-by takes .*start_time.*duration, experiment_name, workflow_name, step_name, entry_point, metrics\.KEY, params\.KEY or tags\.KEY/);
    assertInputError(
      await failing('--order-by', 'duration DESC x'),
      'FILTER_INVALID',
      /Invalid order_by 'duration DESC x': expected the end of the order_by item at position 14, found 'x'/,
    );
    assertInputError(await failing('--order-by', 'metrics.score DOWN'), 'FILTER_INVALID', /expected ASC or DESC at position 14, found 'DOWN'/);
    assertInputError(await failing('--order-by', 'duration', '--order-by', 'duration DESC'), 'FILTER_INVALID', /duplicate column duration/);
    assertInputError(await failing('--max-results', '50001'), 'USAGE', /--max-results must be at most 50000, got 50001/);
  });
});
