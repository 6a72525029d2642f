import type { RunStatus } from '../../../common/types.js';
import type { EngineEmitter } from '../events.js';
import type { RunProcessRow, Store } from '../store/store.js';
import { isProcessAlive } from './process.js';
import type { RunManager } from './run-manager.js';
import { readExitCode } from './run-manager.js';

export interface RecoveryReport {
  settled: { runId: string; status: RunStatus; reason: string }[];
  reattached: string[];
  workflowRuns: string[];
}

/**
 * Whether a SCHEDULED/RUNNING run is provably orphaned: neither its supervisor (a Baton process)
 * nor its step process is alive. Runs created through the tracking API (no pid, no supervisor) are
 * never orphans: Baton cannot know whether the client that made them still logs.
 */
export function isOrphan(row: RunProcessRow, runs: RunManager): boolean {
  if (row.status !== 'RUNNING' && row.status !== 'SCHEDULED') return false;
  if (runs.isLive(row.run_id)) return false;
  if (row.supervisor_pid === null && row.pid === null && row.status === 'RUNNING') return false;
  if (isProcessAlive(row.supervisor_pid, row.supervisor_start)) return false;
  return !(row.pid !== null && isProcessAlive(row.pid, row.process_start));
}

/** How an orphaned run ends: from the exit code its launcher recorded, else FAILED (KILLED if a cancel was asked). */
export function orphanOutcome(row: RunProcessRow): { status: RunStatus; code: number | null; reason: string } {
  const code = readExitCode(row.exit_file);
  if (row.pid === null) {
    return { status: row.cancel_requested ? 'KILLED' : 'FAILED', code, reason: 'Baton exited before the step was launched.' };
  }
  if (code !== null) {
    return {
      status: code === 0 ? 'FINISHED' : row.cancel_requested ? 'KILLED' : 'FAILED',
      code,
      reason: `Baton exited while the step was running; the step ended later with exit code ${code}.`,
    };
  }
  return {
    status: row.cancel_requested ? 'KILLED' : 'FAILED',
    code,
    reason: 'Baton exited while the step was running and the process is gone; its exit code is unknown.',
  };
}

/**
 * Settles what a Baton process that died left behind. A run whose supervisor is alive (another
 * Baton) is left alone; a run whose process is still alive is reattached; a run whose process is
 * gone is settled from the exit code its launcher recorded, or FAILED/KILLED with a tag saying why.
 */
export function recoverOrphans(store: Store, runs: RunManager, events: EngineEmitter): RecoveryReport {
  const report: RecoveryReport = { settled: [], reattached: [], workflowRuns: [] };
  for (const row of store.activeRuns()) {
    if (runs.isLive(row.run_id)) continue;
    if (row.supervisor_pid === null && row.pid === null && row.status === 'RUNNING') continue; // created via the tracking API
    // Supervised by a live Baton process (or by another engine inside this one): not ours to settle.
    if (isProcessAlive(row.supervisor_pid, row.supervisor_start)) continue;
    if (row.pid !== null && isProcessAlive(row.pid, row.process_start)) {
      runs.reattach(row.run_id, row.pid, row.process_start, row.log_path, row.exit_file);
      report.reattached.push(row.run_id);
      continue;
    }
    const { status, code, reason } = orphanOutcome(row);
    const final = store.finishRun(row.run_id, status, code, Date.now(), { 'baton.settled': reason });
    events.emit('run.updated', { runId: row.run_id, status: final, workflowRunId: row.workflow_run_id, stepName: null });
    report.settled.push({ runId: row.run_id, status: final, reason });
  }
  for (const wf of store.activeWorkflowRuns()) {
    if (isProcessAlive(wf.supervisor_pid, wf.supervisor_start)) continue;
    const run = store.getWorkflowRun(wf.workflow_run_id);
    if (!run) continue;
    const cancelled = store.workflowCancelRequested(wf.workflow_run_id);
    store.db.transaction(() => {
      for (const step of Object.values(run.steps)) {
        if (step.status === 'PENDING') {
          store.updateStep(wf.workflow_run_id, step.step_name, {
            status: 'SKIPPED',
            reason: 'Baton exited before this step started; resume the workflow run to run it.',
          });
        } else if (step.status === 'RUNNING' && step.run_id) {
          const r = store.getRun(step.run_id);
          if (r && (r.status === 'FINISHED' || r.status === 'FAILED' || r.status === 'KILLED')) {
            store.updateStep(wf.workflow_run_id, step.step_name, { status: r.status, runId: r.run_id, reason: r.tags['baton.settled'] ?? null });
          } else {
            store.updateStep(wf.workflow_run_id, step.step_name, {
              status: 'FAILED',
              runId: step.run_id,
              reason: 'Baton exited while this step was running; its run is watched separately.',
            });
          }
        } else if (step.status === 'RUNNING') {
          store.updateStep(wf.workflow_run_id, step.step_name, { status: 'FAILED', reason: 'Baton exited while launching this step.' });
        }
      }
      store.finishWorkflowRun(wf.workflow_run_id, cancelled ? 'KILLED' : 'FAILED', Date.now());
    })();
    events.emit('workflowRun.updated', { workflowRunId: wf.workflow_run_id, status: cancelled ? 'KILLED' : 'FAILED' });
    report.workflowRuns.push(wf.workflow_run_id);
  }
  return report;
}
