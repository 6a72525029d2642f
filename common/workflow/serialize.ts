/**
 * Workflow files ⇄ WorkflowSpec. `parseWorkflowYaml` reads YAML text and reports every problem with its
 * position; `workflowToYaml` writes a clean, stable text that parses back to an equal spec.
 */
import { Document, LineCounter, Pair, Scalar, YAMLMap, YAMLSeq, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node, ScalarTag } from 'yaml';
import type { ErrorCode, Problem } from '../errors.js';
import { PARAM_TYPES } from '../types.js';
import type { KnownParamType } from '../types.js';
import { WORKFLOW_VERSION } from './types.js';
import type { InputSpec, SourcePos, StepNeed, StepParameter, StepSpec, WorkflowSpec } from './types.js';
import { sortProblems, validateWorkflowSpec } from './validate.js';
import type { ProjectLookup } from './validate.js';

export const WORKFLOW_KEYS = ['version', 'name', 'description', 'experiment', 'inputs', 'steps'] as const;
export const STEP_KEYS = ['description', 'project', 'entry_point', 'parameters', 'needs', 'cache'] as const;
export const INPUT_KEYS = ['type', 'default', 'description'] as const;

export interface ParsedWorkflow {
  /** Present when the text is well-formed YAML with a mapping at the top, even if there are problems. */
  spec?: WorkflowSpec;
  /** Every problem, sorted by position; empty when the workflow is valid. */
  problems: Problem[];
}

/**
 * Parses and validates a workflow file's text. `fileLabel` is put in every problem and in `spec.file`.
 * With `projects`, the project-dependent checks of validateWorkflowSpec are run too.
 */
export function parseWorkflowYaml(text: string, fileLabel: string, projects?: ProjectLookup): ParsedWorkflow {
  return checkWorkflowShape(parseWorkflowShape(text, fileLabel), projects);
}

/** A workflow file's text parsed, before the spec's own checks: the spec, and the problems of its shape. */
export interface WorkflowShape {
  spec?: WorkflowSpec;
  /** Not YAML, not a mapping, unknown keys, wrong kinds of values; sorted when there is no spec. */
  shape: Problem[];
}

/**
 * The checks of a parsed text: its shape problems and validateWorkflowSpec's (with `projects`, the
 * project-dependent ones too). One parse can be checked both ways (the engine does, to answer the
 * editor and itself from the same parse).
 */
export function checkWorkflowShape(parsed: WorkflowShape, projects?: ProjectLookup): ParsedWorkflow {
  if (!parsed.spec) return { problems: parsed.shape };
  return { spec: parsed.spec, problems: mergeProblems(parsed.shape, validateWorkflowSpec(parsed.spec, projects)) };
}

/** Parses a workflow file's text into its spec and the problems of its shape (see WorkflowShape). */
export function parseWorkflowShape(text: string, fileLabel: string): WorkflowShape {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, version: '1.2', uniqueKeys: true });
  const posAt = (offset: number): SourcePos => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col, offset };
  };
  const problems: Problem[] = [];
  const add = (message: string, pos: SourcePos | undefined, code: ErrorCode = 'WORKFLOW_INVALID'): void => {
    const p: Problem = { code, message, file: fileLabel };
    if (pos) {
      p.line = pos.line;
      p.column = pos.column;
    }
    problems.push(p);
  };

  if (doc.errors.length) {
    for (const e of doc.errors) {
      const message =
        e.code === 'MULTIPLE_DOCS' ? 'the file holds several YAML documents ("---"); a workflow file is one document' : e.message;
      add(`invalid YAML: ${message}`, posAt(e.pos[0]));
    }
    return { shape: sortProblems(problems) };
  }

  const deref = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  const nodePos = (node: unknown, fallback?: SourcePos): SourcePos | undefined => {
    const n = deref(node);
    const range = (n as Node | null | undefined)?.range;
    return range ? posAt(range[0]) : fallback;
  };
  /** Where a pair's value is; the key's position for an empty value (`key:` with nothing after it). */
  const valuePos = (pair: Pair): SourcePos | undefined => {
    const v = deref(pair.value);
    const range = (v as Node | null | undefined)?.range;
    if (!range || (isScalar(v) && v.value === null && range[0] === range[1])) return nodePos(pair.key);
    return posAt(range[0]);
  };
  const sourceOf = (node: unknown): string => {
    const range = (deref(node) as Node | null | undefined)?.range;
    return range ? text.slice(range[0], range[1]) : '';
  };
  /** Text of a scalar (numbers/booleans keep their source text); null for a YAML null; undefined if not a scalar. */
  const scalarText = (node: unknown): string | null | undefined => {
    const n = deref(node);
    if (n === null || n === undefined) return null;
    if (!isScalar(n)) return undefined;
    const v = n.value;
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return n.source ?? String(v);
    return n.source ?? sourceOf(n);
  };
  const kindOf = (node: unknown): string => {
    const n = deref(node);
    if (isMap(n)) return 'a mapping';
    if (isSeq(n)) return 'a list';
    if (isScalar(n)) {
      const v = n.value;
      if (v === null || v === undefined) return 'nothing';
      if (typeof v === 'boolean') return `the boolean ${String(v)}`;
      if (typeof v === 'number' || typeof v === 'bigint') return `the number ${n.source ?? String(v)}`;
      return `the text "${String(n.source ?? (v as string))}"`;
    }
    return 'an unsupported value';
  };
  /** The key of a pair as text (problem reported for complex keys). */
  const keyText = (pair: Pair, context: string): string | undefined => {
    const k = scalarText(pair.key);
    if (k === undefined || k === null) {
      add(`${context}: keys must be plain names, not ${kindOf(pair.key)}`, nodePos(pair.key));
      return undefined;
    }
    return k;
  };
  const checkKeys = (map: YAMLMap, allowed: readonly string[], context: string): Map<string, Pair> => {
    const out = new Map<string, Pair>();
    for (const pair of map.items) {
      const k = keyText(pair, context);
      if (k === undefined) continue;
      if (!allowed.includes(k)) {
        add(`${context}: unknown key "${k}"; allowed keys: ${allowed.join(', ')}`, nodePos(pair.key));
        continue;
      }
      out.set(k, pair);
    }
    return out;
  };
  /** Optional text value: null when absent or YAML null; problem (at the value) when not a scalar. */
  const optionalText = (pair: Pair | undefined, what: string): string | null => {
    if (!pair) return null;
    const t = scalarText(pair.value);
    if (t === undefined) {
      add(`${what} must be text, not ${kindOf(pair.value)}`, valuePos(pair));
      return null;
    }
    return t;
  };

  const root = deref(doc.contents);
  if (root === null || root === undefined || (isScalar(root) && root.value === null)) {
    add('the file is empty: a workflow file is a mapping with "version: 1", "name" and "steps"', posAt(0));
    return { shape: sortProblems(problems) };
  }
  if (!isMap(root)) {
    add(`the file must be a mapping with "version: 1", "name" and "steps", not ${kindOf(root)}`, nodePos(root, posAt(0)));
    return { shape: sortProblems(problems) };
  }
  const rootPos = nodePos(root, posAt(0));
  const top = checkKeys(root, WORKFLOW_KEYS, 'workflow');

  // version
  const versionPair = top.get('version');
  if (!versionPair) {
    add(`missing "version": add "version: ${WORKFLOW_VERSION}" at the top of the file`, rootPos);
  } else {
    const v = deref(versionPair.value);
    if (!(isScalar(v) && v.value === WORKFLOW_VERSION)) {
      const isNumber = isScalar(v) && (typeof v.value === 'number' || typeof v.value === 'bigint');
      add(
        isNumber
          ? `unsupported version ${scalarText(v) ?? ''}: this version of Baton reads workflow files with "version: ${WORKFLOW_VERSION}"`
          : `"version" must be the number ${WORKFLOW_VERSION}, not ${kindOf(v)}`,
        valuePos(versionPair),
      );
    }
  }

  const spec: WorkflowSpec = {
    version: WORKFLOW_VERSION,
    name: '',
    description: null,
    experiment: null,
    inputs: [],
    steps: [],
    file: fileLabel,
  };
  if (rootPos) spec.pos = rootPos;

  // name, description, experiment
  const namePair = top.get('name');
  if (namePair) {
    const namePos = valuePos(namePair);
    if (namePos) spec.namePos = namePos;
    spec.name = optionalText(namePair, '"name"') ?? '';
  }
  spec.description = optionalText(top.get('description'), '"description"');
  spec.experiment = optionalText(top.get('experiment'), '"experiment"');

  // inputs
  const inputsPair = top.get('inputs');
  if (inputsPair) {
    const p = nodePos(inputsPair.key);
    if (p) spec.inputsPos = p;
    const value = deref(inputsPair.value);
    if (isMap(value)) {
      for (const pair of value.items) {
        const name = keyText(pair, 'inputs');
        if (name === undefined) continue;
        const input = parseInput(name, pair);
        if (input) spec.inputs.push(input);
      }
    } else if (scalarText(value) !== null) {
      add(`"inputs" must be a mapping of input names to types, not ${kindOf(value)}`, nodePos(value, p));
    }
  }

  function parseInput(name: string, pair: Pair): InputSpec | undefined {
    const where = `input "${name}"`;
    const input: InputSpec = { name, type: 'string', default: null, description: null };
    const keyPos = nodePos(pair.key);
    if (keyPos) input.pos = keyPos;
    const value = deref(pair.value);
    const setType = (node: unknown): void => {
      const tp = nodePos(node, keyPos);
      if (tp) input.typePos = tp;
      const t = scalarText(node);
      if (t === null || t === undefined) {
        add(`${where}: "type" must be one of ${PARAM_TYPES.join(', ')}, not ${kindOf(node)}`, tp);
      } else if (!(PARAM_TYPES as readonly string[]).includes(t)) {
        add(`${where} has unknown type "${t}": use one of ${PARAM_TYPES.join(', ')}`, tp);
      } else {
        input.type = t as KnownParamType;
      }
    };
    if (isMap(value)) {
      const keys = checkKeys(value, INPUT_KEYS, where);
      const typePair = keys.get('type');
      if (typePair) setType(typePair.value);
      const defaultPair = keys.get('default');
      if (defaultPair) {
        const dp = valuePos(defaultPair);
        const d = scalarText(defaultPair.value);
        if (d === undefined) {
          add(`${where}: "default" must be a single value, not ${kindOf(defaultPair.value)}`, dp);
        } else if (d !== null) {
          input.default = d;
          if (dp) input.defaultPos = dp;
        }
      }
      input.description = optionalText(keys.get('description'), `${where}: "description"`);
      return input;
    }
    if (isScalar(value) && typeof value.value === 'string') {
      setType(value);
      return input;
    }
    add(
      `${where} must be a type (${PARAM_TYPES.join(', ')}) or a mapping with type, default and description, not ${kindOf(value)}`,
      valuePos(pair),
    );
    return input;
  }

  // steps
  const stepsPair = top.get('steps');
  if (stepsPair) {
    const p = nodePos(stepsPair.key);
    if (p) spec.stepsPos = p;
    const value = deref(stepsPair.value);
    if (isMap(value)) {
      for (const pair of value.items) {
        const name = keyText(pair, 'steps');
        if (name !== undefined) spec.steps.push(parseStep(name, pair));
      }
    } else if (scalarText(value) !== null) {
      // Reported at the key, where validation's "no steps" would point (merged below).
      add(`"steps" must be a mapping of step names to steps, not ${kindOf(value)}`, p);
    }
  }

  function parseStep(name: string, pair: Pair): StepSpec {
    const where = `step "${name}"`;
    const step: StepSpec = { name, description: null, project: '', entryPoint: 'main', parameters: [], needs: [], cache: true };
    const keyPos = nodePos(pair.key);
    if (keyPos) step.pos = keyPos;
    const value = deref(pair.value);
    if (!isMap(value)) {
      if (scalarText(value) !== null) {
        add(`${where} must be a mapping with ${STEP_KEYS.join(', ')}, not ${kindOf(value)}`, keyPos);
      }
      return step;
    }
    const keys = checkKeys(value, STEP_KEYS, where);
    step.description = optionalText(keys.get('description'), `${where}: "description"`);

    const projectPair = keys.get('project');
    if (projectPair) {
      const pp = valuePos(projectPair);
      if (pp) step.projectPos = pp;
      step.project = optionalText(projectPair, `${where}: "project"`) ?? '';
    }

    const epPair = keys.get('entry_point');
    if (epPair) {
      const ep = valuePos(epPair);
      if (ep) step.entryPointPos = ep;
      const t = scalarText(epPair.value);
      if (t === undefined) add(`${where}: "entry_point" must be a name, not ${kindOf(epPair.value)}`, ep);
      else if (t !== null) step.entryPoint = t;
    }

    const paramsPair = keys.get('parameters');
    if (paramsPair) {
      const pp = nodePos(paramsPair.key);
      if (pp) step.parametersPos = pp;
      const pv = deref(paramsPair.value);
      if (isMap(pv)) {
        for (const pPair of pv.items) {
          const pname = keyText(pPair, `${where}: parameters`);
          if (pname === undefined) continue;
          step.parameters.push(parseParameter(where, pname, pPair));
        }
      } else if (scalarText(pv) !== null) {
        add(`${where}: "parameters" must be a mapping of parameter names to values, not ${kindOf(pv)}`, nodePos(pv, pp));
      }
    }

    const needsPair = keys.get('needs');
    if (needsPair) {
      const np = nodePos(needsPair.key);
      if (np) step.needsPos = np;
      const nv = deref(needsPair.value);
      const need = (node: unknown): StepNeed | undefined => {
        const t = scalarText(node);
        const pos = nodePos(node, np);
        if (t === null || t === undefined) {
          add(`${where}: "needs" entries must be step names, not ${kindOf(node)}`, pos);
          return undefined;
        }
        return pos ? { step: t, pos } : { step: t };
      };
      if (isSeq(nv)) {
        for (const item of nv.items) {
          const n = need(item);
          if (n) step.needs.push(n);
        }
      } else if (isScalar(nv) && typeof nv.value === 'string') {
        const n = need(nv);
        if (n) step.needs.push(n);
      } else if (scalarText(nv) !== null) {
        add(`${where}: "needs" must be a step name or a list of step names, not ${kindOf(nv)}`, nodePos(nv, np));
      }
    }

    const cachePair = keys.get('cache');
    if (cachePair) {
      const cp = valuePos(cachePair);
      if (cp) step.cachePos = cp;
      const cv = deref(cachePair.value);
      if (isScalar(cv) && typeof cv.value === 'boolean') step.cache = cv.value;
      else add(`${where}: "cache" must be true or false, not ${kindOf(cv)}`, cp);
    }
    return step;
  }

  function parseParameter(where: string, name: string, pair: Pair): StepParameter {
    const param: StepParameter = { name, value: '' };
    const keyPos = nodePos(pair.key);
    if (keyPos) param.pos = keyPos;
    const value = deref(pair.value);
    const t = scalarText(value);
    if (t === null) {
      add(`${where}: parameter "${name}" has no value (write "" for an empty string)`, keyPos);
      if (keyPos) param.valuePos = keyPos; // so that validation does not report the same value again
      return param;
    }
    const vp = nodePos(value, keyPos);
    if (vp) param.valuePos = vp;
    if (t === undefined) {
      add(`${where}: parameter "${name}" must be a single value (text or a number), not ${kindOf(value)}`, vp);
      return param;
    }
    param.value = t;
    param.valueSource = sourceOf(value);
    return param;
  }

  return { spec, shape: problems };
}

/** Shape problems first; a semantic problem at the same place as a shape problem is a consequence of it. */
function mergeProblems(shape: Problem[], semantic: Problem[]): Problem[] {
  const at = new Set(shape.filter((p) => p.line !== undefined).map((p) => `${p.line}:${p.column}`));
  return sortProblems([...shape, ...semantic.filter((p) => p.line === undefined || !at.has(`${p.line}:${p.column}`))]);
}

// ---------------------------------------------------------------------------------------------------------
// Writing

/** Text written verbatim as a plain scalar (used for numbers and booleans whose source text must survive). */
class RawText {
  constructor(readonly text: string) {}
}
const rawTag: ScalarTag = {
  tag: 'tag:baton.local,2025:raw',
  default: true,
  identify: (v) => v instanceof RawText,
  resolve: (s) => s,
  stringify: (item) => (item.value as RawText).text,
};

/**
 * Whether `value`, written as a plain scalar, reads back as a YAML number or boolean whose source text is
 * exactly `value` (so "0.10" can be written as 0.10 instead of "0.10").
 */
function isVerbatimScalar(value: string): boolean {
  if (value === '' || value !== value.trim() || /[\n#:,[\]{}]/.test(value)) return false;
  const doc = parseDocument(value, { version: '1.2' });
  if (doc.errors.length) return false;
  const n = doc.contents;
  if (!isScalar(n) || n.type !== 'PLAIN' || n.source !== value) return false;
  return typeof n.value === 'number' || typeof n.value === 'boolean' || typeof n.value === 'bigint';
}

function key(name: string, spaceBefore = false): Scalar {
  const k = new Scalar(name);
  if (spaceBefore) k.spaceBefore = true;
  return k;
}
function str(value: string): Scalar {
  return new Scalar(value);
}
/** A parameter value or input default: numbers and booleans keep their text unquoted. */
function valueNode(value: string): Scalar {
  return new Scalar(isVerbatimScalar(value) ? new RawText(value) : value);
}
function map(entries: [Scalar, unknown][]): YAMLMap {
  const m = new YAMLMap();
  for (const [k, v] of entries) m.items.push(new Pair(k, v));
  return m;
}

/**
 * A clean, stable YAML text for the spec (positions are ignored; comments are not kept). Optional keys
 * are written only when they differ from their defaults; `needs` is written as a flow list.
 */
export function workflowToYaml(spec: WorkflowSpec): string {
  const entries: [Scalar, unknown][] = [
    [key('version'), new Scalar(WORKFLOW_VERSION)],
    [key('name'), str(spec.name)],
  ];
  if (spec.description !== null) entries.push([key('description'), str(spec.description)]);
  if (spec.experiment !== null) entries.push([key('experiment'), str(spec.experiment)]);

  if (spec.inputs.length) {
    const inputs = map(
      spec.inputs.map((input): [Scalar, unknown] => {
        if (input.default === null && input.description === null) return [key(input.name), str(input.type)];
        const e: [Scalar, unknown][] = [[key('type'), str(input.type)]];
        if (input.default !== null) e.push([key('default'), valueNode(input.default)]);
        if (input.description !== null) e.push([key('description'), str(input.description)]);
        return [key(input.name), map(e)];
      }),
    );
    entries.push([key('inputs', true), inputs]);
  }

  const steps = map(
    spec.steps.map((step, i): [Scalar, unknown] => {
      const e: [Scalar, unknown][] = [];
      if (step.description !== null) e.push([key('description'), str(step.description)]);
      e.push([key('project'), str(step.project)]);
      if (step.entryPoint !== 'main') e.push([key('entry_point'), str(step.entryPoint)]);
      if (step.parameters.length) {
        e.push([key('parameters'), map(step.parameters.map((p): [Scalar, unknown] => [key(p.name), valueNode(p.value)]))]);
      }
      if (step.needs.length) {
        const seq = new YAMLSeq();
        seq.flow = true;
        for (const n of step.needs) seq.items.push(str(n.step));
        e.push([key('needs'), seq]);
      }
      if (!step.cache) e.push([key('cache'), new Scalar(false)]);
      return [key(step.name, i > 0), map(e)];
    }),
  );
  entries.push([key('steps', true), steps]);

  const doc = new Document(null, { customTags: [rawTag], version: '1.2' });
  doc.contents = map(entries);
  return doc.toString({ lineWidth: 0, indentSeq: true, flowCollectionPadding: false });
}

/** A copy of the spec without source positions and file label: what workflowToYaml preserves. */
export function stripSourcePositions(spec: WorkflowSpec): WorkflowSpec {
  return {
    version: spec.version,
    name: spec.name,
    description: spec.description,
    experiment: spec.experiment,
    inputs: spec.inputs.map((i) => ({ name: i.name, type: i.type, default: i.default, description: i.description })),
    steps: spec.steps.map((s) => ({
      name: s.name,
      description: s.description,
      project: s.project,
      entryPoint: s.entryPoint,
      parameters: s.parameters.map((p) => ({ name: p.name, value: p.value })),
      needs: s.needs.map((n) => ({ step: n.step })),
      cache: s.cache,
    })),
  };
}
