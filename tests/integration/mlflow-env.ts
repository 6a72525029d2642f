/**
 * Where the real `mlflow` package is for compatibility tests: $BATON_TEST_PYTHON, else the
 * repository's .venv (which .ci/run creates). On CI a missing mlflow is a failure, not a skip.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers.js';

export function mlflowPython(): string {
  return process.env.BATON_TEST_PYTHON ?? path.join(REPO_ROOT, '.venv', 'bin', 'python');
}

export function mlflowCli(): string {
  return path.join(path.dirname(mlflowPython()), 'mlflow');
}

/** false when mlflow is importable; otherwise the reason to skip (or a thrown error on CI). */
export function skipWithoutMlflow(python: string): string | false {
  const ok = fs.existsSync(python) && spawnSync(python, ['-c', 'import mlflow'], { stdio: 'ignore' }).status === 0;
  if (ok) return false;
  const reason = `the mlflow Python package is not installed for ${python} (python3 -m venv .venv && .venv/bin/pip install mlflow)`;
  if (process.env.CI) throw new Error(`CI must install mlflow: ${reason}`);
  return reason;
}

export interface LoggingResult {
  run_id: string;
  experiment_id: string;
  found: string[];
  history: [number, number, number][];
  params: Record<string, string>;
  tags: Record<string, string>;
  metric_count: number;
  artifacts: string[];
}

/** What tests/fixtures/mlflow_logging.py wrote (what the client read back). */
export function readLoggingResult(projectDir: string): LoggingResult {
  return JSON.parse(fs.readFileSync(path.join(projectDir, 'result.json'), 'utf8')) as LoggingResult;
}
