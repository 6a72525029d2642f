/**
 * A step on the canvas: its name, project and entry point; one input handle per parameter (typed,
 * required marked, bound or literal); output handles for run attributes (run_id, artifact_dir,
 * artifact_uri, metrics/params/tags seen on its runs or added by hand); its status, elapsed time
 * and latest metrics. Memoised; subscribes only to its own pieces of the store.
 *
 * Zoomed out (detail.ts) it is drawn light (LightStep): the same box with its name, entry point and
 * status colour, without handles (its edges are painted on a canvas: LightEdgeLayer.tsx).
 */
import { memo, useMemo, useState } from 'react';
import { Handle, Position } from '@xyflow/react';
import type { NodeProps } from '@xyflow/react';
import { StatusBadge } from '../../components/StatusBadge.js';
import { Elapsed } from '../../components/Elapsed.js';
import type { StepNode } from '../../graph/types.js';
import { handleIds } from '../../graph/types.js';
import { parseOutputAttr } from '../../graph/wiring.js';
import { useAppStore } from '../../store/context.js';
import { groupedProblems, usedOutputsIndex } from '../../store/derived.js';
import { entryPointFor, projectEntryFor, statusLabel } from '../../store/selectors.js';
import { useDetail } from './detail.js';
import { useHandlesChanged } from './useHandlesChanged.js';
import { paramRows, stepOutputs } from '../../lib/step-checks.js';
import { basename } from '../../lib/paths.js';
import { formatMetric } from '../../lib/format.js';

const NO_KEYS: string[] = [];

function AddOutput({ step, suggestions }: { step: string; suggestions: string[] }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const addOutput = useAppStore((s) => s.addOutput);
  const listId = `outputs-${step}`;
  if (!editing) {
    return (
      <button className="add-output nodrag" data-testid={`add-output-${step}`} onClick={() => setEditing(true)} title="Add an output: metrics.KEY, params.KEY, tags.KEY, status, experiment_id">
        + output
      </button>
    );
  }
  const commit = () => {
    const attr = text.trim();
    if (!attr) {
      setEditing(false);
      return;
    }
    if (!parseOutputAttr(step, attr)) {
      setError('Use metrics.KEY, params.KEY, tags.KEY, status or experiment_id');
      return;
    }
    addOutput(step, attr);
    setText('');
    setError(null);
    setEditing(false);
  };
  return (
    <div className="add-output-form nodrag nowheel">
      <input
        autoFocus
        className="nodrag"
        data-testid={`add-output-input-${step}`}
        list={listId}
        placeholder="metrics.rmse"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          e.stopPropagation();
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setEditing(false);
        }}
        onBlur={commit}
      />
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      {error && <div className="field-error">{error}</div>}
    </div>
  );
}

function FullStep({ id, data, selected }: NodeProps<StepNode>) {
  // The project's entry point, resolved from two state fields that rarely change (resolving the
  // path in a selector would run for every node on every store update, e.g. each drag tick).
  const file = useAppStore((s) => s.file);
  const projects = useAppStore((s) => s.projects);
  const { project, entryPoint } = data;
  const ep = useMemo(() => entryPointFor({ file, projects }, { project, entryPoint }), [file, projects, project, entryPoint]);
  const projectStatus = useMemo(() => projectEntryFor({ file, projects }, project)?.status ?? 'missing', [file, projects, project]);
  const run = useAppStore((s) => s.stepRuns[id]);
  const known = useAppStore((s) => s.knownKeys[id]);
  const added = useAppStore((s) => s.addedOutputs[id] ?? NO_KEYS);
  const used = useAppStore((s) => usedOutputsIndex(s.nodes)[id] ?? NO_KEYS);
  const problemCount = useAppStore((s) => groupedProblems(s.validation).byStep[id]?.length ?? 0);

  const params = useMemo(() => paramRows(ep, data), [ep, data]);
  const outputs = useMemo(() => stepOutputs(known?.metrics ?? NO_KEYS, used, added), [known, used, added]);
  const suggestions = useMemo(() => {
    const list = [
      'status',
      'experiment_id',
      ...(known?.metrics ?? []).map((k) => `metrics.${k}`),
      ...(known?.params ?? params.map((p) => p.name)).map((k) => `params.${k}`),
      ...(known?.tags ?? []).map((k) => `tags.${k}`),
    ];
    return list.filter((x) => !outputs.includes(x));
  }, [known, params, outputs]);

  const status = run?.status;
  const label = statusLabel(status);

  // Handles appear and disappear with parameters and outputs: tell React Flow to re-measure them.
  useHandlesChanged(id, `${params.map((p) => p.name).join(',')}|${outputs.join(',')}`);

  const metrics = Object.entries(run?.metrics ?? {}).slice(0, 4);
  const epMissing = projectStatus === 'ready' && ep === null;

  return (
    <div className={`step-node status-${label}${selected ? ' selected' : ''}`} data-testid={`step-node-${id}`} data-status={label} data-detail="full">
      <div className="sn-head">
        <Handle
          type="target"
          position={Position.Left}
          id={handleIds.needsIn}
          className="handle-needs"
          data-testid={`handle-${id}-needs-in`}
          title="Runs after… (needs): connect another step's ordering handle here"
        />
        <span className={`sn-dot dot-${label}`} />
        <span className="sn-name" title={data.description ?? data.name} data-testid={`step-title-${data.name}`}>
          {data.name}
        </span>
        {problemCount > 0 && (
          <span className="sn-problems" title={`${problemCount} problem${problemCount > 1 ? 's' : ''}: see the inspector`} data-testid={`problems-${id}`}>
            ⚠ {problemCount}
          </span>
        )}
        <StatusBadge status={status} cached={run?.cached} testId={`status-${id}`} />
        <Handle
          type="source"
          position={Position.Right}
          id={handleIds.needsOut}
          className="handle-needs"
          data-testid={`handle-${id}-needs-out`}
          title="Ordering: drag to another step's ordering handle to make it wait for this one"
        />
      </div>
      <div className="sn-sub">
        <span className="sn-ep" title={`${data.project} · ${data.entryPoint}`}>
          {basename(data.project) || '(no project)'} · {data.entryPoint}
        </span>
        {!data.cache && <span className="sn-flag" title="cache: false — always runs again">no cache</span>}
        <Elapsed start={run?.startTime ?? null} end={run?.endTime ?? null} running={status === 'RUNNING'} testId={`elapsed-${id}`} />
      </div>
      {epMissing && <div className="sn-warn">entry point "{data.entryPoint}" not found</div>}
      {projectStatus === 'error' && <div className="sn-warn">project cannot be read</div>}
      <div className="sn-ports">
        <div className="sn-col sn-inputs">
          {params.length === 0 && <div className="sn-none">{ep?.implicit ? 'any --params' : 'no parameters'}</div>}
          {params.map((p) => {
            const bound = p.refs.length > 0;
            const state = bound ? 'bound' : p.value !== undefined ? 'set' : p.required ? 'missing' : 'default';
            return (
              <div key={p.name} className={`port port-in port-${state}`} title={`${p.name}: ${p.type}${p.required ? ' (required)' : ''}\n${p.value !== undefined ? `= ${p.value}` : p.default !== null ? `default ${p.default}` : 'no value'}`}>
                <Handle type="target" position={Position.Left} id={handleIds.param(p.name)} className={`handle-param type-${p.type}`} data-testid={`handle-${id}-in-${p.name}`} />
                <span className="port-name">
                  {p.name}
                  {p.required && <span className="req">*</span>}
                </span>
                <span className="port-type">{p.type}</span>
              </div>
            );
          })}
        </div>
        <div className="sn-col sn-outputs">
          {outputs.map((attr) => (
            <div key={attr} className={`port port-out${attr.startsWith('metrics.') || attr.startsWith('params.') ? ' numeric' : ''}`} title={`\${{ steps.${id}.${attr} }}`}>
              <span className="port-name">{attr}</span>
              <Handle type="source" position={Position.Right} id={handleIds.output(attr)} className="handle-out" data-testid={`handle-${id}-out-${attr}`} />
            </div>
          ))}
          <AddOutput step={id} suggestions={suggestions} />
        </div>
      </div>
      {metrics.length > 0 && (
        <div className="sn-metrics" data-testid={`metrics-${id}`}>
          {metrics.map(([k, v]) => (
            <span key={k} className="metric">
              <span className="mk">{k}</span> <span className="mv">{formatMetric(v)}</span>
            </span>
          ))}
        </div>
      )}
      {run?.reason && (status === 'SKIPPED' || status === 'CACHED' || status === 'FAILED') && (
        <div className="sn-reason" title={run.reason}>
          {run.reason}
        </div>
      )}
    </div>
  );
}

/**
 * A light step: the full step's box (same height, so the graph keeps its shape when the level
 * changes), its name, entry point, status colour and problem count. No handles: zoomed out the
 * edges are painted by LightEdgeLayer, from the middles of the steps' sides, and nothing is wired.
 * Its height is the one React Flow hands it, which it was given with the light node
 * (useDetailNodes computes the rows, once per change), so it computes nothing and subscribes to two
 * things: 500 of them are what a big workflow opens with.
 */
function LightStep({ id, data, selected, height }: NodeProps<StepNode>) {
  const status = useAppStore((s) => s.stepRuns[id]?.status);
  const problemCount = useAppStore((s) => groupedProblems(s.validation).byStep[id]?.length ?? 0);
  const label = statusLabel(status);
  return (
    <div
      className={`step-node lod status-${label}${selected ? ' selected' : ''}`}
      style={{ height }}
      data-testid={`step-node-${id}`}
      data-status={label}
      data-detail="light"
    >
      <div className={`lod-band dot-${label}`} />
      <div className="lod-body">
        <span className="sn-name" title={data.description ?? data.name} data-testid={`step-title-${data.name}`}>
          {data.name}
        </span>
        <span className="lod-ep">{data.entryPoint}</span>
        {problemCount > 0 && (
          <span className="lod-problems" data-testid={`problems-${id}`}>
            ⚠ {problemCount}
          </span>
        )}
      </div>
    </div>
  );
}

/** Zoomed out (detail.ts) a step is drawn light, otherwise in full. */
function StepNodeView(props: NodeProps<StepNode>) {
  const detail = useDetail();
  // The other level's handles: React Flow measures them again (the box keeps its size, so its
  // ResizeObserver would not notice).
  useHandlesChanged(props.id, detail);
  return detail === 'light' ? <LightStep {...props} /> : <FullStep {...props} />;
}

export const StepNodeMemo = memo(StepNodeView);
