/** Shared pieces of the history unit tests: a bare run (no process) created straight in the store. */
import type { Engine } from '../../../main/engine/engine.js';

/** Creates a run whose id is `id` padded with zeros to 32 characters; returns that id. */
export function createBareRun(engine: Engine, id: string, opts: { artifactUri: (runId: string) => string; logPath?: string | null }): string {
  const runId = id.padEnd(32, '0');
  engine.store.createRun({
    runId,
    experimentId: '0',
    runName: id,
    userId: 'u',
    projectDir: '/p',
    entryPoint: 'main',
    command: 'true',
    artifactUri: opts.artifactUri(runId),
    logPath: opts.logPath ?? null,
    exitFile: null,
    params: {},
    tags: {},
    time: 1,
  });
  return runId;
}
