/**
 * Semantic validation of a WorkflowSpec. Pure: reports every problem it finds, never throws.
 * YAML-shape problems (unknown keys, wrong value kinds, version) are found by parseWorkflowYaml, which
 * cannot represent them in a spec; everything a spec can express wrongly is checked here.
 */
import { commandTemplateProblems, isPythonFloat, isPythonInt, isValidExtraParamName } from '../command.js';
import type { ErrorCode, Problem } from '../errors.js';
import { PARAM_TYPES } from '../types.js';
import type { EntryPointSpec } from '../types.js';
import { findCycles, formatCycle } from './graph.js';
import { NAME_PATTERN, formatReference, parseTemplate } from './references.js';
import type { TemplateSegment } from './references.js';
import type { Reference, SourcePos, StepParameter, StepSpec, WorkflowSpec } from './types.js';

/** What the caller knows about a step's project: its resolved entry point, or why it could not be loaded. */
export type ProjectInfo = { entryPoint: EntryPointSpec } | { error: string; code?: ErrorCode };
export type ProjectLookup = (step: StepSpec) => ProjectInfo;

const RESERVED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Names that would misbehave as plain-object keys (`__proto__`, `constructor`, `toString`, ...).
 * Step and input names are used as record keys throughout Baton, so these are rejected.
 */
export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.has(name);
}

/**
 * Whether `value` is acceptable for a parameter or input of type `type`: what Python's int()/float()
 * accept for `int`/`float` (the same rule the engine applies when it launches a run); anything otherwise.
 */
export function valueFitsType(type: string, value: string): boolean {
  if (type === 'int') return isPythonInt(value);
  if (type === 'float') return isPythonFloat(value);
  return true;
}

function isNumericType(type: string): boolean {
  return type === 'float' || type === 'int';
}

/** Sorts problems by line and column (problems without a position first); stable. */
export function sortProblems(problems: Problem[]): Problem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? 0) - (b.p.line ?? 0) || (a.p.column ?? 0) - (b.p.column ?? 0) || a.i - b.i)
    .map((x) => x.p);
}

/** Moves `pos` forward over `text.slice(0, index)`. */
function advance(pos: SourcePos, text: string, index: number): SourcePos {
  const before = text.slice(0, index);
  const lastNl = before.lastIndexOf('\n');
  if (lastNl < 0) return { line: pos.line, column: pos.column + index, offset: pos.offset + index };
  const lines = before.split('\n').length - 1;
  return { line: pos.line + lines, column: index - lastNl, offset: pos.offset + index };
}

/**
 * The source position of `value.slice(start, end)` in a parameter value: found by locating that text in
 * the value as written; falls back to the start of the value (or the parameter key).
 */
export function parameterTextPos(param: StepParameter, start: number, end: number): SourcePos | undefined {
  const { valuePos, valueSource, value } = param;
  if (!valuePos) return param.pos;
  if (valueSource === undefined) return valuePos;
  let needle = value.slice(start, end);
  const nl = needle.indexOf('\n');
  if (nl >= 0) needle = needle.slice(0, nl);
  if (needle === '') return valuePos;
  let k = 0;
  for (let i = value.indexOf(needle); i >= 0 && i < start; i = value.indexOf(needle, i + 1)) k++;
  let at = valueSource.indexOf(needle);
  while (at >= 0 && k > 0) {
    at = valueSource.indexOf(needle, at + 1);
    k--;
  }
  return at >= 0 ? advance(valuePos, valueSource, at) : valuePos;
}

function list(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

const NAME_RULE = 'use letters, digits, "_" and "-", starting with a letter or "_"';

/** A short description of what a reference yields, for type mismatch messages. */
function describeReference(ref: Reference, inputType: string | undefined): string {
  if (ref.kind === 'input') return `a ${inputType ?? 'string'} input`;
  switch (ref.attribute) {
    case 'run_id':
      return 'a run id';
    case 'status':
      return 'a run status';
    case 'experiment_id':
      return 'an experiment id';
    case 'artifact_uri':
      return 'an artifact URI';
    case 'artifact_dir':
      return 'an artifact folder path';
    case 'tags':
      return 'a tag (text)';
    case 'params':
    case 'metrics':
      return 'a number';
  }
}

/** Whether a reference can yield a number. */
function referenceIsNumeric(ref: Reference, inputType: string | undefined): boolean {
  if (ref.kind === 'input') return inputType === undefined || isNumericType(inputType);
  return ref.attribute === 'params' || ref.attribute === 'metrics';
}

/**
 * Every problem in the spec: names, missing values, references, needs, cycles and input defaults; and,
 * when `projects` is given, each step's project/entry point, unknown, missing and mistyped parameters.
 * `projects` is only called for steps that have a project.
 */
export function validateWorkflowSpec(spec: WorkflowSpec, projects?: ProjectLookup): Problem[] {
  const problems: Problem[] = [];
  const file = spec.file;
  const add = (code: ErrorCode, message: string, pos: SourcePos | undefined): void => {
    const p: Problem = { code, message };
    if (file !== undefined) p.file = file;
    if (pos) {
      p.line = pos.line;
      p.column = pos.column;
    }
    problems.push(p);
  };
  const INVALID = 'WORKFLOW_INVALID';

  // Workflow keys.
  if (spec.name.trim() === '') add(INVALID, 'missing "name": give the workflow a name', spec.namePos ?? spec.pos);
  if (spec.experiment !== null && spec.experiment.trim() === '') {
    add(INVALID, '"experiment" is empty: remove it to use the workflow name', spec.pos);
  }

  // Inputs.
  const inputTypes = new Map<string, string>();
  for (const input of spec.inputs) {
    if (!NAME_PATTERN.test(input.name)) {
      add(INVALID, `input name "${input.name}" is invalid: ${NAME_RULE}`, input.pos);
    } else if (isReservedName(input.name)) {
      add(INVALID, `input name "${input.name}" is reserved: choose another name`, input.pos);
    }
    if (inputTypes.has(input.name)) {
      add(INVALID, `input "${input.name}" is declared twice`, input.pos);
      continue;
    }
    inputTypes.set(input.name, input.type);
    if (!(PARAM_TYPES as readonly string[]).includes(input.type)) {
      add(INVALID, `input "${input.name}" has unknown type "${String(input.type)}": use one of ${PARAM_TYPES.join(', ')}`, input.typePos ?? input.pos);
    }
    if (input.default !== null && !valueFitsType(input.type, input.default)) {
      add(
        INVALID,
        `input "${input.name}" is ${input.type === 'int' ? 'an int' : 'a float'} but its default "${input.default}" is not ${input.type === 'int' ? 'an integer' : 'a number'}`,
        input.defaultPos ?? input.pos,
      );
    }
  }
  const inputNames = [...inputTypes.keys()];

  // Steps.
  if (spec.steps.length === 0) {
    add(INVALID, 'the workflow has no steps: add a "steps" mapping with at least one step', spec.stepsPos ?? spec.pos);
  }
  const stepNames = new Set<string>();
  for (const step of spec.steps) {
    if (!NAME_PATTERN.test(step.name)) {
      add(INVALID, `step name "${step.name}" is invalid: ${NAME_RULE}`, step.pos);
    } else if (isReservedName(step.name)) {
      add(INVALID, `step name "${step.name}" is reserved: choose another name`, step.pos);
    }
    if (stepNames.has(step.name)) add(INVALID, `step "${step.name}" is defined twice`, step.pos);
    stepNames.add(step.name);
  }
  const allSteps = [...stepNames];
  const knownSteps = (): string => (allSteps.length ? `the steps are ${list(allSteps)}` : 'the workflow has no steps');

  for (const step of spec.steps) {
    const where = `step "${step.name}"`;
    if (step.project.trim() === '') add(INVALID, `${where} has no "project": add the project folder, e.g. "project: ./my-project"`, step.projectPos ?? step.pos);
    if (step.entryPoint.trim() === '') add(INVALID, `${where}: "entry_point" is empty: remove it to use "main"`, step.entryPointPos ?? step.pos);

    const paramNames = new Set<string>();
    for (const param of step.parameters) {
      const at = `${where}, parameter "${param.name}"`;
      if (param.name.trim() === '') add('PARAM_NAME_INVALID', `${where}: a parameter has an empty name`, param.pos);
      if (paramNames.has(param.name)) add(INVALID, `${at} is given twice`, param.pos);
      paramNames.add(param.name);

      const { segments, errors } = parseTemplate(param.value);
      for (const e of errors) {
        const raw = param.value.slice(e.start, e.end);
        add(INVALID, `${at}: ${e.kind === 'syntax' ? 'malformed reference' : 'bad reference'} "${raw}": ${e.message}`, parameterTextPos(param, e.start, e.end));
      }
      for (const s of segments) {
        if (s.kind !== 'reference') continue;
        const ref = s.ref;
        const pos = parameterTextPos(param, s.start, s.end);
        if (ref.kind === 'input') {
          if (!inputTypes.has(ref.input)) {
            add(INVALID, `${at}: ${s.raw} refers to unknown input "${ref.input}" (${inputNames.length ? `the inputs are ${list(inputNames)}` : 'the workflow declares no inputs'})`, pos);
          }
        } else if (ref.step === step.name) {
          add(INVALID, `${at}: ${s.raw} refers to the step itself; a step can only read steps that ran before it`, pos);
        } else if (!stepNames.has(ref.step)) {
          add(INVALID, `${at}: ${s.raw} refers to unknown step "${ref.step}" (${knownSteps()})`, pos);
        }
      }
    }

    for (const need of step.needs) {
      if (need.step === step.name) add(INVALID, `${where} needs itself`, need.pos ?? step.needsPos ?? step.pos);
      else if (!stepNames.has(need.step)) add(INVALID, `${where} needs unknown step "${need.step}" (${knownSteps()})`, need.pos ?? step.needsPos ?? step.pos);
    }
  }

  // Cycles: one problem per group of steps that depend on each other, at the edge that closes the path.
  for (const cycle of findCycles(spec)) {
    const from = cycle[0] ?? '';
    const to = spec.steps.find((s) => s.name === cycle[1]);
    add('WORKFLOW_CYCLE', `steps depend on each other in a cycle: ${formatCycle(cycle)}`, to ? dependencyPos(to, from) : undefined);
  }

  if (projects) checkProjects(spec, projects, inputTypes, add);
  return sortProblems(problems);
}

/** Where `step` depends on `on`: its first reference to it, else its `needs` entry, else the step key. */
function dependencyPos(step: StepSpec, on: string): SourcePos | undefined {
  for (const param of step.parameters) {
    for (const s of parseTemplate(param.value).segments) {
      if (s.kind === 'reference' && s.ref.kind === 'step' && s.ref.step === on) {
        return parameterTextPos(param, s.start, s.end);
      }
    }
  }
  const need = step.needs.find((n) => n.step === on);
  return need?.pos ?? step.needsPos ?? step.pos;
}

function checkProjects(
  spec: WorkflowSpec,
  projects: ProjectLookup,
  inputTypes: Map<string, string>,
  add: (code: ErrorCode, message: string, pos: SourcePos | undefined) => void,
): void {
  for (const step of spec.steps) {
    if (step.project.trim() === '' || step.entryPoint.trim() === '') continue;
    const where = `step "${step.name}"`;
    const info = projects(step);
    if ('error' in info) {
      const code = info.code ?? 'WORKFLOW_INVALID';
      const pos = code === 'ENTRY_POINT_NOT_FOUND' ? (step.entryPointPos ?? step.pos) : (step.projectPos ?? step.pos);
      add(code, `${where}: ${info.error}`, pos);
      continue;
    }
    const ep = info.entryPoint;
    // A command template that cannot be rendered would fail only when the step starts: report it now.
    for (const p of commandTemplateProblems(ep)) add(p.code, `${where}: ${p.message}`, step.entryPointPos ?? step.pos);
    const declared = new Map(ep.parameters.map((p) => [p.name, p]));
    const given = new Set<string>();
    for (const param of step.parameters) {
      given.add(param.name);
      const decl = declared.get(param.name);
      if (!decl) {
        if (ep.implicit && !isValidExtraParamName(param.name)) {
          add(
            'PARAM_NAME_INVALID',
            `${where}: parameter name "${param.name}" cannot be passed to entry point "${ep.name}" as --${param.name}: use a letter or "_" followed by letters, digits, "_", "." and "-"`,
            param.pos,
          );
        } else if (!ep.implicit) {
          const names = ep.parameters.map((p) => p.name);
          add(
            'WORKFLOW_INVALID',
            `${where}: entry point "${ep.name}" has no parameter "${param.name}" (${names.length ? `its parameters are ${list(names)}` : 'it declares no parameters'})`,
            param.pos,
          );
        }
        continue;
      }
      if (!isNumericType(decl.type)) continue;
      const { segments, errors } = parseTemplate(param.value);
      if (errors.length) continue; // reported already
      const refs = segments.filter((s): s is Extract<TemplateSegment, { kind: 'reference' }> => s.kind === 'reference');
      const kind = decl.type === 'int' ? 'an int' : 'a float';
      if (refs.length === 0) {
        const literal = segments.map((s) => (s.kind === 'text' ? s.text : '')).join('');
        if (!valueFitsType(decl.type, literal)) {
          add('PARAM_INVALID', `${where}, parameter "${param.name}" is ${kind} but "${literal}" is not ${decl.type === 'int' ? 'an integer' : 'a number'}`, param.valuePos ?? param.pos);
        }
        continue;
      }
      for (const s of refs) {
        const ref = s.ref;
        if (ref.kind === 'input' && !inputTypes.has(ref.input)) continue; // reported already
        const inputType = ref.kind === 'input' ? inputTypes.get(ref.input) : undefined;
        if (!referenceIsNumeric(ref, inputType)) {
          add(
            'PARAM_INVALID',
            `${where}, parameter "${param.name}" is ${kind} but ${formatReference(ref)} is ${describeReference(ref, inputType)}, not a number`,
            parameterTextPos(param, s.start, s.end),
          );
        }
      }
    }
    for (const p of ep.parameters) {
      if (p.default !== null || given.has(p.name)) continue;
      add(
        'PARAM_MISSING',
        `${where}: parameter "${p.name}" of entry point "${ep.name}" is required (it has no default) but has no value`,
        step.parametersPos ?? step.pos,
      );
    }
  }
}
