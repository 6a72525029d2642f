/**
 * The project panel: opened MLflow project folders, each with its entry points (parameters with
 * type, default and whether they are required) and its .py/.sh scripts. Drag an item onto the
 * canvas to create a step (or double-click it).
 */
import { memo, useState } from 'react';
import type { DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { EntryPointSpec } from '../../../../common/types.js';
import { useAppStore } from '../../store/context.js';
import type { ProjectEntry } from '../../store/types.js';
import { DRAG_MIME, useAddStepAtCenter } from '../../hooks/useAddStep.js';
import type { DraggedEntryPoint } from '../../hooks/useAddStep.js';
import { basename } from '../../lib/paths.js';

function onDragStart(e: DragEvent, item: DraggedEntryPoint): void {
  e.dataTransfer.setData(DRAG_MIME, JSON.stringify(item));
  e.dataTransfer.setData('text/plain', item.entryPoint);
  e.dataTransfer.effectAllowed = 'copy';
}

const EntryPointItem = memo(function EntryPointItem({ dir, ep, onAdd }: { dir: string; ep: EntryPointSpec; onAdd: (dir: string, ep: string) => void }) {
  return (
    <li
      className="ep-item"
      draggable
      onDragStart={(e) => onDragStart(e, { dir, entryPoint: ep.name })}
      onDoubleClick={() => onAdd(dir, ep.name)}
      data-testid={`entry-point-${ep.name}`}
      title={`${ep.command}\n\nDrag onto the canvas (or double-click) to add a step`}
    >
      <div className="ep-head">
        <span className="grip">⠿</span>
        <span className="ep-name">{ep.name}</span>
        <span className="ep-count">{ep.parameters.length ? `${ep.parameters.length} param${ep.parameters.length > 1 ? 's' : ''}` : ''}</span>
      </div>
      {ep.parameters.length > 0 && (
        <ul className="ep-params">
          {ep.parameters.map((p) => (
            <li key={p.name} className={p.default === null ? 'ep-param required' : 'ep-param'} data-testid={`ep-param-${ep.name}-${p.name}`}>
              <span className="pname">{p.name}</span>
              <span className="ptype">{p.type}</span>
              {p.default === null ? <span className="preq" title="required: no default">required</span> : <span className="pdef">= {p.default}</span>}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
});

const ProjectView = memo(function ProjectView({ entry, onAdd, onClose }: { entry: ProjectEntry; onAdd: (dir: string, ep: string) => void; onClose: (dir: string) => void }) {
  const [open, setOpen] = useState(true);
  const project = entry.project;
  const declared = project?.entryPoints.filter((e) => !e.implicit) ?? [];
  const scripts = project?.scripts ?? [];
  const title = project?.name ?? basename(entry.dir);
  return (
    <section className="project" data-testid={`project-${basename(entry.dir)}`}>
      <div className="project-head">
        <button className="disclosure" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? '▾' : '▸'}
        </button>
        <div className="project-title" title={entry.dir}>
          <span className="project-name">{title}</span>
          <span className="project-dir">{entry.dir.length > 34 ? `…${entry.dir.slice(-33)}` : entry.dir}</span>
        </div>
        <button className="icon-btn" title="Close project" onClick={() => onClose(entry.dir)}>
          ×
        </button>
      </div>
      {open && entry.status === 'loading' && <div className="muted pad">Loading…</div>}
      {open && entry.status === 'error' && (
        <div className="inline-error pad" data-testid="project-error">
          {entry.error}
        </div>
      )}
      {open && project && (
        <>
          {project.env.kind !== 'local' && <div className="env-tag">{project.env.kind.replace('_', ' ')}</div>}
          {declared.length > 0 && <div className="subhead">Entry points</div>}
          <ul className="ep-list">
            {declared.map((ep) => (
              <EntryPointItem key={ep.name} dir={entry.dir} ep={ep} onAdd={onAdd} />
            ))}
          </ul>
          {scripts.length > 0 && <div className="subhead">Scripts</div>}
          <ul className="ep-list">
            {scripts.map((name) => (
              <li
                key={name}
                className="ep-item script"
                draggable
                onDragStart={(e) => onDragStart(e, { dir: entry.dir, entryPoint: name })}
                onDoubleClick={() => onAdd(entry.dir, name)}
                data-testid={`script-${name}`}
                title="Runs as MLflow runs an undeclared entry point; parameters are passed as --name value"
              >
                <div className="ep-head">
                  <span className="grip">⠿</span>
                  <span className="ep-name">{name}</span>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
});

export function ProjectPanel() {
  const entries = useAppStore(useShallow((s) => s.projectOrder.map((d) => s.projects[d]).filter((e): e is ProjectEntry => !!e)));
  const openProjectDialog = useAppStore((s) => s.openProjectDialog);
  const closeProject = useAppStore((s) => s.closeProject);
  const addAtCenter = useAddStepAtCenter();
  return (
    <aside className="panel left-panel" data-testid="project-panel">
      <div className="panel-head">
        <span>Projects</span>
        <button className="btn small" data-testid="btn-open-project" onClick={() => void openProjectDialog()}>
          + Open folder
        </button>
      </div>
      <div className="panel-body">
        {entries.length === 0 && (
          <div className="empty-note">
            Open a folder with an <code>MLproject</code> file (or any folder of <code>.py</code>/<code>.sh</code> scripts) to list its entry points.
          </div>
        )}
        {entries.map((e) => (
          <ProjectView key={e.dir} entry={e} onAdd={addAtCenter} onClose={closeProject} />
        ))}
      </div>
    </aside>
  );
}
