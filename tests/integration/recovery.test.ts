/**
 * If Baton itself dies, nothing is lost: the next Baton settles runs whose process is gone (from the
 * exit code the launcher recorded, or FAILED with a tag saying why) and reattaches to a process that
 * is still alive, which it can then watch to the end or cancel.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { Engine } from '../../main/engine/engine.js';
import { Store } from '../../main/engine/store/store.js';
import { REPO_ROOT, makeProject, openEngine, pidAlive, tempDir, waitUntil, writeFiles } from '../helpers.js';

const SUPERVISOR = path.join(REPO_ROOT, 'tests', 'fixtures', 'supervisor.ts');
const engines: Engine[] = [];
after(async () => {
  for (const e of engines) await e.close();
});

/** Starts a Baton process on `home`, waits for its first line, SIGKILLs it, and returns that line. */
async function crashAfterStart(home: string, args: string[]): Promise<{ runId: string; workflowRunId?: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SUPERVISOR, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, BATON_HOME: home },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const line = await waitUntil(() => out.includes('\n') && out.slice(0, out.indexOf('\n')), 'the supervisor to start a run', 30_000);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return JSON.parse(line) as { runId: string; workflowRunId?: string };
}

function reopen(home: string): Engine {
  const e = openEngine({ home });
  engines.push(e);
  return e;
}

describe('recovery after Baton dies', () => {
  test('a step still running is reattached, watched to its end and settled from its exit code', async () => {
    const home = tempDir('baton-home-');
    const dir = makeProject(null, { 'slow.sh': 'while [ ! -f go ]; do sleep 0.05; done; echo done; exit 0\n' });
    const { runId } = await crashAfterStart(home, ['run', dir, 'slow.sh']);
    const e = reopen(home);
    assert.deepEqual(e.recovery.reattached, [runId]);
    assert.equal(e.getRun(runId).status, 'RUNNING');
    fs.writeFileSync(path.join(dir, 'go'), '');
    assert.equal(await e.submitted(runId).wait(), true);
    const run = e.getRun(runId);
    assert.equal(run.status, 'FINISHED');
    assert.equal(run.exit_code, 0);
    assert.equal(run.tags['baton.reattached'], 'true');
    assert.equal(fs.readFileSync(e.logPath(runId)!, 'utf8'), 'done\n', 'output written while no Baton watched is kept');
  });

  test('a reattached step can be cancelled and nothing is left behind', async () => {
    const home = tempDir('baton-home-');
    const dir = makeProject(null, { 'hang.sh': 'sleep 300 & echo $! > child.pid; wait\n' });
    const { runId } = await crashAfterStart(home, ['run', dir, 'hang.sh']);
    const childPid = Number(await waitUntil(() => fs.existsSync(path.join(dir, 'child.pid')) && fs.readFileSync(path.join(dir, 'child.pid'), 'utf8').trim(), 'child pid'));
    const e = reopen(home);
    assert.deepEqual(e.recovery.reattached, [runId]);
    assert.equal(await e.cancelRun(runId), 'KILLED');
    assert.equal(e.getRun(runId).status, 'KILLED');
    assert.equal(pidAlive(childPid), false);
  });

  test('a step that ended while no Baton watched is settled from the exit code it left', async () => {
    const home = tempDir('baton-home-');
    const dir = makeProject(null, { 'quick.sh': 'while [ ! -f go ]; do sleep 0.05; done; exit 4\n' });
    const { runId } = await crashAfterStart(home, ['run', dir, 'quick.sh']);
    fs.writeFileSync(path.join(dir, 'go'), '');
    const exitFile = path.join(home, 'runs', runId, 'exit_code');
    await waitUntil(() => fs.existsSync(exitFile) && fs.readFileSync(exitFile, 'utf8') === '4', 'the step to end');
    await waitUntil(() => !groupAlive(runId, home), 'the step process to be reaped');
    const e = reopen(home);
    assert.equal(e.recovery.settled.length, 1);
    const run = e.getRun(runId);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.exit_code, 4);
    assert.match(run.tags['baton.settled']!, /exit code 4/);
  });

  test('a step whose process vanished without an exit code is FAILED with a tag saying why', async () => {
    const home = tempDir('baton-home-');
    const dir = makeProject(null, { 'hang.sh': 'echo $$ > self.pid; sleep 300\n' });
    const { runId } = await crashAfterStart(home, ['run', dir, 'hang.sh']);
    const pgid = await waitUntil(() => pgidOf(home, runId), 'pid recorded');
    process.kill(-pgid, 'SIGKILL'); // the whole group, launcher included: no exit code is written
    await waitUntil(() => !pidAlive(pgid), 'the group to die');
    const e = reopen(home);
    const run = e.getRun(runId);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.exit_code, null);
    assert.match(run.tags['baton.settled']!, /exit code is unknown/);
  });

  test('a workflow run whose Baton died is settled and can be resumed', async () => {
    const home = tempDir('baton-home-');
    const proj = makeProject(null, { 'a.sh': 'echo a\n', 'b.sh': 'sleep 300\n', 'c.sh': 'echo c\n' });
    const wf = writeFiles(tempDir(), {
      'wf.yaml': `version: 1\nname: crash\nsteps:\n  a:\n    project: ${proj}\n    entry_point: a.sh\n  b:\n    project: ${proj}\n    entry_point: b.sh\n    needs: [a]\n  c:\n    project: ${proj}\n    entry_point: c.sh\n    needs: [b]\n`,
    });
    const child = spawn(process.execPath, ['--import', 'tsx', SUPERVISOR, 'workflow', path.join(wf, 'wf.yaml')], {
      cwd: REPO_ROOT,
      env: { ...process.env, BATON_HOME: home },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const lines = await waitUntil(() => {
      const l = out.split('\n').filter(Boolean);
      return l.length >= 2 && l;
    }, 'step b to start', 30_000);
    const { workflowRunId, runId: bRun } = JSON.parse(lines[1]!) as { workflowRunId: string; runId: string };
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const pgid = await waitUntil(() => pgidOf(home, bRun), 'pid of b');
    process.kill(-pgid, 'SIGKILL');
    await waitUntil(() => !pidAlive(pgid), 'b to die');

    const e = reopen(home);
    assert.deepEqual(e.recovery.workflowRuns, [workflowRunId]);
    const settled = e.store.getWorkflowRun(workflowRunId)!;
    assert.equal(settled.status, 'FAILED');
    assert.equal(settled.steps.a!.status, 'FINISHED');
    assert.equal(settled.steps.b!.status, 'FAILED');
    assert.equal(settled.steps.c!.status, 'SKIPPED');
    fs.writeFileSync(path.join(proj, 'b.sh'), 'echo b\n');
    const resumed = await (await e.resumeWorkflow(workflowRunId)).wait();
    assert.equal(resumed.status, 'FINISHED');
    assert.equal(resumed.steps.a!.status, 'CACHED');
    assert.equal(resumed.steps.a!.run_id, settled.steps.a!.run_id);
    assert.equal(resumed.steps.b!.status, 'FINISHED');
    assert.equal(resumed.steps.c!.status, 'FINISHED');
  });
});

/** Reads the run's pid straight from the history (an Engine would already recover on open). */
function pgidOf(home: string, runId: string): number | null {
  const store = new Store(path.join(home, 'baton.db'), path.join(home, 'artifacts'));
  try {
    return store.runProcess(runId)?.pid ?? null;
  } finally {
    store.close();
  }
}

function groupAlive(runId: string, home: string): boolean {
  const pgid = pgidOf(home, runId);
  if (!pgid) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
