/** Nothing selected: the workflow's name, experiment, inputs (and values for the next run), and every problem. */
import { useShallow } from 'zustand/react/shallow';
import { PARAM_TYPES } from '../../../../common/types.js';
import type { KnownParamType } from '../../../../common/types.js';
import { useAppStore } from '../../store/context.js';
import { groupedProblems } from '../../store/derived.js';
import { literalFits } from '../../lib/step-checks.js';
import { CommitField, Section } from './fields.js';

export function WorkflowInspector() {
  const meta = useAppStore((s) => s.meta);
  const inputs = useAppStore((s) => s.inputs);
  const runInputs = useAppStore((s) => s.runInputs);
  const file = useAppStore((s) => s.file);
  const grouped = useAppStore((s) => groupedProblems(s.validation));
  const hasSteps = useAppStore((s) => s.nodes.some((n) => n.type === 'step'));
  const a = useAppStore(
    useShallow((s) => ({
      setMeta: s.setMeta,
      addInput: s.addInput,
      updateInput: s.updateInput,
      removeInput: s.removeInput,
      setRunInput: s.setRunInput,
      selectNodes: s.selectNodes,
    })),
  );
  const stepProblems = Object.entries(grouped.byStep);
  const total = grouped.general.length + stepProblems.reduce((n, [, l]) => n + l.length, 0);

  return (
    <div className="inspector" data-testid="workflow-inspector">
      <Section title="Workflow">
        <label className="field">
          <span className="label">Name</span>
          <input data-testid="workflow-name" value={meta.name} onChange={(e) => a.setMeta({ name: e.target.value })} />
        </label>
        <label className="field">
          <span className="label">Description</span>
          <textarea rows={2} value={meta.description ?? ''} placeholder="optional" onChange={(e) => a.setMeta({ description: e.target.value === '' ? null : e.target.value })} />
        </label>
        <label className="field">
          <span className="label">Experiment</span>
          <input value={meta.experiment ?? ''} placeholder={`default: ${meta.name || 'the workflow name'}`} onChange={(e) => a.setMeta({ experiment: e.target.value === '' ? null : e.target.value })} />
        </label>
        <div className="muted small mono break" title={file ?? ''}>
          {file ?? 'Not saved yet: Ctrl+S chooses a file.'}
        </div>
      </Section>

      <Section
        title="Inputs"
        testId="inputs-editor"
        right={
          <button className="btn small" data-testid="btn-add-input" onClick={() => a.addInput()}>
            + Input
          </button>
        }
      >
        {inputs.length === 0 && <div className="muted small">Inputs are values given when the workflow starts; wire them into parameters.</div>}
        {inputs.map((i) => {
          const run = runInputs[i.name] ?? '';
          const badRun = run !== '' && !literalFits(i.type, run);
          const badDefault = i.default !== null && i.default !== '' && !literalFits(i.type, i.default);
          return (
            <div key={i.name} className="input-row" data-testid={`input-row-${i.name}`}>
              <div className="input-grid">
                <CommitField key={i.name} value={i.name} className="mono" testId={`input-name-${i.name}`} onCommit={(v) => a.updateInput(i.name, { name: v.trim() })} />
                <select value={i.type} data-testid={`input-type-${i.name}`} onChange={(e) => a.updateInput(i.name, { type: e.target.value as KnownParamType })}>
                  {PARAM_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
                <button className="icon-btn" title="Remove input (and its wires)" onClick={() => a.removeInput(i.name)}>
                  ×
                </button>
              </div>
              <div className="input-grid2">
                <input
                  className={`mono${badDefault ? ' invalid' : ''}`}
                  data-testid={`input-default-${i.name}`}
                  placeholder="no default (required)"
                  value={i.default ?? ''}
                  onChange={(e) => a.updateInput(i.name, { default: e.target.value === '' ? null : e.target.value })}
                />
                <input
                  className={`mono${badRun ? ' invalid' : ''}`}
                  data-testid={`run-input-${i.name}`}
                  placeholder={i.default !== null ? `run with ${i.default}` : 'value for this run'}
                  value={run}
                  onChange={(e) => a.setRunInput(i.name, e.target.value)}
                  title="Value for the next run (not saved in the file)"
                />
              </div>
              {(badDefault || badRun) && <div className="field-error">{`Not ${i.type === 'int' ? 'a whole number' : i.type === 'float' ? 'a number' : 'a URI'}`}</div>}
            </div>
          );
        })}
        {inputs.length > 0 && <div className="muted small">Left: default saved in the file · right: value for the next run only.</div>}
      </Section>

      <Section title={`Problems${total ? ` (${total})` : ''}`} testId="problems-list">
        {!hasSteps ? (
          <div className="muted small">Add steps to check the workflow.</div>
        ) : total === 0 ? (
          <div className="muted small" data-testid="no-problems">
            No problems: the workflow is ready to run.
          </div>
        ) : (
          <ul className="problems">
            {grouped.general.map((p, i) => (
              <li key={`g${i}`} className="problem" data-testid="problem-item" data-code={p.code}>
                <code>{p.code}</code> {p.message}
              </li>
            ))}
            {stepProblems.flatMap(([step, list]) =>
              list.map((p, i) => (
                <li key={`${step}${i}`} className="problem" data-testid="problem-item" data-code={p.code}>
                  <button className="link" onClick={() => a.selectNodes([step])}>
                    {step}
                  </button>{' '}
                  <code>{p.code}</code> {p.message.replace(/^step "[^"]+"(,|:)\s*/, '')}
                </li>
              )),
            )}
          </ul>
        )}
      </Section>
    </div>
  );
}
