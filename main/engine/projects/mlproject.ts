/**
 * Loading MLflow Project folders and resolving entry points, following MLflow 3.x
 * (mlflow/projects/_project_spec.py: _find_mlproject, load_project, Project.get_entry_point,
 * Parameter.__init__), with located, complete error reports where MLflow would crash.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, Scalar, YAMLMap } from 'yaml';
import { AppError, problemsError } from '../../../common/errors.js';
import type { Problem } from '../../../common/errors.js';
import type { EntryPointSpec, ParameterSpec, ProjectEnvKind, ProjectSpec } from '../../../common/types.js';
import { shellQuote } from '../../../common/shlex.js';

export const MLPROJECT_FILE_NAME = 'mlproject';
export const DEFAULT_ENTRY_POINT = 'main';
/** MLflow's default environment files (mlflow.utils.environment._PYTHON_ENV_FILE_NAME, DEFAULT_CONDA_FILE_NAME). */
export const DEFAULT_PYTHON_ENV_FILE = 'python_env.yaml';
export const DEFAULT_CONDA_FILE = 'conda.yaml';
/** mlflow.projects.env_type.ALL */
const ENV_KEYS = ['python_env', 'conda_env', 'docker_env'] as const;
/** The extensions Project.get_entry_point runs without a declaration, in MLflow's order. */
export const SCRIPT_EXTENSIONS = ['.py', '.sh'] as const;

// ---------------------------------------------------------------------------------------------
// Finding the project folder and its MLproject file.
// ---------------------------------------------------------------------------------------------

function readFolder(dir: string): fs.Dirent[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new AppError('MLPROJECT_NOT_FOUND', `Project folder ${dir} does not exist`, { path: dir });
    throw new AppError(
      'MLPROJECT_NOT_FOUND',
      `Project folder ${dir} cannot be read: ${(e as Error).message}`,
      { path: dir },
    );
  }
  if (!st.isDirectory())
    throw new AppError('MLPROJECT_NOT_FOUND', `Project folder ${dir} is not a folder`, { path: dir });
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new AppError(
      'MLPROJECT_NOT_FOUND',
      `Project folder ${dir} cannot be read: ${(e as Error).message}`,
      { path: dir },
    );
  }
}

/**
 * MLflow's `_find_mlproject`: the entry of the folder whose lower-cased name is "mlproject".
 * MLflow silently takes whichever `os.listdir` lists first when there are several (possible on a
 * case-sensitive file system); Baton reports them all instead, since the choice is arbitrary.
 */
export function findMlprojectFile(dir: string): string | null {
  const abs = path.resolve(dir);
  const matches = readFolder(abs)
    .filter((d) => d.name.toLowerCase() === MLPROJECT_FILE_NAME)
    .map((d) => d.name)
    .sort();
  if (matches.length > 1) {
    throw problemsError(
      'MLPROJECT_INVALID',
      `Project folder ${abs} contains ${matches.length} MLproject files (${matches.join(', ')}); MLflow would use whichever the file system lists first. Keep only one.`,
      matches.map((m) => ({
        code: 'MLPROJECT_INVALID',
        file: path.join(abs, m),
        message: 'one of several MLproject files in the folder',
      })),
    );
  }
  const name = matches[0];
  return name === undefined ? null : path.join(abs, name);
}

// ---------------------------------------------------------------------------------------------
// YAML helpers.
// ---------------------------------------------------------------------------------------------

type Value = YamlNode | null;

interface Entry {
  key: string;
  keyNode: YamlNode | null;
  value: Value;
}

class Reader {
  readonly problems: Problem[] = [];
  constructor(
    readonly file: string,
    readonly doc: Document.Parsed,
    readonly lines: LineCounter,
  ) {}

  pos(node: YamlNode | null | undefined): { line?: number; column?: number } {
    const offset = node?.range?.[0];
    if (offset === undefined) return {};
    const { line, col } = this.lines.linePos(offset);
    return line > 0 ? { line, column: col } : {};
  }

  problem(node: YamlNode | null | undefined, message: string): void {
    this.problems.push({ code: 'MLPROJECT_INVALID', file: this.file, ...this.pos(node), message });
  }

  resolve(node: unknown): Value {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.resolve(node.resolve(this.doc));
    return node as YamlNode;
  }

  /** The key as MLflow would see it in a str context: the written text for plain scalars. */
  keyText(node: unknown): string | null {
    const n = this.resolve(node);
    if (n === null) return '';
    if (!isScalar(n)) return null;
    return scalarText(n);
  }

  /** Entries of a mapping, with YAML merge keys (`<<: *anchor`) expanded the way PyYAML does. */
  entries(map: YAMLMap): Entry[] {
    const own: Entry[] = [];
    const merged: Entry[] = [];
    for (const pair of map.items) {
      const keyNode = this.resolve(pair.key);
      if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
        const v = this.resolve(pair.value);
        const sources = isSeq(v) ? v.items.map((i) => this.resolve(i)) : [v];
        // PyYAML flatten_mapping: later maps first, so earlier ones (and own keys) win.
        for (const src of sources.reverse()) {
          if (isMap(src)) merged.push(...this.entries(src));
          else this.problem(src ?? keyNode, 'a merge key (<<) must refer to a mapping or a list of mappings');
        }
        continue;
      }
      const key = this.keyText(keyNode);
      if (key === null) {
        this.problem(keyNode, 'keys must be plain names, not lists or mappings');
        continue;
      }
      own.push({ key, keyNode, value: this.resolve(pair.value) });
    }
    const out = new Map<string, Entry>();
    // Like a Python dict: a later entry replaces the value but keeps the first key's position.
    for (const e of [...merged, ...own]) out.set(e.key, e);
    return [...out.values()];
  }
}

/** Text of a scalar: plain scalars keep their source text ("0.10" stays "0.10"); others their string value. */
function scalarText(s: Scalar): string {
  if (s.type === 'PLAIN' && typeof s.source === 'string') return s.source;
  const v: unknown = s.value;
  return typeof v === 'string' ? v : String(v);
}

function isNullScalar(n: Value): boolean {
  return n === null || (isScalar(n) && n.value === null);
}

function isStringScalar(n: Value): n is Scalar<string> {
  return isScalar(n) && typeof n.value === 'string';
}

function kindOf(n: Value): string {
  if (n === null) return 'nothing';
  if (isMap(n)) return 'a mapping';
  if (isSeq(n)) return 'a list';
  if (isScalar(n)) {
    if (n.value === null) return 'null';
    if (typeof n.value === 'string') return `the text ${JSON.stringify(n.value)}`;
    return `${typeof n.value} ${scalarText(n)}`;
  }
  return 'an unsupported value';
}

/** "msg at line 2, column 1:\n\n..." (yaml's pretty errors) → "msg". */
function yamlErrorMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

// ---------------------------------------------------------------------------------------------
// Parsing.
// ---------------------------------------------------------------------------------------------

function parseParameter(r: Reader, epName: string, entry: Entry): ParameterSpec | null {
  const { key: name, keyNode, value } = entry;
  const line = r.pos(keyNode).line;
  const base = line === undefined ? {} : { line };
  // Parameter.__init__: a string is the type (no default, so required) ...
  if (isStringScalar(value)) return { name, type: value.value, default: null, required: true, ...base };
  // ... otherwise a mapping with optional type (default "string") and default.
  if (!isMap(value)) {
    r.problem(
      value ?? keyNode,
      `parameter '${name}' of entry point '${epName}' must be a type name (e.g. ${name}: float) or a mapping like {type: float, default: 0.1}, not ${kindOf(value)}`,
    );
    return null;
  }
  let type = 'string';
  let def: string | null = null;
  let ok = true;
  for (const e of r.entries(value)) {
    if (e.key === 'type') {
      if (isNullScalar(e.value)) continue;
      if (!isStringScalar(e.value)) {
        r.problem(
          e.value ?? e.keyNode,
          `the type of parameter '${name}' of entry point '${epName}' must be a name such as string, float, int, path or uri, not ${kindOf(e.value)}`,
        );
        ok = false;
      } else type = e.value.value;
    } else if (e.key === 'default') {
      if (isNullScalar(e.value)) continue;
      if (!isScalar(e.value)) {
        r.problem(
          e.value ?? e.keyNode,
          `the default of parameter '${name}' of entry point '${epName}' must be a single value, not ${kindOf(e.value)}`,
        );
        ok = false;
      } else def = scalarText(e.value);
    }
    // Other keys (e.g. a description) are ignored, as MLflow does.
  }
  return ok ? { name, type, default: def, required: def === null, ...base } : null;
}

function parseEntryPoint(r: Reader, entry: Entry): EntryPointSpec | null {
  const { key: name, keyNode, value } = entry;
  if (!isMap(value)) {
    r.problem(
      value ?? keyNode,
      `entry point '${name}' must be a mapping with a command (and optional parameters), not ${kindOf(value)}`,
    );
    return null;
  }
  let command: string | null = null;
  let commandSeen = false;
  const parameters: ParameterSpec[] = [];
  let ok = true;
  for (const e of r.entries(value)) {
    if (e.key === 'command') {
      commandSeen = true;
      if (isNullScalar(e.value)) {
        r.problem(e.keyNode, `entry point '${name}' has an empty command`);
        ok = false;
      } else if (!isStringScalar(e.value)) {
        r.problem(e.value, `the command of entry point '${name}' must be text, not ${kindOf(e.value)}`);
        ok = false;
      } else {
        // A block scalar (`command: |`) ends in a newline; MLflow would then append extra
        // parameters as a separate shell command. Trailing line breaks are dropped.
        command = e.value.value.replace(/[\r\n]+$/, '');
      }
    } else if (e.key === 'parameters') {
      if (isNullScalar(e.value)) continue;
      if (!isMap(e.value)) {
        r.problem(
          e.value,
          `the parameters of entry point '${name}' must be a mapping of parameter names to types or {type, default} mappings, not ${kindOf(e.value)}`,
        );
        ok = false;
        continue;
      }
      for (const pe of r.entries(e.value)) {
        const p = parseParameter(r, name, pe);
        if (p) parameters.push(p);
        else ok = false;
      }
    }
  }
  if (!commandSeen) {
    r.problem(keyNode, `entry point '${name}' has no command`);
    ok = false;
  }
  return ok && command !== null ? { name, parameters, command, implicit: false } : null;
}

interface EnvChoice {
  kind: ProjectEnvKind;
  value: unknown;
}

function parseEnv(r: Reader, dir: string, top: Map<string, Entry>): EnvChoice | null {
  // load_project: more than one of the env keys, whatever their values, is an error.
  const present = [...top.values()].filter((e) => (ENV_KEYS as readonly string[]).includes(e.key));
  if (present.length > 1) {
    const set = `{${present.map((e) => `'${e.key}'`).join(', ')}}`;
    r.problem(present[1]?.keyNode, `Project cannot contain multiple environment fields: ${set}`);
    return null;
  }
  // MLflow checks docker_env, then python_env, then conda_env, each only when its value is truthy.
  const docker = top.get('docker_env');
  if (docker && !isNullScalar(docker.value) && !(isMap(docker.value) && docker.value.items.length === 0)) {
    const v = docker.value;
    if (!isMap(v)) {
      r.problem(
        v,
        `docker_env must be a mapping with an image (e.g. docker_env: {image: my-image}), not ${kindOf(v)}`,
      );
      return null;
    }
    const js: unknown = v.toJS(r.doc);
    const obj = (js ?? {}) as Record<string, unknown>;
    let ok = true;
    if (!obj.image) {
      r.problem(
        docker.keyNode,
        'Project configuration (MLproject file) was invalid: Docker environment specified but no image attribute found.',
      );
      ok = false;
    }
    const volumes = obj.volumes;
    if (volumes && !(Array.isArray(volumes) && volumes.every((i) => typeof i === 'string'))) {
      r.problem(
        docker.keyNode,
        `Project configuration (MLproject file) was invalid: Docker volumes must be a list of strings, e.g.: '["/path1/:/path1", "/path2/:/path2"])`,
      );
      ok = false;
    }
    const environment = obj.environment;
    if (
      environment &&
      !(Array.isArray(environment) && environment.every((i) => typeof i === 'string' || Array.isArray(i)))
    ) {
      r.problem(
        docker.keyNode,
        'Project configuration (MLproject file) was invalid: environment must be a list containing either strings (to copy environment ' +
          'variables from host system) or lists of string pairs (to define new environment variables).' +
          `E.g.: '[["NEW_VAR", "new_value"], "VAR_TO_COPY_FROM_HOST"])`,
      );
      ok = false;
    }
    return ok ? { kind: 'docker_env', value: obj } : null;
  }
  for (const [key, label] of [
    ['python_env', 'python_env file'],
    ['conda_env', 'conda environment file'],
  ] as const) {
    const e = top.get(key);
    if (!e || isNullScalar(e.value) || (isStringScalar(e.value) && e.value.value === '')) continue;
    if (!isStringScalar(e.value)) {
      r.problem(e.value, `${key} must be the name of a file in the project folder, not ${kindOf(e.value)}`);
      return null;
    }
    const file = path.resolve(dir, e.value.value);
    if (!fs.existsSync(file)) {
      r.problem(
        e.value,
        `Project specified ${label} ${path.join(dir, e.value.value)}, but no such file was found.`,
      );
      return null;
    }
    return { kind: key, value: file };
  }
  return defaultEnv(dir);
}

function defaultEnv(dir: string): EnvChoice {
  const pyEnv = path.join(dir, DEFAULT_PYTHON_ENV_FILE);
  if (fs.existsSync(pyEnv)) return { kind: 'python_env', value: pyEnv };
  const conda = path.join(dir, DEFAULT_CONDA_FILE);
  if (fs.existsSync(conda)) return { kind: 'conda_env', value: conda };
  return { kind: 'local', value: null };
}

/** Parses MLproject text. `file` is used in messages, `dir` to resolve environment files. */
export function parseMlproject(text: string, file: string, dir: string): ProjectSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, merge: true, prettyErrors: true, uniqueKeys: true });
  const headline = `${file} is not a valid MLproject file:`;
  if (doc.errors.length) {
    const problems: Problem[] = doc.errors.map((e) => {
      const at = e.linePos?.[0];
      return {
        code: 'MLPROJECT_INVALID',
        file,
        ...(at ? { line: at.line, column: at.col } : {}),
        message: yamlErrorMessage(e.message),
      };
    });
    throw problemsError('MLPROJECT_INVALID', headline, problems);
  }
  const r = new Reader(file, doc, lines);
  const root = r.resolve(doc.contents);
  const spec: ProjectSpec = { dir, name: null, mlprojectPath: file, env: defaultEnv(dir), entryPoints: [] };
  // An empty file (or only comments) is a project without entry points.
  if (isNullScalar(root)) return spec;
  if (!isMap(root)) {
    r.problem(
      root,
      `the top level must be a mapping with keys such as name, python_env, conda_env, docker_env and entry_points, not ${kindOf(root)}`,
    );
    throw problemsError('MLPROJECT_INVALID', headline, r.problems);
  }
  const top = new Map(r.entries(root).map((e) => [e.key, e] as const));

  const nameEntry = top.get('name');
  if (nameEntry && !isNullScalar(nameEntry.value)) {
    if (isScalar(nameEntry.value)) spec.name = scalarText(nameEntry.value);
    else r.problem(nameEntry.value, `name must be text, not ${kindOf(nameEntry.value)}`);
  }

  const env = parseEnv(r, dir, top);
  if (env) spec.env = env;

  const eps = top.get('entry_points');
  if (eps && !isNullScalar(eps.value)) {
    if (!isMap(eps.value)) {
      r.problem(
        eps.value,
        `entry_points must be a mapping of entry point names to {command, parameters}, not ${kindOf(eps.value)}`,
      );
    } else {
      for (const e of r.entries(eps.value)) {
        const ep = parseEntryPoint(r, e);
        if (ep) spec.entryPoints.push(ep);
      }
    }
  }
  // Other top-level keys (e.g. databricks_spark_job) are ignored.
  if (r.problems.length) throw problemsError('MLPROJECT_INVALID', headline, r.problems);
  return spec;
}

/**
 * Loads the project in `dir` (MLflow's load_project). A folder without an MLproject file is a
 * project with no declared entry points. Throws AppError MLPROJECT_NOT_FOUND for a missing or
 * unreadable folder and MLPROJECT_INVALID (details.problems, located) for a bad MLproject file.
 */
export function loadProject(dir: string): ProjectSpec {
  const abs = path.resolve(dir);
  const file = findMlprojectFile(abs);
  if (file === null)
    return { dir: abs, name: null, mlprojectPath: null, env: defaultEnv(abs), entryPoints: [] };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') {
      throw problemsError('MLPROJECT_INVALID', `${file} is a folder, not an MLproject file`, [
        { code: 'MLPROJECT_INVALID', file, message: 'expected a YAML file, found a folder' },
      ]);
    }
    throw new AppError(
      'MLPROJECT_NOT_FOUND',
      `MLproject file ${file} cannot be read: ${(e as Error).message}`,
      { path: file },
    );
  }
  return parseMlproject(text, file, abs);
}

// ---------------------------------------------------------------------------------------------
// Entry points.
// ---------------------------------------------------------------------------------------------

/** Python's os.path.splitext (POSIX): the extension of the last path component, ignoring leading dots. */
export function pythonSplitext(p: string): string {
  const base = p.slice(p.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return '';
  // Leading dots do not start an extension: ".py" and "..py" have none.
  if (/^\.+$/.test(base.slice(0, dot))) return '';
  return base.slice(dot);
}

/** Python's repr() of a str, as it appears inside a printed list. */
export function pythonStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return q + out + q;
}

function pythonListRepr(items: readonly string[]): string {
  return `[${items.map(pythonStrRepr).join(', ')}]`;
}

/** MLflow's exact ExecutionException text from Project.get_entry_point. */
export function entryPointNotFoundMessage(name: string, declared: readonly string[]): string {
  return (
    `Could not find ${name} among entry points ${pythonListRepr(declared)} or interpret ${name} as a ` +
    `runnable script. Supported script file extensions: ${pythonListRepr(SCRIPT_EXTENSIONS)}`
  );
}

/** Doubles braces so that a fixed text survives str.format-style rendering unchanged. */
function escapeBraces(s: string): string {
  return s.replace(/[{}]/g, (b) => b + b);
}

/**
 * MLflow's Project.get_entry_point: a declared entry point by exact name; else a name ending in
 * `.py` runs as `python <quoted name>` and `.sh` as `<$SHELL or bash> <quoted name>` (implicit
 * entry point without declared parameters; as in MLflow the file's existence is not checked
 * here, a missing script fails when it runs); else AppError ENTRY_POINT_NOT_FOUND with MLflow's
 * message. `env` is the environment to read SHELL from (defaults to process.env).
 */
export function resolveEntryPoint(
  project: ProjectSpec,
  name: string = DEFAULT_ENTRY_POINT,
  env: NodeJS.ProcessEnv = process.env,
): EntryPointSpec {
  const declared = project.entryPoints.find((ep) => ep.name === name);
  if (declared) return declared;
  const ext = pythonSplitext(name);
  if (ext === '.py' || ext === '.sh') {
    // os.environ.get("SHELL", "bash"); an empty SHELL falls back to bash too.
    const program = ext === '.py' ? 'python' : env.SHELL || 'bash';
    // MLflow pastes the program unquoted; quoting changes nothing for ordinary paths and keeps a
    // SHELL with spaces working. Braces are escaped so the file name is never a placeholder.
    const command = escapeBraces(`${shellQuote(program)} ${shellQuote(name)}`);
    return { name, parameters: [], command, implicit: true };
  }
  throw new AppError(
    'ENTRY_POINT_NOT_FOUND',
    entryPointNotFoundMessage(
      name,
      project.entryPoints.map((ep) => ep.name),
    ),
    { entryPoint: name, declared: project.entryPoints.map((ep) => ep.name) },
  );
}
