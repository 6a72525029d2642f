/**
 * Workflow file ⇄ canvas graph. Pure and lossless for everything the file holds: a spec read from
 * YAML, turned into a graph and back, writes the same YAML (workflowToYaml). Positions come from
 * the layout sidecar; steps it does not place get a simple layered position (layoutRanks).
 */
import type { Layout } from '../../../common/api/schemas.js';
import { stepDependencies } from '../../../common/workflow/graph.js';
import { WORKFLOW_VERSION } from '../../../common/workflow/types.js';
import type { WorkflowSpec } from '../../../common/workflow/types.js';
import type { AppNode, GraphDoc, InputDef, InputsNode, StepData, StepNode } from './types.js';
import { INPUTS_LAYOUT_KEY, INPUTS_NODE_ID, isStepNode } from './types.js';

export const NODE_WIDTH = 280;
const RANK_GAP = 90;
const ROW_GAP = 36;

/** A rough node height before React Flow has measured it (header + one row per handle line). */
export function estimateNodeHeight(node: AppNode, inputCount = 0): number {
  if (!isStepNode(node)) return 44 + 22 * Math.max(1, inputCount);
  const rows = Math.max(node.data.parameters.length + 1, 4);
  return 64 + rows * 22;
}

/** A step's box width in px (styles.css .step-node). */
export const STEP_WIDTH = 292;

/**
 * A full step node's height in px for a number of port rows (styles.css: head 26, sub line 23,
 * ports 6 + 21 a row, border 2). A light step (zoomed out) takes this box, so the graph keeps its
 * shape when the level of detail changes.
 */
export function fullStepHeight(rows: number): number {
  return 57 + 21 * Math.max(1, rows);
}

/** The box around all nodes: measured sizes where React Flow has them, estimates elsewhere. */
export function graphBounds(nodes: readonly AppNode[], inputCount = 0): { x: number; y: number; width: number; height: number } {
  if (!nodes.length) return { x: 0, y: 0, width: 0, height: 0 };
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const n of nodes) {
    x0 = Math.min(x0, n.position.x);
    y0 = Math.min(y0, n.position.y);
    x1 = Math.max(x1, n.position.x + (n.measured?.width ?? NODE_WIDTH));
    y1 = Math.max(y1, n.position.y + (n.measured?.height ?? estimateNodeHeight(n, inputCount)));
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

export function stepToData(step: WorkflowSpec['steps'][number]): StepData {
  return {
    name: step.name,
    description: step.description,
    project: step.project,
    entryPoint: step.entryPoint,
    parameters: step.parameters.map((p) => ({ name: p.name, value: p.value })),
    needs: step.needs.map((n) => n.step),
    cache: step.cache,
  };
}

export function makeStepNode(data: StepData, position: { x: number; y: number }): StepNode {
  return { id: data.name, type: 'step', position, data };
}

export function makeInputsNode(position: { x: number; y: number }): InputsNode {
  return { id: INPUTS_NODE_ID, type: 'inputs', position, data: {}, deletable: false };
}

/**
 * A layered placement: each step one column right of the furthest step it depends on, the inputs
 * node in column 0. Deterministic; used when the layout sidecar is missing or incomplete.
 */
export function layoutRanks(doc: GraphDoc): Record<string, { x: number; y: number }> {
  const spec = graphToWorkflow(doc);
  const deps = stepDependencies(spec);
  const rank = new Map<string, number>();
  const visiting = new Set<string>();
  const rankOf = (name: string): number => {
    const known = rank.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return 0; // a cycle: validation reports it; place it somewhere sane
    visiting.add(name);
    const r = Math.max(-1, ...(deps.get(name) ?? []).map(rankOf)) + 1;
    visiting.delete(name);
    rank.set(name, r);
    return r;
  };
  const hasInputs = doc.nodes.some((n) => n.id === INPUTS_NODE_ID);
  const columns = new Map<number, AppNode[]>();
  for (const n of doc.nodes) {
    const r = n.id === INPUTS_NODE_ID ? 0 : rankOf(n.id) + (hasInputs ? 1 : 0);
    const col = columns.get(r) ?? [];
    col.push(n);
    columns.set(r, col);
  }
  const out: Record<string, { x: number; y: number }> = {};
  for (const [r, col] of columns) {
    let y = 0;
    for (const n of col) {
      out[n.id] = { x: r * (NODE_WIDTH + RANK_GAP), y };
      y += estimateNodeHeight(n, doc.inputs.length) + ROW_GAP;
    }
  }
  return out;
}

export interface GraphFromFile extends GraphDoc {
  /** Whether every node got its position from the layout sidecar. */
  placedFromLayout: boolean;
}

export function workflowToGraph(spec: WorkflowSpec, layout: Layout | null): GraphFromFile {
  const inputs: InputDef[] = spec.inputs.map((i) => ({ name: i.name, type: i.type, default: i.default, description: i.description }));
  const seen = new Set<string>();
  const nodes: AppNode[] = [];
  if (inputs.length) nodes.push(makeInputsNode({ x: 0, y: 0 }));
  for (const step of spec.steps) {
    if (seen.has(step.name)) continue; // a duplicate name (reported by validation) cannot be a second node
    seen.add(step.name);
    nodes.push(makeStepNode(stepToData(step), { x: 0, y: 0 }));
  }
  const doc: GraphDoc = {
    meta: { name: spec.name, description: spec.description, experiment: spec.experiment },
    inputs,
    nodes,
  };
  const saved = layout?.nodes ?? {};
  const keyOf = (n: AppNode): string => (n.id === INPUTS_NODE_ID ? INPUTS_LAYOUT_KEY : n.id);
  const placedFromLayout = nodes.every((n) => Object.hasOwn(saved, keyOf(n)));
  const ranks = placedFromLayout ? {} : layoutRanks(doc);
  doc.nodes = nodes.map((n) => {
    const p = Object.hasOwn(saved, keyOf(n)) ? saved[keyOf(n)] : ranks[n.id];
    return { ...n, position: { x: p?.x ?? 0, y: p?.y ?? 0 } };
  });
  return { ...doc, placedFromLayout };
}

export function graphToWorkflow(doc: GraphDoc): WorkflowSpec {
  return {
    version: WORKFLOW_VERSION,
    name: doc.meta.name,
    description: doc.meta.description,
    experiment: doc.meta.experiment,
    inputs: doc.inputs.map((i) => ({ name: i.name, type: i.type, default: i.default, description: i.description })),
    steps: doc.nodes.filter(isStepNode).map((n) => ({
      name: n.data.name,
      description: n.data.description,
      project: n.data.project,
      entryPoint: n.data.entryPoint,
      parameters: n.data.parameters.map((p) => ({ name: p.name, value: p.value })),
      needs: n.data.needs.map((step) => ({ step })),
      cache: n.data.cache,
    })),
  };
}

/** Node positions for the layout sidecar, rounded to whole pixels. */
export function graphToLayout(nodes: readonly AppNode[]): Layout {
  const out: Layout = { version: 1, nodes: {} };
  for (const n of nodes) {
    out.nodes[n.id === INPUTS_NODE_ID ? INPUTS_LAYOUT_KEY : n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
  }
  return out;
}

/** Adds or removes the inputs node so that it exists exactly when the workflow has inputs. */
export function syncInputsNode(nodes: AppNode[], inputs: readonly InputDef[]): AppNode[] {
  const has = nodes.some((n) => n.id === INPUTS_NODE_ID);
  if (inputs.length && !has) {
    const steps = nodes.filter(isStepNode);
    const minX = steps.length ? Math.min(...steps.map((s) => s.position.x)) : 0;
    const minY = steps.length ? Math.min(...steps.map((s) => s.position.y)) : 0;
    return [makeInputsNode({ x: minX - NODE_WIDTH + 40 - RANK_GAP, y: minY }), ...nodes];
  }
  if (!inputs.length && has) return nodes.filter((n) => n.id !== INPUTS_NODE_ID);
  return nodes;
}

/** Workflow files name projects relative to their folder; rewrites them for a new folder (Save As). */
export function rebaseProjects(
  nodes: readonly AppNode[],
  resolve: (project: string) => string,
  relativise: (absolute: string) => string,
): AppNode[] {
  return nodes.map((n) => {
    if (!isStepNode(n)) return n;
    const project = n.data.project.trim() === '' ? n.data.project : relativise(resolve(n.data.project));
    return project === n.data.project ? n : { ...n, data: { ...n.data, project } };
  });
}
