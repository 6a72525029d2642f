/**
 * `${{ ... }}` templates in step parameter values.
 *
 *   template   := ( text | reference )*
 *   reference  := "${{" ws* expression ws* "}}"
 *   expression := "inputs." NAME
 *               | "steps." NAME "." ( "run_id" | "status" | "experiment_id" | "artifact_uri" | "artifact_dir"
 *                                   | ( "params" | "metrics" | "tags" ) "." KEY )
 *   NAME       := [A-Za-z_] [A-Za-z0-9_-]*
 *   KEY        := [A-Za-z0-9_./: -]+       (MLflow's key characters; no leading/trailing space)
 *
 * Escaping: inside a run of `$` that is immediately followed by `{{`, `$$` stands for one literal `$`.
 * So `$${{` is the literal text `${{`, and `$$${{ inputs.x }}` is a literal `$` followed by a reference.
 * `$` anywhere else (e.g. `$HOME`, `$$`) is literal text.
 */
import { AppError } from '../errors.js';
import { RUN_ATTRIBUTE_PREFIXES, RUN_ATTRIBUTES } from '../types.js';
import type { Reference, RunAttribute, RunAttributePrefix, StepSpec } from './types.js';

/** Step and input names. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Keys after params./metrics./tags. */
export const KEY_PATTERN = /^[A-Za-z0-9_./: -]+$/;

export type TemplateSegment =
  /** `text` is the literal text (escapes already undone); `start`/`end` are offsets in the template. */
  | { kind: 'text'; text: string; start: number; end: number }
  /** `raw` is the reference as written, e.g. "${{ steps.a.run_id }}". */
  | { kind: 'reference'; ref: Reference; raw: string; start: number; end: number };

export interface TemplateError {
  /** 'unknown-attribute': well-formed but names no known run attribute; 'syntax': anything else. */
  kind: 'syntax' | 'unknown-attribute';
  message: string;
  /** Offsets in the template of the offending text (usually the whole `${{ ... }}`). */
  start: number;
  end: number;
}

export interface ParsedTemplate {
  /** Best effort even when there are errors: a malformed reference becomes a text segment. */
  segments: TemplateSegment[];
  errors: TemplateError[];
}

const ATTRIBUTE_LIST = `${RUN_ATTRIBUTES.join(', ')}, ${RUN_ATTRIBUTE_PREFIXES.map((p) => `${p}.KEY`).join(', ')}`;

type ExpressionResult = { ref: Reference } | { error: Omit<TemplateError, 'start' | 'end'> };

function parseExpression(expr: string): ExpressionResult {
  const syntax = (message: string): ExpressionResult => ({ error: { kind: 'syntax', message } });
  if (expr === '') return syntax('empty reference: expected steps.NAME.ATTRIBUTE or inputs.NAME');
  if (expr.startsWith('inputs.')) {
    const name = expr.slice('inputs.'.length);
    if (!NAME_PATTERN.test(name)) {
      return syntax(`"${name}" is not an input name: expected inputs.NAME (letters, digits, "_" and "-")`);
    }
    return { ref: { kind: 'input', input: name } };
  }
  if (expr.startsWith('steps.')) {
    const rest = expr.slice('steps.'.length);
    const m = /^([A-Za-z_][A-Za-z0-9_-]*)(?:\.(.*))?$/s.exec(rest);
    if (!m) return syntax('expected steps.NAME.ATTRIBUTE, where NAME is a step name');
    const step = m[1] ?? '';
    const attr = m[2];
    if (attr === undefined || attr === '') {
      return syntax(`missing attribute: expected steps.${step}.ATTRIBUTE (one of ${ATTRIBUTE_LIST})`);
    }
    if ((RUN_ATTRIBUTES as readonly string[]).includes(attr)) {
      return { ref: { kind: 'step', step, attribute: attr as RunAttribute, key: null } };
    }
    const dot = attr.indexOf('.');
    const prefix = dot < 0 ? attr : attr.slice(0, dot);
    if ((RUN_ATTRIBUTE_PREFIXES as readonly string[]).includes(prefix)) {
      const key = dot < 0 ? '' : attr.slice(dot + 1);
      if (key === '') return syntax(`missing key: expected steps.${step}.${prefix}.KEY`);
      if (!KEY_PATTERN.test(key) || key.trim() !== key) {
        return syntax(`"${key}" is not a valid ${prefix} key (letters, digits, "_", "-", ".", "/", ":" and inner spaces)`);
      }
      return { ref: { kind: 'step', step, attribute: prefix as RunAttributePrefix, key } };
    }
    const plural = `${prefix}s`;
    const hint =
      dot > 0 && (RUN_ATTRIBUTE_PREFIXES as readonly string[]).includes(plural) ? ` (did you mean "${plural}.${attr.slice(dot + 1)}"?)` : '';
    return { error: { kind: 'unknown-attribute', message: `unknown attribute "${attr}"${hint}: use one of ${ATTRIBUTE_LIST}` } };
  }
  return syntax(`"${expr}" is not a reference: expected steps.NAME.ATTRIBUTE or inputs.NAME`);
}

/** Splits a template into literal text and references, collecting every syntax error. */
export function parseTemplate(value: string): ParsedTemplate {
  const segments: TemplateSegment[] = [];
  const errors: TemplateError[] = [];
  let text = '';
  let textStart = 0;
  const flushText = (end: number): void => {
    if (end > textStart) segments.push({ kind: 'text', text, start: textStart, end });
    text = '';
    textStart = end;
  };

  let i = 0;
  const n = value.length;
  while (i < n) {
    const ch = value[i];
    if (ch !== '$') {
      text += ch;
      i++;
      continue;
    }
    let j = i;
    while (value[j] === '$') j++;
    if (!value.startsWith('{{', j)) {
      text += value.slice(i, j);
      i = j;
      continue;
    }
    const run = j - i;
    text += '$'.repeat(Math.floor(run / 2));
    if (run % 2 === 0) {
      text += '{{';
      i = j + 2;
      continue;
    }
    // A reference starts at j - 1.
    const start = j - 1;
    flushText(start);
    const close = value.indexOf('}}', j + 2);
    if (close < 0) {
      errors.push({
        kind: 'syntax',
        message: 'unterminated reference: "${{" without a closing "}}" (write "$${{" for a literal "${{")',
        start,
        end: n,
      });
      text = value.slice(start);
      flushText(n);
      i = n;
      break;
    }
    const end = close + 2;
    const raw = value.slice(start, end);
    const result = parseExpression(value.slice(j + 2, close).trim());
    if ('ref' in result) {
      segments.push({ kind: 'reference', ref: result.ref, raw, start, end });
    } else {
      errors.push({ ...result.error, start, end });
      segments.push({ kind: 'text', text: raw, start, end });
    }
    textStart = end;
    i = end;
  }
  flushText(n);
  return { segments, errors };
}

/** The canonical expression text, e.g. "steps.load.params.alpha" or "inputs.data_dir". */
export function referenceExpression(ref: Reference): string {
  if (ref.kind === 'input') return `inputs.${ref.input}`;
  return ref.key === null ? `steps.${ref.step}.${ref.attribute}` : `steps.${ref.step}.${ref.attribute}.${ref.key}`;
}

/** The canonical template text of a reference, e.g. "${{ steps.load.run_id }}". */
export function formatReference(ref: Reference): string {
  return `\${{ ${referenceExpression(ref)} }}`;
}

/** Escapes literal text so that it can be placed in a template unchanged (`${{` → `$${{`). */
export function escapeTemplateText(literal: string): string {
  return literal.replace(/\$+(?=\{\{)/g, (run) => run + run);
}

/**
 * Renders a template, replacing each reference by `resolve(reference)`.
 * Throws AppError('WORKFLOW_INVALID') on a syntax error (validation reports those before a run).
 */
export function renderTemplate(value: string, resolve: (ref: Reference) => string): string {
  const { segments, errors } = parseTemplate(value);
  const first = errors[0];
  if (first) throw new AppError('WORKFLOW_INVALID', `${first.message} in "${value}"`);
  return segments.map((s) => (s.kind === 'text' ? s.text : resolve(s.ref))).join('');
}

export interface StepReference {
  /** The parameter whose value holds the reference. */
  parameter: string;
  ref: Reference;
  /** Offsets of the `${{ ... }}` in the parameter value. */
  start: number;
  end: number;
}

/** Every well-formed reference in the step's parameter values, in file order (malformed ones are skipped). */
export function referencesOf(step: StepSpec): StepReference[] {
  const out: StepReference[] = [];
  for (const p of step.parameters) {
    for (const s of parseTemplate(p.value).segments) {
      if (s.kind === 'reference') out.push({ parameter: p.name, ref: s.ref, start: s.start, end: s.end });
    }
  }
  return out;
}
