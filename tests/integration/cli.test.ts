/**
 * The CLI contract, through the built CLI (bin/baton.js → out/) as a child process: exit codes
 * (0 finished, 1 failed or killed, 2 invalid input and nothing run), stdout holding only the result
 * (one JSON value with --json), progress and step output on stderr, `error[CODE]: message` errors
 * without stack traces, Ctrl-C that leaves no process behind, and MLflow's messages where MLflow has
 * one. Build first: `npm run build`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { CliResult } from '../helpers.js';
import { REPO_ROOT, makeProject, pidAlive, runCli, tempDir, waitUntil, writeFiles } from '../helpers.js';

interface RunJson {
  run_id: string;
  experiment_id: string;
  run_name: string;
  status: string;
  start_time: number | null;
  end_time: number | null;
  entry_point: string;
  project_dir: string;
  command: string;
  exit_code: number | null;
  params: Record<string, string>;
  metrics: Record<string, number | string>;
  tags: Record<string, string>;
  artifact_uri: string;
  artifact_dir: string;
  lifecycle_stage: string;
  workflow_run_id: string | null;
  step_name: string | null;
}

interface StepJson {
  status: string;
  run_id: string | null;
  cached: boolean;
  reason: string | null;
}

interface WorkflowRunJson {
  workflow_run_id: string;
  workflow_name: string;
  workflow_file: string;
  status: string;
  start_time: number;
  end_time: number | null;
  inputs: Record<string, string>;
  parent_workflow_run_id: string | null;
  steps: Record<string, StepJson>;
}

const HEX32 = /^[0-9a-f]{32}$/;

const cli = runCli;

/** A project with typed parameters, a required-parameter entry point and a failing one. */
const DEMO = `name: demo
entry_points:
  main:
    parameters:
      a: {type: float, default: 1.5}
      n: {type: int, default: 3}
      msg: {type: string, default: hi}
    command: "echo out-line a={a} n={n} msg={msg}; echo err-line >&2"
  need:
    parameters:
      b: float
      a: string
      c: {type: int, default: 2}
    command: "echo {a} {b} {c}"
  fail:
    command: "echo failing; exit 3"
  template:
    command: "echo {undeclared}"
`;

/** A step that writes its own pid and its child's pid, then waits (the brief's cancel fixture). */
const SLEEPER = `name: sleeper
entry_points:
  main:
    command: "sleep 300 & echo $! > child.pid; echo $$ > self.pid; wait"
  stubborn:
    command: "trap '' TERM; sleep 300 & echo $! > child.pid; echo $$ > self.pid; wait"
`;

function home(): string {
  return tempDir('baton-cli-home-');
}

/**
 * A data folder whose history already exists, for tests that start several CLI processes on it at
 * once (concurrent first opens of a fresh folder have their own test below).
 */
async function openedHome(): Promise<string> {
  const h = home();
  const r = await cli(['runs', 'list'], { home: h });
  assert.equal(r.code, 0, r.stderr);
  return h;
}

/** The whole of stdout as one JSON value (fails when anything else is on stdout). */
function json<T>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    assert.fail(`stdout is not one JSON value:\n${r.stdout}\n--- stderr:\n${r.stderr}`);
  }
}

/**
 * Invalid input: exit 2, nothing on stdout, no stack trace, and stderr `error[CODE]: message` —
 * one line, or (for errors that list several located problems) a headline and one indented line
 * per problem.
 */
function assertInputError(r: CliResult, code: string, message?: string | RegExp, problemLines = 0): void {
  assert.equal(r.code, 2, `exit code 2 expected, got ${r.code}; stderr:\n${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing on stdout');
  assert.ok(!r.stderr.includes('    at '), `no stack trace:\n${r.stderr}`);
  assert.ok(r.stderr.endsWith('\n'));
  const [first, ...rest] = r.stderr.slice(0, -1).split('\n');
  assert.match(first!, new RegExp(`^error\\[${code}\\]: \\S`), r.stderr);
  assert.equal(rest.length, problemLines, `stderr lines:\n${r.stderr}`);
  for (const line of rest) assert.match(line, /^ {2}\S/);
  if (typeof message === 'string')
    assert.ok(r.stderr.includes(message), `stderr should contain ${JSON.stringify(message)}:\n${r.stderr}`);
  else if (message) assert.match(r.stderr, message);
}

/** Nothing was recorded in the data folder: no run, no workflow run. */
async function assertNothingRan(h: string): Promise<void> {
  const runs = await cli(['runs', 'list', '--json'], { home: h });
  assert.equal(runs.code, 0, runs.stderr);
  assert.deepEqual(json<RunJson[]>(runs), []);
  const wfs = await cli(['workflow', 'list', '--json'], { home: h });
  assert.equal(wfs.code, 0, wfs.stderr);
  assert.deepEqual(json<WorkflowRunJson[]>(wfs), []);
}

function readPid(file: string): number | null {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/** Waits for a step of the SLEEPER project to write both pid files. */
async function stepPids(dir: string): Promise<{ self: number; child: number }> {
  return waitUntil(() => {
    const self = readPid(path.join(dir, 'self.pid'));
    const child = readPid(path.join(dir, 'child.pid'));
    return self !== null && child !== null ? { self, child } : null;
  }, 'the step to write its pid files');
}

/** Test hygiene only: SIGKILL whatever a failing test left running. */
function killLeftovers(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The run a running `baton run` started, once the history shows it RUNNING. */
async function runningRun(h: string): Promise<RunJson> {
  return waitUntil(async () => {
    const r = await cli(['runs', 'list', '--status', 'RUNNING', '--json'], { home: h });
    return json<RunJson[]>(r)[0] ?? null;
  }, 'a RUNNING run in the history');
}

describe('baton run', { concurrency: 4 }, () => {
  test('--json: exit 0 and stdout is exactly the run object; the step output goes to stderr', async () => {
    const h = home();
    const dir = makeProject(DEMO);
    const r = await cli(['run', dir, '-P', 'a=2', '-P', 'msg=x y', '--json'], { home: h });
    assert.equal(r.code, 0, r.stderr);
    const run = json<RunJson>(r);
    assert.match(run.run_id, HEX32);
    assert.equal(run.status, 'FINISHED');
    assert.equal(run.exit_code, 0);
    assert.equal(run.experiment_id, '0');
    assert.equal(run.entry_point, 'main');
    assert.equal(run.project_dir, dir);
    assert.equal(run.command, "echo out-line a=2 n=3 msg='x y'; echo err-line >&2");
    assert.deepEqual(run.params, { a: '2', n: '3', msg: 'x y' });
    assert.deepEqual(run.metrics, {});
    assert.equal(run.tags['mlflow.source.type'], 'PROJECT');
    assert.equal(run.tags['mlflow.project.entryPoint'], 'main');
    assert.equal(run.tags['mlflow.runName'], run.run_name);
    assert.equal(typeof run.start_time, 'number');
    assert.ok(run.end_time! >= run.start_time!);
    assert.equal(run.artifact_uri, `file://${run.artifact_dir}`);
    assert.ok(fs.statSync(run.artifact_dir).isDirectory());
    assert.equal(run.lifecycle_stage, 'active');
    assert.equal(run.workflow_run_id, null);
    assert.match(r.stderr, /out-line a=2 n=3 msg=x y\n/);
    assert.match(r.stderr, /err-line\n/);
  });

  test('without --json (stdout not a terminal): stdout is only "RUN_ID STATUS"; banners and output on stderr', async () => {
    const h = home();
    const dir = makeProject(DEMO);
    // A relative PROJECT is resolved against the working directory, as `mlflow run`.
    const r = await cli(['run', path.basename(dir), '--run-name', 'named'], {
      home: h,
      cwd: path.dirname(dir),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[0-9a-f]{32} FINISHED\n$/);
    const id = r.stdout.split(' ')[0]!;
    assert.ok(
      r.stderr.includes(`=== Run ${id} (echo out-line a=1.5 n=3 msg=hi; echo err-line >&2) ===\n`),
      r.stderr,
    );
    assert.match(r.stderr, /out-line a=1\.5 n=3 msg=hi\n/);
    assert.match(r.stderr, new RegExp(`=== Run ${id} FINISHED \\(exit code 0, .+\\) ===\\n`));
    const show = await cli(['runs', 'show', id, '--json'], { home: h });
    assert.equal(json<RunJson>(show).run_name, 'named');
  });

  test('a failing entry point: exit 1, status FAILED with its exit code', async () => {
    const h = home();
    const r = await cli(['run', makeProject(DEMO), '-e', 'fail', '--json'], { home: h });
    assert.equal(r.code, 1, r.stderr);
    const run = json<RunJson>(r);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.exit_code, 3);
    assert.equal(run.entry_point, 'fail');
    assert.match(r.stderr, /failing\n/);
  });

  test('--experiment-name creates the experiment; runs list filters by it', async () => {
    const h = home();
    const dir = makeProject(DEMO);
    const a = await cli(['run', dir, '--experiment-name', 'exp-a', '--json', '-q'], { home: h });
    assert.equal(a.code, 0, a.stderr);
    const inA = json<RunJson>(a);
    assert.notEqual(inA.experiment_id, '0');
    const d = await cli(['run', dir, '--json', '-q'], { home: h });
    const inDefault = json<RunJson>(d);
    assert.equal(inDefault.experiment_id, '0');
    assert.doesNotMatch(d.stderr, /out-line/, '-q does not stream the step output');

    const listA = await cli(['runs', 'list', '--experiment-name', 'exp-a', '--json'], { home: h });
    assert.deepEqual(
      json<RunJson[]>(listA).map((x) => x.run_id),
      [inA.run_id],
    );
    const listD = await cli(['runs', 'list', '--experiment-name', 'Default', '--json'], { home: h });
    assert.deepEqual(
      json<RunJson[]>(listD).map((x) => x.run_id),
      [inDefault.run_id],
    );
    const all = await cli(['runs', 'list', '--json'], { home: h });
    assert.deepEqual(
      json<RunJson[]>(all).map((x) => x.run_id),
      [inDefault.run_id, inA.run_id],
      'newest first',
    );
    const byId = await cli(['run', dir, '--experiment-id', inA.experiment_id, '--json', '-q'], { home: h });
    assert.equal(json<RunJson>(byId).experiment_id, inA.experiment_id);

    assertInputError(
      await cli(['runs', 'list', '--experiment-name', 'nope'], { home: h }),
      'EXPERIMENT_NOT_FOUND',
      "Experiment 'nope' does not exist.",
    );
  });

  test("the step gets MLflow's environment variables and logs a metric into the run (.py entry point)", async () => {
    const h = home();
    const dir = makeProject(null, {
      'log.py': [
        'import json, os, sys, time, urllib.request',
        'print("argv", sys.argv[1:])',
        'env = {k: os.environ.get(k) for k in ["MLFLOW_RUN_ID", "MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_ID", "MLFLOW_TRACKING_TOKEN"]}',
        'open("env.json", "w").write(json.dumps(env))',
        'body = {"run_id": env["MLFLOW_RUN_ID"], "key": "rmse", "value": 0.25, "timestamp": int(time.time() * 1000), "step": 0}',
        'req = urllib.request.Request(env["MLFLOW_TRACKING_URI"].rstrip("/") + "/api/2.0/mlflow/runs/log-metric",',
        '    data=json.dumps(body).encode(), method="POST")',
        'req.add_header("Content-Type", "application/json")',
        'req.add_header("Authorization", "Bearer " + env["MLFLOW_TRACKING_TOKEN"])',
        'urllib.request.urlopen(req).read()',
        '',
      ].join('\n'),
    });
    // A token in Baton's own environment is not handed on: the step gets the embedded server's.
    const r = await cli(
      ['run', dir, '-e', 'log.py', '-P', 'alpha=0.5', '--experiment-name', 'py', '--json'],
      {
        home: h,
        env: { MLFLOW_TRACKING_TOKEN: 'outer-token', MLFLOW_RUN_ID: 'outer' },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const run = json<RunJson>(r);
    assert.equal(run.command, 'python log.py --alpha 0.5');
    assert.deepEqual(run.params, { alpha: '0.5' });
    assert.deepEqual(run.metrics, { rmse: 0.25 });
    assert.match(r.stderr, /argv \['--alpha', '0\.5'\]/);
    const env = JSON.parse(fs.readFileSync(path.join(dir, 'env.json'), 'utf8')) as Record<
      string,
      string | null
    >;
    assert.equal(env.MLFLOW_RUN_ID, run.run_id);
    assert.equal(env.MLFLOW_EXPERIMENT_ID, run.experiment_id);
    assert.match(env.MLFLOW_TRACKING_URI ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(env.MLFLOW_TRACKING_TOKEN && env.MLFLOW_TRACKING_TOKEN !== 'outer-token');
  });

  test('MLFLOW_EXPERIMENT_NAME chooses the experiment when no flag does, as `mlflow run`', async () => {
    const h = home();
    const r = await cli(['run', makeProject(DEMO), '--json', '-q'], {
      home: h,
      env: { MLFLOW_EXPERIMENT_NAME: 'from-env' },
    });
    assert.equal(r.code, 0, r.stderr);
    const run = json<RunJson>(r);
    assert.notEqual(run.experiment_id, '0');
    const list = await cli(['runs', 'list', '--experiment-name', 'from-env', '--json'], { home: h });
    assert.deepEqual(
      json<RunJson[]>(list).map((x) => x.run_id),
      [run.run_id],
    );
  });

  test('a repeated -P name is rejected, as `mlflow run` does ("Repeated parameter")', async () => {
    const h = home();
    const r = await cli(['run', makeProject(DEMO), '-P', 'a=1', '-P', 'a=2'], { home: h });
    assertInputError(r, 'USAGE', "Repeated parameter: 'a'");
    await assertNothingRan(h);
  });

  test('--experiment-name together with --experiment-id is rejected, as `mlflow run` does', async () => {
    const h = home();
    const r = await cli(['run', makeProject(DEMO), '--experiment-id', '0', '--experiment-name', 'other'], {
      home: h,
    });
    assertInputError(r, 'USAGE', /experiment-name.*experiment-id|experiment-id.*experiment-name/);
    await assertNothingRan(h);
  });
});

describe('invalid input: error[CODE]: message on stderr, exit 2, nothing run', { concurrency: 4 }, () => {
  test('several CLI processes opening a fresh data folder at once all succeed', {}, async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const h = home();
      const results = await Promise.all(
        Array.from({ length: 6 }, () => cli(['runs', 'list', '--json'], { home: h })),
      );
      for (const r of results) {
        assert.equal(r.stderr, '');
        assert.equal(r.code, 0);
      }
    }
  });

  const runCases: {
    name: string;
    args: (dir: string) => string[];
    code: string;
    message: string | RegExp;
    lines?: number;
  }[] = [
    {
      name: 'missing required parameters, all of them in declaration order (MLflow message)',
      args: (d) => ['run', d, '-e', 'need'],
      code: 'PARAM_MISSING',
      message: "error[PARAM_MISSING]: No value given for missing parameters: 'b', 'a'\n",
    },
    {
      name: 'a float parameter that is not a number',
      args: (d) => ['run', d, '-e', 'need', '-P', 'a=x', '-P', 'b=abc'],
      code: 'PARAM_INVALID',
      message: 'Parameter b has type float, but "abc" is not a number',
    },
    {
      name: 'an int parameter that is not a whole number',
      args: (d) => ['run', d, '-P', 'n=1.5'],
      code: 'PARAM_INVALID',
      message: 'Parameter n has type int, but "1.5" is not a whole number',
    },
    {
      name: 'a missing and a badly typed parameter: both reported',
      args: (d) => ['run', d, '-e', 'need', '-P', 'b=abc'],
      code: 'PARAM_MISSING',
      message: /No value given for missing parameters: 'a'\n {2}Parameter b has type float/,
      lines: 2,
    },
    {
      name: 'an unknown entry point (MLflow message listing the known ones)',
      args: (d) => ['run', d, '-e', 'nope'],
      code: 'ENTRY_POINT_NOT_FOUND',
      message:
        "Could not find nope among entry points ['main', 'need', 'fail', 'template'] or interpret nope as a runnable script. Supported script file extensions: ['.py', '.sh']",
    },
    {
      name: 'a missing project folder',
      args: (d) => ['run', path.join(d, 'no-such-folder')],
      code: 'MLPROJECT_NOT_FOUND',
      message: /Project folder \/.*\/no-such-folder does not exist/,
    },
    {
      name: 'a command that uses an undeclared {placeholder}',
      args: (d) => ['run', d, '-e', 'template'],
      code: 'MLPROJECT_INVALID',
      message: "uses placeholder {undeclared} in its command, but 'undeclared' is not one of its parameters",
    },
    {
      name: '-P without =',
      args: (d) => ['run', d, '-P', 'a'],
      code: 'USAGE',
      message: "-P expects NAME=VALUE, got 'a'.",
    },
    {
      name: 'an unknown experiment id',
      args: (d) => ['run', d, '--experiment-id', '99'],
      code: 'EXPERIMENT_NOT_FOUND',
      message: "'99'",
    },
    {
      name: 'an unknown flag',
      args: (d) => ['run', d, '--bogus'],
      code: 'USAGE',
      message: "Unknown option '--bogus'.",
    },
    {
      name: 'an extra argument',
      args: (d) => ['run', d, 'extra'],
      code: 'USAGE',
      message: "Unexpected argument 'extra'.",
    },
  ];
  for (const c of runCases) {
    test(`baton run: ${c.name}`, async () => {
      const h = home();
      const r = await cli(c.args(makeProject(DEMO)), { home: h });
      assertInputError(r, c.code, c.message, c.lines ?? 0);
      await assertNothingRan(h);
    });
  }

  test('unknown commands and subcommands', async () => {
    const h = home();
    const [top, wf, runs, flag] = await Promise.all([
      cli(['frob'], { home: h }),
      cli(['workflow', 'frob'], { home: h }),
      cli(['runs', 'frob'], { home: h }),
      cli(['--bogus'], { home: h }),
    ]);
    assertInputError(top, 'USAGE', "Unknown command 'frob'. Run 'baton --help' for the list of commands.");
    assertInputError(
      wf,
      'USAGE',
      "Unknown command 'workflow frob'. Commands: validate, run, resume, show, list, cancel.",
    );
    assertInputError(
      runs,
      'USAGE',
      "Unknown command 'runs frob'. Commands: list, show, logs, cancel, rerun, rename, note, delete, restore, mark-failed.",
    );
    assertInputError(flag, 'USAGE', "Unknown command '--bogus'.");
  });

  const COMMANDS: { cmd: string[]; positional: string | null }[] = [
    { cmd: ['run'], positional: 'PROJECT' },
    { cmd: ['workflow', 'validate'], positional: 'FILE' },
    { cmd: ['workflow', 'run'], positional: 'FILE' },
    { cmd: ['workflow', 'resume'], positional: 'WORKFLOW_RUN_ID' },
    { cmd: ['workflow', 'show'], positional: 'WORKFLOW_RUN_ID' },
    { cmd: ['workflow', 'list'], positional: null },
    { cmd: ['workflow', 'cancel'], positional: 'WORKFLOW_RUN_ID' },
    { cmd: ['runs', 'list'], positional: null },
    { cmd: ['runs', 'show'], positional: 'RUN_ID' },
    { cmd: ['runs', 'logs'], positional: 'RUN_ID' },
    { cmd: ['runs', 'cancel'], positional: 'RUN_ID' },
    { cmd: ['runs', 'rerun'], positional: 'RUN_ID' },
  ];

  test('an unknown flag, for every command', async () => {
    const h = home();
    const results = await Promise.all(
      COMMANDS.map(({ cmd, positional }) =>
        cli([...cmd, ...(positional ? ['x'] : []), '--bogus'], { home: h }),
      ),
    );
    for (const r of results) assertInputError(r, 'USAGE', "Unknown option '--bogus'.");
    // Also a flag of another command (e.g. --no-cache belongs to workflow run, not run).
    assertInputError(
      await cli(['run', 'x', '--no-cache'], { home: h }),
      'USAGE',
      "Unknown option '--no-cache'.",
    );
    assertInputError(await cli(['run', 'x', '--entry'], { home: h }), 'USAGE', /--entry/);
  });

  test('a missing positional argument, for every command that takes one', async () => {
    const h = home();
    const withArg = COMMANDS.filter((c) => c.positional !== null);
    const results = await Promise.all(withArg.map(({ cmd }) => cli(cmd, { home: h })));
    results.forEach((r, i) => assertInputError(r, 'USAGE', `Missing argument: ${withArg[i]!.positional}.`));
  });

  test('bad numbers and statuses in options', async () => {
    const h = await openedHome();
    const [mp0, mpAbc, resume0, status, maxRes] = await Promise.all([
      cli(['workflow', 'run', 'wf.yaml', '--max-parallel', '0'], { home: h }),
      cli(['workflow', 'run', 'wf.yaml', '--max-parallel', 'abc'], { home: h }),
      cli(['workflow', 'resume', 'abc', '--max-parallel', '0'], { home: h }),
      cli(['runs', 'list', '--status', 'bogus'], { home: h }),
      cli(['runs', 'list', '--max-results', '0'], { home: h }),
    ]);
    assertInputError(mp0, 'USAGE', "--max-parallel expects a positive whole number, got '0'.");
    assertInputError(mpAbc, 'USAGE', "--max-parallel expects a positive whole number, got 'abc'.");
    assertInputError(resume0, 'USAGE', "--max-parallel expects a positive whole number, got '0'.");
    assertInputError(
      status,
      'USAGE',
      "--status must be one of SCHEDULED, RUNNING, FINISHED, FAILED, KILLED, got 'bogus'.",
    );
    assertInputError(maxRes, 'USAGE', "--max-results expects a positive whole number, got '0'.");
  });

  test('an unknown run id or workflow run id', async () => {
    const h = await openedHome();
    const runIds = ['runs show', 'runs logs', 'runs cancel', 'runs rerun'];
    const wfIds = ['workflow show', 'workflow resume', 'workflow cancel'];
    const results = await Promise.all([
      ...runIds.map((c) => cli([...c.split(' '), 'abcdef12'], { home: h })),
      ...wfIds.map((c) => cli([...c.split(' '), 'feedbeef'], { home: h })),
    ]);
    results
      .slice(0, runIds.length)
      .forEach((r) => assertInputError(r, 'RUN_NOT_FOUND', "Run 'abcdef12' not found."));
    results
      .slice(runIds.length)
      .forEach((r) => assertInputError(r, 'WORKFLOW_RUN_NOT_FOUND', "Workflow run 'feedbeef' not found."));
    await assertNothingRan(h);
  });
});

describe('workflow files: invalid input', { concurrency: 4 }, () => {
  function folder(wf: string): string {
    return writeFiles(tempDir('baton-cli-wf-'), { 'proj/MLproject': DEMO, 'wf.yaml': wf });
  }

  test('malformed YAML: the error names file:line:column (validate and run)', async () => {
    const h = home();
    const dir = folder('version: 1\nname: bad\nname: again\nsteps:\n  a:\n    project: ./proj\n');
    const file = path.join(dir, 'wf.yaml');
    const v = await cli(['workflow', 'validate', file], { home: h });
    assertInputError(v, 'WORKFLOW_INVALID', `${file}:3:1: invalid YAML: Map keys must be unique`, 1);
    const r = await cli(['workflow', 'run', 'wf.yaml'], { home: h, cwd: dir });
    assertInputError(r, 'WORKFLOW_INVALID', `${file}:3:1: invalid YAML`, 1);

    const unclosed = folder(
      'version: 1\nname: bad\nsteps:\n  a:\n    project: ./proj\n    parameters: {a: 1\n',
    );
    const u = await cli(['workflow', 'validate', path.join(unclosed, 'wf.yaml')], { home: h });
    assertInputError(
      u,
      'WORKFLOW_INVALID',
      new RegExp(`${path.join(unclosed, 'wf.yaml')}:\\d+:\\d+: invalid YAML: `),
      1,
    );
    await assertNothingRan(h);
  });

  test('a workflow with several problems: every one is reported, with its position', async () => {
    const h = home();
    const dir = folder(
      [
        'version: 1',
        'name: many',
        'steps:',
        '  a:',
        '    project: ./nowhere',
        '  b:',
        '    project: ./proj',
        '    entry_point: nope',
        '  c:',
        '    project: ./proj',
        '    parameters:',
        '      msg: ${{ steps.zzz.run_id }}',
        '    frob: 1',
        '',
      ].join('\n'),
    );
    const file = path.join(dir, 'wf.yaml');
    const v = await cli(['workflow', 'validate', file], { home: h });
    assertInputError(v, 'WORKFLOW_INVALID', `error[WORKFLOW_INVALID]: Workflow ${file} has 4 problems:\n`, 4);
    const lines = v.stderr.trimEnd().split('\n').slice(1);
    assert.match(
      lines[0]!,
      new RegExp(`^ {2}${file}:5:14: step "a": Project folder .*/nowhere does not exist$`),
    );
    assert.match(
      lines[1]!,
      new RegExp(`^ {2}${file}:8:18: step "b": Could not find nope among entry points`),
    );
    assert.match(lines[2]!, new RegExp(`^ {2}${file}:12:\\d+: .*unknown step "zzz"`));
    assert.match(lines[3]!, new RegExp(`^ {2}${file}:13:5: step "c": unknown key "frob"`));

    const vj = await cli(['workflow', 'validate', file, '--json'], { home: h });
    assert.equal(vj.code, 2);
    const body = json<{
      valid: boolean;
      code: string;
      problems: { code: string; file: string; line: number; column: number; message: string }[];
    }>(vj);
    assert.equal(body.valid, false);
    assert.equal(body.code, 'WORKFLOW_INVALID');
    assert.deepEqual(
      body.problems.map((p) => [p.code, p.line]),
      [
        ['MLPROJECT_NOT_FOUND', 5],
        ['ENTRY_POINT_NOT_FOUND', 8],
        ['WORKFLOW_INVALID', 12],
        ['WORKFLOW_INVALID', 13],
      ],
    );

    const r = await cli(['workflow', 'run', file, '--json'], { home: h });
    assertInputError(r, 'WORKFLOW_INVALID', undefined, 4);
    await assertNothingRan(h);
  });

  test('a missing workflow file', async () => {
    const h = home();
    const dir = tempDir('baton-cli-wf-');
    const [v, r] = await Promise.all([
      cli(['workflow', 'validate', 'none.yaml'], { home: h, cwd: dir }),
      cli(['workflow', 'run', 'none.yaml'], { home: h, cwd: dir }),
    ]);
    assertInputError(v, 'WORKFLOW_NOT_FOUND', `Workflow file ${dir}/none.yaml does not exist`);
    assertInputError(r, 'WORKFLOW_NOT_FOUND', `Workflow file ${dir}/none.yaml does not exist`);
  });

  const INPUTS = [
    'version: 1',
    'name: inputs',
    'inputs:',
    '  x: {type: float, default: 1}',
    '  zeta: int',
    '  alpha: string',
    'steps:',
    '  a:',
    '    project: ./proj',
    '    parameters:',
    '      a: ${{ inputs.x }}',
    '      n: ${{ inputs.zeta }}',
    '      msg: ${{ inputs.alpha }}',
    '',
  ].join('\n');

  test('workflow inputs: missing (all named, in declaration order), unknown, badly typed', async () => {
    const h = await openedHome();
    const dir = folder(INPUTS);
    const [missing, unknown, badInt, badFloat] = await Promise.all([
      cli(['workflow', 'run', 'wf.yaml'], { home: h, cwd: dir }),
      cli(['workflow', 'run', 'wf.yaml', '-P', 'zeta=1', '-P', 'alpha=a', '-P', 'zz=1'], {
        home: h,
        cwd: dir,
      }),
      cli(['workflow', 'run', 'wf.yaml', '-P', 'zeta=abc', '-P', 'alpha=a'], { home: h, cwd: dir }),
      cli(['workflow', 'run', 'wf.yaml', '-P', 'zeta=1', '-P', 'alpha=a', '-P', 'x=abc'], {
        home: h,
        cwd: dir,
      }),
    ]);
    assertInputError(missing, 'PARAM_MISSING', "No value given for missing workflow inputs: 'zeta', 'alpha'");
    assertInputError(
      unknown,
      'PARAM_INVALID',
      "'zz' is not an input of workflow 'inputs' (inputs: x, zeta, alpha)",
    );
    assertInputError(badInt, 'PARAM_INVALID', "input 'zeta' is an int, but 'abc' is not a whole number");
    assertInputError(badFloat, 'PARAM_INVALID', "input 'x' is a float, but 'abc' is not a number");
    assertInputError(
      await cli(['workflow', 'run', 'wf.yaml', '-P', 'zeta'], { home: h, cwd: dir }),
      'USAGE',
      "-P expects NAME=VALUE, got 'zeta'.",
    );
    await assertNothingRan(h);
  });

  test('an unknown input is reported even when a required input is missing too', {}, async () => {
    const h = home();
    const r = await cli(['workflow', 'run', 'wf.yaml', '-P', 'zz=1'], { home: h, cwd: folder(INPUTS) });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /'zeta', 'alpha'/);
    assert.match(r.stderr, /'zz' is not an input/);
  });

  test(
    'a step whose entry point command uses an undeclared {placeholder} is a validation problem',
    {},
    async () => {
      const h = home();
      const dir = folder(
        'version: 1\nname: tpl\nsteps:\n  first:\n    project: ./proj\n  t:\n    project: ./proj\n    entry_point: template\n    needs: [first]\n',
      );
      const v = await cli(['workflow', 'validate', 'wf.yaml'], { home: h, cwd: dir });
      assertInputError(v, 'WORKFLOW_INVALID', /wf\.yaml:8:\d+: .*undeclared/, 1);
      const r = await cli(['workflow', 'run', 'wf.yaml'], { home: h, cwd: dir });
      assertInputError(r, 'WORKFLOW_INVALID', /undeclared/, 1);
      await assertNothingRan(h);
    },
  );
});

describe('baton workflow', { concurrency: 4 }, () => {
  /** a → b (b reads a's run_id); c is independent. */
  const CHAIN = [
    'version: 1',
    'name: chain',
    'inputs:',
    '  rate: {type: float, default: 0.5}',
    'steps:',
    '  a:',
    '    project: ./proj',
    '    parameters:',
    '      a: ${{ inputs.rate }}',
    '  b:',
    '    project: ./proj',
    '    parameters:',
    '      msg: ${{ steps.a.run_id }}',
    '',
  ].join('\n');

  test('validate, run (text and --json), cache hits on a second run, --no-cache, show and list', async () => {
    const h = home();
    const dir = writeFiles(tempDir('baton-cli-wf-'), { 'proj/MLproject': DEMO, 'wf.yaml': CHAIN });
    const file = path.join(dir, 'wf.yaml');

    const v = await cli(['workflow', 'validate', 'wf.yaml'], { home: h, cwd: dir });
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout, `${file}: workflow 'chain' is valid (2 steps: a → b)\n`);
    const vj = await cli(['workflow', 'validate', file, '--json'], { home: h });
    assert.deepEqual(json(vj), { valid: true, name: 'chain', file, steps: ['a', 'b'], problems: [] });
    await assertNothingRan(h);

    // Text mode: the summary table on stdout, progress and prefixed step output on stderr.
    const text = await cli(['workflow', 'run', 'wf.yaml', '-P', 'rate=0.25'], { home: h, cwd: dir });
    assert.equal(text.code, 0, text.stderr);
    const [head, header, rowA, rowB, ...more] = text.stdout.trimEnd().split('\n');
    assert.match(head!, /^workflow run [0-9a-f]{32} FINISHED \(.+\)$/);
    assert.match(header!, /^STEP +STATUS +RUN ID +NOTE$/);
    assert.match(rowA!, /^a +FINISHED +[0-9a-f]{32}$/);
    assert.match(rowB!, /^b +FINISHED +[0-9a-f]{32}$/);
    assert.deepEqual(more, []);
    assert.match(text.stderr, /^workflow run [0-9a-f]{32} started\n/);
    assert.match(text.stderr, /\+\d+\.\ds a: RUNNING run [0-9a-f]{32}\n/);
    assert.match(text.stderr, /\[a\] out-line a=0\.25 n=3 msg=hi\n/);
    assert.match(text.stderr, /\[b\] err-line\n/);

    // --json: stdout is exactly the workflow run.
    const first = await cli(['workflow', 'run', 'wf.yaml', '--json'], { home: h, cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    const w1 = json<WorkflowRunJson>(first);
    assert.match(w1.workflow_run_id, HEX32);
    assert.equal(w1.status, 'FINISHED');
    assert.equal(w1.workflow_name, 'chain');
    assert.equal(w1.workflow_file, file);
    assert.deepEqual(w1.inputs, { rate: '0.5' });
    assert.deepEqual(Object.keys(w1.steps), ['a', 'b']);
    for (const s of Object.values(w1.steps)) {
      assert.equal(s.status, 'FINISHED');
      assert.equal(s.cached, false);
      assert.match(s.run_id!, HEX32);
    }
    assert.doesNotMatch(first.stdout, /out-line/);
    const b = json<RunJson>(await cli(['runs', 'show', w1.steps.b!.run_id!, '--json'], { home: h }));
    assert.equal(b.params.msg, w1.steps.a!.run_id, "b received a's run_id");
    assert.equal(b.workflow_run_id, w1.workflow_run_id);
    assert.equal(b.step_name, 'b');

    // Same file, same inputs: both steps are served from the cache.
    const again = await cli(['workflow', 'run', 'wf.yaml', '--json'], { home: h, cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    const w2 = json<WorkflowRunJson>(again);
    for (const name of ['a', 'b']) {
      assert.equal(w2.steps[name]!.status, 'CACHED');
      assert.equal(w2.steps[name]!.cached, true);
      assert.equal(w2.steps[name]!.run_id, w1.steps[name]!.run_id);
    }

    const fresh = await cli(['workflow', 'run', 'wf.yaml', '--no-cache', '--json', '-q'], {
      home: h,
      cwd: dir,
    });
    const w3 = json<WorkflowRunJson>(fresh);
    for (const name of ['a', 'b']) {
      assert.equal(w3.steps[name]!.status, 'FINISHED');
      assert.equal(w3.steps[name]!.cached, false);
      assert.notEqual(w3.steps[name]!.run_id, w1.steps[name]!.run_id);
    }

    const show = await cli(['workflow', 'show', w1.workflow_run_id, '--json'], { home: h });
    assert.deepEqual(json(show), w1);
    const showText = await cli(['workflow', 'show', w1.workflow_run_id], { home: h });
    assert.match(showText.stdout, new RegExp(`^workflow run ${w1.workflow_run_id} 'chain' FINISHED`));
    const list = await cli(['workflow', 'list', '--json'], { home: h });
    const textId = head!.split(' ')[2];
    assert.deepEqual(
      json<WorkflowRunJson[]>(list).map((w) => w.workflow_run_id),
      [w3.workflow_run_id, w2.workflow_run_id, w1.workflow_run_id, textId],
      'newest first',
    );
    const top1 = await cli(['workflow', 'list', '--max-results', '1'], { home: h });
    assert.match(top1.stdout, new RegExp(`^${w3.workflow_run_id} +FINISHED +\\S+ +chain\\n$`));
  });

  test('--max-parallel 1 runs independent steps one after the other', async () => {
    const h = home();
    const proj = 'name: nap\nentry_points:\n  main:\n    command: "sleep 0.2"\n';
    const dir = writeFiles(tempDir('baton-cli-wf-'), {
      'proj/MLproject': proj,
      'wf.yaml': 'version: 1\nname: par\nsteps:\n  x:\n    project: ./proj\n  y:\n    project: ./proj\n',
    });
    const r = await cli(['workflow', 'run', 'wf.yaml', '--max-parallel', '1', '--no-cache', '--json'], {
      home: h,
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    const runs = json<RunJson[]>(await cli(['runs', 'list', '--json'], { home: h })).sort(
      (p, q) => p.start_time! - q.start_time!,
    );
    assert.equal(runs.length, 2);
    assert.ok(runs[1]!.start_time! >= runs[0]!.end_time!, 'the second step started after the first ended');
  });

  test('a failed step: exit 1, dependants SKIPPED; resume re-runs only what failed; --from re-runs downstream', async () => {
    const h = home();
    const proj = [
      'name: flaky',
      'entry_points:',
      '  main:',
      '    parameters:',
      '      tag: {type: string, default: x}',
      '    command: "echo step {tag}"',
      '  gate:',
      '    command: "test -f ok.flag || exit 4"',
      '',
    ].join('\n');
    const wf = [
      'version: 1',
      'name: resumable',
      'steps:',
      '  first:',
      '    project: ./proj',
      '    parameters: {tag: one}',
      '  gate:',
      '    project: ./proj',
      '    entry_point: gate',
      '    needs: [first]',
      '  last:',
      '    project: ./proj',
      '    parameters:',
      '      tag: ${{ steps.gate.run_id }}',
      '',
    ].join('\n');
    const dir = writeFiles(tempDir('baton-cli-wf-'), { 'proj/MLproject': proj, 'wf.yaml': wf });

    const r1 = await cli(['workflow', 'run', 'wf.yaml', '--json'], { home: h, cwd: dir });
    assert.equal(r1.code, 1, r1.stderr);
    const w1 = json<WorkflowRunJson>(r1);
    assert.equal(w1.status, 'FAILED');
    assert.equal(w1.steps.first!.status, 'FINISHED');
    assert.equal(w1.steps.gate!.status, 'FAILED');
    assert.equal(w1.steps.gate!.reason, 'The step failed with exit code 4.');
    assert.equal(w1.steps.last!.status, 'SKIPPED');
    assert.equal(w1.steps.last!.run_id, null);
    assert.match(w1.steps.last!.reason!, /'gate' failed/);

    fs.writeFileSync(path.join(dir, 'proj', 'ok.flag'), '');
    const r2 = await cli(['workflow', 'resume', w1.workflow_run_id, '--json'], { home: h });
    assert.equal(r2.code, 0, r2.stderr);
    const w2 = json<WorkflowRunJson>(r2);
    assert.notEqual(w2.workflow_run_id, w1.workflow_run_id);
    assert.equal(w2.status, 'FINISHED');
    assert.equal(w2.parent_workflow_run_id, w1.workflow_run_id);
    assert.deepEqual(
      { status: w2.steps.first!.status, run_id: w2.steps.first!.run_id, cached: w2.steps.first!.cached },
      { status: 'CACHED', run_id: w1.steps.first!.run_id, cached: true },
    );
    assert.equal(w2.steps.gate!.status, 'FINISHED');
    assert.notEqual(w2.steps.gate!.run_id, w1.steps.gate!.run_id);
    assert.equal(w2.steps.last!.status, 'FINISHED');

    const r3 = await cli(['workflow', 'resume', w2.workflow_run_id, '--from', 'gate', '--json'], { home: h });
    assert.equal(r3.code, 0, r3.stderr);
    const w3 = json<WorkflowRunJson>(r3);
    assert.equal(w3.steps.first!.status, 'CACHED');
    for (const name of ['gate', 'last']) {
      assert.equal(w3.steps[name]!.status, 'FINISHED');
      assert.equal(w3.steps[name]!.cached, false);
      assert.notEqual(w3.steps[name]!.run_id, w2.steps[name]!.run_id);
    }

    assertInputError(
      await cli(['workflow', 'resume', w2.workflow_run_id, '--from', 'nope'], { home: h }),
      'USAGE',
      "Step 'nope' is not in workflow 'resumable'. Steps: first, gate, last.",
    );
    const shown = json<WorkflowRunJson>(
      await cli(['workflow', 'show', w1.workflow_run_id, '--json'], { home: h }),
    );
    assert.deepEqual(shown, w1, 'the failed workflow run is kept as it was');
  });

  test('runs the example workflow (examples/workflow.yaml) end to end', async () => {
    const h = home();
    const r = await cli(['workflow', 'run', 'examples/workflow.yaml', '--json'], { home: h, cwd: REPO_ROOT });
    assert.equal(r.code, 0, r.stderr);
    const w = json<WorkflowRunJson>(r);
    assert.equal(w.workflow_name, 'linear-regression');
    assert.equal(w.status, 'FINISHED');
    assert.deepEqual(Object.keys(w.steps), ['load', 'etl', 'train', 'evaluate', 'report']);
    assert.ok(Object.values(w.steps).every((s) => s.status === 'FINISHED'));
    const evaluate = json<RunJson>(
      await cli(['runs', 'show', w.steps.evaluate!.run_id!.slice(0, 8), '--json'], { home: h }),
    );
    assert.equal(typeof evaluate.metrics.rmse, 'number');
    assert.ok((evaluate.metrics.rmse as number) < 0.5);
    assert.match(r.stderr, /\[report\] PASS: rmse/);
  });

  test(
    'step output is prefixed with [STEP] at the start of every line, even when a line arrives in pieces',
    {},
    async () => {
      const h = home();
      const dir = writeFiles(tempDir('baton-cli-wf-'), {
        'proj/MLproject':
          "name: partial\nentry_points:\n  main:\n    command: \"printf 'abc'; sleep 0.4; printf 'def\\\\nghi\\\\n'\"\n",
        'wf.yaml': 'version: 1\nname: partial\nsteps:\n  s:\n    project: ./proj\n',
      });
      const r = await cli(['workflow', 'run', 'wf.yaml'], { home: h, cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /\n\[s\] abcdef\n\[s\] ghi\n/);
    },
  );
});

describe('baton runs', { concurrency: 4 }, () => {
  test('list, show, logs and rerun; run ids as a unique prefix of 6 or more characters', async () => {
    const h = home();
    const dir = makeProject(DEMO);
    const ok = json<RunJson>(await cli(['run', dir, '-P', 'msg=first', '--json'], { home: h }));
    const failed = json<RunJson>(await cli(['run', dir, '-e', 'fail', '--json'], { home: h }));

    const show = await cli(['runs', 'show', ok.run_id.slice(0, 6), '--json'], { home: h });
    assert.equal(show.code, 0, show.stderr);
    assert.deepEqual(json(show), ok);
    const upper = await cli(['runs', 'show', ok.run_id.slice(0, 10).toUpperCase(), '--json'], { home: h });
    assert.deepEqual(json(upper), ok);
    assertInputError(
      await cli(['runs', 'show', ok.run_id.slice(0, 5)], { home: h }),
      'RUN_NOT_FOUND',
      `Run '${ok.run_id.slice(0, 5)}' not found.`,
    );
    const text = await cli(['runs', 'show', ok.run_id], { home: h });
    assert.match(text.stdout, new RegExp(`^run ${ok.run_id} {2}FINISHED\\n`));
    assert.match(text.stdout, /\n {4}msg: first\n/);

    const logs = await cli(['runs', 'logs', ok.run_id.slice(0, 8)], { home: h });
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(
      logs.stdout,
      'out-line a=1.5 n=3 msg=first\nerr-line\n',
      'stdout and stderr of the step, as captured',
    );
    assert.equal(logs.stderr, '');

    const byStatus = await cli(['runs', 'list', '--status', 'failed', '--json'], { home: h });
    assert.deepEqual(
      json<RunJson[]>(byStatus).map((r) => r.run_id),
      [failed.run_id],
    );
    const table = await cli(['runs', 'list'], { home: h });
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    assert.match(header!, /^RUN ID +STATUS +START +DURATION +EXPERIMENT +ENTRY POINT +NAME$/);
    assert.equal(rows.length, 2);
    assert.ok(rows[0]!.startsWith(`${failed.run_id}  FAILED`));
    const limited = await cli(['runs', 'list', '--max-results', '1', '--json'], { home: h });
    assert.equal(json<RunJson[]>(limited).length, 1);

    const rerun = await cli(['runs', 'rerun', ok.run_id.slice(0, 8), '--json'], { home: h });
    assert.equal(rerun.code, 0, rerun.stderr);
    const again = json<RunJson>(rerun);
    assert.notEqual(again.run_id, ok.run_id);
    assert.equal(again.status, 'FINISHED');
    assert.deepEqual(again.params, ok.params);
    assert.equal(again.experiment_id, ok.experiment_id);
    assert.equal(again.tags['baton.rerun_of'], ok.run_id);
    assert.match(rerun.stderr, /out-line a=1\.5 n=3 msg=first/);

    const rerunFailed = await cli(['runs', 'rerun', failed.run_id, '--json'], { home: h });
    assert.equal(rerunFailed.code, 1, 'a rerun that fails exits 1');
    assert.equal(json<RunJson>(rerunFailed).status, 'FAILED');
  });

  test('runs cancel from another process stops the whole process tree; the run ends KILLED', async () => {
    const h = home();
    const dir = makeProject(SLEEPER);
    const running = cli(['run', dir, '--json'], { home: h });
    const pids = await stepPids(dir);
    try {
      const run = await runningRun(h);
      const c = await cli(['runs', 'cancel', run.run_id.slice(0, 8)], { home: h });
      assert.equal(c.code, 0, c.stderr);
      assert.equal(c.stdout, `${run.run_id} KILLED\n`);
      const r = await running;
      assert.equal(r.code, 1);
      assert.equal(json<RunJson>(r).status, 'KILLED');
      assert.ok(!pidAlive(pids.self), 'the step shell is gone');
      assert.ok(!pidAlive(pids.child), "the step's child is gone");
      const again = await cli(['runs', 'cancel', run.run_id], { home: h });
      assert.equal(again.code, 0);
      assert.equal(again.stdout, `${run.run_id} had already ended (KILLED)\n`);
      const killed = await cli(['runs', 'list', '--status', 'killed', '--json'], { home: h });
      assert.deepEqual(
        json<RunJson[]>(killed).map((x) => x.run_id),
        [run.run_id],
      );
    } finally {
      killLeftovers([pids.self, pids.child]);
    }
  });

  test(
    'after runs cancel from another process, the history keeps the exit code and end time the owner recorded',
    {},
    async () => {
      const h = home();
      const dir = makeProject(SLEEPER);
      const running = cli(['run', dir, '--json'], { home: h });
      const pids = await stepPids(dir);
      try {
        const run = await runningRun(h);
        await cli(['runs', 'cancel', run.run_id], { home: h });
        const printed = json<RunJson>(await running);
        const stored = json<RunJson>(await cli(['runs', 'show', run.run_id, '--json'], { home: h }));
        assert.equal(stored.exit_code, printed.exit_code);
        assert.equal(stored.end_time, printed.end_time);
      } finally {
        killLeftovers([pids.self, pids.child]);
      }
    },
  );
});

describe('Ctrl-C', { concurrency: 4 }, () => {
  test('SIGINT to `baton run`: the run ends KILLED, exit 1, stdout is still the JSON, no process left', async () => {
    const h = home();
    const dir = makeProject(SLEEPER);
    let cliPid = 0;
    const running = cli(['run', dir, '--json'], { home: h, onSpawn: (pid) => (cliPid = pid) });
    const pids = await stepPids(dir);
    try {
      await runningRun(h); // the CLI has registered its Ctrl-C handler once the run is RUNNING
      process.kill(cliPid, 'SIGINT');
      const r = await running;
      assert.equal(r.code, 1, r.stderr);
      const run = json<RunJson>(r);
      assert.equal(run.status, 'KILLED');
      assert.ok(!pidAlive(pids.self), 'the step shell is gone');
      assert.ok(!pidAlive(pids.child), "the step's child is gone");
      assert.match(r.stderr, /Ctrl-C: cancelling/);
      assert.ok(!r.stderr.includes('    at '));
      const stored = json<RunJson>(await cli(['runs', 'show', run.run_id, '--json'], { home: h }));
      assert.equal(stored.status, 'KILLED');
    } finally {
      killLeftovers([pids.self, pids.child]);
    }
  });

  test('SIGINT to `baton workflow run`: KILLED, exit 1, the rest SKIPPED, no process left', async () => {
    const h = home();
    const dir = writeFiles(tempDir('baton-cli-wf-'), {
      'proj/MLproject': SLEEPER,
      'other/MLproject': DEMO,
      'wf.yaml':
        'version: 1\nname: hang\nsteps:\n  hang:\n    project: ./proj\n  after:\n    project: ./other\n    needs: [hang]\n',
    });
    let cliPid = 0;
    const running = cli(['workflow', 'run', 'wf.yaml', '--json'], {
      home: h,
      cwd: dir,
      onSpawn: (pid) => (cliPid = pid),
    });
    const pids = await stepPids(path.join(dir, 'proj'));
    try {
      process.kill(cliPid, 'SIGINT');
      const r = await running;
      assert.equal(r.code, 1, r.stderr);
      const w = json<WorkflowRunJson>(r);
      assert.equal(w.status, 'KILLED');
      assert.equal(w.steps.hang!.status, 'KILLED');
      assert.equal(w.steps.after!.status, 'SKIPPED');
      assert.ok(!pidAlive(pids.self), 'the step shell is gone');
      assert.ok(!pidAlive(pids.child), "the step's child is gone");
      const shown = json<WorkflowRunJson>(
        await cli(['workflow', 'show', w.workflow_run_id, '--json'], { home: h }),
      );
      assert.equal(shown.status, 'KILLED');
      const step = json<RunJson>(await cli(['runs', 'show', w.steps.hang!.run_id!, '--json'], { home: h }));
      assert.equal(step.status, 'KILLED');
    } finally {
      killLeftovers([pids.self, pids.child]);
    }
  });

  test(
    'SIGINT to `baton run` whose step ignores SIGTERM: the CLI SIGKILLs it after the grace period before exiting',
    {},
    async () => {
      const h = home();
      const dir = makeProject(SLEEPER);
      let cliPid = 0;
      const running = cli(['run', dir, '-e', 'stubborn', '--json'], {
        home: h,
        onSpawn: (pid) => (cliPid = pid),
      });
      const pids = await stepPids(dir);
      try {
        await runningRun(h);
        process.kill(cliPid, 'SIGINT');
        const r = await running;
        assert.equal(r.code, 1);
        assert.equal(json<RunJson>(r).status, 'KILLED');
        assert.ok(!pidAlive(pids.self), 'the step shell is gone');
        assert.ok(!pidAlive(pids.child), "the step's child is gone");
      } finally {
        killLeftovers([pids.self, pids.child]);
      }
    },
  );

  test('`baton workflow cancel` from another process: the workflow run ends KILLED', {}, async () => {
    const h = home();
    const dir = writeFiles(tempDir('baton-cli-wf-'), {
      'proj/MLproject': SLEEPER,
      'other/MLproject': DEMO,
      'wf.yaml':
        'version: 1\nname: hang\nsteps:\n  hang:\n    project: ./proj\n  after:\n    project: ./other\n    needs: [hang]\n',
    });
    const running = cli(['workflow', 'run', 'wf.yaml', '--json'], { home: h, cwd: dir });
    const pids = await stepPids(path.join(dir, 'proj'));
    try {
      const list = json<WorkflowRunJson[]>(await cli(['workflow', 'list', '--json'], { home: h }));
      const id = list[0]!.workflow_run_id;
      const c = await cli(['workflow', 'cancel', id], { home: h });
      assert.equal(c.code, 0, c.stderr);
      const r = await running;
      assert.equal(r.code, 1);
      assert.ok(!pidAlive(pids.self));
      assert.ok(!pidAlive(pids.child));
      const w = json<WorkflowRunJson>(r);
      assert.equal(w.steps.hang!.status, 'KILLED');
      assert.equal(w.status, 'KILLED');
    } finally {
      killLeftovers([pids.self, pids.child]);
    }
  });
});

describe('help and version', { concurrency: 4 }, () => {
  test('--version prints the package version', async () => {
    const h = home();
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag], { home: h });
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `${pkg.version}\n`);
      assert.equal(r.stderr, '');
    }
  });

  test('--help for every command prints its usage on stdout and exits 0', async () => {
    const h = home();
    const cases: [string[], string][] = [
      [['--help'], 'Usage: baton <command> [options]'],
      [['-h'], 'Usage: baton <command> [options]'],
      [['help'], 'Usage: baton <command> [options]'],
      [[], 'Usage: baton <command> [options]'],
      [
        ['run', '--help'],
        'Usage: baton run PROJECT [-e ENTRY] [-P NAME=VALUE]... [--experiment-name NAME] [--json]',
      ],
      [['workflow', '--help'], 'Usage: baton workflow <validate|run|resume|show|list|cancel> ...'],
      [['workflow', 'validate', '--help'], 'Usage: baton workflow validate FILE [--json]'],
      [
        ['workflow', 'run', '-h'],
        'Usage: baton workflow run FILE [-P NAME=VALUE]... [--no-cache] [--max-parallel N] [--from STEP [--parent ID]] [--json]',
      ],
      [['workflow', 'resume', '--help'], 'Usage: baton workflow resume WORKFLOW_RUN_ID [--from STEP]...'],
      [['workflow', 'show', '--help'], 'Usage: baton workflow show WORKFLOW_RUN_ID [--json]'],
      [['workflow', 'list', '--help'], 'Usage: baton workflow list [--max-results N] [--json]'],
      [['workflow', 'cancel', '--help'], 'Usage: baton workflow cancel WORKFLOW_RUN_ID'],
      [['runs', '--help'], 'Usage: baton runs <list|show|logs|cancel|rerun|rename|note|delete|restore|mark-failed> ...'],
      [['runs', 'list', '--help'], 'Usage: baton runs list [--experiment-name NAME] [--status STATUS]'],
      [['runs', 'show', '--help'], 'Usage: baton runs show RUN_ID [--json]'],
      [['runs', 'logs', '--help'], 'Usage: baton runs logs RUN_ID'],
      [['runs', 'cancel', '--help'], 'Usage: baton runs cancel RUN_ID'],
      [['runs', 'rerun', '--help'], 'Usage: baton runs rerun RUN_ID [-P NAME=VALUE]... [--json]'],
      [['runs', 'rename', '--help'], 'Usage: baton runs rename RUN_ID NAME'],
      [['runs', 'note', '--help'], 'Usage: baton runs note RUN_ID TEXT'],
      [['runs', 'delete', '--help'], 'Usage: baton runs delete RUN_ID...'],
      [['runs', 'restore', '--help'], 'Usage: baton runs restore RUN_ID...'],
      [['runs', 'mark-failed', '--help'], 'Usage: baton runs mark-failed RUN_ID'],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args, { home: h })));
    results.forEach((r, i) => {
      const [args, usage] = cases[i]!;
      assert.equal(r.code, 0, `baton ${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, '', `baton ${args.join(' ')}`);
      assert.ok(r.stdout.includes(usage), `baton ${args.join(' ')} prints ${usage}; got:\n${r.stdout}`);
    });
    // --help wins over missing arguments, and asking for help records nothing.
    assert.ok(!fs.existsSync(path.join(h, 'baton.db')), 'help opens no history');
  });
});
