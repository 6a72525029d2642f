/**
 * The store's port of React Flow's change appliers (renderer/src/graph/changes.ts) against the
 * library's own applyNodeChanges / applyEdgeChanges: the same changes give equal results, and an
 * element no change names stays the same object (memoised nodes depend on it).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as xy from '@xyflow/react';
import type { Edge, EdgeChange, Node, NodeChange } from '@xyflow/react';
import { applyEdgeChanges, applyNodeChanges } from '../../../renderer/src/graph/changes.js';

const node = (id: string, x = 0): Node => ({ id, position: { x, y: 0 }, data: { label: id } });
const edge = (id: string, source: string, target: string): Edge => ({ id, source, target });
const nodes = (): Node[] => [node('a'), node('b', 100), node('c', 200)];
const edges = (): Edge[] => [edge('e1', 'a', 'b'), edge('e2', 'b', 'c')];

const nodeCases: [string, NodeChange[]][] = [
  ['nothing', []],
  ['select and deselect', [{ type: 'select', id: 'a', selected: true }, { type: 'select', id: 'b', selected: false }]],
  ['drag start, move, end', [
    { type: 'position', id: 'b', position: { x: 5, y: 6 }, dragging: true },
    { type: 'position', id: 'b', position: { x: 7, y: 8 } },
    { type: 'position', id: 'b', dragging: false },
  ]],
  ['measure without and with attributes', [
    { type: 'dimensions', id: 'a', dimensions: { width: 10, height: 20 } },
    { type: 'dimensions', id: 'b', dimensions: { width: 30, height: 40 }, setAttributes: true },
    { type: 'dimensions', id: 'c', dimensions: { width: 50, height: 60 }, setAttributes: 'height', resizing: true },
  ]],
  ['remove wins over other changes', [
    { type: 'select', id: 'a', selected: true },
    { type: 'remove', id: 'a' },
    { type: 'position', id: 'a', position: { x: 1, y: 1 } },
  ]],
  ['replace', [{ type: 'replace', id: 'c', item: node('c', 999) }]],
  ['add at the end and at an index', [
    { type: 'add', item: node('d') },
    { type: 'add', item: node('e'), index: 1 },
    { type: 'remove', id: 'b' },
  ]],
  ['a change for an unknown id', [{ type: 'select', id: 'zzz', selected: true }]],
];

describe('applyNodeChanges (port) equals React Flow’s', () => {
  for (const [name, changes] of nodeCases) {
    test(name, () => {
      const input = nodes();
      const ours = applyNodeChanges(changes, input);
      assert.deepEqual(ours, xy.applyNodeChanges(changes, nodes()));
      // Untouched elements keep their identity; touched ones are copies (the input is not mutated).
      const touched = new Set(changes.map((c) => ('id' in c ? c.id : c.item.id)));
      for (const n of input) {
        const out = ours.find((o) => o.id === n.id);
        if (!touched.has(n.id)) assert.equal(out, n);
        else if (out) assert.notEqual(out, n);
      }
      assert.deepEqual(input, nodes());
    });
  }
});

describe('applyEdgeChanges (port) equals React Flow’s', () => {
  const cases: [string, EdgeChange[]][] = [
    ['select', [{ type: 'select', id: 'e1', selected: true }]],
    ['remove', [{ type: 'remove', id: 'e2' }]],
    ['add and replace', [{ type: 'add', item: edge('e3', 'a', 'c') }, { type: 'replace', id: 'e1', item: edge('e1', 'c', 'a') }]],
  ];
  for (const [name, changes] of cases) {
    test(name, () => {
      assert.deepEqual(applyEdgeChanges(changes, edges()), xy.applyEdgeChanges(changes, edges()));
    });
  }
});
