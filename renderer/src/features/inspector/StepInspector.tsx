/**
 * The selected step: name, project and entry point, every parameter (literal values checked with
 * the engine's own rules as you type, bound values shown with where they come from), ordering,
 * cache, the exact command it will run, its problems, and what its last run did.
 */
import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { StatusBadge } from '../../components/StatusBadge.js';
import { Elapsed } from '../../components/Elapsed.js';
import type { StepData } from '../../graph/types.js';
import { isStepNode } from '../../graph/types.js';
import { removeReferences } from '../../graph/wiring.js';
import { referenceExpression } from '../../../../common/workflow/references.js';
import { useAppStore } from '../../store/context.js';
import { NO_PROBLEMS, groupedProblems } from '../../store/derived.js';
import { entryPointFor, findStep, projectEntryFor, resolveProjectDir } from '../../store/selectors.js';
import { fieldProblems, paramRows, previewCommand } from '../../lib/step-checks.js';
import { formatMetric, shortId } from '../../lib/format.js';
import { CommitField, Section } from './fields.js';

const EMPTY_STEP: StepData = { name: '', description: null, project: '', entryPoint: 'main', parameters: [], needs: [], cache: true };

function AddParameter({ step }: { step: string }) {
  const [name, setName] = useState('');
  const setParameter = useAppStore((s) => s.setParameter);
  return (
    <div className="add-param">
      <input data-testid="add-param-name" placeholder="new parameter name" value={name} onChange={(e) => setName(e.target.value)} />
      <button
        className="btn small"
        disabled={!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)}
        onClick={() => {
          setParameter(step, name, '');
          setName('');
        }}
      >
        Add
      </button>
    </div>
  );
}

export function StepInspector({ name }: { name: string }) {
  const data = useAppStore((s) => findStep(s.nodes, name) ?? EMPTY_STEP);
  const ep = useAppStore((s) => entryPointFor(s, data));
  const projectEntry = useAppStore((s) => projectEntryFor(s, data.project));
  const projectDir = useAppStore((s) => resolveProjectDir(s, data.project));
  const inputs = useAppStore((s) => s.inputs);
  const runInputs = useAppStore((s) => s.runInputs);
  const run = useAppStore((s) => s.stepRuns[name]);
  const problems = useAppStore((s) => groupedProblems(s.validation).byStep[name] ?? NO_PROBLEMS);
  const validating = useAppStore((s) => s.validation === null && s.nodes.length > 0);
  const otherSteps = useAppStore(useShallow((s) => s.nodes.filter((n) => isStepNode(n) && n.id !== name).map((n) => n.id)));
  const hasRun = useAppStore((s) => s.workflowRun !== null && s.workflowRun.status !== 'RUNNING');
  const a = useAppStore(
    useShallow((s) => ({
      renameStep: s.renameStep,
      setParameter: s.setParameter,
      setStepFields: s.setStepFields,
      addNeed: s.addNeed,
      removeNeed: s.removeNeed,
      selectNodes: s.selectNodes,
      runFromStep: s.runFromStep,
      deleteSteps: s.deleteSteps,
      setLogPanelOpen: s.setLogPanelOpen,
    })),
  );

  const rows = useMemo(() => paramRows(ep, data), [ep, data]);
  const fieldErrors = useMemo(() => fieldProblems(ep, data, inputs), [ep, data, inputs]);
  const preview = useMemo(() => previewCommand(ep, data, inputs, runInputs), [ep, data, inputs, runInputs]);
  const entryPoints = useMemo(() => {
    const p = projectEntry?.project;
    const list = [...(p?.entryPoints.filter((e) => !e.implicit).map((e) => e.name) ?? []), ...(p?.scripts ?? [])];
    return list.includes(data.entryPoint) ? list : [data.entryPoint, ...list];
  }, [projectEntry, data.entryPoint]);

  return (
    <div className="inspector" data-testid="step-inspector">
      <Section title="Step">
        <label className="field">
          <span className="label">Name</span>
          <CommitField key={name} value={name} testId="inspector-step-name" className="mono" onCommit={(v) => a.renameStep(name, v.trim())} />
        </label>
        <label className="field">
          <span className="label">Description</span>
          <input
            data-testid="inspector-description"
            value={data.description ?? ''}
            placeholder="optional"
            onChange={(e) => a.setStepFields(name, { description: e.target.value === '' ? null : e.target.value })}
          />
        </label>
        <div className="field">
          <span className="label">Project</span>
          <div className="mono value-line" title={projectDir ?? data.project} data-testid="inspector-project">
            {data.project || '(none)'}
          </div>
          {projectEntry?.status === 'error' && <div className="field-error">{projectEntry.error}</div>}
        </div>
        <label className="field">
          <span className="label">Entry point</span>
          <select data-testid="inspector-entry-point" value={data.entryPoint} onChange={(e) => a.setStepFields(name, { entryPoint: e.target.value })}>
            {entryPoints.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" data-testid="cache-toggle" checked={data.cache} onChange={(e) => a.setStepFields(name, { cache: e.target.checked })} />
          <span>Reuse an earlier identical run (cache)</span>
        </label>
      </Section>

      <Section title={`Problems${problems.length ? ` (${problems.length})` : ''}`} testId="problems-list">
        {problems.length === 0 ? (
          <div className="muted small" data-testid="no-problems">
            {validating ? 'Checking…' : 'No problems.'}
          </div>
        ) : (
          <ul className="problems">
            {problems.map((p, i) => (
              <li key={i} className="problem" data-testid="problem-item" data-code={p.code}>
                <code>{p.code}</code> {p.message.replace(/^step "[^"]+"(,|:)\s*/, '')}
              </li>
            ))}
          </ul>
        )}
      </Section>

      <Section title="Parameters" testId="inspector-params">
        {rows.length === 0 && <div className="muted small">{ep?.implicit ? 'A script takes any parameters, passed as --name value.' : ep ? 'This entry point declares no parameters.' : 'Loading the project…'}</div>}
        {rows.map((p) => {
          const error = fieldErrors[p.name];
          return (
            <div key={p.name} className="param-field" data-testid={`param-field-${p.name}`}>
              <div className="param-label">
                <span className="mono">{p.name}</span>
                <span className={`type-tag type-${p.type}`}>{p.type}</span>
                {p.required && <span className="req-tag">required</span>}
                {!p.declared && <span className="extra-tag" title="Not declared by the entry point">extra</span>}
                {!p.declared && (
                  <button className="icon-btn" title="Remove parameter" onClick={() => a.setParameter(name, p.name, null)}>
                    ×
                  </button>
                )}
              </div>
              <input
                className={`mono${error ? ' invalid' : ''}`}
                data-testid={`param-${p.name}`}
                value={p.value ?? ''}
                placeholder={p.default !== null ? `default: ${p.default}` : 'required'}
                spellCheck={false}
                onChange={(e) => a.setParameter(name, p.name, e.target.value === '' ? null : e.target.value)}
              />
              {p.refs.length > 0 && (
                <div className="bound">
                  {p.refs.map((r) => {
                    const source = /^steps\.([^.]+)\./.exec(r)?.[1];
                    return (
                      <span key={r} className="bound-chip" data-testid={`bound-${p.name}`}>
                        <button className="link" onClick={() => a.selectNodes([source ?? '$inputs'])} title="Select the source">
                          ← {r}
                        </button>
                        <button
                          className="icon-btn"
                          title="Unbind"
                          onClick={() => a.setParameter(name, p.name, removeReferences(p.value ?? '', (ref) => referenceExpression(ref) === r))}
                        >
                          ×
                        </button>
                      </span>
                    );
                  })}
                </div>
              )}
              {error && (
                <div className="field-error" data-testid={`param-error-${p.name}`}>
                  {error}
                </div>
              )}
            </div>
          );
        })}
        {(ep?.implicit ?? false) && <AddParameter step={name} />}
      </Section>

      <Section title="Runs after (needs)">
        <div className="chips">
          {data.needs.length === 0 && <span className="muted small">Only the steps it reads from.</span>}
          {data.needs.map((n) => (
            <span key={n} className="chip" data-testid={`need-${n}`}>
              {n}
              <button className="icon-btn" onClick={() => a.removeNeed(name, n)} title="Remove">
                ×
              </button>
            </span>
          ))}
        </div>
        {otherSteps.filter((s) => !data.needs.includes(s)).length > 0 && (
          <select
            data-testid="add-need"
            value=""
            onChange={(e) => {
              if (e.target.value) a.addNeed(name, e.target.value);
            }}
          >
            <option value="">Wait for another step…</option>
            {otherSteps
              .filter((s) => !data.needs.includes(s))
              .map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
          </select>
        )}
      </Section>

      <Section title="Command">
        {preview.ok ? (
          <pre className="command" data-testid="command-preview">
            {preview.command}
          </pre>
        ) : (
          <div className="command command-error" data-testid="command-preview" data-error="true">
            {preview.message}
          </div>
        )}
        <div className="muted small">Runs in {projectDir ?? data.project} · values in ‹…› are filled in when the step starts.</div>
      </Section>

      <Section title="Last run" testId="inspector-run">
        {!run ? (
          <div className="muted small">Not run yet.</div>
        ) : (
          <>
            <div className="run-line">
              <StatusBadge status={run.status} />
              <span className="mono small" title={run.runId ?? ''} data-testid="inspector-run-id" data-run-id={run.runId ?? ''}>
                {shortId(run.runId)}
              </span>
              <Elapsed start={run.startTime} end={run.endTime} running={run.status === 'RUNNING'} />
            </div>
            {run.reason && <div className="muted small">{run.reason}</div>}
            {Object.keys(run.metrics).length > 0 && (
              <table className="kv">
                <tbody>
                  {Object.entries(run.metrics).map(([k, v]) => (
                    <tr key={k}>
                      <td>{k}</td>
                      <td className="mono">{formatMetric(v)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
        <div className="row-gap">
          <button className="btn small" data-testid="inspector-run-from" disabled={!hasRun} onClick={() => void a.runFromStep(name)} title="Run this step and everything downstream">
            Run from here
          </button>
          <button className="btn small" onClick={() => a.setLogPanelOpen(true)}>
            Show output
          </button>
          <button className="btn small btn-danger-ghost" onClick={() => a.deleteSteps([name])}>
            Delete step
          </button>
        </div>
      </Section>
    </div>
  );
}
