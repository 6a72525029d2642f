/**
 * One run's page (`#/runs/<id>[/<tab>]`): status and timing, the exact command and exit code,
 * params, metrics (a chart per key), tags (system tags grouped), artifacts, logs, git, the cache
 * decision, lineage both ways (clickable), the note, and the actions: rerun (as it was, or with
 * edited params), cancel, mark failed (only when its process is gone), rename, delete and restore.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { MethodOutput } from '../../../../common/api/contract.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { formatCount, formatDuration, formatMetric } from '../../lib/format.js';
import { useNow } from '../../hooks/useNow.js';
import { useApi, useAppStore } from '../../store/context.js';
import { errorCode, errorText, useCall } from './api.js';
import { ArtifactsView } from './ArtifactsView.js';
import { formatTime, isSystemTag, runDuration } from './columns.js';
import { Confirm } from './Dialogs.js';
import { useHistoryStore } from './history-store.js';
import { LogViewer } from './LogViewer.js';
import { MetricChart } from './MetricChart.js';
import type { ChartSeries } from './MetricChart.js';
import { RerunDialog } from './RerunDialog.js';
import { formatRoute, RUN_TABS, runHref, workflowRunHref } from './route.js';
import type { RunTab } from './route.js';
import { navigate } from './useHashRoute.js';
import { useLoad } from './useLoad.js';

type Detail = MethodOutput<'runs.detail'>;
type Link = Detail['lineage']['inputs'][number];

const TAB_LABELS: Record<RunTab, string> = {
  overview: 'Overview',
  metrics: 'Metrics',
  logs: 'Logs',
  artifacts: 'Artifacts',
};

/**
 * `from`: the workflow run the page was opened from (a step's link in its snapshot or diff); the
 * cache decision is then seen from it (`reused` when its step took this run from the cache).
 */
export function RunDetail({ runId, tab, from }: { runId: string; tab: RunTab; from?: string }) {
  const call = useCall();
  const api = useApi();
  const toast = useAppStore((s) => s.toast);
  const load = useCallback(
    () => call('runs.detail', from ? { runId, workflowRunId: from } : { runId }),
    [call, runId, from],
  );
  const detail = useLoad(load);
  const [dialog, setDialog] = useState<null | 'rerun' | 'delete' | 'restore' | 'markFailed'>(null);
  const [busy, setBusy] = useState(false);
  const { reload } = detail;
  const lastQuery = useHistoryStore((s) => s.lastQuery);
  const now = useNow(detail.data?.run.status === 'RUNNING');

  useEffect(
    () =>
      api.on('run.updated', (p) => {
        if (p.runId === runId) reload();
      }),
    [api, runId, reload],
  );

  if (detail.error !== null && !detail.data) {
    return (
      <div className="h-page" data-testid="run-detail-error">
        <div className="h-crumbs">
          <a href={formatRoute({ view: 'runs', query: lastQuery })}>Runs</a>
        </div>
        <div className="problem">
          <code>{errorCode(detail.error)}</code> {errorText(detail.error)}
        </div>
      </div>
    );
  }
  const d = detail.data;
  if (!d) return <div className="h-page muted pad">Loading run…</div>;
  const run = d.run;
  const active = run.status === 'RUNNING' || run.status === 'SCHEDULED';
  const deleted = run.lifecycle_stage === 'deleted';

  const act = async (f: () => Promise<unknown>, ok?: string): Promise<void> => {
    setBusy(true);
    try {
      await f();
      if (ok) toast('success', ok);
      reload();
    } catch (e) {
      toast('error', errorText(e), errorCode(e));
    } finally {
      setBusy(false);
    }
  };
  const rerun = async (): Promise<void> => {
    setBusy(true);
    try {
      const r = await call('runs.rerun', { runId });
      toast('success', 'Rerun started');
      navigate(runHref(r.runId));
    } catch (e) {
      toast('error', errorText(e), errorCode(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div
      className={`h-page${deleted ? ' is-deleted' : ''}`}
      data-testid="run-detail"
      data-run-id={run.run_id}
      data-status={run.status.toLowerCase()}
    >
      <div className="h-crumbs">
        <a href={formatRoute({ view: 'runs', query: lastQuery })}>Runs</a>
        <span className="muted">/</span>
        <span className="mono">{run.run_id.slice(0, 8)}</span>
      </div>
      <header className="h-run-head">
        <StatusBadge status={run.status} testId="run-status" />
        <RunName runId={run.run_id} name={run.run_name} onRenamed={reload} />
        {deleted && (
          <span className="h-deleted-banner" data-testid="run-deleted">
            deleted
          </span>
        )}
        <span className="tb-spacer" />
        <div className="tb-group">
          {active && (
            <button
              className="btn"
              disabled={busy}
              onClick={() => void act(() => call('runs.cancel', { runId }), 'Cancel requested')}
              data-testid="btn-run-cancel"
            >
              ■ Cancel
            </button>
          )}
          {d.stale && (
            <button
              className="btn btn-danger-ghost"
              disabled={busy}
              onClick={() => setDialog('markFailed')}
              data-testid="btn-mark-failed"
              title="Its process is gone: record it as FAILED"
            >
              Mark failed
            </button>
          )}
          <button
            className="btn"
            disabled={busy || deleted}
            onClick={() => void rerun()}
            data-testid="btn-run-rerun"
            title="Run it again with the same parameters"
          >
            ↻ Rerun
          </button>
          <button
            className="btn"
            disabled={busy || deleted}
            onClick={() => setDialog('rerun')}
            data-testid="btn-run-rerun-edit"
            title="Run it again with edited parameters"
          >
            Rerun with edits…
          </button>
          {deleted ? (
            <button
              className="btn"
              disabled={busy}
              onClick={() => setDialog('restore')}
              data-testid="btn-run-restore"
            >
              Restore
            </button>
          ) : (
            <button
              className="btn btn-danger-ghost"
              disabled={busy || active}
              onClick={() => setDialog('delete')}
              data-testid="btn-run-delete"
              title={active ? 'A running run cannot be deleted' : 'Delete (can be restored)'}
            >
              Delete
            </button>
          )}
        </div>
      </header>
      <div className="h-run-sub muted small">
        <span>
          <span className="mono" title="Run id">
            {run.run_id}
          </span>
        </span>
        <span>experiment {run.experiment_name}</span>
        {run.workflow_run_id && (
          <span>
            step <b>{run.step_name}</b> of{' '}
            <a href={workflowRunHref(run.workflow_run_id)} data-testid="run-workflow-link">
              {run.workflow_name ?? run.workflow_run_id.slice(0, 8)}
            </a>
          </span>
        )}
        <span>
          started {formatTime(run.start_time)}
          {runDuration(run, now) !== null && ` · ${formatDuration(runDuration(run, now) ?? 0)}`}
        </span>
      </div>
      {deleted && (
        <div className="h-deleted-note" role="status">
          This run is deleted: it is hidden from the active runs and cannot be rerun. Restore it to use it
          again.
        </div>
      )}
      <nav className="h-tabs" role="tablist" aria-label="Run">
        {RUN_TABS.map((t) => (
          <a
            key={t}
            role="tab"
            aria-selected={t === tab}
            className={`h-tab${t === tab ? ' on' : ''}`}
            href={runHref(runId, t, from)}
            data-testid={`run-tab-${t}`}
          >
            {TAB_LABELS[t]}
            {t === 'metrics' && d.metricKeys.length > 0 && (
              <span className="h-count">{d.metricKeys.length}</span>
            )}
          </a>
        ))}
      </nav>
      <div className="h-tab-body">
        {tab === 'overview' && <Overview d={d} now={now} from={from} onChanged={reload} />}
        {tab === 'metrics' && <MetricsTab d={d} />}
        {tab === 'logs' && <LogViewer key={runId} runId={runId} running={active} />}
        {tab === 'artifacts' && <ArtifactsView key={runId} runId={runId} artifactDir={d.artifactDir} />}
      </div>
      {dialog === 'rerun' && (
        <RerunDialog
          run={run}
          onClose={() => setDialog(null)}
          onStarted={(id) => {
            setDialog(null);
            toast('success', 'Rerun started');
            navigate(runHref(id));
          }}
        />
      )}
      {(dialog === 'delete' || dialog === 'restore' || dialog === 'markFailed') &&
        (() => {
          // The run's three confirmed actions: what to ask, what to call, what to say after.
          const confirms = {
            delete: {
              title: 'Delete run',
              message: `Delete "${run.run_name}"? It moves to the deleted runs (as in MLflow) and can be restored.`,
              label: 'Delete',
              danger: true,
              run: () => call('runs.delete', { runIds: [runId] }),
              done: 'Run deleted',
            },
            restore: {
              title: 'Restore run',
              message: `Restore "${run.run_name}"?`,
              label: 'Restore',
              danger: false,
              run: () => call('runs.restore', { runIds: [runId] }),
              done: 'Run restored',
            },
            markFailed: {
              title: 'Mark as failed',
              message: `"${run.run_name}" is ${run.status.toLowerCase()} in the history but no process of it is alive. Record it as FAILED?`,
              label: 'Mark failed',
              danger: true,
              run: () => call('runs.markFailed', { runId }),
              done: 'Marked as failed',
            },
          } as const;
          const c = confirms[dialog];
          return (
            <Confirm
              title={c.title}
              message={c.message}
              confirmLabel={c.label}
              danger={c.danger}
              onCancel={() => setDialog(null)}
              onConfirm={() => {
                setDialog(null);
                void act(c.run, c.done);
              }}
            />
          );
        })()}
    </div>
  );
}

function RunName({ runId, name, onRenamed }: { runId: string; name: string; onRenamed: () => void }) {
  const call = useCall();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(name);
  const [error, setError] = useState<string | null>(null);
  const save = async (): Promise<void> => {
    const v = text.trim();
    if (v === name) {
      setEditing(false);
      return;
    }
    try {
      await call('runs.update', { runId, name: v });
      setEditing(false);
      setError(null);
      onRenamed();
    } catch (e) {
      setError(errorText(e));
    }
  };
  if (!editing) {
    return (
      <h1 className="h-run-name">
        <span data-testid="run-name">{name}</span>
        <button
          className="icon-btn"
          title="Rename"
          aria-label="Rename"
          data-testid="btn-rename"
          onClick={() => {
            setText(name);
            setEditing(true);
          }}
        >
          ✎
        </button>
      </h1>
    );
  }
  return (
    <div className="h-rename">
      <input
        autoFocus
        aria-label="Run name"
        className={error ? 'invalid' : ''}
        data-testid="rename-input"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') void save();
          if (e.key === 'Escape') {
            setEditing(false);
            setError(null);
          }
        }}
        onBlur={() => void save()}
      />
      {error && (
        <div className="field-error" data-testid="rename-error">
          {error}
        </div>
      )}
    </div>
  );
}

function LinkList({ links, dir }: { links: Link[]; dir: 'in' | 'out' }) {
  if (links.length === 0)
    return (
      <div className="muted small">{dir === 'in' ? 'No run fed this one.' : 'No run used this one.'}</div>
    );
  return (
    <ul className="h-links">
      {links.map((l, i) => (
        <li key={`${l.run_id}-${l.param}-${i}`}>
          {l.exists ? (
            <a href={runHref(l.run_id)} data-testid={`lineage-${dir}-${l.run_id}`}>
              {l.step_name ?? l.run_name ?? l.run_id.slice(0, 8)}
            </a>
          ) : (
            <span className="muted" title="Deleted from the history">
              {l.run_id.slice(0, 8)} (gone)
            </span>
          )}
          {l.status && <StatusBadge status={l.status} />}
          <span className="mono small muted">
            {dir === 'in' ? `${l.attribute} → ${l.param}` : `${l.attribute} → its ${l.param}`}
          </span>
        </li>
      ))}
    </ul>
  );
}

/**
 * The cache decision seen from the workflow run the page was opened from, whose step reused this
 * run: which step, in which workflow run, and the engine's reason (the run reused and its workflow run).
 */
function ReusedFrom({ cache, from }: { cache: Detail['cache']; from: string | undefined }) {
  const step = cache.reusedBy.find((r) => r.workflow_run_id === from)?.step_name;
  return (
    <div data-testid="run-cache-reused">
      {from ? (
        <>
          Step <b>{step ?? '?'}</b> of workflow run <a href={workflowRunHref(from)}>{from.slice(0, 8)}</a>{' '}
          reused this run instead of running again
        </>
      ) : (
        'Reused an earlier run'
      )}
      {cache.reason ? `: ${cache.reason}` : '.'}
    </div>
  );
}

function Overview({
  d,
  now,
  from,
  onChanged,
}: {
  d: Detail;
  now: number;
  from: string | undefined;
  onChanged: () => void;
}) {
  const run = d.run;
  const [showSystem, setShowSystem] = useState(false);
  const userTags = Object.entries(run.tags).filter(([k]) => !isSystemTag(k) && k !== 'mlflow.note.content');
  const systemTags = Object.entries(run.tags).filter(([k]) => isSystemTag(k) && k !== 'mlflow.note.content');
  const params = Object.entries(run.params);
  const metrics = Object.entries(run.metrics);
  const cache = d.cache;
  return (
    <div className="h-overview">
      <div className="h-col">
        <section className="h-card">
          <h2>Run</h2>
          <table className="kv h-kv">
            <tbody>
              <tr>
                <td>Status</td>
                <td>
                  <StatusBadge status={run.status} />{' '}
                  {run.exit_code !== null && (
                    <span className="mono" data-testid="run-exit-code">
                      exit code {run.exit_code}
                    </span>
                  )}
                </td>
              </tr>
              <tr>
                <td>Started</td>
                <td className="mono">{formatTime(run.start_time) || '—'}</td>
              </tr>
              <tr>
                <td>Ended</td>
                <td className="mono">{formatTime(run.end_time) || '—'}</td>
              </tr>
              <tr>
                <td>Duration</td>
                <td>{formatDuration(runDuration(run, now) ?? NaN) || '—'}</td>
              </tr>
              <tr>
                <td>Entry point</td>
                <td className="mono">{run.entry_point}</td>
              </tr>
              <tr>
                <td>Project</td>
                <td className="mono break">{run.project_dir}</td>
              </tr>
            </tbody>
          </table>
          <div className="subhead h-sub">Command</div>
          <pre className="command" data-testid="run-command">
            {run.command}
          </pre>
        </section>
        <section className="h-card">
          <h2>Code</h2>
          {d.git.commit ? (
            <div data-testid="run-git">
              <span className="mono">{d.git.commit.slice(0, 12)}</span>
              {d.git.branch && <span className="muted"> on {d.git.branch}</span>}
              {d.git.dirty === true && <span className="h-dirty"> · uncommitted changes</span>}
              {d.git.dirty === false && <span className="muted"> · clean</span>}
              {d.git.repoUrl && <div className="muted small break">{d.git.repoUrl}</div>}
            </div>
          ) : (
            <div className="muted small">
              Not a git repository (the cache uses a hash of the project's files).
            </div>
          )}
        </section>
        <section className="h-card" data-testid="run-cache">
          <h2>Cache</h2>
          {cache.decision === 'none' && (
            <div className="muted small">Not a workflow step: the cache does not apply.</div>
          )}
          {cache.decision === 'ran' && <div>Ran{cache.reason ? <span>: {cache.reason}</span> : '.'}</div>}
          {cache.decision === 'reused' && <ReusedFrom cache={cache} from={from} />}
          {cache.reusedBy.length > 0 && (
            <div className="small">
              Reused by{' '}
              {cache.reusedBy.map((r, i) => (
                <span key={`${r.workflow_run_id}-${r.step_name}`}>
                  {i > 0 && ', '}
                  <a href={workflowRunHref(r.workflow_run_id)}>
                    {r.step_name} ({r.workflow_run_id.slice(0, 8)})
                  </a>
                </span>
              ))}
            </div>
          )}
          {cache.key && <div className="muted small mono break">key {cache.key.slice(0, 16)}…</div>}
        </section>
        <section className="h-card" data-testid="run-lineage">
          <h2>Lineage</h2>
          <div className="subhead h-sub">Consumed</div>
          <LinkList links={d.lineage.inputs} dir="in" />
          <div className="subhead h-sub">Consumed by</div>
          <LinkList links={d.lineage.consumers} dir="out" />
        </section>
      </div>
      <div className="h-col">
        <section className="h-card">
          <h2>Parameters</h2>
          {params.length === 0 ? (
            <div className="muted small">None.</div>
          ) : (
            <table className="kv h-kv" data-testid="run-params">
              <tbody>
                {params.map(([k, v]) => (
                  <tr key={k}>
                    <td className="mono">{k}</td>
                    <td className="mono break" data-testid={`param-${k}`}>
                      {v}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="h-card">
          <h2>Metrics</h2>
          {metrics.length === 0 ? (
            <div className="muted small">None.</div>
          ) : (
            <table className="kv h-kv" data-testid="run-metrics">
              <tbody>
                {metrics.map(([k, v]) => (
                  <tr key={k}>
                    <td className="mono">
                      <a href={runHref(run.run_id, 'metrics')}>{k}</a>
                    </td>
                    <td className="mono" data-testid={`metric-${k}`}>
                      {formatMetric(v)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <NoteEditor runId={run.run_id} note={run.tags['mlflow.note.content'] ?? ''} onSaved={onChanged} />
        <section className="h-card">
          <h2>Tags</h2>
          {userTags.length === 0 && <div className="muted small">No tags of your own.</div>}
          {userTags.length > 0 && (
            <table className="kv h-kv">
              <tbody>
                {userTags.map(([k, v]) => (
                  <tr key={k}>
                    <td className="mono">{k}</td>
                    <td className="mono break">{v}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <button
            className="link small h-sys-toggle"
            aria-expanded={showSystem}
            onClick={() => setShowSystem((v) => !v)}
            data-testid="toggle-system-tags"
          >
            {showSystem ? '▾' : '▸'} System tags ({systemTags.length})
          </button>
          {showSystem && (
            <table className="kv h-kv h-sys" data-testid="system-tags">
              <tbody>
                {systemTags.map(([k, v]) => (
                  <tr key={k}>
                    <td className="mono">{k}</td>
                    <td className="mono break">{v}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}

function NoteEditor({ runId, note, onSaved }: { runId: string; note: string; onSaved: () => void }) {
  const call = useCall();
  const toast = useAppStore((s) => s.toast);
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(note);
  const [busy, setBusy] = useState(false);
  const save = async (): Promise<void> => {
    setBusy(true);
    try {
      await call('runs.update', { runId, note: text });
      setEditing(false);
      onSaved();
    } catch (e) {
      toast('error', errorText(e), errorCode(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="h-card" data-testid="run-note">
      <h2>
        Note
        {!editing && (
          <button
            className="btn small"
            data-testid="btn-edit-note"
            onClick={() => {
              setText(note);
              setEditing(true);
            }}
          >
            {note ? 'Edit' : 'Add a note'}
          </button>
        )}
      </h2>
      {!editing &&
        (note ? (
          <div className="h-note" data-testid="note-text">
            {note}
          </div>
        ) : (
          <div className="muted small">No note.</div>
        ))}
      {editing && (
        <>
          <textarea
            rows={5}
            value={text}
            onChange={(e) => setText(e.target.value)}
            data-testid="note-input"
            aria-label="Note"
            autoFocus
          />
          <div className="row-gap">
            <button
              className="btn btn-primary small"
              disabled={busy}
              onClick={() => void save()}
              data-testid="btn-save-note"
            >
              Save note
            </button>
            <button className="btn small" onClick={() => setEditing(false)}>
              Cancel
            </button>
            <span className="muted small">
              Kept as the mlflow.note.content tag; an empty note removes it.
            </span>
          </div>
        </>
      )}
    </section>
  );
}

function MetricsTab({ d }: { d: Detail }) {
  const [x, setX] = useState<'step' | 'time'>('step');
  const series: ChartSeries[] = useMemo(
    () => [{ runId: d.run.run_id, label: d.run.run_name || d.run.run_id.slice(0, 8) }],
    [d.run.run_id, d.run.run_name],
  );
  if (d.metricKeys.length === 0) return <div className="empty-note">This run logged no metrics.</div>;
  return (
    <div className="h-metrics">
      <div className="h-metrics-bar">
        <span className="muted small">x axis</span>
        <div className="h-seg" role="group" aria-label="x axis">
          <button
            className={x === 'step' ? 'on' : ''}
            aria-pressed={x === 'step'}
            onClick={() => setX('step')}
            data-testid="x-step"
          >
            Step
          </button>
          <button
            className={x === 'time' ? 'on' : ''}
            aria-pressed={x === 'time'}
            onClick={() => setX('time')}
            data-testid="x-time"
          >
            Time
          </button>
        </div>
      </div>
      <div className="h-charts">
        {d.metricKeys.map((m) => (
          <section key={m.key} className="h-card h-chart-card">
            <h2>
              <span className="mono">{m.key}</span>
              <span className="muted small">
                {formatCount(m.count)} point{m.count === 1 ? '' : 's'} · latest{' '}
                {d.run.metrics[m.key] !== undefined ? formatMetric(d.run.metrics[m.key] ?? 0) : '—'}
              </span>
            </h2>
            <MetricChart metricKey={m.key} series={series} x={x} />
          </section>
        ))}
      </div>
    </div>
  );
}
