/**
 * Path arithmetic for the renderer, which has no node:path. Handles POSIX paths and Windows paths
 * (drive letters, UNC, either separator); the engine resolves everything again on its side, so
 * these only need to be right for display and for turning paths relative to a workflow file.
 */

function isWindowsLike(p: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

function sepOf(p: string): string {
  return isWindowsLike(p) ? '\\' : '/';
}

export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || isWindowsLike(p);
}

/** Splits into a root ("/", "C:\", "\\server\share\") and its segments. */
function splitRoot(p: string): { root: string; parts: string[] } {
  let root = '';
  let rest = p;
  const drive = /^([A-Za-z]:)[\\/]/.exec(p);
  if (drive) {
    root = `${drive[1] ?? ''}\\`;
    rest = p.slice(3);
  } else if (p.startsWith('\\\\')) {
    const m = /^\\\\[^\\/]+[\\/][^\\/]+[\\/]?/.exec(p);
    root = m ? m[0].replace(/\//g, '\\') : '\\\\';
    if (!root.endsWith('\\')) root += '\\';
    rest = p.slice(m ? m[0].length : 2);
  } else if (p.startsWith('/')) {
    root = '/';
    rest = p.slice(1);
  }
  return { root, parts: rest.split(/[\\/]+/).filter((s) => s !== '') };
}

/** Removes "." and resolves ".." (never above the root of an absolute path). */
export function normalizePath(p: string): string {
  const { root, parts } = splitRoot(p);
  const out: string[] = [];
  for (const part of parts) {
    if (part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!root) out.push('..');
      continue;
    }
    out.push(part);
  }
  const sep = root ? sepOf(root) : sepOf(p);
  const body = out.join(sep);
  if (root) return root + body;
  return body || '.';
}

export function joinPath(base: string, ...rest: string[]): string {
  let out = base;
  for (const r of rest) out = isAbsolutePath(r) ? r : `${out}${sepOf(out)}${r}`;
  return normalizePath(out);
}

export function dirname(p: string): string {
  const { root, parts } = splitRoot(p);
  if (parts.length <= 1) return root || '.';
  return normalizePath(root + parts.slice(0, -1).join(sepOf(root || p)));
}

export function basename(p: string): string {
  const { parts } = splitRoot(p);
  return parts[parts.length - 1] ?? p;
}

/** `target` resolved against `base` when relative. */
export function resolvePath(base: string, target: string): string {
  return isAbsolutePath(target) ? normalizePath(target) : joinPath(base, target);
}

/**
 * `to` relative to the folder `from`, written the way workflow files write projects: "./x",
 * "../x/y", or "." for the folder itself. Stays absolute when the two are on different roots.
 */
export function relativePath(from: string, to: string): string {
  const a = splitRoot(normalizePath(from));
  const b = splitRoot(normalizePath(to));
  const win = isWindowsLike(a.root);
  const same = (x: string, y: string): boolean => (win ? x.toLowerCase() === y.toLowerCase() : x === y);
  if (!same(a.root, b.root)) return normalizePath(to);
  let i = 0;
  while (i < a.parts.length && i < b.parts.length && same(a.parts[i] ?? '', b.parts[i] ?? '')) i++;
  const up = a.parts.slice(i).map(() => '..');
  const down = b.parts.slice(i);
  const rel = [...up, ...down].join('/');
  if (rel === '') return '.';
  return up.length ? rel : `./${rel}`;
}

/**
 * The absolute folder of a step's project (`project` as written in the workflow file: relative to
 * the file's folder, or absolute), or null when it cannot be known (no name, an unsaved file).
 */
export function projectDirOf(workflowFile: string | null, project: string): string | null {
  if (project.trim() === '') return null;
  if (isAbsolutePath(project)) return resolvePath('/', project);
  return workflowFile ? resolvePath(dirname(workflowFile), project) : null;
}
