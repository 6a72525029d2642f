/**
 * The CLI's run housekeeping through the built CLI (`npm run build` first): `runs rename`, `runs
 * note`, `runs delete` / `restore`, `runs mark-failed`, `runs rerun -P`. Output, exit codes and the
 * history afterwards; bad input exits 2 with `error[CODE]` and changes nothing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
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
