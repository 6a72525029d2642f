/**
 * Workflow runs: the list (`#/workflow-runs`), one run as a read-only canvas snapshot
 * (`#/workflow-runs/<id>`: the workflow file as it ran, every step's final status, duration and a
 * link to its run; rerun, resume what failed, or run from a chosen step on), and two runs step
 * by step (`#/workflow-runs/compare?a=…&b=…`: which steps re-ran or were reused, what changed in
 * params and code).
 */
import { memo, useCallback, useEffect, useMemo, useState } from 'react';
import { Background, Controls, Handle, Position, ReactFlow, ReactFlowProvider } from '@xyflow/react';
import type { Edge, Node, NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { MethodOutput } from '../../../../common/api/contract.js';
import type { RunRowDto, WorkflowRunDto } from '../../../../common/api/schemas.js';
import { parseWorkflowYaml } from '../../../../common/workflow/serialize.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { workflowToGraph } from '../../graph/convert.js';
import { deriveEdges } from '../../graph/edges.js';
import { isStepNode } from '../../graph/types.js';
import { formatDuration } from '../../lib/format.js';
import { useApi, useAppStore } from '../../store/context.js';
import { errorCode, errorText, useCall } from './api.js';
import { formatTime } from './columns.js';
import { Modal } from './Dialogs.js';
import { formatRoute, runHref, workflowRunHref } from './route.js';
import { navigate } from './useHashRoute.js';
import { useLoad } from './useLoad.js';

type Snapshot = MethodOutput<'workflowRuns.snapshot'>;

function stepCounts(wr: WorkflowRunDto): string {
  const counts = new Map<string, number>();
  for (const s of Object.values(wr.steps)) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  return [...counts.entries()].map(([k, n]) => `${n} ${k.toLowerCase()}`).join(' · ');
}

/** Re-fetches on the engine's workflow events, at most every 500 ms. */
function useWorkflowEvents(reload: () => void, workflowRunId?: string): void {
  const api = useApi();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const poke = (id: string): void => {
      if (workflowRunId && id !== workflowRunId) return;
      timer ??= setTimeout(() => {
        timer = null;
        reload();
      }, 500);
    };
    const offs = [
      api.on('workflowRun.updated', (p) => poke(p.workflowRunId)),
      api.on('step.updated', (p) => poke(p.workflowRunId)),
    ];
    return () => {
      for (const off of offs) off();
      if (timer) clearTimeout(timer);
    };
  }, [api, reload, workflowRunId]);
}

export function WorkflowRunsList() {
  const call = useCall();
  const load = useCallback(() => call('workflowRuns.list', { limit: 1000 }), [call]);
  const list = useLoad(load);
  useWorkflowEvents(list.reload);
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (id: string): void =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));
  const [a, b] = picked;
  return (
    <div className="h-page" data-testid="workflow-runs-view">
      <div className="h-tablebar">
        <span className="muted small">
          {list.data ? `${list.data.length} workflow run${list.data.length === 1 ? '' : 's'}` : 'Loading…'}
        </span>
        <span className="tb-spacer" />
        <span className="muted small">
          {picked.length === 2 ? '' : 'Tick two to compare them step by step'}
        </span>
        <button
          className="btn small btn-primary"
          disabled={!a || !b}
          data-testid="btn-compare-workflow-runs"
          onClick={() => a && b && navigate(formatRoute({ view: 'workflowCompare', a, b }))}
        >
          Compare
        </button>
      </div>
      {list.error !== null && (
        <div className="problem">
          <code>{errorCode(list.error)}</code> {errorText(list.error)}
        </div>
      )}
      <div className="h-cmp-scroll">
        <table className="h-list" data-testid="workflow-runs-table">
          <thead>
            <tr>
              <th />
              <th>Status</th>
              <th>Workflow</th>
              <th>Started</th>
              <th>Duration</th>
              <th>Steps</th>
              <th>File</th>
              <th>Resumed from</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.length === 0 && (
              <tr>
                <td colSpan={8} className="muted">
                  No workflow runs yet: run a workflow from the editor or with <code>baton workflow run</code>
                  .
                </td>
              </tr>
            )}
            {list.data?.map((wr) => (
              <tr
                key={wr.workflow_run_id}
                data-testid="workflow-run-row"
                data-workflow-run-id={wr.workflow_run_id}
              >
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Pick ${wr.workflow_name} for comparing`}
                    checked={picked.includes(wr.workflow_run_id)}
                    onChange={() => toggle(wr.workflow_run_id)}
                  />
                </td>
                <td>
                  <StatusBadge status={wr.status} />
                </td>
                <td>
                  <a
                    href={workflowRunHref(wr.workflow_run_id)}
                    data-testid={`workflow-run-link-${wr.workflow_run_id}`}
                  >
                    {wr.workflow_name}
                  </a>{' '}
                  <span className="mono muted small">{wr.workflow_run_id.slice(0, 8)}</span>
                </td>
                <td className="mono">{formatTime(wr.start_time)}</td>
                <td>{wr.end_time !== null ? formatDuration(wr.end_time - wr.start_time) : ''}</td>
                <td className="small">{stepCounts(wr)}</td>
                <td className="mono small muted h-ellipsis" title={wr.workflow_file}>
                  {wr.workflow_file}
                </td>
                <td>
                  {wr.parent_workflow_run_id && (
                    <a href={workflowRunHref(wr.parent_workflow_run_id)}>
                      {wr.parent_workflow_run_id.slice(0, 8)}
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

// ------------------------------------------------------------------------------------------------
// The snapshot canvas

type SnapStepData = {
  name: string;
  entryPoint: string;
  status: string;
  cached: boolean;
  reason: string | null;
  run: RunRowDto | null;
  /** The workflow run shown: a step's run opens as seen from it (its cache decision). */
  workflowRunId: string;
};
type SnapInputsData = { inputs: { name: string; value: string }[] };
type SnapNode = Node<SnapStepData, 'snapStep'> | Node<SnapInputsData, 'snapInputs'>;

const SnapStep = memo(function SnapStep({ data }: NodeProps<Node<SnapStepData, 'snapStep'>>) {
  const run = data.run;
  const dur =
    run?.start_time != null && run.end_time != null ? formatDuration(run.end_time - run.start_time) : '';
  const status = data.cached ? 'CACHED' : data.status;
  return (
    <div
      className={`step-node h-snap-node status-${status.toLowerCase()}`}
      data-testid={`snap-node-${data.name}`}
      data-status={status.toLowerCase()}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="sn-head">
        <span className="sn-name">{data.name}</span>
        <StatusBadge status={status} cached={data.cached} />
      </div>
      <div className="sn-sub">
        <span className="sn-ep">{data.entryPoint}</span>
        {dur && <span className="elapsed">{dur}</span>}
      </div>
      <div className="h-snap-body">
        {run ? (
          <a
            className="nodrag"
            href={runHref(run.run_id, 'overview', data.workflowRunId)}
            data-testid={`snap-run-${data.name}`}
          >
            run {run.run_id.slice(0, 8)}
          </a>
        ) : (
          <span className="muted small">no run</span>
        )}
        {data.reason && <div className="sn-reason">{data.reason}</div>}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

const SnapInputs = memo(function SnapInputs({ data }: NodeProps<Node<SnapInputsData, 'snapInputs'>>) {
  return (
    <div className="inputs-node">
      <div className="in-head">Inputs</div>
      {data.inputs.map((i) => (
        <div key={i.name} className="port port-out">
          <span className="port-name">{i.name}</span>
          <span className="in-value" title={i.value}>
            {i.value}
          </span>
        </div>
      ))}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

const nodeTypes = { snapStep: SnapStep, snapInputs: SnapInputs };

function snapshotGraph(s: Snapshot): {
  nodes: SnapNode[];
  edges: Edge[];
  steps: string[];
  problem: string | null;
} {
  const parsed = parseWorkflowYaml(s.yaml, s.workflowRun.workflow_file);
  if (!parsed.spec)
    return {
      nodes: [],
      edges: [],
      steps: Object.keys(s.workflowRun.steps),
      problem: parsed.problems[0]?.message ?? 'The workflow snapshot cannot be read.',
    };
  const graph = workflowToGraph(parsed.spec, s.layout);
  const runs = new Map(s.runs.map((r) => [r.run_id, r]));
  const nodes: SnapNode[] = graph.nodes.map((n) => {
    if (!isStepNode(n)) {
      return {
        id: n.id,
        type: 'snapInputs',
        position: n.position,
        draggable: false,
        selectable: false,
        data: {
          inputs: graph.inputs.map((i) => ({
            name: i.name,
            value: s.workflowRun.inputs[i.name] ?? i.default ?? '',
          })),
        },
      };
    }
    const st = s.workflowRun.steps[n.id];
    return {
      id: n.id,
      type: 'snapStep',
      position: n.position,
      draggable: false,
      selectable: false,
      data: {
        name: n.id,
        entryPoint: n.data.entryPoint,
        status: st?.status ?? 'PENDING',
        cached: st?.cached ?? false,
        reason: st?.reason ?? null,
        run: st?.run_id ? (runs.get(st.run_id) ?? null) : null,
        workflowRunId: s.workflowRun.workflow_run_id,
      },
    };
  });
  const edges: Edge[] = deriveEdges(graph.nodes, graph.inputs).map((e) => ({
    id: e.id,
    source: e.source,
    target: e.target,
    className: e.className,
    selectable: false,
    focusable: false,
  }));
  return { nodes, edges, steps: graph.nodes.filter(isStepNode).map((n) => n.id), problem: null };
}

export function WorkflowRunView({ workflowRunId }: { workflowRunId: string }) {
  const call = useCall();
  const toast = useAppStore((s) => s.toast);
  const load = useCallback(() => call('workflowRuns.snapshot', { workflowRunId }), [call, workflowRunId]);
  const snap = useLoad(load);
  useWorkflowEvents(snap.reload, workflowRunId);
  const [fromOpen, setFromOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const graph = useMemo(() => (snap.data ? snapshotGraph(snap.data) : null), [snap.data]);

  if (snap.error !== null && !snap.data) {
    return (
      <div className="h-page">
        <div className="h-crumbs">
          <a href={formatRoute({ view: 'workflowRuns' })}>Workflow runs</a>
        </div>
        <div className="problem" data-testid="workflow-run-error">
          <code>{errorCode(snap.error)}</code> {errorText(snap.error)}
        </div>
      </div>
    );
  }
  if (!snap.data || !graph) return <div className="h-page muted pad">Loading workflow run…</div>;
  const wr = snap.data.workflowRun;
  const running = wr.status === 'RUNNING';
  const failed = wr.status === 'FAILED' || wr.status === 'KILLED';

  const resume = async (fromSteps?: string[]): Promise<void> => {
    setBusy(true);
    try {
      const r = await call('workflows.resume', fromSteps ? { workflowRunId, fromSteps } : { workflowRunId });
      toast('success', 'Workflow run started');
      navigate(workflowRunHref(r.workflowRunId));
    } catch (e) {
      toast('error', errorText(e), errorCode(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div
      className="h-page h-wr"
      data-testid="workflow-run-view"
      data-status={wr.status.toLowerCase()}
      data-workflow-run-id={wr.workflow_run_id}
    >
      <div className="h-crumbs">
        <a href={formatRoute({ view: 'workflowRuns' })}>Workflow runs</a>
        <span className="muted">/</span>
        <span className="mono">{wr.workflow_run_id.slice(0, 8)}</span>
      </div>
      <header className="h-run-head">
        <StatusBadge status={wr.status} testId="workflow-run-status" />
        <h1 className="h-run-name">{wr.workflow_name}</h1>
        <span className="muted small">
          {formatTime(wr.start_time)}
          {wr.end_time !== null && ` · ${formatDuration(wr.end_time - wr.start_time)}`}
          {wr.parent_workflow_run_id && (
            <>
              {' · resumed from '}
              <a href={workflowRunHref(wr.parent_workflow_run_id)}>{wr.parent_workflow_run_id.slice(0, 8)}</a>
            </>
          )}
        </span>
        <span className="tb-spacer" />
        <div className="tb-group">
          {running && (
            <button
              className="btn"
              disabled={busy}
              onClick={() =>
                void call('workflowRuns.cancel', { workflowRunId }).catch((e: unknown) =>
                  toast('error', errorText(e), errorCode(e)),
                )
              }
            >
              ■ Cancel
            </button>
          )}
          <button
            className="btn"
            disabled={busy || running}
            onClick={() => void resume(graph.steps)}
            data-testid="btn-wr-rerun"
            title="Run every step again, from the snapshot"
          >
            ↻ Rerun workflow
          </button>
          <button
            className="btn"
            disabled={busy || !failed}
            onClick={() => void resume()}
            data-testid="btn-wr-resume"
            title="Run again only what failed, was killed or skipped"
          >
            Resume failed
          </button>
          <button
            className="btn"
            disabled={busy || running}
            onClick={() => setFromOpen(true)}
            data-testid="btn-wr-from"
          >
            Run from step…
          </button>
        </div>
      </header>
      <div className="h-run-sub muted small">
        <span className="mono break" title="The workflow file">
          {wr.workflow_file}
        </span>
        {Object.keys(wr.inputs).length > 0 && (
          <span>
            inputs{' '}
            {Object.entries(wr.inputs)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}
          </span>
        )}
        <span>read-only: the workflow as it ran</span>
      </div>
      {graph.problem && <div className="problem">{graph.problem}</div>}
      <div className="h-snap-canvas" data-testid="workflow-snapshot">
        <ReactFlowProvider>
          <ReactFlow
            nodes={graph.nodes}
            edges={graph.edges}
            nodeTypes={nodeTypes}
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable={false}
            edgesFocusable={false}
            deleteKeyCode={null}
            onNodeClick={(e, n) => {
              // A click anywhere on a step opens its run (React Flow also needs a handler to let clicks reach the link).
              if ((e.target as HTMLElement).closest('a')) return;
              if (n.type === 'snapStep' && n.data.run)
                navigate(runHref(n.data.run.run_id, 'overview', n.data.workflowRunId));
            }}
            fitView
            fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
            minZoom={0.1}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={18} size={1} />
            <Controls showInteractive={false} />
          </ReactFlow>
        </ReactFlowProvider>
      </div>
      {fromOpen && (
        <FromStepDialog
          steps={graph.steps}
          onClose={() => setFromOpen(false)}
          onRun={(step) => {
            setFromOpen(false);
            void resume([step]);
          }}
        />
      )}
    </div>
  );
}

function FromStepDialog({
  steps,
  onClose,
  onRun,
}: {
  steps: string[];
  onClose: () => void;
  onRun: (step: string) => void;
}) {
  const [step, setStep] = useState(steps[0] ?? '');
  return (
    <Modal
      title="Run from a step"
      onClose={onClose}
      testId="from-step-dialog"
      footer={
        <>
          <span className="tb-spacer" />
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            className="btn btn-primary"
            disabled={!step}
            onClick={() => onRun(step)}
            data-testid="from-step-run"
          >
            ▶ Run
          </button>
        </>
      }
    >
      <div className="pad">
        <label className="field">
          <span className="label">
            The step runs again, with everything downstream of it; the others reuse this run's results.
          </span>
          <select value={step} onChange={(e) => setStep(e.target.value)} data-testid="from-step-select">
            {steps.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
    </Modal>
  );
}

// ------------------------------------------------------------------------------------------------
// Two workflow runs step by step

export function WorkflowCompareView({ a, b }: { a: string; b: string }) {
  const call = useCall();
  const load = useCallback(async () => {
    const [diff, ra, rb] = await Promise.all([
      call('workflowRuns.diff', { a, b }),
      call('workflowRuns.get', { workflowRunId: a }),
      call('workflowRuns.get', { workflowRunId: b }),
    ]);
    return { diff, ra, rb };
  }, [call, a, b]);
  const d = useLoad(load);
  return (
    <div className="h-page" data-testid="workflow-compare-view">
      <div className="h-crumbs">
        <a href={formatRoute({ view: 'workflowRuns' })}>Workflow runs</a>
        <span className="muted">/</span>
        <span>Compare</span>
      </div>
      {d.error !== null && (
        <div className="problem">
          <code>{errorCode(d.error)}</code> {errorText(d.error)}
        </div>
      )}
      {!d.data && d.error === null && <div className="muted pad">Loading…</div>}
      {d.data && (
        <section className="h-card">
          <h2>
            <span className="h-plain">
              <a href={workflowRunHref(a)}>
                A: {d.data.ra.workflow_name} {a.slice(0, 8)}
              </a>{' '}
              ({formatTime(d.data.ra.start_time)}) ·{' '}
              <a href={workflowRunHref(b)}>
                B: {d.data.rb.workflow_name} {b.slice(0, 8)}
              </a>{' '}
              ({formatTime(d.data.rb.start_time)})
            </span>
          </h2>
          <div className="h-cmp-scroll">
            <table className="h-cmp" data-testid="workflow-diff">
              <thead>
                <tr>
                  <th>Step</th>
                  <th>A</th>
                  <th>B</th>
                  <th>What happened</th>
                  <th>Changed params</th>
                  <th>Code</th>
                </tr>
              </thead>
              <tbody>
                {d.data.diff.steps.map((s) => (
                  <tr
                    key={s.step_name}
                    data-testid={`wf-diff-${s.step_name}`}
                    className={s.sameRun ? '' : 'diff'}
                  >
                    <td className="mono">{s.step_name}</td>
                    <td>{s.a ? <StepCell s={s.a} from={a} /> : <span className="muted">not in A</span>}</td>
                    <td>{s.b ? <StepCell s={s.b} from={b} /> : <span className="muted">not in B</span>}</td>
                    <td className="small">
                      {s.sameRun
                        ? 'same run in both (reused)'
                        : s.b?.cached
                          ? 'B reused an earlier run'
                          : s.b?.run_id
                            ? 'B ran it again'
                            : '—'}
                      {s.b?.reason && (
                        <div className="muted h-ellipsis" title={s.b.reason}>
                          {s.b.reason}
                        </div>
                      )}
                    </td>
                    <td className="small">
                      {s.params.length === 0 ? (
                        <span className="muted">none</span>
                      ) : (
                        s.params.map((p) => (
                          <div key={p.key} className="mono">
                            {p.key}: <span className="h-old">{p.a ?? '∅'}</span> →{' '}
                            <span className="h-new">{p.b ?? '∅'}</span>
                          </div>
                        ))
                      )}
                    </td>
                    <td className="small">
                      {s.codeChanged === null ? (
                        <span className="muted">unknown</span>
                      ) : s.codeChanged ? (
                        <span className="h-dirty" title={`${s.codeA ?? '?'} → ${s.codeB ?? '?'}`}>
                          changed
                        </span>
                      ) : (
                        <span className="muted">same</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </div>
  );
}

function StepCell({
  s,
  from,
}: {
  s: { status: string; run_id: string | null; cached: boolean };
  /** The workflow run of this side: the run opens as seen from it (its cache decision). */
  from: string;
}) {
  return (
    <span className="h-stepcell">
      <StatusBadge status={s.cached ? 'CACHED' : s.status} cached={s.cached} />
      {s.run_id && <a href={runHref(s.run_id, 'overview', from)}>{s.run_id.slice(0, 8)}</a>}
    </span>
  );
}
