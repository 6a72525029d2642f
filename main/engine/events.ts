import { EventEmitter } from 'node:events';
import type { RunStatus, StepRunRecord, WorkflowRunStatus } from '../../common/types.js';

/** Engine events, named `noun.pastTense` as in the API contract. */
export interface EngineEvents {
  'run.updated': { runId: string; status: RunStatus; workflowRunId: string | null; stepName: string | null };
  'run.logAppended': { runId: string; text: string };
  'workflowRun.updated': { workflowRunId: string; status: WorkflowRunStatus };
  'step.updated': { workflowRunId: string; step: StepRunRecord };
}

export type EngineEventName = keyof EngineEvents;

/** A typed wrapper over EventEmitter; listeners that throw are isolated from the engine. */
export class EngineEmitter {
  private readonly ee = new EventEmitter();

  constructor() {
    this.ee.setMaxListeners(0);
  }

  on<K extends EngineEventName>(name: K, fn: (e: EngineEvents[K]) => void): () => void {
    this.ee.on(name, fn);
    return () => this.ee.off(name, fn);
  }

  emit<K extends EngineEventName>(name: K, e: EngineEvents[K]): void {
    for (const fn of this.ee.listeners(name) as ((e: EngineEvents[K]) => void)[]) {
      try {
        fn(e);
      } catch {
        // A broken listener (a closed window, a dead socket) must never break a run.
      }
    }
  }
}
