/**
 * Editing the workflow through the canvas: what a new connection means in the file (a reference in
 * a parameter value, or a `needs` entry), whether it is allowed (and why not), and the edits that
 * removing an edge, deleting or renaming a step make to the other steps. Pure.
 */
import type { Connection } from '@xyflow/react';
import { isReservedName } from '../../../common/workflow/validate.js';
import { findCycles, formatCycle, upstreamOf } from '../../../common/workflow/graph.js';
import { NAME_PATTERN, formatReference, parseTemplate } from '../../../common/workflow/references.js';
import type { Reference } from '../../../common/workflow/types.js';
import type { EntryPointSpec } from '../../../common/types.js';
import { RUN_ATTRIBUTES, RUN_ATTRIBUTE_PREFIXES } from '../../../common/types.js';
import { graphToWorkflow } from './convert.js';
import type { AppEdge, AppNode, GraphDoc, ParamValue, StepData, StepNode } from './types.js';
import { isStepNode, parseHandleId } from './types.js';

/** The entry point a step runs, when its project is loaded (for parameter types). */
export type EntryPointLookup = (step: StepData) => EntryPointSpec | null;

export type WiringChange =
  | { kind: 'reference'; target: string; parameter: string; ref: Reference }
  | { kind: 'needs'; source: string; target: string };

export type WiringCheck = { ok: true; change: WiringChange } | { ok: false; reason: string };

const NUMERIC = new Set(['float', 'int']);

const ATTR_DESCRIPTIONS: Record<string, string> = {
  run_id: 'a run id',
  status: 'a run status',
  experiment_id: 'an experiment id',
  artifact_uri: 'an artifact URI',
  artifact_dir: 'an artifact folder path',
  tags: 'a tag (text)',
};

/** Parses "run_id", "metrics.rmse", "tags.mlflow.runName" into a step reference. */
export function parseOutputAttr(step: string, attr: string): Reference | null {
  if ((RUN_ATTRIBUTES as readonly string[]).includes(attr)) {
    return { kind: 'step', step, attribute: attr as (typeof RUN_ATTRIBUTES)[number], key: null };
  }
  const dot = attr.indexOf('.');
  if (dot < 0) return null;
  const prefix = attr.slice(0, dot);
  const key = attr.slice(dot + 1);
  if (!(RUN_ATTRIBUTE_PREFIXES as readonly string[]).includes(prefix) || key === '') return null;
  return { kind: 'step', step, attribute: prefix as (typeof RUN_ATTRIBUTE_PREFIXES)[number], key };
}

function findStep(nodes: readonly AppNode[], id: string): StepNode | undefined {
  return nodes.find((n): n is StepNode => isStepNode(n) && n.id === id);
}

/** Would `target` depending on `source` close a cycle? Returns the cycle's description. */
function cycleIfAdded(doc: GraphDoc, source: string, target: string, change: WiringChange): string | null {
  const before = graphToWorkflow(doc);
  if (!upstreamOf(before, [source]).includes(target)) return null;
  const after = graphToWorkflow({ ...doc, nodes: applyWiring(doc.nodes, change) });
  const cycle = findCycles(after).find((c) => c.includes(source) && c.includes(target));
  return cycle ? formatCycle(cycle) : `${target} → … → ${source} → ${target}`;
}

/**
 * Checks a connection drawn on the canvas and says what it would change. Refuses (with a reason a
 * person can act on) self-loops, cycles, a non-numeric value into a float/int parameter, ordering
 * handles wired to values, and duplicates.
 */
export function checkConnection(doc: GraphDoc, conn: Connection, lookup: EntryPointLookup): WiringCheck {
  const from = parseHandleId(conn.sourceHandle);
  const to = parseHandleId(conn.targetHandle);
  if (!from || !to) return { ok: false, reason: 'Connect an output (right side) to a parameter (left side).' };
  const target = findStep(doc.nodes, conn.target);
  if (!target) return { ok: false, reason: 'Only steps have parameters to connect to.' };

  if (to.kind === 'needs-in') {
    if (from.kind === 'input') return { ok: false, reason: 'Inputs are values, not steps: wire an input into a parameter.' };
    if (from.kind !== 'output' && from.kind !== 'needs-out') return { ok: false, reason: 'Connect the ordering handles of two steps.' };
    if (conn.source === conn.target) return { ok: false, reason: `Step "${target.id}" cannot wait for itself.` };
    if (target.data.needs.includes(conn.source)) return { ok: false, reason: `"${target.id}" already waits for "${conn.source}".` };
    const change: WiringChange = { kind: 'needs', source: conn.source, target: target.id };
    const cycle = cycleIfAdded(doc, conn.source, target.id, change);
    if (cycle) return { ok: false, reason: `That would make the steps wait for each other in a cycle: ${cycle}.` };
    return { ok: true, change };
  }
  if (to.kind !== 'param') return { ok: false, reason: 'Connect an output (right side) to a parameter (left side).' };
  const param = to.name;
  const declared = lookup(target.data)?.parameters.find((p) => p.name === param) ?? null;
  const numeric = declared !== null && NUMERIC.has(declared.type);

  if (from.kind === 'needs-out') {
    return { ok: false, reason: 'The ordering handle only connects to another step\'s ordering handle ("after"), not to a parameter.' };
  }
  if (from.kind === 'input') {
    const input = doc.inputs.find((i) => i.name === from.name);
    if (!input) return { ok: false, reason: `There is no input "${from.name}".` };
    if (numeric && declared && !NUMERIC.has(input.type)) {
      return { ok: false, reason: `"${param}" is ${declared.type === 'int' ? 'an int' : 'a float'} parameter, but input "${input.name}" is a ${input.type}, not a number.` };
    }
    return { ok: true, change: { kind: 'reference', target: target.id, parameter: param, ref: { kind: 'input', input: input.name } } };
  }
  if (from.kind !== 'output') return { ok: false, reason: 'Connect an output (right side) to a parameter (left side).' };
  if (conn.source === conn.target) {
    return { ok: false, reason: `Step "${target.id}" cannot use its own ${from.attr}: a step only reads steps that ran before it.` };
  }
  const ref = parseOutputAttr(conn.source, from.attr);
  if (!ref || ref.kind !== 'step') return { ok: false, reason: `"${from.attr}" is not a run attribute.` };
  if (numeric && declared && ref.attribute !== 'metrics' && ref.attribute !== 'params') {
    return {
      ok: false,
      reason: `"${param}" is ${declared.type === 'int' ? 'an int' : 'a float'} parameter, but ${from.attr} is ${ATTR_DESCRIPTIONS[ref.attribute] ?? 'text'}, not a number. Wire a metric or a param instead.`,
    };
  }
  const change: WiringChange = { kind: 'reference', target: target.id, parameter: param, ref };
  const cycle = cycleIfAdded(doc, conn.source, target.id, change);
  if (cycle) return { ok: false, reason: `That would make the steps depend on each other in a cycle: ${cycle}.` };
  return { ok: true, change };
}

/**
 * The new value of a parameter that receives a reference: a value holding exactly one reference
 * keeps its surrounding text (`${{ steps.a.artifact_dir }}/x.csv` → `${{ steps.b.artifact_dir }}/x.csv`);
 * anything else is replaced by the reference.
 */
export function withReference(value: string | undefined, ref: Reference): string {
  const formatted = formatReference(ref);
  if (value === undefined) return formatted;
  const parsed = parseTemplate(value);
  const refs = parsed.segments.filter((s) => s.kind === 'reference');
  const only = refs[0];
  if (refs.length === 1 && parsed.errors.length === 0 && only) return value.slice(0, only.start) + formatted + value.slice(only.end);
  return formatted;
}

function setParam(params: ParamValue[], name: string, value: string | null): ParamValue[] {
  const i = params.findIndex((p) => p.name === name);
  if (value === null) return i < 0 ? params : params.filter((p) => p.name !== name);
  if (i < 0) return [...params, { name, value }];
  return params.map((p) => (p.name === name ? { name, value } : p));
}

function mapStep(nodes: readonly AppNode[], id: string, f: (d: StepData) => StepData): AppNode[] {
  return nodes.map((n) => (isStepNode(n) && n.id === id ? { ...n, data: f(n.data) } : n));
}

export function applyWiring(nodes: readonly AppNode[], change: WiringChange): AppNode[] {
  if (change.kind === 'needs') {
    return mapStep(nodes, change.target, (d) => (d.needs.includes(change.source) ? d : { ...d, needs: [...d.needs, change.source] }));
  }
  return mapStep(nodes, change.target, (d) => {
    const current = d.parameters.find((p) => p.name === change.parameter)?.value;
    return { ...d, parameters: setParam(d.parameters, change.parameter, withReference(current, change.ref)) };
  });
}

/**
 * A value with the references that `drop` selects removed. Returns null when nothing but
 * whitespace would remain (the parameter is then removed, so its default applies again).
 */
export function removeReferences(value: string, drop: (ref: Reference) => boolean): string | null {
  const parsed = parseTemplate(value);
  let out = '';
  let at = 0;
  let removed = false;
  for (const s of parsed.segments) {
    if (s.kind === 'reference' && drop(s.ref)) {
      out += value.slice(at, s.start);
      at = s.end;
      removed = true;
    }
  }
  if (!removed) return value;
  out += value.slice(at);
  return out.trim() === '' ? null : out;
}

function dropFromParams(params: ParamValue[], paramName: string | null, drop: (ref: Reference) => boolean): ParamValue[] {
  let changed = false;
  const out: ParamValue[] = [];
  for (const p of params) {
    if (paramName !== null && p.name !== paramName) {
      out.push(p);
      continue;
    }
    const v = removeReferences(p.value, drop);
    if (v !== p.value) changed = true;
    if (v !== null) out.push(v === p.value ? p : { name: p.name, value: v });
  }
  return changed ? out : params;
}

/** The step edits that deleting these edges means (references taken out of values, needs removed). */
export function removeEdges(nodes: readonly AppNode[], edges: readonly AppEdge[]): AppNode[] {
  let out = [...nodes];
  for (const e of edges) {
    const kind = e.data?.kind;
    if (kind === 'needs') {
      out = mapStep(out, e.target, (d) => ({ ...d, needs: d.needs.filter((n) => n !== e.source) }));
    } else if (kind === 'data' || kind === 'input') {
      const expression = e.data?.expression ?? '';
      const param = e.data?.parameter ?? null;
      out = mapStep(out, e.target, (d) => {
        const parameters = dropFromParams(d.parameters, param, (ref) => refExpression(ref) === expression);
        return parameters === d.parameters ? d : { ...d, parameters };
      });
    }
  }
  return out;
}

function refExpression(ref: Reference): string {
  if (ref.kind === 'input') return `inputs.${ref.input}`;
  return ref.key === null ? `steps.${ref.step}.${ref.attribute}` : `steps.${ref.step}.${ref.attribute}.${ref.key}`;
}

/** Deletes steps; the other steps lose their references to them and their `needs` on them. */
export function removeSteps(nodes: readonly AppNode[], names: readonly string[]): AppNode[] {
  const gone = new Set(names);
  return nodes
    .filter((n) => !(isStepNode(n) && gone.has(n.id)))
    .map((n) => {
      if (!isStepNode(n)) return n;
      const parameters = dropFromParams(n.data.parameters, null, (ref) => ref.kind === 'step' && gone.has(ref.step));
      const needs = n.data.needs.filter((s) => !gone.has(s));
      if (parameters === n.data.parameters && needs.length === n.data.needs.length) return n;
      return { ...n, data: { ...n.data, parameters, needs } };
    });
}

/** Rewrites every `${{ steps.OLD.… }}` in a value to the new step names given by `rename`. */
export function renameReferences(value: string, rename: (step: string) => string | undefined): string {
  const parsed = parseTemplate(value);
  let out = '';
  let at = 0;
  for (const s of parsed.segments) {
    if (s.kind !== 'reference' || s.ref.kind !== 'step') continue;
    const to = rename(s.ref.step);
    if (to === undefined || to === s.ref.step) continue;
    out += value.slice(at, s.start) + formatReference({ ...s.ref, step: to });
    at = s.end;
  }
  return at === 0 ? value : out + value.slice(at);
}

/** Why a step name cannot be used, or null when it can. */
export function stepNameProblem(nodes: readonly AppNode[], name: string, current?: string): string | null {
  if (!NAME_PATTERN.test(name)) return `"${name}" is not a valid step name: use letters, digits, "_" and "-", starting with a letter or "_".`;
  if (isReservedName(name)) return `"${name}" is reserved: choose another name.`;
  if (name !== current && nodes.some((n) => isStepNode(n) && n.id === name)) return `There is already a step called "${name}".`;
  return null;
}

/** Renames a step (node id and data) and every reference and `needs` entry that names it. */
export function renameStep(nodes: readonly AppNode[], from: string, to: string): AppNode[] {
  const rename = (s: string): string | undefined => (s === from ? to : undefined);
  return nodes.map((n) => {
    if (!isStepNode(n)) return n;
    const parameters = n.data.parameters.map((p) => {
      const v = renameReferences(p.value, rename);
      return v === p.value ? p : { name: p.name, value: v };
    });
    const needs = n.data.needs.map((s) => (s === from ? to : s));
    const isIt = n.id === from;
    return { ...n, id: isIt ? to : n.id, data: { ...n.data, name: isIt ? to : n.data.name, parameters, needs } };
  });
}

/** A free step name based on `base` ("train", "train_2", "train_3", …). */
export function uniqueStepName(base: string, taken: ReadonlySet<string>): string {
  let clean = base.replace(/[^A-Za-z0-9_-]/g, '_');
  if (!/^[A-Za-z_]/.test(clean)) clean = `_${clean}`;
  if (isReservedName(clean)) clean = `${clean}_step`;
  if (!taken.has(clean)) return clean;
  const stem = clean.replace(/_\d+$/, '');
  for (let i = 2; ; i++) {
    const candidate = `${stem}_${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Rewrites `${{ inputs.FROM }}` to `${{ inputs.TO }}` in every step. */
export function renameInput(nodes: readonly AppNode[], from: string, to: string): AppNode[] {
  return nodes.map((n) => {
    if (!isStepNode(n)) return n;
    let changed = false;
    const parameters = n.data.parameters.map((p) => {
      const parsed = parseTemplate(p.value);
      let out = '';
      let at = 0;
      for (const s of parsed.segments) {
        if (s.kind !== 'reference' || s.ref.kind !== 'input' || s.ref.input !== from) continue;
        out += p.value.slice(at, s.start) + formatReference({ kind: 'input', input: to });
        at = s.end;
      }
      if (at === 0) return p;
      changed = true;
      return { name: p.name, value: out + p.value.slice(at) };
    });
    return changed ? { ...n, data: { ...n.data, parameters } } : n;
  });
}

/** Removes every reference to an input (parameters left empty are removed). */
export function removeInputReferences(nodes: readonly AppNode[], input: string): AppNode[] {
  return nodes.map((n) => {
    if (!isStepNode(n)) return n;
    const parameters = dropFromParams(n.data.parameters, null, (ref) => ref.kind === 'input' && ref.input === input);
    return parameters === n.data.parameters ? n : { ...n, data: { ...n.data, parameters } };
  });
}
