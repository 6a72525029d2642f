/**
 * The real `mlflow` Python client logging into Baton: scripts run under Baton with MLFLOW_RUN_ID,
 * MLFLOW_TRACKING_URI and MLFLOW_TRACKING_TOKEN, use mlflow.start_run(), log_param, log_metric,
 * log_metrics (over 1000 keys, sent in several batches), set_tag, log_artifact, end_run, then read
 * back with search_runs / get_metric_history; the history must hold exactly what they logged.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { Engine } from '../../main/engine/engine.js';
import { REPO_ROOT, makeProject, openEngine, tempDir, writeFiles } from '../helpers.js';
import { mlflowPython, readLoggingResult, skipWithoutMlflow } from './mlflow-env.js';

const engines: Engine[] = [];
after(async () => {
  for (const e of engines) await e.close();
});

const PYTHON = mlflowPython();
const SKIP = skipWithoutMlflow(PYTHON);

/** A project whose entry point runs a Python script with the venv's interpreter. */
function pyProject(script: string, files: Record<string, string> = {}): string {
  return makeProject(`name: client\nentry_points:\n  main:\n    command: "${PYTHON} script.py"\n`, { 'script.py': script, ...files });
}

export const LOGGING_SCRIPT = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'fixtures', 'mlflow_logging.py'), 'utf8');

describe('the real mlflow client logging into Baton', { skip: SKIP }, () => {
  test('params, metrics, tags and artifacts land in the history, value for value', async () => {
    const e = openEngine();
    engines.push(e);
    const dir = pyProject(LOGGING_SCRIPT);
    const sub = await e.runProject({ uri: dir, experimentName: 'client-exp' });
    const ok = await sub.wait();
    assert.equal(ok, true, fs.readFileSync(e.logPath(sub.runId)!, 'utf8'));
    const result = readLoggingResult(dir);
    // The client resumed the run Baton created (MLFLOW_RUN_ID), in Baton's experiment.
    assert.equal(result.run_id, sub.runId);
    const run = e.getRun(sub.runId);
    assert.equal(result.experiment_id, run.experiment_id);
    assert.equal(run.status, 'FINISHED');
    assert.deepEqual(result.found, [sub.runId]);
    assert.equal(run.params.alpha, '0.5');
    assert.equal(run.params.name, 'a b; c');
    assert.deepEqual(result.params, run.params);
    assert.equal(run.metrics.loss, 0.25);
    assert.ok(Number.isNaN(run.metrics.odd));
    assert.equal(run.metrics.m0000, 0);
    assert.equal(run.metrics.m1199, 119.9);
    assert.equal(Object.keys(run.metrics).length, 2 + 1200);
    assert.equal(result.metric_count, 2 + 1200);
    // The history the client reads back is the one Baton stored, value for value.
    const stored = e.store.metricHistory(sub.runId, 'loss').map((m) => [m.step, m.value, m.timestamp]);
    assert.deepEqual(result.history, stored);
    assert.deepEqual(stored.map(([step, value]) => [step, value]), [[0, 1], [1, 0.5], [2, 0.25]]);
    assert.equal(run.tags.team, 'ml');
    assert.equal(result.tags.team, 'ml');
    assert.equal(result.tags['mlflow.source.type'], 'PROJECT');
    assert.equal(run.tags['mlflow.runName'], run.run_name);
    // Artifacts go straight to the run's file:// artifact folder.
    assert.equal(fs.readFileSync(path.join(run.artifact_dir, 'model', 'model.txt'), 'utf8'), 'weights');
    assert.deepEqual(result.artifacts, ['model/model.txt']);
  });

  test('the exit code decides the final status; the status the script set is kept as a tag', async () => {
    const e = openEngine();
    engines.push(e);
    const dir = pyProject(`import mlflow, sys\nmlflow.start_run()\nmlflow.end_run("FINISHED")\nsys.exit(2)\n`);
    const sub = await e.runProject({ uri: dir });
    assert.equal(await sub.wait(), false);
    const run = e.getRun(sub.runId);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.exit_code, 2);
    assert.equal(run.tags['baton.client_status'], 'FINISHED');
  });

  test('a workflow step reads a metric another step logged with mlflow', async () => {
    const e = openEngine();
    engines.push(e);
    const proj = makeProject(
      `name: wf\nentry_points:\n  train:\n    command: "${PYTHON} train.py"\n  gate:\n    parameters:\n      rmse: float\n    command: "echo {rmse} > gate.txt"\n`,
      { 'train.py': 'import mlflow\nwith mlflow.start_run():\n    mlflow.log_metric("rmse", 0.125)\n' },
    );
    const wf = writeFiles(tempDir(), {
      'wf.yaml': `version: 1\nname: metric-flow\nsteps:\n  train:\n    project: ${proj}\n    entry_point: train\n  gate:\n    project: ${proj}\n    entry_point: gate\n    parameters:\n      rmse: \${{ steps.train.metrics.rmse }}\n`,
    });
    const result = await (await e.startWorkflow(path.join(wf, 'wf.yaml'))).wait();
    assert.equal(result.status, 'FINISHED', JSON.stringify(result.steps));
    assert.equal(fs.readFileSync(path.join(proj, 'gate.txt'), 'utf8').trim(), '0.125');
    assert.equal(e.getRun(result.steps.gate!.run_id!).params.rmse, '0.125');
  });
});
