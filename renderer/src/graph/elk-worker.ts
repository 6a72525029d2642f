/// <reference types="vite/client" />
/**
 * ELK in a Web Worker (browser only; layout.ts loads this where `Worker` exists). elkjs ships its
 * layout engine as a classic worker script; Vite copies it next to the bundle (`?url`) and the
 * page talks to it through elkjs's small promise API, so the main bundle no longer carries ELK and
 * a layout of hundreds of steps (seconds) never freezes the page.
 */
import workerUrl from 'elkjs/lib/elk-worker.min.js?url';
import * as elkApi from 'elkjs/lib/elk-api.js';
import { elkConstructor } from './elk-constructor.js';
import type { ElkLike } from './elk-constructor.js';

/** The page's Worker, typed here because this file is also type-checked with Node's types (no DOM). */
interface WorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'error', listener: (e: { message?: string }) => void): void;
}
type WorkerConstructor = new (url: string, options?: { name?: string }) => WorkerLike;

export interface WorkerElk {
  elk: ElkLike;
  /** Rejects when the worker cannot run (its script failed to load or threw): layouts fall back then. */
  failed: Promise<never>;
}

export function createWorkerElk(): WorkerElk {
  let fail: (e: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  // Never unhandled: the promise is only raced against layouts.
  failed.catch(() => {});
  const Elk = elkConstructor(elkApi);
  const elk = new Elk({
    workerFactory: () => {
      const PageWorker = (globalThis as unknown as { Worker: WorkerConstructor }).Worker;
      const w = new PageWorker(workerUrl, { name: 'elk-layout' });
      w.addEventListener('error', (e) => fail(new Error(`the layout worker failed: ${e.message || 'it could not be started'}`)));
      return w;
    },
  });
  return { elk, failed };
}
