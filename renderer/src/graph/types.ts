/**
 * The canvas document: React Flow nodes typed with the workflow data they carry. The workflow
 * file is the source of truth; these types are its editable, positioned view. Data edges are not
 * stored anywhere but in the step parameter values (`${{ steps.X.attr }}` templates) and `needs`;
 * the edges React Flow draws are derived from them (see edges.ts).
 */
import type { Edge, Node } from '@xyflow/react';
import type { KnownParamType } from '../../../common/types.js';

export interface ParamValue {
  name: string;
  /** A template: literal text and `${{ ... }}` references. */
  value: string;
}

/** What a step node carries: exactly what the workflow file says about the step. */
export type StepData = {
  name: string;
  description: string | null;
  /** As written in the file: relative to the workflow file's folder, or absolute (unsaved workflows). */
  project: string;
  entryPoint: string;
  parameters: ParamValue[];
  needs: string[];
  cache: boolean;
};

export type StepNode = Node<StepData, 'step'>;
/** The one node that shows the workflow inputs; its data lives in the graph slice (`inputs`). */
export type InputsNode = Node<Record<string, never>, 'inputs'>;
export type AppNode = StepNode | InputsNode;

export type EdgeKind = 'data' | 'input' | 'needs';
export type AppEdgeData = {
  kind: EdgeKind;
  /** The parameter that holds the reference (data and input edges). */
  parameter?: string;
  /** The expression, e.g. "steps.load.run_id" or "inputs.rows" (data and input edges). */
  expression?: string;
};
export type AppEdge = Edge<AppEdgeData>;

export interface InputDef {
  name: string;
  type: KnownParamType;
  default: string | null;
  description: string | null;
}

export interface WorkflowMeta {
  name: string;
  description: string | null;
  experiment: string | null;
}

/** Everything the workflow file holds, plus positions: what undo/redo snapshots and save write. */
export interface GraphDoc {
  meta: WorkflowMeta;
  inputs: InputDef[];
  nodes: AppNode[];
}

export const INPUTS_NODE_ID = '$inputs';
/** Key of the inputs node in the layout sidecar (step names cannot contain "$"). */
export const INPUTS_LAYOUT_KEY = '$inputs';

/** Handle ids. Output attributes are the reference attribute text: "run_id", "metrics.rmse", … */
export const handleIds = {
  param: (name: string): string => `in:${name}`,
  output: (attr: string): string => `out:${attr}`,
  input: (name: string): string => `input:${name}`,
  needsIn: 'needs-in',
  needsOut: 'needs-out',
} as const;

export type ParsedHandle =
  | { kind: 'param'; name: string }
  | { kind: 'output'; attr: string }
  | { kind: 'input'; name: string }
  | { kind: 'needs-in' }
  | { kind: 'needs-out' };

export function parseHandleId(id: string | null | undefined): ParsedHandle | null {
  if (!id) return null;
  if (id === handleIds.needsIn) return { kind: 'needs-in' };
  if (id === handleIds.needsOut) return { kind: 'needs-out' };
  if (id.startsWith('in:')) return { kind: 'param', name: id.slice(3) };
  if (id.startsWith('out:')) return { kind: 'output', attr: id.slice(4) };
  if (id.startsWith('input:')) return { kind: 'input', name: id.slice(6) };
  return null;
}

export function isStepNode(n: AppNode): n is StepNode {
  return n.type === 'step';
}

export function stepNodes(nodes: readonly AppNode[]): StepNode[] {
  return nodes.filter(isStepNode);
}
