/** The right panel: the selected step, several selected steps, or the workflow itself. */
import { useAppStore } from '../../store/context.js';
import { selectedStepName } from '../../store/selectors.js';
import { StepInspector } from './StepInspector.js';
import { WorkflowInspector } from './WorkflowInspector.js';

function MultiInspector({ count }: { count: number }) {
  const deleteSelection = useAppStore((s) => s.deleteSelection);
  const copySelection = useAppStore((s) => s.copySelection);
  const toast = useAppStore((s) => s.toast);
  return (
    <div className="insp-section">
      <div className="insp-title">{count} items selected</div>
      <div className="row-gap">
        <button
          className="btn"
          onClick={() => {
            const n = copySelection();
            if (n) toast('info', `Copied ${n} step${n > 1 ? 's' : ''}`);
          }}
        >
          Copy
        </button>
        <button className="btn btn-danger-ghost" onClick={deleteSelection}>
          Delete
        </button>
      </div>
      <p className="muted small">Shift-drag on the canvas to select a box of steps; Ctrl/⌘-click adds a step to the selection.</p>
    </div>
  );
}

export function Inspector() {
  const step = useAppStore(selectedStepName);
  const count = useAppStore((s) => s.selection.nodes.length + s.selection.edges.length);
  return (
    <aside className="panel right-panel" data-testid="inspector">
      <div className="panel-body">
        {step ? <StepInspector key={step} name={step} /> : count > 1 ? <MultiInspector count={count} /> : <WorkflowInspector />}
      </div>
    </aside>
  );
}
