/**
 * The edges React Flow draws, derived from the step data: one per reference in a parameter value
 * and one per `needs` entry. Pure; edge ids are stable so selection survives re-derivation.
 */
import { parseTemplate } from '../../../common/workflow/references.js';
import type { Reference } from '../../../common/workflow/types.js';
import type { AppEdge, AppNode, InputDef } from './types.js';
import { INPUTS_NODE_ID, handleIds, isStepNode } from './types.js';

/** "run_id", "metrics.rmse", "tags.mlflow.runName": the attribute part of a step reference. */
export function referenceAttr(ref: Extract<Reference, { kind: 'step' }>): string {
  return ref.key === null ? ref.attribute : `${ref.attribute}.${ref.key}`;
}

export function dataEdgeId(source: string, attr: string, target: string, param: string): string {
  return `d:${source}.${attr}>${target}.${param}`;
}
export function inputEdgeId(input: string, target: string, param: string): string {
  return `i:${input}>${target}.${param}`;
}
export function needsEdgeId(source: string, target: string): string {
  return `n:${source}>${target}`;
}

export function deriveEdges(nodes: readonly AppNode[], inputs: readonly InputDef[], previous: readonly AppEdge[] = []): AppEdge[] {
  const selected = new Set(previous.filter((e) => e.selected).map((e) => e.id));
  const steps = new Set(nodes.filter(isStepNode).map((n) => n.id));
  const hasInputsNode = nodes.some((n) => n.id === INPUTS_NODE_ID);
  const inputNames = new Set(inputs.map((i) => i.name));
  const out: AppEdge[] = [];
  const seen = new Set<string>();
  const push = (e: AppEdge): void => {
    if (seen.has(e.id)) return;
    seen.add(e.id);
    if (selected.has(e.id)) e.selected = true;
    out.push(e);
  };
  for (const node of nodes) {
    if (!isStepNode(node)) continue;
    const target = node.id;
    for (const p of node.data.parameters) {
      for (const s of parseTemplate(p.value).segments) {
        if (s.kind !== 'reference') continue;
        const ref = s.ref;
        if (ref.kind === 'step') {
          if (ref.step === target || !steps.has(ref.step)) continue;
          const attr = referenceAttr(ref);
          push({
            id: dataEdgeId(ref.step, attr, target, p.name),
            source: ref.step,
            sourceHandle: handleIds.output(attr),
            target,
            targetHandle: handleIds.param(p.name),
            data: { kind: 'data', parameter: p.name, expression: `steps.${ref.step}.${attr}` },
            className: 'edge-data',
          });
        } else if (hasInputsNode && inputNames.has(ref.input)) {
          push({
            id: inputEdgeId(ref.input, target, p.name),
            source: INPUTS_NODE_ID,
            sourceHandle: handleIds.input(ref.input),
            target,
            targetHandle: handleIds.param(p.name),
            data: { kind: 'input', parameter: p.name, expression: `inputs.${ref.input}` },
            className: 'edge-input',
          });
        }
      }
    }
    for (const need of node.data.needs) {
      if (need === target || !steps.has(need)) continue;
      push({
        id: needsEdgeId(need, target),
        source: need,
        sourceHandle: handleIds.needsOut,
        target,
        targetHandle: handleIds.needsIn,
        data: { kind: 'needs' },
        className: 'edge-needs',
      });
    }
  }
  return out;
}

/** The output attributes of a step that some edge reads (so the node always shows their handles). */
export function usedOutputs(nodes: readonly AppNode[], step: string): string[] {
  const attrs = new Set<string>();
  for (const node of nodes) {
    if (!isStepNode(node) || node.id === step) continue;
    for (const p of node.data.parameters) {
      for (const s of parseTemplate(p.value).segments) {
        if (s.kind === 'reference' && s.ref.kind === 'step' && s.ref.step === step) attrs.add(referenceAttr(s.ref));
      }
    }
  }
  return [...attrs];
}
