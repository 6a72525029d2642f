import type { RunStatus } from '../../../common/types.js';
import type { Store } from '../store/store.js';
import type { RunManager } from './run-manager.js';

/**
 * The run object `runProject` returns, shaped like MLflow's SubmittedRun
 * (`mlflow.projects.run(..., synchronous=False)`): run id, status, wait, cancel.
 */
export class SubmittedRun {
  constructor(
    readonly runId: string,
    private readonly store: Store,
    private readonly runs: RunManager,
  ) {}

  /** The current status, read from the history (so it is right even across processes). */
  getStatus(): RunStatus {
    return this.store.requireRun(this.runId).status;
  }

  /** Waits for the run to end; true when it FINISHED (exit code 0), as MLflow's wait(). */
  async wait(): Promise<boolean> {
    return (await this.runs.waitFor(this.runId)) === 'FINISHED';
  }

  /** Stops the run's whole process tree; resolves once it is KILLED (or had already ended). */
  async cancel(): Promise<void> {
    await this.runs.cancel(this.runId);
  }
}
