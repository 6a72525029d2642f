import { spawn } from 'node:child_process';
import fs from 'node:fs';

/**
 * The process's start time (clock ticks since boot, from /proc) — with the pid it identifies a
 * process across pid reuse. null where /proc is not available.
 */
export function processStartTime(pid: number): string | null {
  return procStat(pid)?.start ?? null;
}

/** State and start time from /proc/PID/stat; null where /proc is not available. */
function procStat(pid: number): { state: string; start: string | null } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses; fields after the last ')' are fixed.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '', start: rest[19] ?? null }; // fields 3 and 22 overall
  } catch {
    return null;
  }
}

/** Whether this exact process (pid plus start time, where known) is still alive. */
export function isProcessAlive(pid: number | null, start: string | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  // An unreadable /proc entry: trust the signal check. A zombie (an orphan nobody reaped yet) has ended.
  if (stat === null) return true;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return start === null || stat.start === start;
}

/** Whether any process of the group is still alive. */
export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGTERM to the whole process group, SIGKILL after the grace period if anything of it is left.
 * Resolves when the group is gone (or after the SIGKILL).
 */
export async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isGroupAlive(pgid)) return;
    await sleep(Math.min(25, Math.max(1, deadline - Date.now())));
  }
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 40 && isGroupAlive(pgid); i++) await sleep(25);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface LaunchSpec {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Captured stdout and stderr, interleaved as a terminal shows them. */
  logPath: string;
  /** Where the launcher writes the command's exit code, so it survives Baton itself dying. */
  exitFile: string;
}

export interface LaunchedProcess {
  pid: number;
  /** The exit code (128 + signal number when killed by a signal). */
  exited: Promise<{ code: number; signal: NodeJS.Signals | null }>;
}

// The step runs as `bash -c COMMAND` exactly as MLflow launches it; an outer bash only records its
// exit code in a file. stdout/stderr go straight to the log file (not through a pipe to Baton), so a
// step keeps running and keeps its output if Baton dies, and can be reattached later.
const LAUNCHER = 'bash -c "$1"; c=$?; printf %s "$c" > "$2"; exit "$c"';

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGQUIT: 3 };

/** Starts a step in its own process group (detached), output appended to its log file. */
export function launch(spec: LaunchSpec): Promise<LaunchedProcess> {
  return new Promise((resolve, reject) => {
    let fd: number;
    try {
      fd = fs.openSync(spec.logPath, 'a');
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    let child;
    try {
      child = spawn('bash', ['-c', LAUNCHER, 'baton-step', spec.command, spec.exitFile], {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
    } catch (e) {
      fs.closeSync(fd);
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    fs.closeSync(fd);
    const exited = new Promise<{ code: number; signal: NodeJS.Signals | null }>((res) => {
      child.once('exit', (code, signal) => res({ code: code ?? 128 + (SIGNALS[signal!] ?? 0), signal }));
    });
    child.once('error', (e) => reject(e));
    child.once('spawn', () => resolve({ pid: child.pid!, exited }));
  });
}
