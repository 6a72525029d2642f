/**
 * The graph slice: the workflow document as React Flow nodes (following React Flow's Zustand
 * example: onNodesChange/onEdgesChange apply changes, typed nodes), its selection, and every edit.
 * Each edit records one undo step (history slice) and re-derives the edges from the step data.
 */
import { applyEdgeChanges, applyNodeChanges } from '../graph/changes.js';
import type { Connection, EdgeChange, NodeChange } from '@xyflow/react';
import { NAME_PATTERN } from '../../../common/workflow/references.js';
import { isReservedName } from '../../../common/workflow/validate.js';
import { copySteps, pasteSteps } from '../graph/clipboard.js';
import { makeStepNode, syncInputsNode } from '../graph/convert.js';
import { deriveEdges } from '../graph/edges.js';
import { computeLayout } from '../graph/layout.js';
import type { AppEdge, AppNode, InputDef, StepData, WorkflowMeta } from '../graph/types.js';
import { INPUTS_NODE_ID, isStepNode } from '../graph/types.js';
import {
  applyWiring,
  checkConnection,
  removeEdges,
  removeInputReferences,
  removeSteps,
  renameInput,
  renameStep,
  stepNameProblem,
  uniqueStepName,
} from '../graph/wiring.js';
import { dirname, relativePath } from '../lib/paths.js';
import { entryPointLookup } from './selectors.js';
import type { AppState, GraphActions, GraphState, SliceCreator } from './types.js';

let versionCounter = 0;
/** A fresh document version (unique across stores, so an undo can never collide with a new edit). */
export function nextVersion(): number {
  return ++versionCounter;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The selection field, reusing the previous object when nothing changed (cheap subscriptions). */
export function selectionOf(nodes: readonly AppNode[], edges: readonly AppEdge[], prev: GraphState['selection']): GraphState['selection'] {
  const n = nodes.filter((x) => x.selected).map((x) => x.id);
  const e = edges.filter((x) => x.selected).map((x) => x.id);
  return sameIds(n, prev.nodes) && sameIds(e, prev.edges) ? prev : { nodes: n, edges: e };
}

export const EMPTY_META: WorkflowMeta = { name: 'untitled', description: null, experiment: null };

export const initialGraphState = (): GraphState => {
  const v = nextVersion();
  return {
    meta: EMPTY_META,
    inputs: [],
    nodes: [],
    edges: [],
    selection: { nodes: [], edges: [] },
    file: null,
    docVersion: v,
    savedVersion: v,
    needsLayout: false,
    validation: null,
    clipboard: null,
  };
};

export const createGraphSlice: SliceCreator<GraphState & GraphActions> = (set, get) => {
  /** True between the first and the last position change of a drag (one undo step per drag). */
  let dragging = false;

  /** Applies a document edit: one undo step, edges re-derived, a new document version. */
  const commit = (patch: { meta?: WorkflowMeta; inputs?: InputDef[]; nodes?: AppNode[] }, key?: string): void => {
    const s = get();
    s.record(key);
    const inputs = patch.inputs ?? s.inputs;
    const nodes = syncInputsNode(patch.nodes ?? s.nodes, inputs);
    const edges = deriveEdges(nodes, inputs, s.edges);
    set({
      meta: patch.meta ?? s.meta,
      inputs,
      nodes,
      edges,
      selection: selectionOf(nodes, edges, s.selection),
      docVersion: nextVersion(),
    });
  };

  const mapStep = (nodes: AppNode[], name: string, f: (d: StepData) => StepData): AppNode[] =>
    nodes.map((n) => (isStepNode(n) && n.id === name ? { ...n, data: f(n.data) } : n));

  const doc = (s: AppState) => ({ meta: s.meta, inputs: s.inputs, nodes: s.nodes });

  return {
    ...initialGraphState(),

    onNodesChange(changes: NodeChange<AppNode>[]) {
      const s = get();
      const removed = changes.filter((c) => c.type === 'remove').map((c) => c.id);
      const rest = changes.filter((c) => c.type !== 'remove');
      if (removed.length) s.deleteSteps(removed);
      if (!rest.length) return;
      const moves = rest.filter((c) => c.type === 'position');
      const moved = moves.some((c) => c.type === 'position' && c.position !== undefined);
      const dragActive = moves.some((c) => c.type === 'position' && c.dragging === true);
      let version = get().docVersion;
      if (dragActive && !dragging) {
        dragging = true;
        get().record();
      } else if (!dragActive && moves.length && dragging) {
        dragging = false;
      } else if (moved && !dragging) {
        get().record('move'); // keyboard nudges: one undo step per burst
      }
      if (moved) version = nextVersion();
      const cur = get();
      const nodes = applyNodeChanges(rest, cur.nodes);
      set({ nodes, selection: selectionOf(nodes, cur.edges, cur.selection), docVersion: version });
    },

    onEdgesChange(changes: EdgeChange<AppEdge>[]) {
      const s = get();
      const removedIds = new Set(changes.filter((c) => c.type === 'remove').map((c) => c.id));
      if (removedIds.size) commit({ nodes: removeEdges(s.nodes, s.edges.filter((e) => removedIds.has(e.id))) });
      const rest = changes.filter((c) => c.type !== 'remove');
      if (!rest.length) return;
      const cur = get();
      const edges = applyEdgeChanges(rest, cur.edges);
      set({ edges, selection: selectionOf(cur.nodes, edges, cur.selection) });
    },

    checkConnection(conn: Connection) {
      const s = get();
      return checkConnection(doc(s), conn, entryPointLookup(s));
    },

    connect(conn: Connection) {
      const s = get();
      const result = checkConnection(doc(s), conn, entryPointLookup(s));
      if (!result.ok) {
        s.toast('error', result.reason);
        return result;
      }
      commit({ nodes: applyWiring(s.nodes, result.change) });
      return result;
    },

    addStep(projectDir, entryPoint, position, parameters = []) {
      const s = get();
      const taken = new Set(s.nodes.filter(isStepNode).map((n) => n.id));
      const name = uniqueStepName(entryPoint.replace(/\.(py|sh)$/, ''), taken);
      const project = s.file ? relativePath(dirname(s.file), projectDir) : projectDir;
      const node = makeStepNode(
        { name, description: null, project, entryPoint, parameters: parameters.map((p) => ({ ...p })), needs: [], cache: true },
        position,
      );
      node.selected = true;
      const nodes = [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node];
      commit({ nodes });
      set({ firstRun: false });
      return name;
    },

    deleteSelection() {
      const s = get();
      const steps = s.selection.nodes.filter((id) => id !== INPUTS_NODE_ID);
      const edges = s.edges.filter((e) => e.selected && !steps.includes(e.source) && !steps.includes(e.target));
      if (!steps.length && !edges.length) return;
      commit({ nodes: removeSteps(removeEdges(s.nodes, edges), steps) });
    },

    deleteSteps(names) {
      const steps = names.filter((id) => id !== INPUTS_NODE_ID);
      if (!steps.length) return;
      commit({ nodes: removeSteps(get().nodes, steps) });
    },

    renameStep(from, to) {
      const s = get();
      if (from === to) return null;
      const problem = stepNameProblem(s.nodes, to, from);
      if (problem) return problem;
      commit({ nodes: renameStep(s.nodes, from, to) });
      const added = s.addedOutputs[from];
      if (added) {
        const { [from]: _gone, ...rest } = s.addedOutputs;
        set({ addedOutputs: { ...rest, [to]: added } });
      }
      return null;
    },

    setParameter(step, name, value) {
      const s = get();
      const before = s.nodes.find((n) => isStepNode(n) && n.id === step);
      if (!before || !isStepNode(before)) return;
      const current = before.data.parameters.find((p) => p.name === name);
      if (value === null ? current === undefined : current?.value === value) return;
      const parameters =
        value === null
          ? before.data.parameters.filter((p) => p.name !== name)
          : current
            ? before.data.parameters.map((p) => (p.name === name ? { name, value } : p))
            : [...before.data.parameters, { name, value }];
      commit({ nodes: mapStep(s.nodes, step, (d) => ({ ...d, parameters })) }, `param:${step}:${name}`);
    },

    setStepFields(step, patch) {
      const s = get();
      const key = 'description' in patch ? `desc:${step}` : undefined;
      commit({ nodes: mapStep(s.nodes, step, (d) => ({ ...d, ...patch })) }, key);
    },

    addNeed(step, need) {
      const s = get();
      const result = s.checkConnection({ source: need, sourceHandle: 'needs-out', target: step, targetHandle: 'needs-in' });
      if (!result.ok) {
        s.toast('error', result.reason);
        return;
      }
      commit({ nodes: applyWiring(s.nodes, result.change) });
    },

    removeNeed(step, need) {
      commit({ nodes: mapStep(get().nodes, step, (d) => ({ ...d, needs: d.needs.filter((n) => n !== need) })) });
    },

    setMeta(patch) {
      const s = get();
      commit({ meta: { ...s.meta, ...patch } }, `meta:${Object.keys(patch).join(',')}`);
    },

    addInput() {
      const s = get();
      const taken = new Set(s.inputs.map((i) => i.name));
      let i = s.inputs.length + 1;
      while (taken.has(`input_${i}`)) i++;
      const name = `input_${i}`;
      commit({ inputs: [...s.inputs, { name, type: 'string', default: null, description: null }] });
      return name;
    },

    updateInput(name, patch) {
      const s = get();
      const to = patch.name;
      let nodes = s.nodes;
      if (to !== undefined && to !== name) {
        if (!NAME_PATTERN.test(to)) return `"${to}" is not a valid input name: use letters, digits, "_" and "-", starting with a letter or "_".`;
        if (isReservedName(to)) return `"${to}" is reserved: choose another name.`;
        if (s.inputs.some((i) => i.name === to)) return `There is already an input called "${to}".`;
        nodes = renameInput(nodes, name, to);
        const { [name]: value, ...rest } = s.runInputs;
        if (value !== undefined) set({ runInputs: { ...rest, [to]: value } });
      }
      const inputs = s.inputs.map((i) => (i.name === name ? { ...i, ...patch } : i));
      commit({ inputs, nodes }, `input:${name}:${Object.keys(patch).join(',')}`);
      return null;
    },

    removeInput(name) {
      const s = get();
      commit({ inputs: s.inputs.filter((i) => i.name !== name), nodes: removeInputReferences(s.nodes, name) });
    },

    selectNodes(ids) {
      const s = get();
      const want = new Set(ids);
      const nodes = s.nodes.map((n) => (!!n.selected === want.has(n.id) ? n : { ...n, selected: want.has(n.id) }));
      const edges = s.edges.map((e) => (e.selected ? { ...e, selected: false } : e));
      set({ nodes, edges, selection: selectionOf(nodes, edges, s.selection) });
    },

    copySelection() {
      const s = get();
      const clip = copySteps(s.nodes, s.selection.nodes);
      if (clip) set({ clipboard: clip });
      return clip?.steps.length ?? 0;
    },

    paste() {
      const s = get();
      if (!s.clipboard) return [];
      const offset = { x: 40, y: 40 };
      const { nodes, pasted } = pasteSteps(s.nodes, s.clipboard, offset);
      commit({ nodes });
      // The next paste lands a little further, not on top of this one.
      set({
        clipboard: { steps: s.clipboard.steps.map((c) => ({ ...c, position: { x: c.position.x + offset.x, y: c.position.y + offset.y } })) },
      });
      return pasted;
    },

    applyPositions(positions, record) {
      const s = get();
      const nodes = s.nodes.map((n) => {
        const p = positions[n.id];
        return p && (p.x !== n.position.x || p.y !== n.position.y) ? { ...n, position: { x: p.x, y: p.y } } : n;
      });
      if (record) {
        commit({ nodes });
        return;
      }
      const wasClean = s.docVersion === s.savedVersion;
      const v = nextVersion();
      set({ nodes, docVersion: v, savedVersion: wasClean ? v : s.savedVersion });
    },

    async autoLayout(record = true, aspect) {
      const s = get();
      if (!s.nodes.length) return;
      const positions = await computeLayout(s.nodes, s.edges, s.inputs.length, aspect);
      get().applyPositions(positions, record);
      set({ needsLayout: false });
    },

    setValidation(v) {
      set({ validation: v });
    },

    replaceDocument(d, file, needsLayout) {
      const nodes = syncInputsNode(
        d.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
        d.inputs,
      );
      const v = nextVersion();
      dragging = false;
      set({
        meta: d.meta,
        inputs: d.inputs,
        nodes,
        edges: deriveEdges(nodes, d.inputs),
        selection: { nodes: [], edges: [] },
        file,
        docVersion: v,
        savedVersion: v,
        needsLayout,
        validation: null,
        addedOutputs: {},
        runInputs: {},
      });
      get().clearHistory();
      get().clearRuns();
    },
  };
};
