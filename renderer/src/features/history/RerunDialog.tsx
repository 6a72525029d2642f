/**
 * "Rerun with edits…": the entry point's declared parameters prefilled with the run's values,
 * checked as they are typed with the canvas inspector's rules (a float must be a Python float, an
 * int a Python int, a uri a URI; required ones cannot be empty), then `runs.rerun` with the values
 * that changed. The engine validates again and its error is shown here if it refuses.
 * "Open in editor" instead adds the run's entry point as a step of the workflow open in the editor,
 * with these values as its parameters (one undoable edit), selects it and shows the editor, so the
 * step can be wired into a workflow, saved and run from there.
 */
import { useCallback, useState } from 'react';
import type { RunRowDto } from '../../../../common/api/schemas.js';
import { literalFits } from '../../lib/step-checks.js';
import { isStepNode } from '../../graph/types.js';
import { useAppStoreApi } from '../../store/context.js';
import { errorCode, errorText, useCall } from './api.js';
import { Modal } from './Dialogs.js';
import { navigate } from './useHashRoute.js';
import { useLoad } from './useLoad.js';

interface Field {
  name: string;
  type: string;
  default: string | null;
  declared: boolean;
}

function problemOf(f: Field, value: string): string | null {
  if (value === '')
    return f.default === null && f.declared ? 'required: this parameter has no default' : null;
  if (!literalFits(f.type, value)) {
    if (f.type === 'float') return `${f.name} is a float: "${value}" is not a number`;
    if (f.type === 'int') return `${f.name} is an int: "${value}" is not a whole number`;
    if (f.type === 'uri') return `${f.name} is a uri: "${value}" is not a URI`;
  }
  return null;
}

export function RerunDialog({
  run,
  onClose,
  onStarted,
}: {
  run: RunRowDto;
  onClose: () => void;
  onStarted: (runId: string) => void;
}) {
  const call = useCall();
  const loadProject = useCallback(
    () => call('projects.open', { path: run.project_dir }),
    [call, run.project_dir],
  );
  const project = useLoad(loadProject);
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<{ code?: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const ep = project.data?.entryPoints.find((e) => e.name === run.entry_point) ?? null;
  const fields: Field[] = [
    ...(ep?.parameters ?? []).map((p) => ({
      name: p.name,
      type: p.type,
      default: p.default,
      declared: true,
    })),
    ...Object.keys(run.params)
      .filter((k) => !ep?.parameters.some((p) => p.name === k))
      .map((k) => ({ name: k, type: 'string', default: null, declared: false })),
  ];
  const valueOf = (f: Field): string => values[f.name] ?? run.params[f.name] ?? f.default ?? '';
  const problems = Object.fromEntries(
    fields.map((f) => [f.name, problemOf(f, valueOf(f))]).filter(([, p]) => p !== null),
  ) as Record<string, string>;
  const changed = Object.fromEntries(
    fields
      .filter((f) => valueOf(f) !== (run.params[f.name] ?? f.default ?? ''))
      .map((f) => [f.name, valueOf(f)]),
  );
  const canRun = !busy && project.data !== null && Object.keys(problems).length === 0;
  const store = useAppStoreApi();

  const openInEditor = async (): Promise<void> => {
    if (!canRun) return;
    setBusy(true);
    const st = store.getState();
    // The step needs its project in the panel to show its typed parameters.
    if (!(await st.openProject(run.project_dir))) {
      setError({ message: `The project ${run.project_dir} cannot be opened in the editor.` });
      setBusy(false);
      return;
    }
    // To the right of what the canvas already holds, level with its top.
    const steps = store.getState().nodes.filter(isStepNode);
    const right = steps.reduce((x, n) => Math.max(x, n.position.x + (n.measured?.width ?? 280)), -Infinity);
    const top = steps.reduce((y, n) => Math.min(y, n.position.y), Infinity);
    const position = steps.length ? { x: right + 80, y: top } : { x: 0, y: 0 };
    const parameters = fields
      .map((f) => ({ name: f.name, value: valueOf(f) }))
      .filter((p, i) => p.value !== '' && p.value !== (fields[i]!.default ?? ''));
    store.getState().addStep(run.project_dir, run.entry_point, position, parameters);
    onClose();
    navigate({ view: 'editor' });
  };

  const submit = async (): Promise<void> => {
    if (!canRun) return;
    setBusy(true);
    setError(null);
    try {
      const r = await call('runs.rerun', { runId: run.run_id, params: changed });
      onStarted(r.runId);
    } catch (e) {
      setError({ code: errorCode(e), message: errorText(e) });
      setBusy(false);
    }
  };

  return (
    <Modal
      title={`Rerun ${run.run_name || run.run_id.slice(0, 8)} with edits`}
      onClose={onClose}
      testId="rerun-dialog"
      footer={
        <>
          <span className="muted small">
            {Object.keys(changed).length === 0
              ? 'Nothing changed: the run repeats as it was.'
              : `${Object.keys(changed).length} changed`}
          </span>
          <span className="tb-spacer" />
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            className="btn"
            disabled={!canRun}
            onClick={() => void openInEditor()}
            data-testid="rerun-open-editor"
            title="Add this entry point with these values as a step of the workflow open in the editor"
          >
            Open in editor
          </button>
          <button
            className="btn btn-primary"
            disabled={!canRun}
            onClick={() => void submit()}
            data-testid="rerun-submit"
          >
            ▶ Run
          </button>
        </>
      }
    >
      <form
        className="pad h-rerun-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="muted small h-rerun-ep">
          <span className="mono">{run.entry_point}</span> in{' '}
          <span className="mono break">{run.project_dir}</span>
        </div>
        {project.loading && <div className="muted">Loading the entry point…</div>}
        {project.error !== null && (
          <div className="inline-error pad">The project cannot be read: {errorText(project.error)}</div>
        )}
        {project.data && !ep && (
          <div className="muted small">
            The entry point is not declared in the MLproject: its parameters are all strings.
          </div>
        )}
        {project.data &&
          fields.map((f) => {
            const v = valueOf(f);
            const problem = problems[f.name];
            const was = run.params[f.name];
            return (
              <div key={f.name} className="param-field">
                <label className="param-label" htmlFor={`rerun-${f.name}`}>
                  <span className="mono">{f.name}</span>
                  <span className={`type-tag type-${f.type}`}>{f.type}</span>
                  {f.declared && f.default === null && <span className="req-tag">required</span>}
                  {!f.declared && <span className="extra-tag">not declared</span>}
                  {was !== undefined && v !== was && <span className="muted small">was {was}</span>}
                </label>
                <input
                  id={`rerun-${f.name}`}
                  className={problem ? 'invalid mono' : 'mono'}
                  data-testid={`rerun-param-${f.name}`}
                  value={v}
                  placeholder={f.default ?? ''}
                  spellCheck={false}
                  onChange={(e) => setValues((vs) => ({ ...vs, [f.name]: e.target.value }))}
                />
                {problem && (
                  <div className="field-error" data-testid={`rerun-param-${f.name}-error`}>
                    {problem}
                  </div>
                )}
              </div>
            );
          })}
        {error && (
          <div className="problem" data-testid="rerun-error">
            {error.code && <code>{error.code}</code>} {error.message}
          </div>
        )}
        <button type="submit" hidden />
      </form>
    </Modal>
  );
}
