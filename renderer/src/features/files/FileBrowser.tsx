/**
 * The in-app folder and file browser (over `fs.listDir`), for hosts without native dialogs (the
 * web host) and for opening workflow files everywhere. Modes: pick a folder (projects are marked),
 * open a .yaml file, or choose where to save one.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { MethodOutput } from '../../../../common/api/contract.js';
import { useAppStore } from '../../store/context.js';
import type { BrowserRequest } from '../../store/types.js';
import { useApiCall } from '../../hooks/useApiCall.js';
import { joinPath } from '../../lib/paths.js';

type Listing = MethodOutput<'fs.listDir'>;

function Browser({ req }: { req: BrowserRequest }) {
  const listDir = useApiCall('fs.listDir');
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pathText, setPathText] = useState(req.startPath ?? '');
  const [fileName, setFileName] = useState(req.fileName ?? 'workflow.yaml');
  const [selected, setSelected] = useState<string | null>(null);

  const [loading, setLoading] = useState(true);
  // Only the newest listing request may update the view: an answer for the start folder that
  // arrives after the person already typed a path and pressed Enter must not replace that listing.
  const latest = useRef(0);

  const load = useCallback(
    async (path: string | null, fallbackHome: boolean) => {
      const ticket = ++latest.current;
      let r = await listDir(path ? { path } : {});
      // A start folder that no longer exists: fall back to the home folder.
      if (!r.ok && fallbackHome && ticket === latest.current) r = await listDir({});
      if (ticket !== latest.current) return;
      setLoading(false);
      if (!r.ok) {
        setError(r.error.message);
        return;
      }
      setError(null);
      setListing(r.value);
      setPathText(r.value.path);
      setSelected(null);
    },
    [listDir],
  );
  const go = (path: string | null): void => {
    setLoading(true);
    void load(path, false);
  };

  useEffect(() => {
    void load(req.startPath ?? null, true);
    const tickets = latest;
    return () => {
      tickets.current++; // closing the browser drops answers still on their way
    };
  }, [req.startPath, load]);

  const entries = (listing?.entries ?? []).filter((e) => e.kind === 'dir' || (req.mode !== 'folder' && /\.ya?ml$/i.test(e.name) && !e.name.endsWith('.layout.json')));
  const choose = () => {
    if (!listing) return;
    if (req.mode === 'folder') req.onChoose(selected ?? listing.path);
    else if (req.mode === 'open') {
      if (selected) req.onChoose(selected);
    } else if (fileName.trim()) req.onChoose(joinPath(listing.path, fileName.trim()));
  };
  const canChoose = !!listing && (req.mode === 'folder' || (req.mode === 'open' ? !!selected : fileName.trim() !== ''));
  const chooseLabel = req.mode === 'folder' ? (selected ? 'Open selected folder' : 'Open this folder') : req.mode === 'open' ? 'Open' : 'Save';

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && req.onCancel()}>
      <div
        className="modal file-browser"
        role="dialog"
        aria-label={req.title}
        data-testid="file-browser"
        data-mode={req.mode}
        data-path={listing?.path ?? ''}
        data-loading={loading ? 'true' : 'false'}
      >
        <div className="modal-head">
          <span>{req.title}</span>
          <button className="icon-btn" onClick={req.onCancel} aria-label="Close">
            ×
          </button>
        </div>
        <div className="fb-path">
          <button className="btn small" disabled={!listing?.parent} onClick={() => void go(listing?.parent ?? null)} data-testid="file-browser-up" title="Parent folder">
            ↑
          </button>
          <input
            className="mono"
            data-testid="file-browser-path"
            value={pathText}
            onChange={(e) => setPathText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') void go(pathText);
            }}
          />
          <button className="btn small" onClick={() => void go(pathText)}>
            Go
          </button>
        </div>
        {error && <div className="inline-error pad">{error}</div>}
        <ul className="fb-list">
          {loading && !listing && <li className="muted pad">Loading…</li>}
          {!loading && entries.length === 0 && <li className="muted pad">{req.mode === 'folder' ? 'No sub-folders.' : 'No folders or workflow files here.'}</li>}
          {entries.map((e) => (
            <li
              key={e.path}
              className={`fb-entry${selected === e.path ? ' selected' : ''}`}
              data-testid={`file-browser-entry-${e.name}`}
              onClick={() => {
                if (e.kind === 'dir' && req.mode !== 'folder') void go(e.path);
                else setSelected(e.path);
                if (e.kind === 'file' && req.mode === 'save') setFileName(e.name);
              }}
              onDoubleClick={() => {
                if (e.kind === 'dir') {
                  if (req.mode === 'folder' && e.isProject) req.onChoose(e.path);
                  else void go(e.path);
                } else if (req.mode === 'open') req.onChoose(e.path);
              }}
            >
              <span className="fb-icon">{e.kind === 'dir' ? (e.isProject ? '◆' : '▸') : '≡'}</span>
              <span className="fb-name">{e.name}</span>
              {e.isProject && <span className="fb-tag">MLproject</span>}
            </li>
          ))}
        </ul>
        <div className="modal-foot">
          {req.mode === 'save' && (
            <input className="mono grow" data-testid="file-browser-filename" value={fileName} onChange={(e) => setFileName(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && choose()} />
          )}
          {req.mode === 'folder' && <span className="muted small grow">Double-click a folder to enter it; ◆ marks MLflow projects.</span>}
          {req.mode === 'open' && <span className="muted small grow">Workflow files (.yaml)</span>}
          <button className="btn" onClick={req.onCancel}>
            Cancel
          </button>
          <button className="btn btn-primary" data-testid="file-browser-choose" disabled={!canChoose} onClick={choose}>
            {chooseLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

export function FileBrowser() {
  const req = useAppStore((s) => s.browser);
  return req ? <Browser req={req} /> : null;
}
