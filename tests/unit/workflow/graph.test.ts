import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  downstreamOf,
  findCycle,
  findCycles,
  formatCycle,
  stepDependants,
  stepDependencies,
  topologicalOrder,
  upstreamOf,
} from '../../../common/workflow/graph.js';
import type { StepSpec, WorkflowSpec } from '../../../common/workflow/types.js';
import { expectAppError, lines, validSpec } from './helpers.js';

/** An in-memory spec: each step maps to [parameter values, needs]. */
function spec(steps: Record<string, [string[], string[]?]>): WorkflowSpec {
  return {
    version: 1,
    name: 'g',
    description: null,
    experiment: null,
    inputs: [],
    steps: Object.entries(steps).map(
      ([name, [values, needs]]): StepSpec => ({
        name,
        description: null,
        project: '.',
        entryPoint: 'main',
        cache: true,
        parameters: values.map((value, i) => ({ name: `p${i}`, value })),
        needs: (needs ?? []).map((step) => ({ step })),
      }),
    ),
  };
}
const ref = (step: string): string => `\${{ steps.${step}.run_id }}`;

describe('stepDependencies', () => {
  test('is the union of data references and needs, each once, in order of mention', () => {
    const s = spec({
      load: [[]],
      etl: [[`${ref('load')}/x ${ref('load')}`]],
      train: [[`${ref('etl')}`, '${{ steps.load.metrics.m }}'], ['load', 'etl', 'load']],
    });
    assert.deepEqual([...stepDependencies(s)], [
      ['load', []],
      ['etl', ['load']],
      ['train', ['etl', 'load']],
    ]);
  });

  test('ignores unknown steps, self references, escaped and malformed references', () => {
    const s = spec({
      a: [[ref('a'), ref('ghost'), `$${ref('b')}`, '${{ steps.b }}'], ['a', 'nobody']],
      b: [[]],
    });
    assert.deepEqual(stepDependencies(s).get('a'), []);
  });

  test('stepDependants is the reverse, in file order', () => {
    const s = spec({ a: [[]], b: [[ref('a')]], c: [[], ['a']], d: [[ref('b')]] });
    assert.deepEqual([...stepDependants(s)], [
      ['a', ['b', 'c']],
      ['b', ['d']],
      ['c', []],
      ['d', []],
    ]);
  });
});

describe('topologicalOrder', () => {
  test('dependencies first; among ready steps, file order', () => {
    const s = spec({
      report: [[ref('train'), ref('evaluate')]],
      train: [[ref('etl')]],
      etl: [[ref('load')]],
      evaluate: [[], ['train']],
      load: [[]],
      lint: [[]],
    });
    // Each time, the first step in file order whose dependencies are done comes next.
    assert.deepEqual(topologicalOrder(s), ['load', 'etl', 'train', 'evaluate', 'report', 'lint']);
  });

  test('independent steps keep file order', () => {
    assert.deepEqual(topologicalOrder(spec({ c: [[]], a: [[]], b: [[]] })), ['c', 'a', 'b']);
  });

  test('a step waits for a later-written dependency, then the remaining steps follow in file order', () => {
    const s = spec({ x: [[ref('z')]], y: [[]], z: [[]] });
    assert.deepEqual(topologicalOrder(s), ['y', 'z', 'x']);
  });

  test('throws WORKFLOW_CYCLE naming the cycle', () => {
    const s = spec({ a: [[ref('c')]], b: [[ref('a')]], c: [[], ['b']], d: [[]] });
    const e = expectAppError(() => topologicalOrder(s), 'WORKFLOW_CYCLE');
    assert.match(e.message, /a → b → c → a/);
  });
});

describe('findCycle / findCycles', () => {
  test('null for a DAG', () => {
    assert.equal(findCycle(spec({ a: [[]], b: [[ref('a')]] })), null);
  });

  test('the cycle path in execution direction, starting at the first step in file order', () => {
    // b uses a, c uses b (through needs), a uses c
    const s = spec({ d: [[]], a: [[ref('c')]], b: [[ref('a')]], c: [[], ['b']] });
    assert.deepEqual(findCycle(s), ['a', 'b', 'c', 'a']);
    assert.equal(formatCycle(['a', 'b', 'c', 'a']), 'a → b → c → a');
  });

  test('one cycle per group of steps, in file order; a two-step cycle', () => {
    const s = spec({
      x: [[ref('y')]],
      y: [[ref('x')]],
      ok: [[]],
      p: [[], ['r']],
      q: [[], ['p']],
      r: [[], ['q']],
    });
    assert.deepEqual(findCycles(s), [
      ['x', 'y', 'x'],
      ['p', 'q', 'r', 'p'],
    ]);
  });

  test('within a group, the shortest way back is reported', () => {
    // a → b → a and a → b → c → a: the short one wins
    const s = spec({ a: [[ref('b'), ref('c')]], b: [[ref('a')]], c: [[ref('b')]] });
    assert.deepEqual(findCycle(s), ['a', 'b', 'a']);
  });
});

describe('downstreamOf / upstreamOf', () => {
  const s = spec({
    load: [[]],
    etl: [[ref('load')]],
    train: [[ref('etl')]],
    side: [[], ['load']],
    report: [[ref('train')]],
    other: [[]],
  });

  test('downstreamOf: the steps and everything depending on them, in file order', () => {
    assert.deepEqual(downstreamOf(s, ['etl']), ['etl', 'train', 'report']);
    assert.deepEqual(downstreamOf(s, ['load']), ['load', 'etl', 'train', 'side', 'report']);
    assert.deepEqual(downstreamOf(s, ['report', 'side']), ['side', 'report']);
    assert.deepEqual(downstreamOf(s, []), []);
  });

  test('upstreamOf: the steps and everything they depend on, in file order', () => {
    assert.deepEqual(upstreamOf(s, ['train']), ['load', 'etl', 'train']);
    assert.deepEqual(upstreamOf(s, ['side', 'other']), ['load', 'side', 'other']);
  });

  test('unknown step names are a USAGE error listing the steps', () => {
    const e = expectAppError(() => downstreamOf(s, ['etl', 'nope']), 'USAGE');
    assert.match(e.message, /"nope"/);
    assert.match(e.message, /load, etl, train, side, report, other/);
    expectAppError(() => upstreamOf(s, ['x']), 'USAGE');
  });

  test('works on a parsed file (needs as a string and as a list)', () => {
    const parsed = validSpec(
      lines(
        'version: 1',
        'name: w',
        'steps:',
        '  a: {project: .}',
        '  b: {project: ., needs: a}',
        '  c: {project: ., needs: [b]}',
        '  d: {project: ., parameters: {x: "${{ steps.a.artifact_uri }}"}}',
      ),
    );
    assert.deepEqual(downstreamOf(parsed, ['b']), ['b', 'c']);
    assert.deepEqual(downstreamOf(parsed, ['a']), ['a', 'b', 'c', 'd']);
    assert.deepEqual(topologicalOrder(parsed), ['a', 'b', 'c', 'd']);
  });
});
