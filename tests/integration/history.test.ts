/**
 * The experiment history's engine side end to end, through the API dispatcher both hosts use: real
 * step processes, the embedded tracking server, a real SQLite history. A two-step workflow whose
 * second step consumes the first step's run_id gives lineage in both directions, a cached step and
 * a re-run with a changed parameter (runs.detail, workflowRuns.snapshot, workflowRuns.diff);
 * housekeeping (rename, note, delete, restore, mark failed) with its refusals; rerun with params.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MethodInput, MethodName, MethodOutput } from '../../common/api/contract.js';
import type { WorkflowRunRecord } from '../../common/types.js';
import { createDispatcher, createHandlers } from '../../main/api/handlers.js';
import type { Engine } from '../../main/engine/engine.js';
import type { EngineEvents } from '../../main/engine/events.js';
import { processStartTime } from '../../main/engine/runner/process.js';
import { openEngine, tempDir, waitUntil, writeFiles } from '../helpers.js';

/** `log.sh METHOD ENDPOINT JSON` posts to Baton's MLflow REST API with the step's environment. */
const LOG_SH = [
  '#!/usr/bin/env bash',
  'url="$MLFLOW_TRACKING_URI/api/2.0/mlflow/$1"',
  'if command -v curl >/dev/null 2>&1; then',
  '  exec curl -sSf -X POST -H "Content-Type: application/json" -H "Authorization: Bearer $MLFLOW_TRACKING_TOKEN" --data "$2" "$url" >/dev/null',
  'fi',
  'exec python3 - "$url" "$2" <<"PY"',
  'import os, sys, urllib.request',
  'req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")',
  'req.add_header("Content-Type", "application/json")',
  'req.add_header("Authorization", "Bearer " + os.environ.get("MLFLOW_TRACKING_TOKEN", ""))',
  'urllib.request.urlopen(req, timeout=30).read()',
  'PY',
].join('\n');

function project(): { root: string; file: string; proj: string } {
  const root = tempDir('baton-history-');
  writeFiles(root, {
    'tools/log.sh': `${LOG_SH}\n`,
    'proj/MLproject': [
      'name: hist',
      'entry_points:',
      '  prepare:',
      '    parameters:',
      '      rows: {type: int, default: 10}',
      '    command: "bash prepare.sh {rows}"',
      '  train:',
      '    parameters:',
      '      data_run: string',
      '      alpha: {type: float, default: 0.5}',
      '    command: "bash train.sh {data_run} {alpha}"',
      '  wait:',
      '    command: "sleep 300.4242"',
      '',
    ].join('\n'),
    'proj/prepare.sh': 'echo "prepared $1 rows"\n',
    'proj/train.sh': [
      'set -e',
      'echo "training on $1 with alpha=$2"',
      `bash ${root}/tools/log.sh runs/log-metric "{\\"run_id\\": \\"$MLFLOW_RUN_ID\\", \\"key\\": \\"rmse\\", \\"value\\": $2, \\"timestamp\\": 1, \\"step\\": 0}"`,
      // A param the script logs itself: a rerun must not pass it back as a command-line parameter.
      `bash ${root}/tools/log.sh runs/log-parameter "{\\"run_id\\": \\"$MLFLOW_RUN_ID\\", \\"key\\": \\"seen_rows\\", \\"value\\": \\"10\\"}"`,
      '',
    ].join('\n'),
    'workflow.yaml': [
      'version: 1',
      'name: hist-wf',
      'inputs:',
      '  alpha: {type: float, default: 0.5}',
      'steps:',
      '  prep:',
      '    project: ./proj',
      '    entry_point: prepare',
      '  train:',
      '    project: ./proj',
      '    entry_point: train',
      '    parameters:',
      '      data_run: ${{ steps.prep.run_id }}',
      '      alpha: ${{ inputs.alpha }}',
      '',
    ].join('\n'),
  });
  return { root, file: path.join(root, 'workflow.yaml'), proj: path.join(root, 'proj') };
}

let engine: Engine;
let dispatch: ReturnType<typeof createDispatcher>;
const events: EngineEvents['run.updated'][] = [];

async function ok<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const r = await dispatch(method, input);
  assert.ok(r.ok, `${method}: ${JSON.stringify(r)}`);
  return r.value as MethodOutput<M>;
}
async function fail(method: MethodName, input: unknown): Promise<{ code: string; message: string; details?: unknown }> {
  const r = await dispatch(method, input);
  assert.ok(!r.ok, `expected ${method} ${JSON.stringify(input)} to fail`);
  return r.error;
}
async function runWorkflow(file: string, inputs: Record<string, string> = {}): Promise<WorkflowRunRecord> {
  const exec = await engine.startWorkflow(file, { inputs });
  const rec = await exec.wait();
  assert.equal(rec.status, 'FINISHED', JSON.stringify(rec.steps));
  return rec;
}

before(() => {
  engine = openEngine();
  dispatch = createDispatcher(createHandlers(engine));
  engine.events.on('run.updated', (e) => events.push(e));
});
after(() => engine.close());

describe('a two-step workflow in the history', () => {
  const fx = project();
  let r1: WorkflowRunRecord;
  let r2: WorkflowRunRecord;
  let r3: WorkflowRunRecord;
  const ids = { prep1: '', train1: '', train2: '', prep3: '' };

  before(async () => {
    r1 = await runWorkflow(fx.file);
    r2 = await runWorkflow(fx.file, { alpha: '0.7' });
    // The project's content changes: every step runs again with the same parameters.
    fs.writeFileSync(path.join(fx.proj, 'README.md'), 'changed\n');
    r3 = await runWorkflow(fx.file);
    ids.prep1 = r1.steps.prep!.run_id!;
    ids.train1 = r1.steps.train!.run_id!;
    ids.train2 = r2.steps.train!.run_id!;
    ids.prep3 = r3.steps.prep!.run_id!;
    assert.equal(r2.steps.prep!.status, 'CACHED');
    assert.equal(r2.steps.prep!.run_id, ids.prep1);
    assert.notEqual(ids.prep3, ids.prep1);
  });

  test('lineage both ways: a run lists the runs it consumed and the runs that consumed it', async () => {
    const train = await ok('runs.detail', { runId: ids.train1 });
    assert.deepEqual(train.lineage.inputs, [
      { run_id: ids.prep1, run_name: 'prep', status: 'FINISHED', step_name: 'prep', param: 'data_run', attribute: 'run_id', exists: true },
    ]);
    assert.deepEqual(train.lineage.consumers, []);
    const prep = await ok('runs.detail', { runId: ids.prep1 });
    assert.deepEqual(prep.lineage.inputs, []);
    assert.deepEqual(
      prep.lineage.consumers.map((l) => [l.run_id, l.param, l.attribute, l.step_name]),
      [
        [ids.train1, 'data_run', 'run_id', 'train'],
        [ids.train2, 'data_run', 'run_id', 'train'],
      ],
      'the second workflow run reused prep and its train consumed it',
    );
  });

  test('the run page: cache decision, metrics, git, timing, log, command and exit code', async () => {
    const prep = await ok('runs.detail', { runId: ids.prep1 });
    assert.equal(prep.cache.decision, 'ran');
    assert.match(prep.cache.reason!, /^Not cached: no earlier FINISHED run/);
    assert.match(prep.cache.key!, /^[0-9a-f]{64}$/);
    assert.deepEqual(prep.cache.reusedBy, [{ workflow_run_id: r2.workflow_run_id, step_name: 'prep' }]);
    const seen = await ok('runs.detail', { runId: ids.prep1, workflowRunId: r2.workflow_run_id });
    assert.equal(seen.cache.decision, 'reused');
    assert.match(seen.cache.reason!, new RegExp(`^Reused run ${ids.prep1}`));
    const train = await ok('runs.detail', { runId: ids.train2 });
    assert.deepEqual(train.metricKeys, [{ key: 'rmse', count: 1 }]);
    assert.equal(train.run.metrics.rmse, 0.7);
    assert.equal(train.run.experiment_name, 'hist-wf');
    assert.equal(train.run.workflow_name, 'hist-wf');
    assert.equal(train.run.exit_code, 0);
    assert.match(train.run.command, /^bash train\.sh [0-9a-f]{32} 0\.7$/);
    assert.deepEqual(train.git, { commit: null, branch: null, repoUrl: null, dirty: null }, 'not a git repository');
    assert.equal(train.stale, false);
    assert.ok(train.logSize > 0);
    assert.equal(train.artifactDir, train.run.artifact_dir);
    const standalone = await ok('runs.detail', { runId: (await engine.runProject({ uri: fx.proj, entryPoint: 'prepare' }).then((s) => s.wait().then(() => s.runId))) });
    assert.equal(standalone.cache.decision, 'none');
  });

  test('workflowRuns.snapshot: the YAML that ran, the layout and every step run', async () => {
    const snap = await ok('workflowRuns.snapshot', { workflowRunId: r2.workflow_run_id });
    assert.equal(snap.yaml, fs.readFileSync(fx.file, 'utf8'));
    assert.equal(snap.layout, null);
    assert.equal(snap.workflowRun.steps.prep!.cached, true);
    assert.deepEqual(snap.runs.map((r) => r.run_id).sort(), [ids.prep1, ids.train2].sort());
    fs.writeFileSync(`${fx.file}.layout.json`, JSON.stringify({ version: 1, nodes: { prep: { x: 1, y: 2 } } }));
    const again = await ok('workflowRuns.snapshot', { workflowRunId: r2.workflow_run_id.slice(0, 8) });
    assert.deepEqual(again.layout, { version: 1, nodes: { prep: { x: 1, y: 2 } } });
    assert.equal((await fail('workflowRuns.snapshot', { workflowRunId: 'abcdef123456' })).code, 'WORKFLOW_RUN_NOT_FOUND');
  });

  test('workflowRuns.diff: the cached step is the same run; the re-run one shows the changed param', async () => {
    const d = await ok('workflowRuns.diff', { a: r1.workflow_run_id, b: r2.workflow_run_id });
    const [prep, train] = d.steps;
    assert.equal(prep!.step_name, 'prep');
    assert.equal(prep!.sameRun, true);
    assert.equal(prep!.b!.cached, true);
    assert.deepEqual(prep!.params, []);
    assert.equal(prep!.codeChanged, false);
    assert.equal(train!.sameRun, false);
    assert.deepEqual(train!.params, [{ key: 'alpha', a: '0.5', b: '0.7' }]);
    assert.equal(train!.codeChanged, null, 'params differ and there is no git commit: unknown');
  });

  test('workflowRuns.diff: changed project content with the same params is a code change', async () => {
    const d = await ok('workflowRuns.diff', { a: r1.workflow_run_id, b: r3.workflow_run_id });
    const prep = d.steps.find((s) => s.step_name === 'prep')!;
    assert.equal(prep.sameRun, false);
    assert.deepEqual(prep.params, []);
    assert.equal(prep.codeChanged, true);
    const train = d.steps.find((s) => s.step_name === 'train')!;
    // data_run points at the new prep run; alpha is the same.
    assert.deepEqual(train.params.map((p) => p.key), ['data_run']);
    assert.equal((await fail('workflowRuns.diff', { a: r1.workflow_run_id, b: 'abcdef123456' })).code, 'WORKFLOW_RUN_NOT_FOUND');
  });

  test('runs.search by workflow run and workflow name', async () => {
    const byRun = await ok('runs.search', { workflowRunId: r2.workflow_run_id });
    assert.deepEqual(byRun.runs.map((r) => r.run_id).sort(), [ids.prep1, ids.train2].sort());
    const byName = await ok('runs.search', { workflowName: 'hist-wf' });
    assert.equal(byName.total, 5, 'prep1, train1, train2, prep3, train3');
    const filtered = await ok('runs.search', { workflowName: 'hist-wf', filter: "params.alpha = '0.7'", orderBy: ['step_name'] });
    assert.deepEqual(filtered.runs.map((r) => r.run_id), [ids.train2]);
  });

  test('rerun with params: validated like any run; the rerun tag is kept; script-logged params are not passed back', async () => {
    const train1 = engine.getRun(ids.train1);
    assert.equal(train1.params.seen_rows, '10', 'the script logged it');
    const before = engine.store.listRuns({ limit: 1000 }).length;
    const bad = await fail('runs.rerun', { runId: ids.train1, params: { alpha: 'abc' } });
    assert.equal(bad.code, 'PARAM_INVALID');
    assert.match(bad.message, /alpha/);
    assert.equal(engine.store.listRuns({ limit: 1000 }).length, before, 'nothing was created');
    const { runId } = await ok('runs.rerun', { runId: ids.train1, params: { alpha: '0.9' } });
    assert.equal(await engine.submitted(runId).wait(), true);
    const again = engine.getRun(runId);
    assert.equal(again.params.alpha, '0.9');
    assert.equal(again.params.data_run, ids.prep1);
    assert.equal(again.tags['baton.rerun_of'], ids.train1);
    assert.doesNotMatch(again.command, /seen_rows/);
    assert.equal(again.command, `bash train.sh ${ids.prep1} 0.9`);
    const same = await ok('runs.rerun', { runId: ids.train1 });
    assert.equal(await engine.submitted(same.runId).wait(), true);
    assert.equal(engine.getRun(same.runId).params.alpha, '0.5');
  });
});

describe('housekeeping', () => {
  const fx = project();
  const finished: string[] = [];

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const sub = await engine.runProject({ uri: fx.proj, entryPoint: 'prepare', parameters: { rows: String(i) } });
      assert.equal(await sub.wait(), true);
      finished.push(sub.runId);
    }
  });

  test('rename and note: the mlflow.runName tag follows, an empty note removes it, run.updated is sent', async () => {
    events.length = 0;
    const row = await ok('runs.update', { runId: finished[0]!, name: '  baseline  ', note: 'first **try**' });
    assert.equal(row.run_name, 'baseline');
    assert.equal(row.tags['mlflow.runName'], 'baseline');
    assert.equal(row.tags['mlflow.note.content'], 'first **try**');
    assert.deepEqual(events.at(-1), { runId: finished[0], status: 'FINISHED', workflowRunId: null, stepName: null });
    const cleared = await ok('runs.update', { runId: finished[0]!, note: '' });
    assert.equal(cleared.tags['mlflow.note.content'], undefined);
    assert.equal(cleared.run_name, 'baseline');
    const found = await ok('runs.search', { filter: "attributes.run_name = 'baseline'" });
    assert.deepEqual(found.runs.map((r) => r.run_id), [finished[0]]);
  });

  test('rename refusals: empty name, nothing to change, unknown run', async () => {
    assert.equal((await fail('runs.update', { runId: finished[0]!, name: '   ' })).code, 'USAGE');
    assert.match((await fail('runs.update', { runId: finished[0]! })).message, /Nothing to update/);
    assert.equal((await fail('runs.update', { runId: 'abcdef0123', name: 'x' })).code, 'RUN_NOT_FOUND');
  });

  test('delete and restore, all or nothing; running runs are refused', async () => {
    const unknown = 'abcdef0123456789';
    const e = await fail('runs.delete', { runIds: [finished[0]!, unknown] });
    assert.equal(e.code, 'RUN_NOT_FOUND');
    assert.match(e.message, new RegExp(`${unknown}.*Nothing was changed`));
    assert.equal(engine.getRun(finished[0]!).lifecycle_stage, 'active');

    const live = await engine.runProject({ uri: fx.proj, entryPoint: 'wait' });
    await waitUntil(() => engine.getRun(live.runId).status === 'RUNNING', 'the run to start');
    const busy = await fail('runs.delete', { runIds: [finished[1]!, live.runId] });
    assert.equal(busy.code, 'RUN_ACTIVE');
    assert.match(busy.message, new RegExp(`${live.runId} \\(RUNNING\\)`));
    assert.equal(engine.getRun(finished[1]!).lifecycle_stage, 'active', 'nothing half-done');

    events.length = 0;
    assert.deepEqual(await ok('runs.delete', { runIds: finished }), { count: 2 });
    assert.deepEqual(await ok('runs.delete', { runIds: [finished[0]!] }), { count: 0 }, 'already deleted');
    assert.equal(events.length, 2);
    const active = await ok('runs.search', { filter: "attributes.status = 'FINISHED'" });
    assert.ok(!active.runs.some((r) => finished.includes(r.run_id)));
    const deleted = await ok('runs.search', { viewType: 'DELETED_ONLY' });
    assert.deepEqual(deleted.runs.map((r) => r.run_id).sort(), [...finished].sort());
    assert.deepEqual(await ok('runs.restore', { runIds: [finished[0]!.slice(0, 12), finished[1]!] }), { count: 2 });
    assert.equal(engine.getRun(finished[1]!).lifecycle_stage, 'active');
    assert.equal((await fail('runs.restore', { runIds: [unknown] })).code, 'RUN_NOT_FOUND');

    // Mark failed refuses a live run: this Baton watches it.
    const refusal = await fail('runs.markFailed', { runId: live.runId });
    assert.equal(refusal.code, 'RUN_ACTIVE');
    assert.match(refusal.message, /still alive/);
    assert.equal((await ok('runs.detail', { runId: live.runId })).stale, false);
    await engine.cancelRun(live.runId);
  });

  /** A RUNNING run whose step process (a real one) has exited and whose supervisor is gone too. */
  async function orphan(exitFileCode: number | null): Promise<string> {
    const child = spawn('bash', ['-c', 'sleep 0.2'], { stdio: 'ignore' });
    const start = processStartTime(child.pid!);
    await new Promise((r) => child.on('exit', r));
    const runId = `${Math.random().toString(16).slice(2).padEnd(12, '0')}`.slice(0, 12).padEnd(32, 'e');
    const exitFile = path.join(tempDir('baton-exit-'), 'exit');
    if (exitFileCode !== null) fs.writeFileSync(exitFile, String(exitFileCode));
    engine.store.createRun({
      runId,
      experimentId: '0',
      runName: 'orphan',
      userId: 'u',
      projectDir: fx.proj,
      entryPoint: 'prepare',
      command: 'sleep 0.2',
      artifactUri: `file://${tempDir('baton-art-')}`,
      logPath: null,
      exitFile,
      params: {},
      tags: {},
      time: Date.now(),
    });
    engine.store.markRunning(runId, { time: Date.now(), pid: child.pid!, processStart: start, supervisorPid: child.pid!, supervisorStart: start });
    return runId;
  }

  test('mark failed: a run whose process is gone becomes FAILED with end_time and the reason', async () => {
    const runId = await orphan(null);
    assert.equal((await ok('runs.detail', { runId })).stale, true);
    events.length = 0;
    assert.deepEqual(await ok('runs.markFailed', { runId }), { status: 'FAILED' });
    const run = engine.getRun(runId);
    assert.equal(run.status, 'FAILED');
    assert.ok(run.end_time !== null);
    assert.match(run.tags['baton.settled']!, /^Marked as ended by the user: its process is gone\./);
    assert.deepEqual(events, [{ runId, status: 'FAILED', workflowRunId: null, stepName: null }]);
    assert.equal((await ok('runs.detail', { runId })).stale, false);
    const again = await fail('runs.markFailed', { runId });
    assert.equal(again.code, 'RUN_NOT_ACTIVE');
    assert.match(again.message, /already ended \(FAILED\)/);
  });

  test('mark failed: an exit code the launcher recorded decides (exit 0 is FINISHED)', async () => {
    const runId = await orphan(0);
    assert.deepEqual(await ok('runs.markFailed', { runId }), { status: 'FINISHED' });
    assert.equal(engine.getRun(runId).exit_code, 0);
  });

  test('mark failed: refused for a run made through the tracking API (no known process) and unknown runs', async () => {
    const runId = 'd'.repeat(32);
    engine.store.createRun({
      runId,
      experimentId: '0',
      runName: 'api',
      userId: 'u',
      projectDir: '',
      entryPoint: '',
      command: '',
      artifactUri: 'file:///tmp/x',
      logPath: null,
      exitFile: null,
      params: {},
      tags: {},
      time: 1,
    });
    engine.store.markExternalRunning(runId, 1);
    const e = await fail('runs.markFailed', { runId });
    assert.equal(e.code, 'RUN_ACTIVE');
    assert.match(e.message, /tracking API/);
    assert.equal((await ok('runs.detail', { runId })).stale, false);
    assert.equal((await fail('runs.markFailed', { runId: 'abcdef0123' })).code, 'RUN_NOT_FOUND');
  });
});
