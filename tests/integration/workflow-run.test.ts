/**
 * Workflow runs end to end: real step processes (`bash -c`), the real MLflow tracking server, real
 * SQLite history. Each test has its own engine (data folder) and its own project folders.
 *
 * Step scripts never write into their project folder (that would change the project's content
 * fingerprint and defeat caching); they write into the fixture's `out/` folder instead.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../common/errors.js';
import type { ErrorCode } from '../../common/errors.js';
import type { RunRecord, StepRunRecord, StepStatus, WorkflowRunRecord, WorkflowRunStatus } from '../../common/types.js';
import type { Engine, EngineOptions } from '../../main/engine/engine.js';
import type { EngineEvents } from '../../main/engine/events.js';
import type { WorkflowStartOptions } from '../../main/engine/workflow/execute.js';
import { openEngine, pidAlive, tempDir, waitUntil, writeFiles } from '../helpers.js';

// ---- fixtures ------------------------------------------------------------------------------------

/**
 * `mlflow.sh METHOD ENDPOINT DATA` calls Baton's MLflow REST API with the step's environment:
 * GET sends DATA as a query string, POST as a JSON body. curl when present, else Python's urllib.
 */
const MLFLOW_SH = [
  '#!/usr/bin/env bash',
  'method="$1"; url="$MLFLOW_TRACKING_URI/api/2.0/mlflow/$2"; data="$3"',
  'if command -v curl >/dev/null 2>&1; then',
  '  if [ "$method" = GET ]; then',
  '    exec curl -sSf -G -H "Authorization: Bearer $MLFLOW_TRACKING_TOKEN" --data "$data" "$url"',
  '  fi',
  '  exec curl -sSf -X POST -H "Content-Type: application/json" -H "Authorization: Bearer $MLFLOW_TRACKING_TOKEN" --data "$data" "$url"',
  'fi',
  'exec python3 - "$method" "$url" "$data" <<"PY"',
  'import os, sys, urllib.request',
  'method, url, data = sys.argv[1:4]',
  'if method == "GET":',
  '    req = urllib.request.Request(url + "?" + data)',
  'else:',
  '    req = urllib.request.Request(url, data=data.encode(), method="POST")',
  '    req.add_header("Content-Type", "application/json")',
  'req.add_header("Authorization", "Bearer " + os.environ.get("MLFLOW_TRACKING_TOKEN", ""))',
  'sys.stdout.write(urllib.request.urlopen(req, timeout=30).read().decode())',
  'PY',
];

/** `log-metric.sh KEY VALUE STEP` logs one metric value for the step's run. */
const LOG_METRIC_SH = [
  '#!/usr/bin/env bash',
  'set -e',
  'ts=$(date +%s%3N)',
  'bash "$(dirname "$0")/mlflow.sh" POST runs/log-metric "{\\"run_id\\": \\"$MLFLOW_RUN_ID\\", \\"key\\": \\"$1\\", \\"value\\": $2, \\"timestamp\\": $ts, \\"step\\": $3}" >/dev/null',
];

/** `set-tag.sh KEY VALUE` sets a tag on the step's run. */
const SET_TAG_SH = [
  '#!/usr/bin/env bash',
  'set -e',
  'bash "$(dirname "$0")/mlflow.sh" POST runs/set-tag "{\\"run_id\\": \\"$MLFLOW_RUN_ID\\", \\"key\\": \\"$1\\", \\"value\\": \\"$2\\"}" >/dev/null',
];

/** `record.sh FILE ARGS...` writes ARGS to FILE, NUL-separated, atomically. */
const RECORD_SH = ['#!/usr/bin/env bash', 'out="$1"; shift', 'printf "%s\\0" "$@" > "$out.tmp" && mv "$out.tmp" "$out"'];

interface Fixture {
  root: string;
  /** Where step scripts write what they saw (outside every project folder). */
  out: string;
  /** The workflow file (workflow.yaml in root). */
  file: string;
}

/**
 * A folder with a workflow, its projects and shared tools. File contents may be line arrays; `@OUT@`
 * becomes the out folder and `@TOOLS@` the tools folder (mlflow.sh, log-metric.sh, set-tag.sh, record.sh).
 */
function fixture(files: Record<string, string | string[]>): Fixture {
  const root = tempDir('baton-wfrun-');
  const out = path.join(root, 'out');
  const tools = path.join(root, 'tools');
  fs.mkdirSync(out);
  const all: Record<string, string | string[]> = {
    'tools/mlflow.sh': MLFLOW_SH,
    'tools/log-metric.sh': LOG_METRIC_SH,
    'tools/set-tag.sh': SET_TAG_SH,
    'tools/record.sh': RECORD_SH,
    ...files,
  };
  writeFiles(
    root,
    Object.fromEntries(
      Object.entries(all).map(([rel, v]) => [
        rel,
        (Array.isArray(v) ? `${v.join('\n')}\n` : v).replaceAll('@OUT@', out).replaceAll('@TOOLS@', tools),
      ]),
    ),
  );
  return { root, out, file: path.join(root, 'workflow.yaml') };
}

/** The arguments a step wrote with record.sh. */
function readArgv(file: string): string[] {
  const parts = fs.readFileSync(file, 'utf8').split('\0');
  assert.equal(parts.pop(), '', `${file} is not NUL-terminated`);
  return parts;
}

/** Lines of a file a step appends to, [] when it does not exist yet. */
function readLines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

async function withEngine(opts: EngineOptions, fn: (engine: Engine) => Promise<void>): Promise<void> {
  const engine = openEngine(opts);
  try {
    await fn(engine);
  } finally {
    await engine.close();
  }
}

async function runWorkflow(engine: Engine, file: string, opts: WorkflowStartOptions = {}): Promise<WorkflowRunRecord> {
  const exec = await engine.startWorkflow(file, opts);
  return exec.wait();
}

function step(rec: WorkflowRunRecord, name: string): StepRunRecord {
  const s = rec.steps[name];
  assert.ok(s, `workflow run has no step '${name}' (steps: ${Object.keys(rec.steps).join(', ')})`);
  return s;
}

function runId(rec: WorkflowRunRecord, name: string): string {
  const id = step(rec, name).run_id;
  assert.ok(id, `step '${name}' has no run (${JSON.stringify(step(rec, name))})`);
  return id;
}

function runOf(engine: Engine, rec: WorkflowRunRecord, name: string): RunRecord {
  return engine.getRun(runId(rec, name));
}

function statuses(rec: WorkflowRunRecord): Record<string, StepStatus> {
  return Object.fromEntries(Object.entries(rec.steps).map(([k, s]) => [k, s.status]));
}

function times(run: RunRecord): { start: number; end: number } {
  assert.ok(run.start_time !== null && run.end_time !== null, `run ${run.step_name} has no start or end time`);
  return { start: run.start_time, end: run.end_time };
}

async function expectAppError(p: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AppError, `expected an AppError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

// ---- tests ---------------------------------------------------------------------------------------

describe('workflow run', () => {
  test('a chain passes run_id, artifact_dir and status to the next step, and records the lineage', async () => {
    const fx = fixture({
      'proj/MLproject': [
        'name: chain',
        'entry_points:',
        '  produce:',
        '    parameters:',
        '      label: {type: string, default: hello}',
        '    command: "bash produce.sh {label}"',
        '  consume:',
        '    parameters:',
        '      upstream_run: string',
        '      input_file: path',
        '      note: string',
        '    command: "bash consume.sh {upstream_run} {input_file} {note}"',
      ],
      'proj/produce.sh': [
        'set -e',
        'bash @TOOLS@/record.sh @OUT@/produce.argv "$@"',
        'resp=$(bash @TOOLS@/mlflow.sh GET runs/get "run_id=$MLFLOW_RUN_ID")',
        'dir=$(printf %s "$resp" | sed -n \'s|.*"artifact_uri":"file://\\([^"]*\\)".*|\\1|p\')',
        'test -d "$dir"',
        'printf "from %s\\n" "$MLFLOW_RUN_ID" > "$dir/result.txt"',
      ],
      'proj/consume.sh': ['set -e', 'bash @TOOLS@/record.sh @OUT@/consume.argv "$@"', 'cp "$2" @OUT@/consumed.txt'],
      'workflow.yaml': [
        'version: 1',
        'name: chain-wf',
        'steps:',
        '  a:',
        '    project: ./proj',
        '    entry_point: produce',
        '  b:',
        '    project: ./proj',
        '    entry_point: consume',
        '    parameters:',
        '      upstream_run: ${{ steps.a.run_id }}',
        '      input_file: ${{ steps.a.artifact_dir }}/result.txt',
        '      note: "from ${{ steps.a.run_id }} (${{ steps.a.status }})"',
      ],
    });
    await withEngine({}, async (engine) => {
      const rec = await runWorkflow(engine, fx.file);
      assert.equal(rec.status, 'FINISHED', JSON.stringify(rec.steps));
      assert.deepEqual(statuses(rec), { a: 'FINISHED', b: 'FINISHED' });

      const a = runOf(engine, rec, 'a');
      const b = runOf(engine, rec, 'b');
      assert.notEqual(a.run_id, b.run_id);
      assert.deepEqual(readArgv(path.join(fx.out, 'produce.argv')), ['hello']);
      const expected = [a.run_id, path.join(a.artifact_dir, 'result.txt'), `from ${a.run_id} (FINISHED)`];
      assert.deepEqual(readArgv(path.join(fx.out, 'consume.argv')), expected);
      assert.equal(fs.readFileSync(path.join(fx.out, 'consumed.txt'), 'utf8'), `from ${a.run_id}\n`);

      // Lineage: the step run's params hold the resolved values, and run_inputs link them to step a.
      assert.deepEqual(b.params, { upstream_run: expected[0], input_file: expected[1], note: expected[2] });
      const links = engine.store
        .runInputs(b.run_id)
        .map((l) => `${l.param}<-${l.sourceRunId}.${l.attribute}`)
        .sort();
      assert.deepEqual(links, [
        `input_file<-${a.run_id}.artifact_dir`,
        `note<-${a.run_id}.run_id`,
        `note<-${a.run_id}.status`,
        `upstream_run<-${a.run_id}.run_id`,
      ]);
      assert.deepEqual(engine.store.runInputs(a.run_id), []);

      // Both runs belong to the workflow run, in the experiment named after the workflow.
      for (const [name, run] of [['a', a], ['b', b]] as const) {
        assert.equal(run.status, 'FINISHED');
        assert.equal(run.exit_code, 0);
        assert.equal(run.workflow_run_id, rec.workflow_run_id);
        assert.equal(run.step_name, name);
        assert.equal(run.tags['baton.workflow.step'], name);
        assert.equal(run.tags['baton.workflow_run_id'], rec.workflow_run_id);
      }
      assert.equal(a.experiment_id, engine.store.findExperimentByName('chain-wf')?.experiment_id);
      assert.equal(b.experiment_id, a.experiment_id);
      assert.deepEqual(
        engine.listRuns({ workflowRunId: rec.workflow_run_id }).map((r) => r.run_id).sort(),
        [a.run_id, b.run_id].sort(),
      );
    });
  });

  test('metrics, params, tags and inputs resolve; a metric never logged fails the step and skips its dependants', async () => {
    const fx = fixture({
      'proj/MLproject': [
        'name: refs',
        'entry_points:',
        '  train:',
        '    parameters:',
        '      alpha: {type: float, default: 0.5}',
        '      epochs: {type: int, default: 3}',
        '      momentum: {type: float, default: 0.9}',
        '    command: "bash train.sh {alpha} {epochs}"',
        '  report:',
        '    parameters:',
        '      score: float',
        '      alpha: float',
        '      momentum: float',
        '      stage: string',
        '      greeting: string',
        '      epochs: int',
        '    command: "bash @TOOLS@/record.sh @OUT@/report.argv {score} {alpha} {momentum} {stage} {greeting} {epochs}"',
        '  use:',
        '    parameters:',
        '      value: float',
        '    command: "bash @TOOLS@/record.sh @OUT@/use.argv {value}"',
        '  after:',
        '    parameters:',
        '      upstream: {type: string, default: none}',
        '    command: "bash @TOOLS@/record.sh @OUT@/after-$MLFLOW_RUN_ID.argv {upstream}"',
      ],
      // The latest value (highest step) is neither the first, the largest nor the smallest logged.
      'proj/train.sh': [
        'set -e',
        'bash @TOOLS@/log-metric.sh score 1.5 0',
        'bash @TOOLS@/log-metric.sh score 0.0625 1',
        'bash @TOOLS@/log-metric.sh score 0.25 2',
        'bash @TOOLS@/set-tag.sh stage "ready for review"',
      ],
      'workflow.yaml': [
        'version: 1',
        'name: refs-wf',
        'inputs:',
        '  alpha: {type: float, default: 0.5}',
        '  epochs: {type: int, default: 4}',
        '  greeting: {type: string, default: hi}',
        'steps:',
        '  train:',
        '    project: ./proj',
        '    entry_point: train',
        '    parameters:',
        '      alpha: ${{ inputs.alpha }}',
        '      epochs: ${{ inputs.epochs }}',
        '  report:',
        '    project: ./proj',
        '    entry_point: report',
        '    parameters:',
        '      score: ${{ steps.train.metrics.score }}',
        '      alpha: ${{ steps.train.params.alpha }}',
        '      momentum: ${{ steps.train.params.momentum }}',
        '      stage: ${{ steps.train.tags.stage }}',
        '      greeting: "${{ inputs.greeting }}, ${{ steps.train.tags.mlflow.runName }}"',
        '      epochs: ${{ steps.train.params.epochs }}',
        '  broken:',
        '    project: ./proj',
        '    entry_point: use',
        '    parameters:',
        '      value: ${{ steps.train.metrics.accuracy }}',
        '  after_broken:',
        '    project: ./proj',
        '    entry_point: after',
        '    parameters:',
        '      upstream: ${{ steps.broken.run_id }}',
        '  after_after:',
        '    project: ./proj',
        '    entry_point: after',
        '    needs: [after_broken]',
      ],
    });
    await withEngine({}, async (engine) => {
      const rec = await runWorkflow(engine, fx.file, { inputs: { alpha: '0.125', greeting: 'hello world' } });
      assert.equal(rec.status, 'FAILED');
      assert.deepEqual(statuses(rec), {
        train: 'FINISHED',
        report: 'FINISHED',
        broken: 'FAILED',
        after_broken: 'SKIPPED',
        after_after: 'SKIPPED',
      });
      assert.deepEqual(rec.inputs, { alpha: '0.125', epochs: '4', greeting: 'hello world' });

      const train = runOf(engine, rec, 'train');
      assert.deepEqual(train.params, { alpha: '0.125', epochs: '4', momentum: '0.9' });
      assert.deepEqual(train.metrics, { score: 0.25 });
      assert.equal(train.tags.stage, 'ready for review');
      assert.deepEqual(readArgv(path.join(fx.out, 'report.argv')), ['0.25', '0.125', '0.9', 'ready for review', 'hello world, train', '4']);
      assert.deepEqual(runOf(engine, rec, 'report').params, {
        score: '0.25',
        alpha: '0.125',
        momentum: '0.9',
        stage: 'ready for review',
        greeting: 'hello world, train',
        epochs: '4',
      });

      // The missing metric: no run at all, a reason naming the reference, the metric and what exists.
      const broken = step(rec, 'broken');
      assert.equal(broken.run_id, null);
      assert.equal(broken.cached, false);
      assert.match(broken.reason ?? '', /steps\.train\.metrics\.accuracy/);
      assert.match(broken.reason ?? '', /no metric 'accuracy'/);
      assert.match(broken.reason ?? '', /score/);
      assert.equal(fs.existsSync(path.join(fx.out, 'use.argv')), false);

      assert.equal(step(rec, 'after_broken').run_id, null);
      assert.match(step(rec, 'after_broken').reason ?? '', /step 'broken' failed/);
      assert.equal(step(rec, 'after_after').run_id, null);
      assert.match(step(rec, 'after_after').reason ?? '', /step 'broken' failed \(via 'after_broken'\)/);
      assert.deepEqual(
        engine.listRuns({ workflowRunId: rec.workflow_run_id }).map((r) => r.step_name).sort(),
        ['report', 'train'],
      );
    });
  });

  test('independent steps overlap with maxParallel 2, never with maxParallel 1; needs orders steps', async () => {
    const fx = fixture({
      'proj/MLproject': [
        'name: par',
        'entry_points:',
        '  nap:',
        '    command: "sleep 1"',
        '  quick:',
        '    command: "true"',
      ],
      'workflow.yaml': [
        'version: 1',
        'name: par-wf',
        'steps:',
        '  a:',
        '    project: ./proj',
        '    entry_point: nap',
        '  b:',
        '    project: ./proj',
        '    entry_point: nap',
        '  c:',
        '    project: ./proj',
        '    entry_point: quick',
        '    needs: [a]',
      ],
    });
    // The engine's default is 1; the first run asks for more.
    await withEngine({ maxParallel: 1 }, async (engine) => {
      const wide = await runWorkflow(engine, fx.file, { maxParallel: 3 });
      assert.deepEqual(statuses(wide), { a: 'FINISHED', b: 'FINISHED', c: 'FINISHED' });
      const [a, b, c] = ['a', 'b', 'c'].map((n) => times(runOf(engine, wide, n))) as [ReturnType<typeof times>, ReturnType<typeof times>, ReturnType<typeof times>];
      assert.ok(a.start < b.end && b.start < a.end, `a ${JSON.stringify(a)} and b ${JSON.stringify(b)} should overlap`);
      // c has a free slot from the start, but needs a: it starts only after a ended.
      assert.ok(c.start >= a.end, `c ${JSON.stringify(c)} started before a ${JSON.stringify(a)} ended`);
      assert.deepEqual(engine.store.runInputs(runId(wide, 'c')), []);
      assert.deepEqual(runOf(engine, wide, 'c').params, {});

      const narrow = await runWorkflow(engine, fx.file, { noCache: true });
      assert.deepEqual(statuses(narrow), { a: 'FINISHED', b: 'FINISHED', c: 'FINISHED' });
      const spans = ['a', 'b', 'c'].map((n) => ({ n, ...times(runOf(engine, narrow, n)) })).sort((x, y) => x.start - y.start);
      for (let i = 1; i < spans.length; i++) {
        const prev = spans[i - 1]!;
        const cur = spans[i]!;
        assert.ok(cur.start >= prev.end, `with maxParallel 1, ${cur.n} ${JSON.stringify(cur)} overlaps ${prev.n} ${JSON.stringify(prev)}`);
      }
      const order = spans.map((s) => s.n);
      assert.ok(order.indexOf('c') > order.indexOf('a'), `c ran before a: ${order.join(', ')}`);
    });
  });

  test('a failed step skips everything downstream while an independent branch still runs', async () => {
    const fx = fixture({
      'proj/MLproject': [
        'name: fail',
        'entry_points:',
        '  boom:',
        '    command: "exit 3"',
        '  take:',
        '    parameters:',
        '      up: string',
        '    command: "echo {up} >> @OUT@/take.log"',
        '  slow:',
        '    command: "sleep 1 && echo $MLFLOW_RUN_ID >> @OUT@/slow.log"',
      ],
      'workflow.yaml': [
        'version: 1',
        'name: fail-wf',
        'steps:',
        '  a:',
        '    project: ./proj',
        '    entry_point: boom',
        '  b:',
        '    project: ./proj',
        '    entry_point: take',
        '    parameters:',
        '      up: ${{ steps.a.run_id }}',
        '  c:',
        '    project: ./proj',
        '    entry_point: take',
        '    parameters:',
        '      up: ${{ steps.b.run_id }}',
        '  d:',
        '    project: ./proj',
        '    entry_point: slow',
        '  e:',
        '    project: ./proj',
        '    entry_point: take',
        '    parameters:',
        '      up: ${{ steps.d.run_id }}',
        '  f:',
        '    project: ./proj',
        '    entry_point: slow',
        '    needs: [a, e]',
      ],
    });
    await withEngine({ maxParallel: 2 }, async (engine) => {
      const wfEvents: WorkflowRunStatus[] = [];
      engine.events.on('workflowRun.updated', (e) => wfEvents.push(e.status));
      const rec = await runWorkflow(engine, fx.file);
      assert.equal(rec.status, 'FAILED');
      assert.deepEqual(wfEvents, ['RUNNING', 'FAILED']);
      assert.deepEqual(statuses(rec), { a: 'FAILED', b: 'SKIPPED', c: 'SKIPPED', d: 'FINISHED', e: 'FINISHED', f: 'SKIPPED' });

      const a = runOf(engine, rec, 'a');
      assert.equal(a.status, 'FAILED');
      assert.equal(a.exit_code, 3);
      assert.match(step(rec, 'a').reason ?? '', /exit code 3/);
      assert.match(step(rec, 'b').reason ?? '', /step 'a' failed/);
      assert.match(step(rec, 'c').reason ?? '', /step 'a' failed \(via 'b'\)/);
      assert.match(step(rec, 'f').reason ?? '', /step 'a' failed/);
      for (const n of ['b', 'c', 'f']) assert.equal(step(rec, n).run_id, null, n);

      // The independent branch kept going after a had failed.
      const d = runOf(engine, rec, 'd');
      const e = runOf(engine, rec, 'e');
      assert.ok(times(e).start >= times(a).end, 'e should start after a failed');
      assert.deepEqual(readLines(path.join(fx.out, 'take.log')), [d.run_id]);
      assert.deepEqual(readLines(path.join(fx.out, 'slow.log')), [d.run_id]);
      assert.equal(e.status, 'FINISHED');
      assert.deepEqual(
        engine.listRuns({ workflowRunId: rec.workflow_run_id }).map((r) => r.step_name).sort(),
        ['a', 'd', 'e'],
      );
      const stored = engine.store.getWorkflowRun(rec.workflow_run_id);
      assert.equal(stored?.status, 'FAILED');
      assert.ok(stored.end_time !== null && stored.end_time >= times(e).end);
    });
  });

  test('caching: identical runs reuse steps; noCache, cache: false, content and parameter changes run again', async () => {
    const fx = fixture({
      'pa/MLproject': ['name: pa', 'entry_points:', '  main:', '    parameters:', '      n: {type: int, default: 1}', '    command: "echo $MLFLOW_RUN_ID {n} >> @OUT@/a.log"'],
      'pb/MLproject': ['name: pb', 'entry_points:', '  main:', '    parameters:', '      up: string', '    command: "echo $MLFLOW_RUN_ID {up} >> @OUT@/b.log"'],
      'pb/data.txt': 'version 1\n',
      'pc/MLproject': ['name: pc', 'entry_points:', '  main:', '    parameters:', '      up: string', '    command: "echo $MLFLOW_RUN_ID {up} >> @OUT@/c.log"'],
      'workflow.yaml': [
        'version: 1',
        'name: cache-wf',
        'inputs:',
        '  n: {type: int, default: 1}',
        'steps:',
        '  a:',
        '    project: ./pa',
        '    parameters:',
        '      n: ${{ inputs.n }}',
        '  b:',
        '    project: ./pb',
        '    parameters:',
        '      up: ${{ steps.a.run_id }}',
        '  c:',
        '    project: ./pc',
        '    cache: false',
        '    parameters:',
        '      up: ${{ steps.a.run_id }}',
      ],
    });
    const log = (n: string): string[] => readLines(path.join(fx.out, `${n}.log`));
    await withEngine({}, async (engine) => {
      // 1: nothing to reuse.
      const r1 = await runWorkflow(engine, fx.file);
      assert.equal(r1.status, 'FINISHED');
      assert.deepEqual(statuses(r1), { a: 'FINISHED', b: 'FINISHED', c: 'FINISHED' });
      for (const n of ['a', 'b']) {
        assert.equal(step(r1, n).cached, false);
        assert.match(step(r1, n).reason ?? '', /Not cached: no earlier FINISHED run/);
      }
      assert.match(step(r1, 'c').reason ?? '', /caching is off for this step/);
      const [a1, b1, c1] = [runId(r1, 'a'), runId(r1, 'b'), runId(r1, 'c')];
      assert.deepEqual(log('a'), [`${a1} 1`]);
      assert.deepEqual(log('b'), [`${b1} ${a1}`]);

      // 2: identical, so a and b are reused; c (cache: false) runs again with the reused a's id.
      const r2 = await runWorkflow(engine, fx.file);
      assert.equal(r2.status, 'FINISHED');
      assert.deepEqual(statuses(r2), { a: 'CACHED', b: 'CACHED', c: 'FINISHED' });
      for (const [n, id] of [['a', a1], ['b', b1]] as const) {
        assert.equal(step(r2, n).cached, true);
        assert.equal(step(r2, n).run_id, id);
        assert.match(step(r2, n).reason ?? '', new RegExp(`Reused run ${id}.*same project content`));
      }
      assert.equal(step(r2, 'c').cached, false);
      assert.match(step(r2, 'c').reason ?? '', /caching is off for this step/);
      const c2 = runId(r2, 'c');
      assert.notEqual(c2, c1);
      assert.equal(engine.getRun(c2).params.up, a1, 'the cached upstream feeds its run id');
      assert.deepEqual(log('a'), [`${a1} 1`]);
      assert.deepEqual(log('b'), [`${b1} ${a1}`]);
      assert.deepEqual(log('c'), [`${c1} ${a1}`, `${c2} ${a1}`]);
      assert.equal(engine.listRuns().length, 4);

      // 3: noCache runs everything.
      const r3 = await runWorkflow(engine, fx.file, { noCache: true });
      assert.deepEqual(statuses(r3), { a: 'FINISHED', b: 'FINISHED', c: 'FINISHED' });
      for (const n of ['a', 'b', 'c']) {
        assert.equal(step(r3, n).cached, false);
        assert.notEqual(step(r3, n).run_id, step(r1, n).run_id);
        assert.match(step(r3, n).reason ?? '', /caching is off for this workflow run/);
      }
      const [a3, b3] = [runId(r3, 'a'), runId(r3, 'b')];
      assert.equal(engine.getRun(b3).params.up, a3);
      assert.equal(log('a').length, 2);

      // 4: a file of b's project changed: a is reused (the latest matching run), b runs again on it.
      fs.writeFileSync(path.join(fx.root, 'pb', 'data.txt'), 'version 2\n');
      const r4 = await runWorkflow(engine, fx.file);
      assert.deepEqual(statuses(r4), { a: 'CACHED', b: 'FINISHED', c: 'FINISHED' });
      assert.equal(step(r4, 'a').run_id, a3);
      const b4 = runId(r4, 'b');
      assert.ok(![b1, b3].includes(b4));
      assert.equal(engine.getRun(b4).params.up, a3);
      assert.equal(log('a').length, 2);

      // 5: a parameter value changed: a runs again, and so does b (its upstream run id changed).
      const r5 = await runWorkflow(engine, fx.file, { inputs: { n: '2' } });
      assert.deepEqual(statuses(r5), { a: 'FINISHED', b: 'FINISHED', c: 'FINISHED' });
      const a5 = runId(r5, 'a');
      assert.equal(engine.getRun(a5).params.n, '2');
      assert.equal(engine.getRun(runId(r5, 'b')).params.up, a5);
      assert.deepEqual(log('a').at(-1), `${a5} 2`);

      // 6: b's project back to its earlier content: the fingerprint is content, so run 3's b is reused.
      fs.writeFileSync(path.join(fx.root, 'pb', 'data.txt'), 'version 1\n');
      const r6 = await runWorkflow(engine, fx.file);
      assert.deepEqual(statuses(r6), { a: 'CACHED', b: 'CACHED', c: 'FINISHED' });
      assert.equal(step(r6, 'a').run_id, a3);
      assert.equal(step(r6, 'b').run_id, b3);
      assert.equal(log('a').length, 3);
      assert.equal(log('b').length, 4);
    });
  });

  describe('resume', () => {
    /** a → b (fails until the flag file exists, reads input n) → c; d needs a only. */
    const resumeFixture = (): Fixture & { flag: string } => {
      const fx = fixture({
        'proj/MLproject': [
          'name: resume',
          'entry_points:',
          '  first:',
          '    command: "echo $MLFLOW_RUN_ID >> @OUT@/a.log"',
          '  gate:',
          '    parameters:',
          '      up: string',
          '      n: int',
          '    command: "test -f @OUT@/flag && echo $MLFLOW_RUN_ID {up} {n} >> @OUT@/b.log"',
          '  last:',
          '    parameters:',
          '      up: string',
          '    command: "echo $MLFLOW_RUN_ID {up} >> @OUT@/c.log"',
          '  side:',
          '    command: "echo $MLFLOW_RUN_ID >> @OUT@/d.log"',
        ],
        'workflow.yaml': [
          'version: 1',
          'name: resume-wf',
          'inputs:',
          '  n: {type: int, default: 1}',
          'steps:',
          '  a:',
          '    project: ./proj',
          '    entry_point: first',
          '  b:',
          '    project: ./proj',
          '    entry_point: gate',
          '    parameters:',
          '      up: ${{ steps.a.run_id }}',
          '      n: ${{ inputs.n }}',
          '  c:',
          '    project: ./proj',
          '    entry_point: last',
          '    parameters:',
          '      up: ${{ steps.b.run_id }}',
          '  d:',
          '    project: ./proj',
          '    entry_point: side',
          '    needs: [a]',
        ],
      });
      return { ...fx, flag: path.join(fx.out, 'flag') };
    };

    test('re-runs only the failed and skipped steps and reuses the finished ones', async () => {
      const fx = resumeFixture();
      const log = (n: string): string[] => readLines(path.join(fx.out, `${n}.log`));
      await withEngine({}, async (engine) => {
        const r1 = await runWorkflow(engine, fx.file);
        assert.equal(r1.status, 'FAILED');
        assert.deepEqual(statuses(r1), { a: 'FINISHED', b: 'FAILED', c: 'SKIPPED', d: 'FINISHED' });
        const [a1, b1, d1] = [runId(r1, 'a'), runId(r1, 'b'), runId(r1, 'd')];

        fs.writeFileSync(fx.flag, '');
        const exec = await engine.resumeWorkflow(r1.workflow_run_id);
        assert.notEqual(exec.workflowRunId, r1.workflow_run_id);
        const r2 = await exec.wait();
        assert.equal(r2.status, 'FINISHED', JSON.stringify(r2.steps));
        assert.equal(r2.parent_workflow_run_id, r1.workflow_run_id);
        assert.equal(engine.store.getWorkflowRun(r2.workflow_run_id)?.parent_workflow_run_id, r1.workflow_run_id);
        assert.deepEqual(statuses(r2), { a: 'CACHED', b: 'FINISHED', c: 'FINISHED', d: 'CACHED' });
        for (const [n, id] of [['a', a1], ['d', d1]] as const) {
          assert.equal(step(r2, n).run_id, id);
          assert.equal(step(r2, n).cached, true);
          assert.match(step(r2, n).reason ?? '', new RegExp(`Reused run ${id} from workflow run ${r1.workflow_run_id}`));
        }
        const b2 = runId(r2, 'b');
        assert.notEqual(b2, b1);
        assert.equal(step(r2, 'b').cached, false);
        assert.deepEqual(engine.getRun(b2).params, { up: a1, n: '1' });
        assert.equal(engine.getRun(runId(r2, 'c')).params.up, b2);
        // Only b and c executed again.
        assert.deepEqual(log('a'), [a1]);
        assert.deepEqual(log('d'), [d1]);
        assert.deepEqual(log('b'), [`${b2} ${a1} 1`]);
        assert.equal(log('c').length, 1);
        // The parent is left as it was.
        assert.deepEqual(statuses(engine.store.getWorkflowRun(r1.workflow_run_id)!), statuses(r1));
      });
    });

    test('keeps the input values the parent workflow run was started with', async () => {
      const fx = resumeFixture();
      await withEngine({}, async (engine) => {
        const r1 = await runWorkflow(engine, fx.file, { inputs: { n: '7' } });
        assert.deepEqual(statuses(r1), { a: 'FINISHED', b: 'FAILED', c: 'SKIPPED', d: 'FINISHED' });
        assert.deepEqual(r1.inputs, { n: '7' });
        fs.writeFileSync(fx.flag, '');
        const r2 = await (await engine.resumeWorkflow(r1.workflow_run_id)).wait();
        assert.equal(r2.status, 'FINISHED');
        assert.deepEqual(r2.inputs, { n: '7' });
        assert.equal(engine.getRun(runId(r2, 'b')).params.n, '7');
      });
    });

    test('fromSteps reuses the steps upstream and beside, and runs the named step and its dependants', async () => {
      const fx = resumeFixture();
      fs.writeFileSync(fx.flag, '');
      await withEngine({}, async (engine) => {
        const r1 = await runWorkflow(engine, fx.file);
        assert.equal(r1.status, 'FINISHED');
        await expectAppError(engine.resumeWorkflow(r1.workflow_run_id, { fromSteps: ['nope'] }), 'USAGE', /'nope'/);
        const r2 = await (await engine.resumeWorkflow(r1.workflow_run_id, { fromSteps: ['b'] })).wait();
        assert.equal(r2.status, 'FINISHED');
        assert.equal(r2.parent_workflow_run_id, r1.workflow_run_id);
        for (const n of ['a', 'd']) {
          assert.equal(step(r2, n).status, 'CACHED');
          assert.equal(step(r2, n).run_id, step(r1, n).run_id);
          assert.match(step(r2, n).reason ?? '', /from workflow run/);
        }
        for (const n of ['b', 'c']) {
          assert.ok(['FINISHED', 'CACHED'].includes(step(r2, n).status), n);
          assert.doesNotMatch(step(r2, n).reason ?? '', /from workflow run/, `${n} must not be reused from the parent`);
        }
      });
    });

    test('fromSteps runs the named step and its dependants again', async () => {
      const fx = resumeFixture();
      fs.writeFileSync(fx.flag, '');
      const log = (n: string): string[] => readLines(path.join(fx.out, `${n}.log`));
      await withEngine({}, async (engine) => {
        const r1 = await runWorkflow(engine, fx.file);
        assert.equal(r1.status, 'FINISHED');
        const r2 = await (await engine.resumeWorkflow(r1.workflow_run_id, { fromSteps: ['b'] })).wait();
        assert.deepEqual(statuses(r2), { a: 'CACHED', b: 'FINISHED', c: 'FINISHED', d: 'CACHED' });
        for (const n of ['b', 'c']) {
          assert.equal(step(r2, n).cached, false);
          assert.notEqual(step(r2, n).run_id, step(r1, n).run_id);
        }
        assert.equal(log('a').length, 1);
        assert.equal(log('b').length, 2);
        assert.equal(log('c').length, 2);
        assert.equal(log('d').length, 1);
      });
    });
    test('run from a step on the file as it is now: upstream reused from the parent, the step and its dependants run again', async () => {
      const fx = resumeFixture();
      fs.writeFileSync(fx.flag, '');
      const log = (n: string): string[] => readLines(path.join(fx.out, `${n}.log`));
      await withEngine({}, async (engine) => {
        const r1 = await runWorkflow(engine, fx.file);
        assert.equal(r1.status, 'FINISHED');
        await expectAppError(engine.startWorkflow(fx.file, { fromSteps: ['nope'], parent: r1.workflow_run_id }), 'USAGE', /'nope'/);
        const r2 = await runWorkflow(engine, fx.file, { fromSteps: ['b'], parent: r1.workflow_run_id });
        assert.deepEqual(statuses(r2), { a: 'CACHED', b: 'FINISHED', c: 'FINISHED', d: 'CACHED' });
        assert.equal(r2.parent_workflow_run_id, r1.workflow_run_id);
        assert.equal(step(r2, 'a').run_id, step(r1, 'a').run_id);
        assert.deepEqual([log('a').length, log('b').length, log('c').length, log('d').length], [1, 2, 2, 1]);
        // Without a parent the steps before it go through the cache as usual.
        const r3 = await runWorkflow(engine, fx.file, { fromSteps: ['c'] });
        assert.equal(step(r3, 'c').status, 'FINISHED');
        assert.equal(r3.parent_workflow_run_id, null);
        assert.equal(log('c').length, 3);
      });
    });
  });

  test('cancel kills the running step\'s whole process tree, skips pending steps and ends KILLED', async () => {
    const fx = fixture({
      'proj/MLproject': [
        'name: cancel',
        'entry_points:',
        '  quick:',
        '    command: "echo $MLFLOW_RUN_ID >> @OUT@/quick.log"',
        '  long:',
        '    command: "bash long.sh"',
        '  take:',
        '    parameters:',
        '      up: {type: string, default: none}',
        '    command: "echo $MLFLOW_RUN_ID >> @OUT@/take.log"',
      ],
      'proj/long.sh': [
        'sleep 300 &',
        'echo $! > @OUT@/child.tmp && mv @OUT@/child.tmp @OUT@/child.pid',
        'echo $$ > @OUT@/shell.tmp && mv @OUT@/shell.tmp @OUT@/shell.pid',
        'wait',
      ],
      'workflow.yaml': [
        'version: 1',
        'name: cancel-wf',
        'steps:',
        '  first:',
        '    project: ./proj',
        '    entry_point: quick',
        '  long:',
        '    project: ./proj',
        '    entry_point: long',
        '    needs: [first]',
        '  after:',
        '    project: ./proj',
        '    entry_point: take',
        '    parameters:',
        '      up: ${{ steps.long.run_id }}',
        '  other:',
        '    project: ./proj',
        '    entry_point: take',
      ],
    });
    await withEngine({}, async (engine) => {
      const wfEvents: WorkflowRunStatus[] = [];
      engine.events.on('workflowRun.updated', (e) => wfEvents.push(e.status));
      // maxParallel 1 keeps the independent step "other" pending behind "long".
      const exec = await engine.startWorkflow(fx.file, { maxParallel: 1 });
      const pids = await waitUntil(() => {
        const read = (f: string): number | null => (fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8').trim()) : null);
        const shell = read(path.join(fx.out, 'shell.pid'));
        const child = read(path.join(fx.out, 'child.pid'));
        return shell && child ? { shell, child } : null;
      }, 'the long step to write its pids');
      assert.ok(pidAlive(pids.shell) && pidAlive(pids.child), 'the step processes should be running before cancel');
      const running = engine.store.getWorkflowRun(exec.workflowRunId);
      assert.equal(running?.steps.long?.status, 'RUNNING');
      assert.equal(running.steps.other?.status, 'PENDING');

      await exec.cancel();
      const rec = await exec.wait();
      assert.equal(pidAlive(pids.shell), false, `step shell ${pids.shell} is still alive`);
      assert.equal(pidAlive(pids.child), false, `step child (sleep 300) ${pids.child} is still alive`);

      assert.equal(rec.status, 'KILLED');
      assert.deepEqual(statuses(rec), { first: 'FINISHED', long: 'KILLED', after: 'SKIPPED', other: 'SKIPPED' });
      assert.match(step(rec, 'long').reason ?? '', /cancelled/);
      assert.match(step(rec, 'after').reason ?? '', /cancelled/);
      assert.match(step(rec, 'other').reason ?? '', /cancelled/);
      const long = runOf(engine, rec, 'long');
      assert.equal(long.status, 'KILLED');
      assert.ok(long.end_time !== null);
      assert.equal(step(rec, 'after').run_id, null);
      assert.equal(step(rec, 'other').run_id, null);
      assert.equal(fs.existsSync(path.join(fx.out, 'take.log')), false);
      assert.equal(engine.store.getWorkflowRun(rec.workflow_run_id)?.status, 'KILLED');
      assert.deepEqual(wfEvents, ['RUNNING', 'KILLED']);
    });
  });

  test('step.updated events go PENDING → RUNNING → FINISHED per step; workflowRun.updated ends with the final status', async () => {
    const fx = fixture({
      'proj/MLproject': ['name: ev', 'entry_points:', '  main:', '    parameters:', '      up: {type: string, default: none}', '    command: "echo {up}"'],
      'workflow.yaml': [
        'version: 1',
        'name: events-wf',
        'steps:',
        '  a:',
        '    project: ./proj',
        '  b:',
        '    project: ./proj',
        '    parameters:',
        '      up: ${{ steps.a.run_id }}',
      ],
    });
    await withEngine({}, async (engine) => {
      type Ev =
        | { kind: 'step'; e: EngineEvents['step.updated'] }
        | { kind: 'wf'; e: EngineEvents['workflowRun.updated'] }
        | { kind: 'run'; e: EngineEvents['run.updated'] };
      const events: Ev[] = [];
      let initial: Record<string, StepStatus> | null = null;
      engine.events.on('step.updated', (e) => events.push({ kind: 'step', e: { ...e, step: { ...e.step } } }));
      engine.events.on('run.updated', (e) => events.push({ kind: 'run', e }));
      engine.events.on('workflowRun.updated', (e) => {
        events.push({ kind: 'wf', e });
        // What a listener sees when the workflow run begins: every step recorded PENDING.
        if (e.status === 'RUNNING') initial = statuses(engine.store.getWorkflowRun(e.workflowRunId)!);
      });

      const exec = await engine.startWorkflow(fx.file);
      const rec = await exec.wait();
      assert.equal(rec.status, 'FINISHED');
      assert.deepEqual(initial, { a: 'PENDING', b: 'PENDING' });
      const mine = events.filter((x) => x.kind === 'run' || x.e.workflowRunId === exec.workflowRunId);
      assert.equal(mine.length, events.length, 'no events from other workflow runs');

      const wf = mine.flatMap((x) => (x.kind === 'wf' ? [x.e.status] : []));
      assert.deepEqual(wf, ['RUNNING', 'FINISHED']);
      assert.equal(mine[0]?.kind, 'wf', 'workflowRun.updated RUNNING comes first');
      assert.equal(mine.at(-1)?.kind, 'wf', 'workflowRun.updated with the final status comes last');

      for (const name of ['a', 'b']) {
        const stepEvents = mine.flatMap((x) => (x.kind === 'step' && x.e.step.step_name === name ? [x.e.step] : []));
        const seq = ['PENDING', ...stepEvents.map((s) => s.status)].filter((s, i, all) => i === 0 || s !== all[i - 1]);
        assert.deepEqual(seq, ['PENDING', 'RUNNING', 'FINISHED'], `${name}: ${stepEvents.map((s) => s.status).join(' → ')}`);
        const last = stepEvents.at(-1)!;
        assert.deepEqual(last, step(rec, name));
        // The run's own events: SCHEDULED → RUNNING → FINISHED, all before the step's FINISHED.
        const id = runId(rec, name);
        const runEvents = mine.flatMap((x, i) => (x.kind === 'run' && x.e.runId === id ? [{ i, e: x.e }] : []));
        assert.deepEqual(runEvents.map((r) => r.e.status), ['SCHEDULED', 'RUNNING', 'FINISHED']);
        for (const r of runEvents) {
          assert.equal(r.e.workflowRunId, exec.workflowRunId);
          assert.equal(r.e.stepName, name);
        }
        const stepFinished = mine.findIndex((x) => x.kind === 'step' && x.e.step.step_name === name && x.e.step.status === 'FINISHED');
        assert.ok(runEvents.every((r) => r.i < stepFinished), `${name}: run events after the step's FINISHED`);
      }
      // b starts only after a's FINISHED event.
      const aFinished = mine.findIndex((x) => x.kind === 'step' && x.e.step.step_name === 'a' && x.e.step.status === 'FINISHED');
      const bRunning = mine.findIndex((x) => x.kind === 'step' && x.e.step.step_name === 'b' && x.e.step.status === 'RUNNING');
      assert.ok(aFinished >= 0 && aFinished < bRunning, 'b RUNNING before a FINISHED');
    });
  });

  test('bad inputs and invalid workflow files throw an AppError before anything is recorded', async () => {
    const fx = fixture({
      'proj/MLproject': [
        'name: bad',
        'entry_points:',
        '  main:',
        '    parameters:',
        '      rate: float',
        '      n: int',
        '    command: "echo ran >> @OUT@/ran.log"',
      ],
      'workflow.yaml': [
        'version: 1',
        'name: bad-wf',
        'inputs:',
        '  rate: float',
        '  n: {type: int, default: 2}',
        'steps:',
        '  a:',
        '    project: ./proj',
        '    parameters:',
        '      rate: ${{ inputs.rate }}',
        '      n: ${{ inputs.n }}',
      ],
      'invalid.yaml': [
        'version: 1',
        'name: invalid-wf',
        'steps:',
        '  a:',
        '    project: ./proj',
        '    parameters:',
        '      rate: ${{ steps.nope.metrics.m }}',
        '      n: 1',
      ],
      'cycle.yaml': [
        'version: 1',
        'name: cycle-wf',
        'steps:',
        '  a:',
        '    project: ./proj',
        '    parameters:',
        '      rate: ${{ steps.b.metrics.m }}',
        '      n: 1',
        '  b:',
        '    project: ./proj',
        '    parameters:',
        '      rate: ${{ steps.a.metrics.m }}',
        '      n: 1',
      ],
    });
    await withEngine({}, async (engine) => {
      await expectAppError(engine.startWorkflow(fx.file, { inputs: { rate: '0.1', bogus: '1' } }), 'PARAM_INVALID', /'bogus' is not an input/);
      await expectAppError(engine.startWorkflow(fx.file, { inputs: {} }), 'PARAM_MISSING', /'rate'/);
      await expectAppError(engine.startWorkflow(fx.file, { inputs: { rate: 'fast' } }), 'PARAM_INVALID', /'fast' is not a number/);
      await expectAppError(engine.startWorkflow(fx.file, { inputs: { rate: '0.1', n: '2.5' } }), 'PARAM_INVALID', /'2\.5' is not a whole number/);

      await assert.rejects(engine.startWorkflow(path.join(fx.root, 'invalid.yaml')), (e: unknown) => {
        assert.ok(e instanceof AppError);
        assert.equal(e.code, 'WORKFLOW_INVALID');
        assert.match(e.message, /unknown step "nope"/);
        const problems = (e.details as { problems?: { line?: number }[] } | undefined)?.problems ?? [];
        assert.equal(problems[0]?.line, 7, JSON.stringify(problems));
        return true;
      });
      await expectAppError(engine.startWorkflow(path.join(fx.root, 'cycle.yaml')), 'WORKFLOW_CYCLE', /a → b → a|b → a → b/);
      await expectAppError(engine.startWorkflow(path.join(fx.root, 'missing.yaml')), 'WORKFLOW_NOT_FOUND', /does not exist/);

      assert.deepEqual(engine.listRuns(), []);
      assert.deepEqual(engine.store.listWorkflowRuns(), []);
      assert.equal(fs.existsSync(path.join(fx.out, 'ran.log')), false);

      // The same file with good inputs runs: the failures above were about the inputs.
      const rec = await runWorkflow(engine, fx.file, { inputs: { rate: '0.1' } });
      assert.equal(rec.status, 'FINISHED');
      assert.deepEqual(runOf(engine, rec, 'a').params, { rate: '0.1', n: '2' });
      assert.equal(engine.store.listWorkflowRuns().length, 1);
    });
  });
});
