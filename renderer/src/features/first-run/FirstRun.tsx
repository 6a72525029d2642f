/** Shown when nothing is open and nothing has run yet: one click to a working example. */
import { useAppStore } from '../../store/context.js';

export function FirstRun() {
  const info = useAppStore((s) => s.appInfo);
  const openExample = useAppStore((s) => s.openExample);
  const openProjectDialog = useAppStore((s) => s.openProjectDialog);
  const dismiss = useAppStore((s) => s.dismissFirstRun);
  return (
    <div className="first-run" data-testid="first-run">
      <div className="fr-card">
        <div className="fr-mark">◆</div>
        <h1>Welcome to Baton</h1>
        <p className="fr-lead">Build multi-step MLflow Project workflows on a canvas, run them, and re-run any part with one click.</p>
        <ol className="fr-steps">
          <li>
            <b>Open the example</b> — a five-step regression project: load, split, train, evaluate, gate.
          </li>
          <li>
            <b>Press Run</b> (<kbd>Ctrl+Enter</kbd>) — every step goes live on the canvas; click one for its output.
          </li>
          <li>
            <b>Change and re-run</b> — edit a parameter, then <i>Run from step</i> re-runs just what depends on it.
          </li>
        </ol>
        <div className="fr-actions">
          <button className="btn btn-primary big" data-testid="btn-open-example" disabled={!info?.exampleWorkflow} onClick={() => void openExample()}>
            Open the example workflow
          </button>
          <button className="btn big" data-testid="btn-first-open-project" onClick={() => void openProjectDialog()}>
            Open a project folder…
          </button>
          <button className="btn big ghost" data-testid="btn-first-empty" onClick={dismiss}>
            Start empty
          </button>
        </div>
        {info && <div className="fr-foot muted small">Baton {info.version} · history in {info.home}</div>}
      </div>
    </div>
  );
}
