/**
 * The in-memory form of a workflow file (see docs/workflow-file.md). Everything here is plain data so
 * that the engine, the CLI and the renderer (React Flow canvas) can share it and send it over IPC.
 *
 * Source positions (`pos`, `...Pos`, `valueSource`) are filled in by `parseWorkflowYaml` and are
 * optional: a spec built in memory (e.g. by the canvas) has none, and problems then carry no line.
 */
import type { KnownParamType, RUN_ATTRIBUTE_PREFIXES, RUN_ATTRIBUTES } from '../types.js';

/** A place in the workflow file. `line` and `column` are 1-based, `offset` is a 0-based character index. */
export interface SourcePos {
  line: number;
  column: number;
  offset: number;
}

export const WORKFLOW_VERSION = 1;

export interface WorkflowSpec {
  version: typeof WORKFLOW_VERSION;
  name: string;
  description: string | null;
  /** Experiment for the step runs; null means "the workflow name". */
  experiment: string | null;
  /** In file order. */
  inputs: InputSpec[];
  /** In file order (the order breaks ties in the topological order). */
  steps: StepSpec[];
  /** Label of the file the spec was read from, used in problems. */
  file?: string;
  /** The top-level mapping. */
  pos?: SourcePos;
  /** The value of `name:`. */
  namePos?: SourcePos;
  /** The `inputs:` key. */
  inputsPos?: SourcePos;
  /** The `steps:` key. */
  stepsPos?: SourcePos;
}

export interface InputSpec {
  name: string;
  type: KnownParamType;
  /** The default as written (YAML numbers keep their source text), or null when the input is required. */
  default: string | null;
  description: string | null;
  /** The input's key. */
  pos?: SourcePos;
  /** The default's value. */
  defaultPos?: SourcePos;
  /** The type's value (for the mapping form) or the bare type string. */
  typePos?: SourcePos;
}

export interface StepSpec {
  name: string;
  description: string | null;
  /** Project folder as written, relative to the workflow file's folder. Empty when missing (a problem). */
  project: string;
  /** Entry point name; "main" when not written. */
  entryPoint: string;
  /** In file order. Values are templates (see references.ts). */
  parameters: StepParameter[];
  /** Ordering-only dependencies, in file order. */
  needs: StepNeed[];
  /** false: never reuse an earlier run for this step. */
  cache: boolean;
  /** The step's key in `steps:`. */
  pos?: SourcePos;
  projectPos?: SourcePos;
  entryPointPos?: SourcePos;
  parametersPos?: SourcePos;
  needsPos?: SourcePos;
  cachePos?: SourcePos;
}

export interface StepParameter {
  name: string;
  /** The value as a template string: YAML numbers/booleans keep their source text ("0.10" stays "0.10"). */
  value: string;
  /** The parameter's key. */
  pos?: SourcePos;
  /** First character of the value as written in the file (an opening quote or block indicator included). */
  valuePos?: SourcePos;
  /**
   * The value exactly as written in the file, starting at `valuePos` (quotes, escapes and block-scalar
   * indentation included). Used to point problems at a reference inside a long value.
   */
  valueSource?: string;
}

export interface StepNeed {
  step: string;
  pos?: SourcePos;
}

export type RunAttribute = (typeof RUN_ATTRIBUTES)[number];
export type RunAttributePrefix = (typeof RUN_ATTRIBUTE_PREFIXES)[number];

/** What a `${{ ... }}` expression reads. */
export type Reference =
  | { kind: 'input'; input: string }
  | { kind: 'step'; step: string; attribute: RunAttribute; key: null }
  | { kind: 'step'; step: string; attribute: RunAttributePrefix; key: string };
