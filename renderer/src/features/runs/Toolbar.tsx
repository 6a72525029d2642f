/** The top bar: file commands, editing commands, and running (run, cancel, the one-click reruns). */
import type { ReactNode } from 'react';
import { useReactFlow } from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import { Elapsed } from '../../components/Elapsed.js';
import { useAppStore } from '../../store/context.js';
import { isDirty, selectedStepName } from '../../store/selectors.js';
import { basename } from '../../lib/paths.js';
import { FIT_OPTIONS, useLayoutAndFit } from '../../hooks/useLayoutAndFit.js';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const MOD = isMac ? '⌘' : 'Ctrl+';

/** `viewSwitch`: the Editor | History switch, shown after the brand. */
export function Toolbar({ viewSwitch }: { viewSwitch?: ReactNode } = {}) {
  const flow = useReactFlow();
  const t = useAppStore(
    useShallow((s) => ({
      name: s.meta.name,
      file: s.file,
      dirty: isDirty(s) && (s.nodes.length > 0 || s.file !== null),
      canUndo: s.past.length > 0,
      canRedo: s.future.length > 0,
      hasSteps: s.nodes.some((n) => n.type === 'step'),
      selected: selectedStepName(s),
      wrStatus: s.workflowRun?.status ?? null,
      wrId: s.workflowRun?.workflow_run_id ?? '',
      wrStart: s.workflowRun?.start_time ?? null,
      wrEnd: s.workflowRun?.end_time ?? null,
      starting: s.runStarting,
    })),
  );
  const a = useAppStore(
    useShallow((s) => ({
      newWorkflow: s.newWorkflow,
      openWorkflowDialog: s.openWorkflowDialog,
      saveWorkflow: s.saveWorkflow,
      undo: s.undo,
      redo: s.redo,
      setPaletteOpen: s.setPaletteOpen,
      startRun: s.startRun,
      cancelRun: s.cancelRun,
      rerunLast: s.rerunLast,
      resumeFailed: s.resumeFailed,
      runFromStep: s.runFromStep,
    })),
  );
  const running = t.wrStatus === 'RUNNING';
  const busy = running || t.starting;
  const layout = useLayoutAndFit();
  const fit = () => void flow.fitView(FIT_OPTIONS);

  return (
    <header className="toolbar">
      <div className="brand" title="Baton — MLflow Project workflows">
        <span className="brand-mark">◆</span> Baton
      </div>
      {viewSwitch}
      <div className="tb-group">
        <button className="btn" data-testid="btn-new" onClick={() => a.newWorkflow()} title="New workflow">
          New
        </button>
        <button className="btn" data-testid="btn-open" onClick={() => void a.openWorkflowDialog()} title={`Open workflow (${MOD}O)`}>
          Open
        </button>
        <button className={t.dirty ? 'btn btn-attn' : 'btn'} data-testid="btn-save" onClick={() => void a.saveWorkflow()} title={`Save (${MOD}S, Shift for Save As)`}>
          Save
        </button>
      </div>
      <div className="wf-title" data-testid="workflow-title" title={t.file ?? 'Not saved yet'}>
        <span className="wf-name">{t.name || 'untitled'}</span>
        {t.dirty && <span className="dirty-dot" data-testid="dirty-indicator" title="Unsaved changes" />}
        <span className="wf-file">{t.file ? basename(t.file) : 'not saved'}</span>
      </div>
      <div className="tb-group">
        <button className="btn icon" data-testid="btn-undo" disabled={!t.canUndo} onClick={a.undo} title={`Undo (${MOD}Z)`}>
          ↶
        </button>
        <button className="btn icon" data-testid="btn-redo" disabled={!t.canRedo} onClick={a.redo} title={`Redo (${MOD}Shift+Z)`}>
          ↷
        </button>
        <button className="btn" data-testid="btn-layout" disabled={!t.hasSteps} onClick={() => void layout()} title="Auto-layout (L)">
          Layout
        </button>
        <button className="btn" data-testid="btn-fit" onClick={fit} title="Fit view (F)">
          Fit
        </button>
        <button className="btn" data-testid="btn-search" onClick={() => a.setPaletteOpen(true)} title={`Add a step by name (${MOD}K)`}>
          + Step
        </button>
      </div>
      <div className="tb-spacer" />
      {t.wrStatus && (
        <div
          className={`run-pill run-${t.wrStatus.toLowerCase()}`}
          data-testid="workflow-status"
          data-status={t.wrStatus.toLowerCase()}
          data-workflow-run-id={t.wrId}
        >
          <span className="pill-dot" />
          {t.wrStatus.toLowerCase()}
          <Elapsed start={t.wrStart} end={t.wrEnd} running={running} />
        </div>
      )}
      <div className="tb-group">
        {running ? (
          <button className="btn btn-danger" data-testid="btn-cancel" onClick={() => void a.cancelRun()} title="Stop every running step">
            ■ Cancel
          </button>
        ) : (
          <button className="btn btn-primary" data-testid="btn-run" disabled={busy || !t.hasSteps} onClick={() => void a.startRun()} title={`Save and run the workflow (${MOD}Enter)`}>
            ▶ Run
          </button>
        )}
        <button className="btn" data-testid="btn-rerun" disabled={busy || !t.wrStatus} onClick={() => void a.rerunLast()} title="Run the last workflow run again, every step">
          ↻ Rerun
        </button>
        <button
          className="btn"
          data-testid="btn-resume-failed"
          disabled={busy || !(t.wrStatus === 'FAILED' || t.wrStatus === 'KILLED')}
          onClick={() => void a.resumeFailed()}
          title="Run again only what failed, was killed or skipped"
        >
          Resume
        </button>
        <button
          className="btn"
          data-testid="btn-run-from"
          disabled={busy || !t.selected}
          onClick={() => t.selected && void a.runFromStep(t.selected)}
          title={t.selected ? `Run "${t.selected}" and everything downstream (${MOD}Shift+Enter)` : 'Select a step to run from'}
        >
          From step
        </button>
      </div>
    </header>
  );
}
