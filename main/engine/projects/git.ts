/**
 * Git information for a project folder (what MLflow records as mlflow.source.git.commit,
 * mlflow.source.git.repoURL and mlflow.source.git.branch) and a content fingerprint of the folder
 * for step caching. Uses the `git` command line; everything is asynchronous.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../common/errors.js';
import type { GitInfo } from '../../../common/types.js';

interface GitRun {
  ok: boolean;
  stdout: string;
}

/** Environment for git: no inherited repository overrides, no prompts, no optional index writes. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_OPTIONAL_LOCKS: '0',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
  };
  for (const k of [
    'GIT_DIR',
    'GIT_WORK_TREE',
    'GIT_INDEX_FILE',
    'GIT_PREFIX',
    'GIT_COMMON_DIR',
    'GIT_OBJECT_DIRECTORY',
  ])
    delete env[k];
  return env;
}

/** Runs git in `cwd`; never rejects (a missing git binary or folder is `ok: false`). */
function git(args: string[], cwd: string): Promise<GitRun> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      { cwd, env: gitEnv(), maxBuffer: 512 * 1024 * 1024, encoding: 'utf8', windowsHide: true },
      (err, stdout) => {
        resolve({ ok: !err, stdout: err ? '' : stdout });
      },
    );
  });
}

function zsplit(s: string): string[] {
  return s.split('\0').filter((x) => x !== '');
}

/**
 * Commit, branch (null when HEAD is detached), remote URL (`origin`, else the first remote, as
 * configured; null without remotes) and dirty flag (uncommitted changes or untracked, non-ignored
 * files inside `dir`, not elsewhere in the repository). Null when `dir` is not in a git working
 * tree, the repository has no commit yet, or git is not installed.
 */
export async function gitInfo(dir: string): Promise<GitInfo | null> {
  const cwd = path.resolve(dir);
  const top = await git(['rev-parse', '--show-toplevel'], cwd);
  if (!top.ok) return null;
  const [head, branch, remotes, status] = await Promise.all([
    git(['rev-parse', '--verify', '-q', 'HEAD^{commit}'], cwd),
    git(['symbolic-ref', '-q', '--short', 'HEAD'], cwd),
    git(['remote'], cwd),
    git(['status', '--porcelain', '-z', '--untracked-files=normal', '--', '.'], cwd),
  ]);
  const commit = head.stdout.trim();
  if (!head.ok || !commit) return null;
  const names = remotes.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  const remote = names.includes('origin') ? 'origin' : names[0];
  let repoUrl: string | null = null;
  if (remote !== undefined) {
    const url = await git(['config', '--get', `remote.${remote}.url`], cwd);
    repoUrl = url.ok && url.stdout.trim() ? url.stdout.trim() : null;
  }
  return {
    commit,
    branch: branch.ok && branch.stdout.trim() ? branch.stdout.trim() : null,
    repoUrl,
    dirty: status.ok ? status.stdout.length > 0 : false,
  };
}

// ---------------------------------------------------------------------------------------------
// Hashing.
// ---------------------------------------------------------------------------------------------

/** Folders never hashed in the files fingerprint. */
export const FINGERPRINT_SKIP_DIRS: readonly string[] = [
  '.git',
  'node_modules',
  '__pycache__',
  '.venv',
  'mlruns',
];

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Streams a file through sha256 (never reads it whole). */
function fileDigest(file: string): Promise<string> {
  return new Promise((resolve) => {
    const h = createHash('sha256');
    const stream = fs.createReadStream(file);
    stream.on('data', (chunk) => h.update(chunk));
    stream.on('error', (e: NodeJS.ErrnoException) => resolve(`unreadable:${e.code ?? 'error'}`));
    stream.on('end', () => resolve(h.digest('hex')));
  });
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * One line per entry: path, kind and content digest. Regular files are hashed with their
 * executable bit; symlinks to files are followed; symlinks to folders (and broken ones) are
 * recorded by their target text and not followed; folders (e.g. a nested repository among
 * untracked files) are hashed recursively; other kinds (fifos, sockets) by kind only.
 */
async function entryLine(abs: string, rel: string): Promise<string> {
  let st: fs.Stats;
  try {
    st = await fs.promises.lstat(abs);
  } catch {
    return `${rel}\0deleted\n`;
  }
  if (st.isSymbolicLink()) {
    const target = await fs.promises.readlink(abs).catch(() => '');
    const t = await fs.promises.stat(abs).catch(() => null);
    if (t?.isFile())
      return `${rel}\0file-link:${target}:${t.mode & 0o111 ? 'x' : '-'}\0${await fileDigest(abs)}\n`;
    return `${rel}\0link:${target}\n`;
  }
  if (st.isFile()) return `${rel}\0file:${st.mode & 0o111 ? 'x' : '-'}\0${await fileDigest(abs)}\n`;
  if (st.isDirectory()) return `${rel}\0dir\0${(await hashTree(abs)).hash}\n`;
  return `${rel}\0special\n`;
}

async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (absDir: string, relDir: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(absDir, { withFileTypes: true });
    } catch {
      out.push(`${relDir || '.'}/\0unreadable`);
      return;
    }
    for (const e of entries) {
      if (FINGERPRINT_SKIP_DIRS.includes(e.name)) continue;
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(absDir, e.name), rel);
      else out.push(rel);
    }
  };
  await walk(root, '');
  return out.sort(byCodeUnit);
}

async function hashTree(root: string): Promise<{ hash: string; files: number }> {
  const rels = await listTree(root);
  const h = createHash('sha256');
  for (const rel of rels) {
    if (rel.endsWith('\0unreadable')) h.update(`${rel}\n`);
    else h.update(await entryLine(path.join(root, ...rel.split('/')), rel));
  }
  return { hash: h.digest('hex'), files: rels.length };
}

export interface ProjectFingerprint {
  hash: string;
  kind: 'git' | 'files';
  /** For people, e.g. "git 3f2a1c0 + uncommitted changes (2 files)" or "files sha256 ab12cd34ef56… (14 files)". */
  description: string;
}

/**
 * A fingerprint of the project folder's content for caching.
 * In a git working tree where the folder has tracked files: sha256 of the HEAD commit plus, when
 * there are any, the content of uncommitted changes inside the folder (tracked files differing
 * from HEAD, staged or not, and untracked files that are not ignored). Otherwise: sha256 over the
 * sorted relative paths and contents of all files under the folder, skipping .git, node_modules,
 * __pycache__, .venv and mlruns, without following symlinked folders.
 */
export async function projectFingerprint(dir: string): Promise<ProjectFingerprint> {
  const abs = path.resolve(dir);
  const st = await fs.promises.stat(abs).catch(() => null);
  if (!st?.isDirectory())
    throw new AppError('MLPROJECT_NOT_FOUND', `Project folder ${abs} does not exist`, { path: abs });

  const head = await git(['rev-parse', '--verify', '-q', 'HEAD^{commit}'], abs);
  const commit = head.stdout.trim();
  const tracked = head.ok && commit ? await git(['ls-files', '-z', '--', '.'], abs) : null;
  if (tracked?.ok && tracked.stdout.length > 0) {
    const [changed, untracked] = await Promise.all([
      git(['diff', '--name-only', '-z', '--no-renames', '--relative', 'HEAD', '--', '.'], abs),
      git(['ls-files', '-z', '--others', '--exclude-standard', '--', '.'], abs),
    ]);
    if (changed.ok && untracked.ok) {
      const paths = [
        ...new Set([...zsplit(changed.stdout), ...zsplit(untracked.stdout)].map((p) => p.replace(/\/$/, ''))),
      ].sort(byCodeUnit);
      const short = commit.slice(0, 7);
      if (paths.length === 0)
        return { hash: sha256(`git\0${commit}`), kind: 'git', description: `git ${short}` };
      const h = createHash('sha256').update(`git\0${commit}\0`);
      for (const rel of paths) h.update(await entryLine(path.join(abs, ...rel.split('/')), rel));
      return {
        hash: sha256(`git\0${commit}\0changes\0${h.digest('hex')}`),
        kind: 'git',
        description: `git ${short} + uncommitted changes (${paths.length} file${paths.length === 1 ? '' : 's'})`,
      };
    }
  }
  const { hash, files } = await hashTree(abs);
  return {
    hash,
    kind: 'files',
    description: `files sha256 ${hash.slice(0, 12)}… (${files} file${files === 1 ? '' : 's'})`,
  };
}
