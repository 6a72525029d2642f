/**
 * The history's place in the URL hash, so a reload or the back button returns to the same screen:
 *
 *   (empty), #/editor                   the workflow editor
 *   #/runs?filter=…&status=…&sort=…     the runs table with its query
 *   #/runs/<id>[/<tab>][?from=<wf id>]  one run (tab: overview, metrics, logs, artifacts), opened
 *                                       from a workflow run (its cache decision seen from there)
 *   #/compare?runs=<id>,<id>,…          runs side by side
 *   #/workflow-runs                     the workflow runs
 *   #/workflow-runs/<id>                one workflow run as a read-only canvas
 *   #/workflow-runs/compare?a=<id>&b=<id>   two workflow runs step by step
 *
 * Pure: parse and format only; useHashRoute.ts binds it to the window.
 */
import type { RunStatus } from '../../../../common/types.js';
import { RUN_STATUSES } from '../../../../common/types.js';

export const RUN_TABS = ['overview', 'metrics', 'logs', 'artifacts'] as const;
export type RunTab = (typeof RUN_TABS)[number];

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** What the runs table shows: everything here is in the URL. */
export interface RunsQuery {
  filter: string;
  statuses: RunStatus[];
  experimentIds: string[];
  workflowName: string;
  /** start_time bounds, epoch ms. */
  after: number | null;
  before: number | null;
  /** One order_by term: `start_time DESC`, `metrics.rmse ASC`, … */
  sort: string;
  viewType: ViewType;
}

export const DEFAULT_SORT = 'start_time DESC';

export const EMPTY_QUERY: RunsQuery = {
  filter: '',
  statuses: [],
  experimentIds: [],
  workflowName: '',
  after: null,
  before: null,
  sort: DEFAULT_SORT,
  viewType: 'ACTIVE_ONLY',
};

export type Route =
  | { view: 'editor' }
  | { view: 'runs'; query: RunsQuery }
  /** `from`: the workflow run it was opened from (whose step may have reused it from the cache). */
  | { view: 'run'; runId: string; tab: RunTab; from?: string }
  | { view: 'compare'; runIds: string[] }
  | { view: 'workflowRuns' }
  | { view: 'workflowRun'; workflowRunId: string }
  | { view: 'workflowCompare'; a: string; b: string };

const ID = /^[0-9a-fA-F]{6,32}$/;
const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

function num(v: string | null): number | null {
  if (v === null || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function list(v: string | null): string[] {
  return v ? v.split(',').filter(Boolean) : [];
}

export function parseQuery(params: URLSearchParams): RunsQuery {
  const statuses = list(params.get('status')).filter((s): s is RunStatus =>
    (RUN_STATUSES as readonly string[]).includes(s),
  );
  const view = params.get('view');
  return {
    filter: params.get('filter') ?? '',
    statuses,
    experimentIds: list(params.get('exp')),
    workflowName: params.get('workflow') ?? '',
    after: num(params.get('after')),
    before: num(params.get('before')),
    sort: params.get('sort') || DEFAULT_SORT,
    viewType: VIEW_TYPES.includes(view as ViewType) ? (view as ViewType) : 'ACTIVE_ONLY',
  };
}

export function formatQuery(q: RunsQuery): string {
  const p = new URLSearchParams();
  if (q.filter) p.set('filter', q.filter);
  if (q.statuses.length) p.set('status', q.statuses.join(','));
  if (q.experimentIds.length) p.set('exp', q.experimentIds.join(','));
  if (q.workflowName) p.set('workflow', q.workflowName);
  if (q.after !== null) p.set('after', String(q.after));
  if (q.before !== null) p.set('before', String(q.before));
  if (q.sort !== DEFAULT_SORT) p.set('sort', q.sort);
  if (q.viewType !== 'ACTIVE_ONLY') p.set('view', q.viewType);
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart = '', search = ''] = raw.split('?', 2);
  const parts = pathPart
    .split('/')
    .filter(Boolean)
    .map((x) => decodeURIComponent(x));
  const params = new URLSearchParams(search);
  const [head, second, third] = parts;
  if (head === 'runs') {
    if (!second) return { view: 'runs', query: parseQuery(params) };
    if (ID.test(second)) {
      const tab = (RUN_TABS as readonly string[]).includes(third ?? '') ? (third as RunTab) : 'overview';
      const from = params.get('from') ?? '';
      return ID.test(from) ? { view: 'run', runId: second, tab, from } : { view: 'run', runId: second, tab };
    }
    return { view: 'runs', query: parseQuery(params) };
  }
  if (head === 'compare')
    return { view: 'compare', runIds: list(params.get('runs')).filter((id) => ID.test(id)) };
  if (head === 'workflow-runs') {
    if (second === 'compare') {
      const a = params.get('a') ?? '';
      const b = params.get('b') ?? '';
      if (ID.test(a) && ID.test(b)) return { view: 'workflowCompare', a, b };
      return { view: 'workflowRuns' };
    }
    if (second && ID.test(second)) return { view: 'workflowRun', workflowRunId: second };
    return { view: 'workflowRuns' };
  }
  return { view: 'editor' };
}

export function formatRoute(r: Route): string {
  switch (r.view) {
    case 'editor':
      return '#/editor';
    case 'runs':
      return `#/runs${formatQuery(r.query)}`;
    case 'run':
      return `#/runs/${r.runId}${r.tab === 'overview' ? '' : `/${r.tab}`}${r.from ? `?from=${r.from}` : ''}`;
    case 'compare':
      return `#/compare?runs=${r.runIds.join(',')}`;
    case 'workflowRuns':
      return '#/workflow-runs';
    case 'workflowRun':
      return `#/workflow-runs/${r.workflowRunId}`;
    case 'workflowCompare':
      return `#/workflow-runs/compare?a=${r.a}&b=${r.b}`;
  }
}

export const runHref = (runId: string, tab: RunTab = 'overview', from?: string): string =>
  formatRoute(from ? { view: 'run', runId, tab, from } : { view: 'run', runId, tab });
export const workflowRunHref = (workflowRunId: string): string =>
  formatRoute({ view: 'workflowRun', workflowRunId });
