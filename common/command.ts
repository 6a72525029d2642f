/**
 * MLflow Project command rendering and parameter validation that needs no file system.
 *
 * Pure and environment-free: the renderer calls these for a live command preview, the engine
 * (main/engine/projects/parameters.ts) adds the file-system checks for `path` parameters.
 *
 * MLflow reference (mlflow/projects/_project_spec.py, EntryPoint):
 *   - `_validate_parameters`: every declared parameter with no user value and a `None` default is
 *     missing → "No value given for missing parameters: 'a', 'b'" (declaration order).
 *   - `compute_parameters`: declared parameters take the user value or the default, `uri` values
 *     must pass `data_utils.is_uri` ("Expected URI for parameter {name} but got {value}"); user
 *     parameters that are not declared become "extra" parameters, in the order given.
 *   - `_sanitize_param_dict`: every value goes through `shlex.quote`.
 *   - `compute_command`: `self.command.format(**params)`, then `--{key} {value}` for each extra,
 *     joined with single spaces.
 * Baton additionally checks `float`/`int` values against what Python's float()/int() accept,
 * validates extra parameter names (MLflow pastes them into the command unquoted), rejects NUL
 * characters, and reports every problem at once instead of the first.
 */
import type { EntryPointSpec } from './types.js';
import { AppError } from './errors.js';
import type { ErrorCode, Problem } from './errors.js';
import { shellQuote } from './shlex.js';

// ---------------------------------------------------------------------------------------------
// Python number literals as accepted by float() and int() (base 10).
// ---------------------------------------------------------------------------------------------

/**
 * The whitespace Python's float()/int() strip (str.isspace() characters except the separators
 * U+001C..U+001F, which float() and int() reject; checked against CPython 3.11).
 */
const PY_SPACE = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** A Unicode decimal digit (category Nd): Python converts these to ASCII digits first. */
const DIGITPART = '\\p{Nd}(?:_?\\p{Nd})*';
const PY_FLOAT = new RegExp(
  `^[${PY_SPACE}]*[+-]?(?:(?:(?:${DIGITPART})?\\.${DIGITPART}|${DIGITPART}\\.?)(?:[eE][+-]?${DIGITPART})?|inf(?:inity)?|nan)[${PY_SPACE}]*$`,
  'iu',
);
const PY_INT = new RegExp(`^[${PY_SPACE}]*[+-]?${DIGITPART}[${PY_SPACE}]*$`, 'u');
/** Python ≥ 3.11 refuses int() of strings with more digits than this (sys.get_int_max_str_digits()). */
const PY_INT_MAX_STR_DIGITS = 4300;

/** True when Python's `float(s)` would succeed: "1", " 1.5 ", "-2e3", "1_000.5", ".5", "5.", "inf", "-Infinity", "nan". */
export function isPythonFloat(s: string): boolean {
  return PY_FLOAT.test(s);
}

/** True when Python's `int(s)` (base 10) would succeed: "42", " -7 ", "+3", "1_000", "007"; not "1.0", "1e3", "_1", "1__0". */
export function isPythonInt(s: string): boolean {
  if (!PY_INT.test(s)) return false;
  return (s.match(/\p{Nd}/gu)?.length ?? 0) <= PY_INT_MAX_STR_DIGITS;
}

// ---------------------------------------------------------------------------------------------
// URIs, as Python's urllib.parse.urlsplit sees them (Python ≥ 3.11.1 / 3.10.9 rules).
// ---------------------------------------------------------------------------------------------

interface SplitUri {
  /** Lower-cased scheme, '' when there is none. */
  scheme: string;
  netloc: string;
  /** Everything after the scheme and netloc (path, query and fragment together). */
  rest: string;
}

function splitUri(value: string): SplitUri {
  // urlsplit lstrips C0 controls and spaces and removes tab, CR and LF anywhere.
  // eslint-disable-next-line no-control-regex
  let url = value.replace(/^[\x00-\x20]+/, '').replace(/[\t\r\n]/g, '');
  let scheme = '';
  const i = url.indexOf(':');
  if (i > 0 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(url.slice(0, i))) {
    scheme = url.slice(0, i).toLowerCase();
    url = url.slice(i + 1);
  }
  let netloc = '';
  if (url.startsWith('//')) {
    const m = /[/?#]/.exec(url.slice(2));
    const end = m ? m.index + 2 : url.length;
    netloc = url.slice(2, end);
    url = url.slice(end);
  }
  return { scheme, netloc, rest: url };
}

/**
 * The URI scheme of a value as MLflow sees it (`urllib.parse.urlparse(v).scheme`), except that a
 * one-letter "scheme" is taken for a Windows drive letter (`C:\data`, `d:/x`) and not a scheme.
 */
export function uriScheme(value: string): string {
  const { scheme } = splitUri(value);
  return scheme.length === 1 ? '' : scheme;
}

/** MLflow's `data_utils.is_uri` (scheme non-empty), with drive letters not counted as schemes. */
export function isUri(value: string): boolean {
  return uriScheme(value) !== '';
}

function percentDecode(s: string): string {
  // Python's urllib.parse.unquote: invalid %-escapes are left as they are.
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * MLflow's `file_utils.get_local_path_or_none`: the local path a `path` parameter value names, or
 * null when it is a remote URI (a scheme other than `file`, or `file://host/...`). `file:` URIs
 * become their (percent-decoded) path. Unlike MLflow, a plain path is NOT percent-decoded (MLflow
 * runs url2pathname over it, so a file literally called `a%20b` could never be named).
 * The result may be relative; the caller makes it absolute against its base folder.
 */
export function localPathOrNull(value: string): string | null {
  const u = splitUri(value);
  if (u.scheme === '' || u.scheme.length === 1) return value;
  if (u.scheme === 'file' && u.netloc === '') {
    const path = u.rest.replace(/[?#].*$/s, '');
    return percentDecode(path);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Extra parameter names.
// ---------------------------------------------------------------------------------------------

/**
 * Extra (undeclared) parameters are appended as `--name value`. MLflow pastes the name into the
 * shell command unquoted and never checks it; Baton only accepts names that are safe and usual
 * for option names. Names must not look like integers either: JavaScript objects would reorder
 * integer-like keys and lose the order the user gave.
 */
export const EXTRA_PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function isValidExtraParamName(name: string): boolean {
  return EXTRA_PARAM_NAME.test(name);
}

// ---------------------------------------------------------------------------------------------
// Command templates: Python str.format with keyword arguments only.
// ---------------------------------------------------------------------------------------------

export type TemplatePart =
  { kind: 'text'; text: string } | { kind: 'field'; name: string; raw: string; offset: number };

export interface ParsedTemplate {
  parts: TemplatePart[];
  /** Syntax problems and unsupported placeholders (not unknown names). */
  problems: string[];
}

/**
 * Splits a command the way Python's `str.format` does: `{{` and `}}` are literal braces, `{...}`
 * is a replacement field. Baton supports plain `{name}` fields only; Python's conversions
 * (`{a!r}`), format specs (`{a:>8}`), attribute/index access (`{a.b}`, `{a[0]}`) and positional
 * fields (`{}`, `{0}`) are reported as problems (with keyword-only arguments of quoted strings
 * they either fail in MLflow too or are practically never meant).
 */
export function parseCommandTemplate(command: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const problems: string[] = [];
  let text = '';
  const flush = (): void => {
    if (text) parts.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  const n = command.length;
  while (i < n) {
    const c = command[i];
    if (c === '{') {
      if (command[i + 1] === '{') {
        text += '{';
        i += 2;
        continue;
      }
      if (i + 1 >= n) {
        problems.push(
          `Single '{' encountered in format string at position ${i + 1} (write {{ for a literal brace)`,
        );
        break;
      }
      let j = i + 1;
      let depth = 1;
      for (; j < n; j++) {
        if (command[j] === '{') depth++;
        else if (command[j] === '}' && --depth === 0) break;
      }
      if (j >= n) {
        problems.push(
          `expected '}' before end of string: the placeholder at position ${i + 1} is not closed (write {{ for a literal brace)`,
        );
        break;
      }
      const raw = command.slice(i, j + 1);
      const inner = command.slice(i + 1, j);
      const problem = fieldProblem(inner, raw);
      if (problem) problems.push(problem);
      else {
        flush();
        parts.push({ kind: 'field', name: inner, raw, offset: i });
      }
      i = j + 1;
      continue;
    }
    if (c === '}') {
      if (command[i + 1] === '}') {
        text += '}';
        i += 2;
        continue;
      }
      problems.push(
        `Single '}' encountered in format string at position ${i + 1} (write }} for a literal brace)`,
      );
      i += 1;
      continue;
    }
    text += c;
    i += 1;
  }
  flush();
  return { parts, problems };
}

function fieldProblem(inner: string, raw: string): string | null {
  // Python's field name ends at the first '!' or ':'; '.' and '[' start attribute/index access.
  const nameEnd = inner.search(/[!:]/);
  const name = nameEnd === -1 ? inner : inner.slice(0, nameEnd);
  if (nameEnd !== -1) {
    return `placeholder ${raw} is not a plain {name}: Python conversions (!r) and format specs (:>8) are not supported; write {{ and }} for literal braces`;
  }
  if (name === '' || /^\d+$/.test(name)) {
    return `positional placeholder ${raw} has no parameter name (write {{ and }} for literal braces)`;
  }
  if (/[.[]/.test(name)) {
    return `placeholder ${raw} uses attribute or index access, which Baton does not support (write {{ and }} for literal braces)`;
  }
  return null;
}

/** All problems with an entry point's command template, including placeholders that are not parameters. */
export function commandTemplateProblems(ep: EntryPointSpec): Problem[] {
  const parsed = parseCommandTemplate(ep.command);
  const declared = new Set(ep.parameters.map((p) => p.name));
  const out: Problem[] = parsed.problems.map((m) => ({
    code: 'MLPROJECT_INVALID',
    message: `Entry point '${ep.name}': ${m}`,
  }));
  const seen = new Set<string>();
  for (const part of parsed.parts) {
    if (part.kind === 'field' && !declared.has(part.name) && !seen.has(part.name)) {
      seen.add(part.name);
      out.push({ code: 'MLPROJECT_INVALID', message: unknownPlaceholderMessage(ep, part.raw, part.name) });
    }
  }
  return out;
}

function unknownPlaceholderMessage(ep: EntryPointSpec, raw: string, name: string): string {
  const declared = ep.parameters.map((p) => p.name);
  return (
    `Entry point '${ep.name}' uses placeholder ${raw} in its command, but '${name}' is not one of its parameters ` +
    `(declared: ${declared.length ? declared.join(', ') : 'none'}). Declare it, or write {{ and }} for literal braces.`
  );
}

// ---------------------------------------------------------------------------------------------
// Parameter values.
// ---------------------------------------------------------------------------------------------

function own(obj: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * Splits user values into the final values of the declared parameters (user value, else default;
 * declaration order; missing required parameters are left out) and the extra parameters (in the
 * order given). Values are unquoted and not yet resolved against the file system.
 */
export function splitParameters(
  ep: EntryPointSpec,
  user: Record<string, string>,
): { params: Record<string, string>; extra: Record<string, string>; missing: string[] } {
  const declared = new Set(ep.parameters.map((p) => p.name));
  const params: [string, string][] = [];
  const missing: string[] = [];
  for (const p of ep.parameters) {
    const v = own(user, p.name) ?? p.default;
    if (v === null) missing.push(p.name);
    else params.push([p.name, v]);
  }
  const extra = Object.entries(user).filter(([k]) => !declared.has(k));
  return { params: Object.fromEntries(params), extra: Object.fromEntries(extra), missing };
}

/** MLflow's exact wording (EntryPoint._validate_parameters). */
export function missingParametersMessage(names: string[]): string {
  return `No value given for missing parameters: ${names.map((n) => `'${n}'`).join(', ')}`;
}

/** MLflow's exact wording (Parameter._compute_uri_value). */
export function expectedUriMessage(name: string, value: string): string {
  return `Expected URI for parameter ${name} but got ${value}`;
}

/**
 * Checks the values a run would get, without touching the file system: missing required
 * parameters (one problem naming all of them, MLflow's wording), `float`/`int` values Python would
 * reject, `uri` values without a scheme (MLflow's wording), NUL characters, and extra parameter
 * names that cannot be passed as `--name`. Defaults are checked like user values, as in MLflow.
 * `path` values are only checked through `checkPath` (the engine passes a file-system check
 * that returns MLflow's message, or null when the path is fine). Returns [] when all is well.
 */
export function validateParameterValues(
  ep: EntryPointSpec,
  user: Record<string, string>,
  checkPath?: (name: string, value: string) => string | null,
): Problem[] {
  const problems: Problem[] = [];
  const { params, extra, missing } = splitParameters(ep, user);
  if (missing.length) problems.push({ code: 'PARAM_MISSING', message: missingParametersMessage(missing) });
  for (const p of ep.parameters) {
    const value = own(params, p.name);
    if (value === undefined) continue;
    if (value.includes('\0')) {
      problems.push({
        code: 'PARAM_INVALID',
        message: `The value of parameter ${p.name} contains a NUL character, which cannot be passed to a process`,
      });
      continue;
    }
    if (p.type === 'float' && !isPythonFloat(value)) {
      problems.push({
        code: 'PARAM_INVALID',
        message: `Parameter ${p.name} has type float, but ${JSON.stringify(value)} is not a number Python's float() accepts (e.g. 0.5, -2e3, 1_000, inf, nan)`,
      });
    } else if (p.type === 'int' && !isPythonInt(value)) {
      problems.push({
        code: 'PARAM_INVALID',
        message: `Parameter ${p.name} has type int, but ${JSON.stringify(value)} is not a whole number Python's int() accepts (e.g. 42, -7, +3, 1_000)`,
      });
    } else if (p.type === 'uri' && !isUri(value)) {
      problems.push({ code: 'PARAM_INVALID', message: expectedUriMessage(p.name, value) });
    } else if (p.type === 'path' && checkPath) {
      const message = checkPath(p.name, value);
      if (message !== null) problems.push({ code: 'PARAM_INVALID', message });
    }
  }
  for (const [name, value] of Object.entries(extra)) {
    if (!isValidExtraParamName(name)) {
      problems.push({
        code: 'PARAM_NAME_INVALID',
        message:
          `Parameter name ${JSON.stringify(name)} is not declared by entry point '${ep.name}' and cannot be passed on the command line ` +
          `as --${name}: names must start with a letter or _ and contain only letters, digits, _, . and -`,
      });
    } else if (value.includes('\0')) {
      problems.push({
        code: 'PARAM_INVALID',
        message: `The value of parameter ${name} contains a NUL character, which cannot be passed to a process`,
      });
    }
  }
  return problems;
}

const CODE_PRIORITY: ErrorCode[] = [
  'PARAM_MISSING',
  'PARAM_INVALID',
  'PARAM_NAME_INVALID',
  'MLPROJECT_INVALID',
];

/**
 * One AppError for a list of problems: a single problem keeps its own (MLflow) message; several
 * are listed under a headline. The code is the most fundamental one present (missing, then
 * invalid value, then invalid name). details.problems holds them all.
 */
export function parameterProblemsError(ep: EntryPointSpec, problems: Problem[]): AppError {
  const code =
    CODE_PRIORITY.find((c) => problems.some((p) => p.code === c)) ?? problems[0]?.code ?? 'PARAM_INVALID';
  const message =
    problems.length === 1 && problems[0]
      ? problems[0].message
      : `${problems.length} problems with the parameters of entry point '${ep.name}':\n${problems.map((p) => `  ${p.message}`).join('\n')}`;
  return new AppError(code, message, { problems });
}

/**
 * Renders the command exactly as MLflow's `EntryPoint.compute_command`: each placeholder gets the
 * `shlex.quote`d value of its parameter, then ` --key value` (value quoted) for every extra
 * parameter in order. `finalParams`/`extraParams` hold UNQUOTED values (as computeParameters
 * returns them). Throws AppError('MLPROJECT_INVALID') for a template problem or a placeholder
 * that is not a declared parameter (Python's KeyError), 'PARAM_MISSING' when a declared
 * parameter used by the command has no value, 'PARAM_NAME_INVALID' for an unusable extra name.
 */
export function renderCommand(
  ep: EntryPointSpec,
  finalParams: Record<string, string>,
  extraParams: Record<string, string>,
): string {
  const parsed = parseCommandTemplate(ep.command);
  const templateProblems = commandTemplateProblems(ep);
  if (templateProblems.length) {
    const message =
      templateProblems.length === 1 && templateProblems[0]
        ? templateProblems[0].message
        : `The command of entry point '${ep.name}' has ${templateProblems.length} problems:\n${templateProblems.map((p) => `  ${p.message}`).join('\n')}`;
    throw new AppError('MLPROJECT_INVALID', message, { problems: templateProblems, command: ep.command });
  }
  let out = '';
  const missing: string[] = [];
  for (const part of parsed.parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const value = own(finalParams, part.name);
    if (value === undefined) {
      if (!missing.includes(part.name)) missing.push(part.name);
      continue;
    }
    out += shellQuote(value);
  }
  if (missing.length) {
    throw new AppError('PARAM_MISSING', missingParametersMessage(missing), {
      problems: [{ code: 'PARAM_MISSING', message: missingParametersMessage(missing) }],
    });
  }
  for (const [key, value] of Object.entries(extraParams)) {
    if (!isValidExtraParamName(key)) {
      throw new AppError(
        'PARAM_NAME_INVALID',
        `Parameter name ${JSON.stringify(key)} cannot be passed on the command line as --${key}`,
      );
    }
    out += ` --${key} ${shellQuote(value)}`;
  }
  return out;
}
