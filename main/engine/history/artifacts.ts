/**
 * A run's artifact folder for the run page: one folder's entries, and the start of one file for
 * preview. A requested path is relative to the artifact folder; absolute paths, `..` and symlinks
 * that lead outside the folder are refused (USAGE), so the API can never read another file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../common/errors.js';

export interface ArtifactEntry {
  name: string;
  /** Relative to the artifact folder, '/'-separated. */
  path: string;
  kind: 'dir' | 'file';
  /** Bytes for files; 0 for folders (not summed). */
  size: number;
}

export interface ArtifactPreview {
  path: string;
  size: number;
  kind: 'text' | 'image' | 'binary';
  mime: string;
  text: string | null;
  dataUrl: string | null;
  truncated: boolean;
}

export const DEFAULT_TEXT_PREVIEW_BYTES = 256 * 1024;
export const DEFAULT_IMAGE_PREVIEW_BYTES = 8 * 1024 * 1024;

function refuse(rel: string, why: string): never {
  throw new AppError('USAGE', `Artifact path '${rel}' is refused: ${why}.`);
}

/** The real, absolute path of `rel` inside root (which must exist), or an error saying why not. */
export function resolveArtifactPath(root: string, rel: string): { abs: string; rel: string } {
  if (rel.includes('\0')) refuse(rel, 'it contains a NUL character');
  if (path.isAbsolute(rel) || /^[A-Za-z]:/.test(rel) || rel.startsWith('\\')) refuse(rel, 'it must be relative to the artifact folder');
  const parts = rel.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) refuse(rel, "'..' is not allowed");
  const realRoot = fs.realpathSync(root);
  const target = path.join(realRoot, ...parts);
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch {
    throw new AppError('USAGE', `Artifact '${parts.join('/')}' does not exist.`);
  }
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) refuse(rel, 'it leads outside the artifact folder (a symbolic link)');
  return { abs: real, rel: parts.join('/') };
}

/** One folder of the artifacts: folders first, then files, by name. A missing artifact folder is empty. */
export function listArtifacts(root: string, rel = ''): { path: string; entries: ArtifactEntry[] } {
  if (!fs.existsSync(root)) {
    if (rel.split(/[\\/]+/).some((p) => p !== '' && p !== '.')) throw new AppError('USAGE', `Artifact '${rel}' does not exist.`);
    return { path: '', entries: [] };
  }
  const dir = resolveArtifactPath(root, rel);
  if (!fs.statSync(dir.abs).isDirectory()) throw new AppError('USAGE', `Artifact '${dir.rel}' is a file, not a folder.`);
  const realRoot = fs.realpathSync(root);
  const entries: ArtifactEntry[] = [];
  for (const d of fs.readdirSync(dir.abs, { withFileTypes: true })) {
    const full = path.join(dir.abs, d.name);
    let st: fs.Stats;
    try {
      if (d.isSymbolicLink()) {
        const real = fs.realpathSync(full);
        if (real !== realRoot && !real.startsWith(realRoot + path.sep)) continue; // leads outside: not shown
      }
      st = fs.statSync(full);
    } catch {
      continue; // a dangling link or a file removed meanwhile
    }
    if (!st.isDirectory() && !st.isFile()) continue;
    entries.push({
      name: d.name,
      path: dir.rel ? `${dir.rel}/${d.name}` : d.name,
      kind: st.isDirectory() ? 'dir' : 'file',
      size: st.isDirectory() ? 0 : st.size,
    });
  }
  entries.sort((a, b) => Number(b.kind === 'dir') - Number(a.kind === 'dir') || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { path: dir.rel, entries };
}

const IMAGE_TYPES: readonly { mime: string; ext: readonly string[]; magic: (b: Buffer) => boolean }[] = [
  { mime: 'image/png', ext: ['.png'], magic: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { mime: 'image/jpeg', ext: ['.jpg', '.jpeg'], magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { mime: 'image/gif', ext: ['.gif'], magic: (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString('latin1')) },
  { mime: 'image/webp', ext: ['.webp'], magic: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { mime: 'image/bmp', ext: ['.bmp'], magic: (b) => b.subarray(0, 2).toString('latin1') === 'BM' },
  // SVG shown through <img> (a data: URL) runs no script.
  { mime: 'image/svg+xml', ext: ['.svg'], magic: (b) => /<svg[\s>]/i.test(b.subarray(0, 4096).toString('utf8')) },
];

const TEXT_MIME: Readonly<Record<string, string>> = {
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.py': 'text/x-python',
  '.sh': 'text/x-shellscript',
  '.xml': 'application/xml',
  '.log': 'text/plain',
  '.txt': 'text/plain',
};

/** Whether bytes are UTF-8 text: no NUL, and valid UTF-8 except a character cut at the end. */
function looksLikeText(b: Buffer, cutAtEnd: boolean): { ok: boolean; end: number } {
  if (b.includes(0)) return { ok: false, end: 0 };
  let end = b.length;
  if (cutAtEnd) {
    let k = end;
    while (k > 0 && end - k < 3 && (b[k - 1]! & 0xc0) === 0x80) k--;
    if (k > 0 && b[k - 1]! >= 0xc0) {
      const lead = b[k - 1]!;
      const len = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
      if (end - (k - 1) < len) end = k - 1;
    }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, end));
    return { ok: true, end };
  } catch {
    return { ok: false, end: 0 };
  }
}

/** The start of one artifact file: text (UTF-8, up to maxBytes), an image (a data: URL, whole), or binary. */
export function previewArtifact(root: string, rel: string, maxBytes?: number): ArtifactPreview {
  if (!fs.existsSync(root)) throw new AppError('USAGE', `Artifact '${rel}' does not exist (the run has no artifacts).`);
  const file = resolveArtifactPath(root, rel);
  const st = fs.statSync(file.abs);
  if (!st.isFile()) throw new AppError('USAGE', `Artifact '${file.rel}' is a folder; list it with runs.artifacts.`);
  const ext = path.extname(file.abs).toLowerCase();
  const fd = fs.openSync(file.abs, 'r');
  try {
    const read = (n: number): Buffer => {
      const buf = Buffer.alloc(Math.min(n, st.size));
      const got = fs.readSync(fd, buf, 0, buf.length, 0);
      return buf.subarray(0, got);
    };
    const image = IMAGE_TYPES.find((t) => t.ext.includes(ext));
    if (image) {
      const limit = maxBytes ?? DEFAULT_IMAGE_PREVIEW_BYTES;
      const head = read(Math.min(st.size, 4096));
      if (image.magic(head)) {
        if (st.size > limit) return { path: file.rel, size: st.size, kind: 'image', mime: image.mime, text: null, dataUrl: null, truncated: true };
        const all = read(st.size);
        return { path: file.rel, size: st.size, kind: 'image', mime: image.mime, text: null, dataUrl: `data:${image.mime};base64,${all.toString('base64')}`, truncated: false };
      }
    }
    const limit = maxBytes ?? DEFAULT_TEXT_PREVIEW_BYTES;
    const head = read(limit);
    const truncated = st.size > head.length;
    const t = looksLikeText(head, truncated);
    if (t.ok) {
      return { path: file.rel, size: st.size, kind: 'text', mime: TEXT_MIME[ext] ?? 'text/plain', text: head.subarray(0, t.end).toString('utf8'), dataUrl: null, truncated };
    }
    return { path: file.rel, size: st.size, kind: 'binary', mime: 'application/octet-stream', text: null, dataUrl: null, truncated: false };
  } finally {
    fs.closeSync(fd);
  }
}
