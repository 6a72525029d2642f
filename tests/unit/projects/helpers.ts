import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { AppError } from '../../../common/errors.js';
import type { ErrorCode, Problem } from '../../../common/errors.js';
import { tempDir, writeFiles } from '../../helpers.js';

export function tmpDir(): string {
  return tempDir('baton-');
}

/** A temporary folder with the given files (relative path → content). */
export function project(files: Record<string, string>): string {
  return writeFiles(tmpDir(), files);
}

/** Runs fn, asserts it throws an AppError with `code`, returns it. */
export function expectAppError(fn: () => unknown, code: ErrorCode): AppError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AppError, `expected an AppError, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    return e;
  }
  assert.fail(`expected AppError ${code}, nothing was thrown`);
}

export async function expectAppErrorAsync(fn: () => Promise<unknown>, code: ErrorCode): Promise<AppError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof AppError, `expected an AppError, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    return e;
  }
  assert.fail(`expected AppError ${code}, nothing was thrown`);
}

export function problemsOf(e: AppError): Problem[] {
  const d = e.details as { problems?: Problem[] } | undefined;
  assert.ok(d?.problems, 'details.problems is missing');
  return d.problems;
}

export function hasGit(): boolean {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** git in `cwd` with a fixed identity, returning trimmed stdout. */
export function gitSync(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: cwd,
      GIT_DIR: undefined,
      GIT_WORK_TREE: undefined,
    },
  }).trim();
}

export function initRepo(dir: string): void {
  gitSync(dir, 'init', '-q', '-b', 'main');
  gitSync(dir, 'config', 'user.email', 'test@example.com');
  gitSync(dir, 'config', 'user.name', 'Baton Test');
  gitSync(dir, 'config', 'commit.gpgsign', 'false');
}

export function commitAll(dir: string, message = 'commit'): string {
  gitSync(dir, 'add', '-A');
  gitSync(dir, 'commit', '-q', '-m', message);
  return gitSync(dir, 'rev-parse', 'HEAD');
}
