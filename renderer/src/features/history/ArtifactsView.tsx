/**
 * A run's artifacts: a tree whose folders load when opened (`runs.artifacts`), a preview of the
 * chosen file (text, or an image as a data URL; binaries are named, not shown), and "Open folder"
 * (the desktop app's file manager; the web host cannot, so it shows the path to copy).
 */
import { useCallback, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import type { MethodOutput } from '../../../../common/api/contract.js';
import { useAppStore } from '../../store/context.js';
import { errorCode, errorText, useCall } from './api.js';
import { formatBytes } from './columns.js';

type Entry = MethodOutput<'runs.artifacts'>['entries'][number];
type Preview = MethodOutput<'runs.artifactPreview'>;
type Folder =
  { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; entries: Entry[] };

export function ArtifactsView({ runId, artifactDir }: { runId: string; artifactDir: string }) {
  const call = useCall();
  const toast = useAppStore((s) => s.toast);
  const [folders, setFolders] = useState<Record<string, Folder>>({});
  const [open, setOpen] = useState<Set<string>>(() => new Set(['']));
  const [chosen, setChosen] = useState<string | null>(null);
  const [preview, setPreview] = useState<{
    path: string;
    value: Preview | null;
    error: string | null;
  } | null>(null);
  const [showPath, setShowPath] = useState(false);

  const load = useCallback(
    async (path: string) => {
      setFolders((f) => ({ ...f, [path]: { state: 'loading' } }));
      try {
        const r = await call('runs.artifacts', path ? { runId, path } : { runId });
        setFolders((f) => ({ ...f, [path]: { state: 'ready', entries: r.entries } }));
      } catch (e) {
        setFolders((f) => ({ ...f, [path]: { state: 'error', message: errorText(e) } }));
      }
    },
    [call, runId],
  );

  useEffect(() => {
    let live = true;
    call('runs.artifacts', { runId }).then(
      (r) => live && setFolders({ '': { state: 'ready', entries: r.entries } }),
      (e: unknown) => live && setFolders({ '': { state: 'error', message: errorText(e) } }),
    );
    return () => {
      live = false;
    };
  }, [call, runId]);

  const toggle = (path: string): void => {
    const next = new Set(open);
    if (next.has(path)) next.delete(path);
    else {
      next.add(path);
      if (!folders[path] || folders[path].state === 'error') void load(path);
    }
    setOpen(next);
  };

  const choose = async (path: string): Promise<void> => {
    setChosen(path);
    setPreview({ path, value: null, error: null });
    try {
      const value = await call('runs.artifactPreview', { runId, path, maxBytes: 512 * 1024 });
      setPreview((p) => (p?.path === path ? { path, value, error: null } : p));
    } catch (e) {
      setPreview((p) => (p?.path === path ? { path, value: null, error: errorText(e) } : p));
    }
  };

  const openFolder = async (): Promise<void> => {
    try {
      await call('app.openPath', { path: artifactDir });
    } catch (e) {
      if (errorCode(e) === 'USAGE') setShowPath(true);
      else toast('error', errorText(e), errorCode(e));
    }
  };

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(artifactDir);
      toast('success', 'Folder path copied');
    } catch {
      toast('error', 'Could not copy: select the path and copy it by hand');
    }
  };

  const renderFolder = (path: string, depth: number): ReactNode => {
    const f = folders[path];
    if (!f || f.state === 'loading')
      return (
        <li className="muted small h-tree-note" style={{ paddingLeft: 8 + depth * 16 }}>
          Loading…
        </li>
      );
    if (f.state === 'error')
      return (
        <li className="field-error h-tree-note" style={{ paddingLeft: 8 + depth * 16 }}>
          {f.message}
        </li>
      );
    if (f.entries.length === 0 && depth === 0)
      return <li className="muted small h-tree-note">No artifacts.</li>;
    return f.entries.map((e) => (
      <li key={e.path}>
        <button
          className={`h-tree-item${chosen === e.path ? ' on' : ''}`}
          style={{ paddingLeft: 8 + depth * 16 }}
          data-testid={`artifact-${e.path}`}
          aria-expanded={e.kind === 'dir' ? open.has(e.path) : undefined}
          onClick={() => (e.kind === 'dir' ? toggle(e.path) : void choose(e.path))}
        >
          <span className="h-tree-icon">{e.kind === 'dir' ? (open.has(e.path) ? '▾' : '▸') : '·'}</span>
          <span className="h-tree-name">{e.name}</span>
          {e.kind === 'file' && <span className="muted small">{formatBytes(e.size)}</span>}
        </button>
        {e.kind === 'dir' && open.has(e.path) && <ul>{renderFolder(e.path, depth + 1)}</ul>}
      </li>
    ));
  };

  return (
    <div className="h-artifacts" data-testid="run-artifacts">
      <div className="h-art-tree">
        <div className="h-art-head">
          <button className="btn small" data-testid="btn-open-folder" onClick={() => void openFolder()}>
            Open folder
          </button>
          <button className="btn small ghost" onClick={() => setShowPath((v) => !v)}>
            Path
          </button>
        </div>
        {showPath && (
          <div className="h-path" data-testid="artifact-path">
            <code className="break">{artifactDir}</code>
            <button className="btn small" onClick={() => void copy()} data-testid="btn-copy-path">
              Copy
            </button>
          </div>
        )}
        <ul className="h-tree">{renderFolder('', 0)}</ul>
      </div>
      <div className="h-art-preview" data-testid="artifact-preview">
        {!preview && <div className="empty-note">Choose a file to preview it.</div>}
        {preview && (
          <>
            <div className="h-art-title">
              <span className="mono">{preview.path}</span>
              {preview.value && (
                <span className="muted small">
                  {formatBytes(preview.value.size)} · {preview.value.mime}
                  {preview.value.truncated ? ' · showing the start' : ''}
                </span>
              )}
            </div>
            {preview.error && <div className="inline-error pad">{preview.error}</div>}
            {!preview.value && !preview.error && <div className="muted pad">Loading…</div>}
            {preview.value?.kind === 'text' && <pre className="h-art-text">{preview.value.text}</pre>}
            {preview.value?.kind === 'image' && preview.value.dataUrl && (
              <div className="h-art-image">
                <img src={preview.value.dataUrl} alt={preview.path} />
              </div>
            )}
            {preview.value?.kind === 'binary' && (
              <div className="empty-note">
                A binary file ({preview.value.mime}); open the folder to use it.
              </div>
            )}
          </>
        )}
      </div>
    </div>
  );
}
