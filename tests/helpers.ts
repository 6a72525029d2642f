/**
 * Shared test helpers: temp folders, project fixtures, an engine on a temp data folder, and the
 * real CLI as a child process. Everything is real (files, SQLite, processes); nothing is mocked.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../main/engine/engine.js';
import type { EngineOptions } from '../main/engine/engine.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(REPO_ROOT, 'bin', 'baton.js');

/** A fresh temp folder, removed when the process exits. */
const tempDirs: string[] = [];
process.once('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});
export function tempDir(prefix = 'baton-test-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  tempDirs.push(dir);
  return dir;
}

/** Writes files (relative path → content) under dir and returns dir. */
export function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    if (rel.endsWith('.sh')) fs.chmodSync(p, 0o755);
  }
  return dir;
}

/** A project folder with the given MLproject text and extra files. */
export function makeProject(mlproject: string | null, files: Record<string, string> = {}): string {
  const dir = tempDir('baton-proj-');
  return writeFiles(dir, { ...(mlproject === null ? {} : { MLproject: mlproject }), ...files });
}

/** An engine on its own temp data folder, with a short cancel grace period. */
export function openEngine(opts: EngineOptions = {}): Engine {
  return Engine.open({ home: tempDir('baton-home-'), graceMs: 500, ...opts });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (bin/baton.js → out/) with its own data folder. Build first: `npm run build`. */
export function runCli(
  args: string[],
  opts: { home: string; cwd?: string; env?: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, ...opts.env, BATON_HOME: opts.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('spawn', () => opts.onSpawn?.(child.pid!));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Polls until fn returns a truthy value (for waiting on real processes; never a fixed sleep). */
type Falsy = false | 0 | '' | null | undefined;
export async function waitUntil<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<Exclude<T, Falsy>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as Exclude<T, Falsy>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether a process with this pid exists (and is not a zombie). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
