/**
 * What the inspector shows about one step without asking the engine: each parameter's problem
 * (the engine's own rules from common/command.ts for literals, the reference rules for bound
 * values) and the command the step would run, with placeholders where values are only known
 * at run time. Pure.
 */
import { isPythonFloat, isPythonInt, isUri, renderCommand, splitParameters, validateParameterValues } from '../../../common/command.js';
import type { EntryPointSpec } from '../../../common/types.js';
import { parseTemplate, referenceExpression, renderTemplate } from '../../../common/workflow/references.js';
import type { InputDef, StepData } from '../graph/types.js';

const NUMERIC = new Set(['float', 'int']);

export interface ParamRow {
  name: string;
  type: string;
  default: string | null;
  required: boolean;
  declared: boolean;
  /** The template as written, or undefined when the step does not set it (the default applies). */
  value: string | undefined;
  /** Expressions the value reads ("steps.load.run_id", "inputs.rows"). */
  refs: string[];
}

/**
 * How many port rows a step's full box has: its parameters, or its outputs (stepOutputs) and the
 * "+ output" row, whichever is more. A light step keeps this height (graph/convert.ts fullStepHeight).
 */
export function stepRows(ep: EntryPointSpec | null, data: StepData, metricKeys: readonly string[], used: readonly string[], added: readonly string[]): number {
  return Math.max(paramCount(ep, data), stepOutputs(metricKeys, used, added).length + 1);
}

/**
 * A step's output rows, in order, each once: run_id, artifact_dir, artifact_uri, known metrics,
 * outputs other steps read, outputs added by hand.
 */
export function stepOutputs(metricKeys: readonly string[], used: readonly string[], added: readonly string[]): string[] {
  return [...new Set(['run_id', 'artifact_dir', 'artifact_uri', ...metricKeys.map((k) => `metrics.${k}`), ...used, ...added])];
}

/** How many rows paramRows gives, without parsing any value. */
export function paramCount(ep: EntryPointSpec | null, data: StepData): number {
  const declared = new Set((ep?.parameters ?? []).map((p) => p.name));
  return declared.size + data.parameters.filter((p) => !declared.has(p.name)).length;
}

/** Declared parameters first (declaration order), then the step's undeclared ones. */
export function paramRows(ep: EntryPointSpec | null, data: StepData): ParamRow[] {
  const given = new Map(data.parameters.map((p) => [p.name, p.value]));
  const rows: ParamRow[] = [];
  const refsOf = (v: string | undefined): string[] =>
    v === undefined ? [] : parseTemplate(v).segments.flatMap((s) => (s.kind === 'reference' ? [referenceExpression(s.ref)] : []));
  for (const p of ep?.parameters ?? []) {
    const value = given.get(p.name);
    rows.push({ name: p.name, type: p.type, default: p.default, required: p.default === null, declared: true, value, refs: refsOf(value) });
  }
  for (const p of data.parameters) {
    if (ep?.parameters.some((d) => d.name === p.name)) continue;
    rows.push({ name: p.name, type: 'string', default: null, required: false, declared: false, value: p.value, refs: refsOf(p.value) });
  }
  return rows;
}

function placeholder(type: string, expression: string): string {
  if (NUMERIC.has(type)) return '0';
  if (type === 'uri') return `ref://${expression}`;
  return `<${expression}>`;
}

/** One problem per parameter (by name), in words a person can act on. */
export function fieldProblems(ep: EntryPointSpec | null, data: StepData, inputs: readonly InputDef[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!ep) return out;
  const types = new Map(ep.parameters.map((p) => [p.name, p.type]));
  const user: Record<string, string> = {};
  for (const p of data.parameters) {
    const type = types.get(p.name) ?? 'string';
    const parsed = parseTemplate(p.value);
    const first = parsed.errors[0];
    if (first) {
      out[p.name] = first.message;
      continue;
    }
    const refs = parsed.segments.filter((s) => s.kind === 'reference');
    if (refs.length === 0) {
      user[p.name] = parsed.segments.map((s) => (s.kind === 'text' ? s.text : '')).join('');
      continue;
    }
    if (NUMERIC.has(type)) {
      for (const s of refs) {
        if (s.kind !== 'reference') continue;
        const ref = s.ref;
        const numeric =
          ref.kind === 'input'
            ? NUMERIC.has(inputs.find((i) => i.name === ref.input)?.type ?? 'float')
            : ref.attribute === 'metrics' || ref.attribute === 'params';
        if (!numeric) out[p.name] = `${p.name} is ${type === 'int' ? 'an int' : 'a float'}, but ${referenceExpression(ref)} is not a number`;
      }
    }
    user[p.name] = placeholder(type, referenceExpression((refs[0] as Extract<typeof refs[number], { kind: 'reference' }>).ref));
  }
  for (const problem of validateParameterValues(ep, user)) {
    if (problem.code === 'PARAM_MISSING') {
      for (const m of problem.message.matchAll(/'([^']+)'/g)) if (m[1] && !out[m[1]]) out[m[1]] = 'required: this parameter has no default';
      continue;
    }
    const name = Object.keys(user)
      .sort((a, b) => b.length - a.length)
      .find((n) => problem.message.includes(`parameter ${n} `) || problem.message.includes(`Parameter ${n} `) || problem.message.includes(`"${n}"`));
    if (name && !out[name]) out[name] = problem.message;
  }
  return out;
}

/** Quick per-type check for a literal typed into a field (before it is committed). */
export function literalFits(type: string, value: string): boolean {
  if (type === 'float') return isPythonFloat(value);
  if (type === 'int') return isPythonInt(value);
  if (type === 'uri') return isUri(value);
  return true;
}

export type CommandPreview = { ok: true; command: string } | { ok: false; message: string };

/**
 * The command the step will run, rendered exactly like the engine (MLflow's quoting), with
 * `<steps.X.attr>` where a value comes from another step, and input values (or defaults) inlined.
 */
export function previewCommand(
  ep: EntryPointSpec | null,
  data: StepData,
  inputs: readonly InputDef[],
  runInputs: Readonly<Record<string, string>> = {},
): CommandPreview {
  if (!ep) return { ok: false, message: 'The project is not loaded yet (or cannot be read).' };
  const user: Record<string, string> = {};
  try {
    for (const p of data.parameters) {
      user[p.name] = renderTemplate(p.value, (ref) => {
        if (ref.kind === 'input') {
          const given = runInputs[ref.input];
          const def = inputs.find((i) => i.name === ref.input)?.default;
          return given !== undefined && given !== '' ? given : (def ?? `<inputs.${ref.input}>`);
        }
        return `<${referenceExpression(ref)}>`;
      });
    }
    const { params, extra } = splitParameters(ep, user);
    return { ok: true, command: renderCommand(ep, params, extra) };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}
