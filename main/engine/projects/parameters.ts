/**
 * MLflow's EntryPoint.compute_parameters + compute_command, run before anything is launched:
 * every problem (missing, badly typed, non-URI, missing local path, unusable extra name) is
 * reported at once in one AppError (details.problems).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EntryPointSpec } from '../../../common/types.js';
import {
  localPathOrNull,
  parameterProblemsError,
  renderCommand,
  splitParameters,
  validateParameterValues,
} from '../../../common/command.js';

export interface ComputedParameters {
  /** Declared parameters in declaration order (user value or default), unquoted; local `path` values absolute. */
  params: Record<string, string>;
  /** Undeclared parameters in the order given, unquoted. */
  extra: Record<string, string>;
  /** The shell command, with every value shlex-quoted (run it with `bash -c`). */
  command: string;
}

/** MLflow's message for a local `path` value that does not exist (Parameter._compute_path_value). */
export function missingPathMessage(name: string, value: string): string {
  return `Got value ${value} for parameter ${name}, but no such file or directory was found.`;
}

/**
 * Resolves a `path` parameter value: a local path or `file:` URI becomes an absolute path
 * against `baseDir` (null when it does not exist, as os.path.exists: a broken symlink does not
 * exist); a URI with another scheme (or `file://host/...`) is returned unchanged, since Baton
 * does not download (MLflow would download it into a temporary folder).
 */
export function resolvePathValue(value: string, baseDir: string): string | null {
  const local = localPathOrNull(value);
  if (local === null) return value;
  if (local === '') return null;
  const abs = path.resolve(baseDir, local);
  return fs.existsSync(abs) ? abs : null;
}

export function computeParameters(
  ep: EntryPointSpec,
  user: Record<string, string>,
  opts: { baseDir: string },
): ComputedParameters {
  const baseDir = path.resolve(opts.baseDir);
  const problems = validateParameterValues(ep, user, (name, value) =>
    resolvePathValue(value, baseDir) === null ? missingPathMessage(name, value) : null,
  );
  if (problems.length) throw parameterProblemsError(ep, problems);
  const { params, extra } = splitParameters(ep, user);
  const final = ep.parameters.flatMap((p): [string, string][] => {
    const v = Object.hasOwn(params, p.name) ? params[p.name] : undefined;
    if (v === undefined) return [];
    return [[p.name, p.type === 'path' ? (resolvePathValue(v, baseDir) ?? v) : v]];
  });
  const finalParams = Object.fromEntries(final);
  return { params: finalParams, extra, command: renderCommand(ep, finalParams, extra) };
}
