/**
 * Project runs through the engine: MLflow's launch semantics (bash -c in the project folder, its
 * environment variables and tags, statuses from the exit code) and where Baton does better
 * (validation before a run exists, params as given, process-tree cancel).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { AppError } from '../../common/errors.js';
import type { RunStatus } from '../../common/types.js';
import type { Engine } from '../../main/engine/engine.js';
import { makeProject, openEngine, pidAlive, tempDir, waitUntil } from '../helpers.js';

const engines: Engine[] = [];
function engine(opts: Parameters<typeof openEngine>[0] = {}): Engine {
  const e = openEngine(opts);
  engines.push(e);
  return e;
}
after(async () => {
  for (const e of engines) await e.close();
});

/** An MLproject whose entry points dump what they received into files in the project folder. */
const DUMP = `
name: dump
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      name: string
    command: "printf '%s\\n' \\"$@\\" > /dev/null; python dump.py {alpha} {name}"
  envs:
    command: "env | grep ^MLFLOW_ | sort > env.txt; pwd > cwd.txt"
  fail:
    command: "echo failing >&2; exit 3"
  typed:
    parameters:
      n: int
      x: float
      p: path
      u: uri
    command: "echo {n} {x} {p} {u}"
`;
const DUMP_PY = `import json, sys\nopen('argv.json', 'w').write(json.dumps(sys.argv[1:]))\n`;

function project(): string {
  return makeProject(DUMP, { 'dump.py': DUMP_PY });
}

describe('runProject', () => {
  test('runs an entry point and returns an MLflow-shaped run object', async () => {
    const e = engine();
    const dir = project();
    const statuses: RunStatus[] = [];
    e.events.on('run.updated', (ev) => statuses.push(ev.status));
    const sub = await e.runProject({ uri: dir, parameters: { name: 'bob' } });
    assert.match(sub.runId, /^[0-9a-f]{32}$/);
    assert.equal(await sub.wait(), true);
    assert.equal(sub.getStatus(), 'FINISHED');
    assert.deepEqual(statuses, ['SCHEDULED', 'RUNNING', 'FINISHED']);
    const run = e.getRun(sub.runId);
    assert.equal(run.exit_code, 0);
    assert.equal(run.entry_point, 'main');
    assert.equal(run.experiment_id, '0');
    assert.ok(run.start_time! <= run.end_time!);
    assert.ok(run.end_time! - Date.now() < 1000, 'times are in milliseconds');
    assert.deepEqual(run.params, { alpha: '0.5', name: 'bob' });
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'argv.json'), 'utf8')), ['0.5', 'bob']);
    assert.ok(fs.statSync(run.artifact_dir).isDirectory());
    assert.equal(run.artifact_uri, `file://${run.artifact_dir}`);
  });

  test('gives the child MLflow environment variables and runs it in the project folder', async () => {
    const e = engine();
    const dir = project();
    const sub = await e.runProject({ uri: dir, entryPoint: 'envs', experimentName: 'exp-a' });
    assert.equal(await sub.wait(), true);
    const env = Object.fromEntries(
      fs
        .readFileSync(path.join(dir, 'env.txt'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const run = e.getRun(sub.runId);
    assert.equal(env.MLFLOW_RUN_ID, sub.runId);
    assert.equal(env.MLFLOW_EXPERIMENT_ID, run.experiment_id);
    assert.notEqual(run.experiment_id, '0', 'a new experiment was created for the name');
    assert.match(env.MLFLOW_TRACKING_URI!, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(env.MLFLOW_TRACKING_TOKEN!, /^[0-9a-f]{48}$/);
    assert.equal(fs.readFileSync(path.join(dir, 'cwd.txt'), 'utf8').trim(), dir);
  });

  test('sets the run tags MLflow sets on a project run', async () => {
    const e = engine();
    const dir = project();
    const sub = await e.runProject({ uri: dir, entryPoint: 'envs', runName: 'my-run' });
    await sub.wait();
    const { tags, run_name } = e.getRun(sub.runId);
    assert.equal(run_name, 'my-run');
    assert.equal(tags['mlflow.runName'], 'my-run');
    assert.equal(tags['mlflow.source.type'], 'PROJECT');
    assert.equal(tags['mlflow.source.name'], dir);
    assert.equal(tags['mlflow.project.entryPoint'], 'envs');
    assert.equal(tags['mlflow.project.backend'], 'local');
    assert.ok(tags['mlflow.user']);
    assert.equal(tags['mlflow.source.git.commit'], undefined, 'not a git repository');
  });

  test('adds git commit, branch and repo URL tags when the project is in a git repository', async () => {
    const e = engine();
    const dir = project();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
    git('init', '-q', '-b', 'trunk');
    git('config', 'user.email', 't@example.com');
    git('config', 'user.name', 'T');
    git('remote', 'add', 'origin', 'https://example.com/team/proj.git');
    git('add', '.');
    git('commit', '-qm', 'init');
    const sub = await e.runProject({ uri: dir, entryPoint: 'envs' });
    await sub.wait();
    const { tags } = e.getRun(sub.runId);
    assert.equal(tags['mlflow.source.git.commit'], git('rev-parse', 'HEAD'));
    assert.equal(tags['mlflow.source.git.branch'], 'trunk');
    assert.equal(tags['mlflow.source.git.repoURL'], 'https://example.com/team/proj.git');
    assert.equal(tags['mlflow.source.name'], 'https://example.com/team/proj.git');
  });

  test('a non-zero exit code ends the run FAILED and wait() resolves false', async () => {
    const e = engine();
    const sub = await e.runProject({ uri: project(), entryPoint: 'fail' });
    assert.equal(await sub.wait(), false);
    const run = e.getRun(sub.runId);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.exit_code, 3);
    assert.equal(fs.readFileSync(e.logPath(sub.runId)!, 'utf8'), 'failing\n');
  });

  test('streams output as events while the run is live', async () => {
    const e = engine();
    const dir = makeProject('entry_points:\n  main:\n    command: "for i in 1 2 3; do echo line$i; sleep 0.05; done"\n');
    let text = '';
    e.events.on('run.logAppended', (ev) => (text += ev.text));
    const sub = await e.runProject({ uri: dir });
    await sub.wait();
    assert.equal(text, 'line1\nline2\nline3\n');
  });
});

describe('Baton is stricter and safer than MLflow', () => {
  test('logs params as given, not in their shell-quoted form', async () => {
    const e = engine();
    const dir = project();
    const sub = await e.runProject({ uri: dir, parameters: { name: 'a b', extra: "it's" } });
    await sub.wait();
    const run = e.getRun(sub.runId);
    assert.deepEqual(run.params, { alpha: '0.5', name: 'a b', extra: "it's" });
    assert.match(run.command, /'a b'/);
    assert.match(run.command, / --extra 'it'"'"'s'$/);
  });

  test('a value with shell syntax reaches the script as one argument and never runs', async () => {
    const e = engine();
    const dir = project();
    const marker = path.join(tempDir(), 'pwned');
    const value = `x; touch ${marker}; $(touch ${marker}) \`touch ${marker}\``;
    const sub = await e.runProject({ uri: dir, parameters: { name: value } });
    assert.equal(await sub.wait(), true);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'argv.json'), 'utf8')), ['0.5', value]);
    assert.equal(fs.existsSync(marker), false);
  });

  test('every validation happens before a run is created', async () => {
    const e = engine();
    const dir = project();
    const cases: [Parameters<Engine['runProject']>[0], string, RegExp][] = [
      [{ uri: dir, entryPoint: 'typed' }, 'PARAM_MISSING', /No value given for missing parameters: 'n', 'x', 'p', 'u'/],
      [
        { uri: dir, entryPoint: 'typed', parameters: { n: '1.5', x: 'abc', p: '.', u: 'http://x' } },
        'PARAM_INVALID',
        /Parameter n has type int, but "1\.5"[\s\S]*Parameter x has type float, but "abc"/,
      ],
      [{ uri: dir, entryPoint: 'typed', parameters: { n: '1', x: '2', p: 'no/such/file', u: 'http://x' } }, 'PARAM_INVALID', /no such file or directory/],
      [{ uri: dir, entryPoint: 'typed', parameters: { n: '1', x: '2', p: '.', u: 'relative/path' } }, 'PARAM_INVALID', /Expected URI for parameter u/],
      [{ uri: dir, parameters: { name: 'a', 'bad key': '1' } }, 'PARAM_NAME_INVALID', /bad key/],
      [{ uri: dir, entryPoint: 'nope' }, 'ENTRY_POINT_NOT_FOUND', /Could not find nope among entry points/],
      [{ uri: path.join(dir, 'missing') }, 'MLPROJECT_NOT_FOUND', /missing/],
    ];
    for (const [req, code, message] of cases) {
      await assert.rejects(e.runProject(req), (err: unknown) => {
        assert.ok(err instanceof AppError, String(err));
        assert.equal(err.code, code, err.message);
        assert.match(err.message, message);
        return true;
      });
    }
    assert.deepEqual(e.listRuns(), []);
  });

  test('path values are made absolute relative to the base folder', async () => {
    const e = engine();
    const dir = project();
    const base = tempDir();
    fs.writeFileSync(path.join(base, 'data.csv'), 'x');
    const sub = await e.runProject({ uri: dir, entryPoint: 'typed', parameters: { n: '1', x: '1e3', p: 'data.csv', u: 's3://b/k' }, baseDir: base });
    await sub.wait();
    const run = e.getRun(sub.runId);
    assert.equal(run.params.p, path.join(base, 'data.csv'));
    assert.equal(run.params.x, '1e3');
  });

  test('cancel() stops the whole process tree and the run ends KILLED', async () => {
    const e = engine({ graceMs: 300 });
    const dir = makeProject(
      `entry_points:\n  main:\n    command: "trap '' TERM; sleep 300 & echo $! > child.pid; echo $$ > self.pid; wait; wait"\n`,
    );
    const sub = await e.runProject({ uri: dir });
    const childPid = Number(await waitUntil(() => fs.existsSync(path.join(dir, 'child.pid')) && fs.readFileSync(path.join(dir, 'child.pid'), 'utf8').trim(), 'child pid'));
    const selfPid = Number(fs.readFileSync(path.join(dir, 'self.pid'), 'utf8'));
    assert.ok(pidAlive(childPid) && pidAlive(selfPid));
    await sub.cancel();
    assert.equal(sub.getStatus(), 'KILLED');
    assert.equal(await sub.wait(), false);
    // The shell ignored SIGTERM, so it took the SIGKILL after the grace period; nothing is left.
    assert.equal(pidAlive(childPid), false);
    assert.equal(pidAlive(selfPid), false);
  });

  test('a run can be cancelled from another engine on the same history (another process)', async () => {
    const home = tempDir('baton-home-');
    const a = engine({ home });
    const dir = makeProject('entry_points:\n  main:\n    command: "sleep 300"\n');
    const sub = await a.runProject({ uri: dir });
    await waitUntil(() => sub.getStatus() === 'RUNNING', 'running');
    const b = engine({ home });
    assert.equal(b.recovery.reattached.length + b.recovery.settled.length, 0, 'a live supervisor keeps its runs');
    assert.equal(await b.cancelRun(sub.runId.slice(0, 8)), 'KILLED');
    assert.equal(await sub.wait(), false);
    assert.equal(a.getRun(sub.runId).status, 'KILLED');
  });
});

describe('implicit entry points and folders without MLproject', () => {
  test('.py files run with python and every parameter appended', async () => {
    const e = engine();
    const dir = makeProject(null, { 'train.py': DUMP_PY });
    const sub = await e.runProject({ uri: dir, entryPoint: 'train.py', parameters: { lr: '0.1', name: 'a b' } });
    assert.equal(await sub.wait(), true);
    const run = e.getRun(sub.runId);
    assert.equal(run.command, "python train.py --lr 0.1 --name 'a b'");
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'argv.json'), 'utf8')), ['--lr', '0.1', '--name', 'a b']);
  });

  test('.sh files run with $SHELL (or bash)', async () => {
    const e = engine();
    const dir = makeProject(null, { 'go.sh': 'echo "sh:$1:$2" > out.txt\n' });
    const sub = await e.runProject({ uri: dir, entryPoint: 'go.sh', parameters: { k: 'v' } });
    assert.equal(await sub.wait(), true);
    assert.equal(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8'), 'sh:--k:v\n');
  });
});

describe('rerun', () => {
  test('runs again with the same parameters and experiment, tagged with the original', async () => {
    const e = engine();
    const dir = project();
    const first = await e.runProject({ uri: dir, parameters: { name: 'x y' }, experimentName: 'rerun-exp' });
    await first.wait();
    const again = await e.rerun(first.runId);
    assert.equal(await again.wait(), true);
    const a = e.getRun(first.runId);
    const b = e.getRun(again.runId);
    assert.notEqual(a.run_id, b.run_id);
    assert.deepEqual(b.params, a.params);
    assert.equal(b.experiment_id, a.experiment_id);
    assert.equal(b.command, a.command);
    assert.equal(b.tags['baton.rerun_of'], a.run_id);
  });

  test('an unknown run id is RUN_NOT_FOUND', async () => {
    const e = engine();
    await assert.rejects(e.rerun('0123456789abcdef0123456789abcdef'), { code: 'RUN_NOT_FOUND' });
    assert.throws(() => e.getRun('zzz'), { code: 'RUN_NOT_FOUND' });
  });
});
