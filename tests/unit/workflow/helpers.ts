import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { AppError } from '../../../common/errors.js';
import type { ErrorCode, Problem } from '../../../common/errors.js';
import type { EntryPointSpec, ParameterSpec, ProjectSpec } from '../../../common/types.js';
import { parseWorkflowYaml } from '../../../common/workflow/serialize.js';
import type { StepSpec, WorkflowSpec } from '../../../common/workflow/types.js';
import type { ProjectInfo } from '../../../common/workflow/validate.js';
import { tempDir, writeFiles } from '../../helpers.js';

/** Joins lines with "\n" so that tests can count lines and columns easily. */
export function lines(...ls: string[]): string {
  return ls.join('\n') + '\n';
}

export function tmpDir(): string {
  return tempDir('baton-wf-');
}

/** A temporary folder with the given files (relative path → content). */
export function folder(files: Record<string, string>): string {
  return writeFiles(tmpDir(), files);
}

/** Parses workflow text that must be valid and returns the spec. */
export function validSpec(text: string, projects?: (step: StepSpec) => ProjectInfo): WorkflowSpec {
  const r = parseWorkflowYaml(text, 'wf.yaml', projects);
  assert.deepEqual(r.problems, [], 'expected no problems');
  assert.ok(r.spec);
  return r.spec;
}

/** Parses workflow text and returns its problems. */
export function problemsOf(text: string, projects?: (step: StepSpec) => ProjectInfo): Problem[] {
  return parseWorkflowYaml(text, 'wf.yaml', projects).problems;
}

/**
 * The one problem whose message contains `fragment`, asserting its code and position.
 * Fails when no problem or several problems match.
 */
export function expectProblem(
  problems: Problem[],
  fragment: string,
  expected: { code?: ErrorCode; line: number; column: number },
): Problem {
  const matches = problems.filter((p) => p.message.includes(fragment));
  assert.equal(matches.length, 1, `expected one problem containing ${JSON.stringify(fragment)}, got:\n${JSON.stringify(problems, null, 2)}`);
  const p = matches[0] as Problem;
  assert.equal(p.code, expected.code ?? 'WORKFLOW_INVALID', p.message);
  assert.deepEqual({ line: p.line, column: p.column }, { line: expected.line, column: expected.column }, p.message);
  return p;
}

export function expectAppError(fn: () => unknown, code: ErrorCode): AppError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AppError, `expected an AppError, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    return e;
  }
  assert.fail(`expected AppError ${code}, nothing was thrown`);
}

export function param(name: string, type = 'string', def: string | null = null): ParameterSpec {
  return { name, type, default: def, required: def === null };
}

export function entryPoint(name: string, parameters: ParameterSpec[], implicit = false): EntryPointSpec {
  return { name, parameters, command: `run ${name}`, implicit };
}

/** A fake project lookup: entry points by project name, "missing" projects fail like the real loader. */
export function fakeProjects(entryPoints: Record<string, EntryPointSpec[]>): (step: StepSpec) => ProjectInfo {
  return (step) => {
    const eps = entryPoints[step.project];
    if (!eps) return { error: `Project folder ${step.project} does not exist`, code: 'MLPROJECT_NOT_FOUND' };
    const ep = eps.find((e) => e.name === step.entryPoint);
    if (ep) return { entryPoint: ep };
    if (/\.(py|sh)$/.test(step.entryPoint)) return { entryPoint: entryPoint(step.entryPoint, [], true) };
    return { error: `Entry point '${step.entryPoint}' is not declared in ${step.project}`, code: 'ENTRY_POINT_NOT_FOUND' };
  };
}

// A tiny MLproject reader for load tests (the real one lives in main/engine/projects, not used here).

export function fakeLoadProject(dir: string): ProjectSpec {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new AppError('MLPROJECT_NOT_FOUND', `Project folder ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new AppError('MLPROJECT_NOT_FOUND', `Project folder ${dir} is not a folder`);
  const file = path.join(dir, 'MLproject');
  if (!fs.existsSync(file)) return { dir, name: null, mlprojectPath: null, env: { kind: 'local', value: null }, entryPoints: [] };
  const doc = parseYaml(fs.readFileSync(file, 'utf8')) as {
    name?: string;
    entry_points?: Record<string, { command: string; parameters?: Record<string, string | { type?: string; default?: string | number | boolean | null }> }>;
  };
  if (!doc || typeof doc !== 'object' || !doc.entry_points) {
    throw new AppError('MLPROJECT_INVALID', `MLproject file ${file} has no entry_points`);
  }
  const entryPoints: EntryPointSpec[] = Object.entries(doc.entry_points).map(([name, ep]) => ({
    name,
    command: ep.command,
    implicit: false,
    parameters: Object.entries(ep.parameters ?? {}).map(([pname, p]) => {
      const type = typeof p === 'string' ? p : (p.type ?? 'string');
      const raw = typeof p === 'string' ? null : p.default;
      const d = raw === undefined || raw === null ? null : String(raw);
      return { name: pname, type, default: d, required: d === null };
    }),
  }));
  return { dir, name: doc.name ?? null, mlprojectPath: file, env: { kind: 'local', value: null }, entryPoints };
}

export function fakeResolveEntryPoint(project: ProjectSpec, name: string): EntryPointSpec {
  const ep = project.entryPoints.find((e) => e.name === name);
  if (ep) return ep;
  if (/\.(py|sh)$/.test(name) && fs.existsSync(path.join(project.dir, name))) {
    return { name, parameters: [], command: `python ${name}`, implicit: true };
  }
  throw new AppError('ENTRY_POINT_NOT_FOUND', `Could not find ${name} among entry points [${project.entryPoints.map((e) => e.name).join(', ')}] or interpret ${name} as a runnable script`);
}
