/** elkjs's module shapes, shared by the in-thread and the worker layout. */
import type { ELK, ElkNode } from 'elkjs/lib/elk-api.js';

/** What layout.ts needs of an ELK instance (in this thread or in a worker). */
export interface ElkLike {
  layout(graph: ElkNode): Promise<ElkNode>;
}

/** `workerFactory` returns a Web Worker (typed loosely: this file also compiles for Node). */
type ElkConstructor = new (opts?: { workerFactory?: (url?: string) => unknown }) => ELK;

/**
 * elkjs is CommonJS: a bundler hands over its default export, Node's ESM loader the whole
 * `module.exports` (whose `.default` is the same constructor). Take whichever is the constructor.
 */
export function elkConstructor(m: unknown): ElkConstructor {
  let x = m;
  for (let i = 0; i < 3; i++) {
    if (typeof x === 'function' || x === null || typeof x !== 'object' || !('default' in x)) break;
    x = x.default;
  }
  if (typeof x !== 'function') throw new Error('elkjs did not load');
  return x as ElkConstructor;
}
