/**
 * The History area: the switch between the editor and the history (in the toolbar), the
 * history's own top bar, and the screen for the current route.
 */
import { Suspense, lazy } from 'react';
import type { ReactNode } from 'react';
import { useHistoryStore } from './history-store.js';
import { formatRoute } from './route.js';
import type { Route } from './route.js';
import { RunsView } from './RunsView.js';

// The runs table is in the main bundle (it is the history's first screen); the other screens, and
// uPlot with them, load when first opened.
const RunDetail = lazy(() => import('./RunDetail.js').then((m) => ({ default: m.RunDetail })));
const CompareView = lazy(() => import('./CompareView.js').then((m) => ({ default: m.CompareView })));
const WorkflowRunsList = lazy(() =>
  import('./WorkflowRuns.js').then((m) => ({ default: m.WorkflowRunsList })),
);
const WorkflowRunView = lazy(() => import('./WorkflowRuns.js').then((m) => ({ default: m.WorkflowRunView })));
const WorkflowCompareView = lazy(() =>
  import('./WorkflowRuns.js').then((m) => ({ default: m.WorkflowCompareView })),
);

export { useHashRoute, navigate } from './useHashRoute.js';
export type { Route } from './route.js';

/** Editor | History, a top-level switch; the editor keeps its state while hidden. */
export function ViewSwitch({ route }: { route: Route }) {
  const lastQuery = useHistoryStore((s) => s.lastQuery);
  const inHistory = route.view !== 'editor';
  return (
    <nav className="h-switch" aria-label="Area">
      <a
        className={inHistory ? '' : 'on'}
        aria-current={inHistory ? undefined : 'page'}
        href={formatRoute({ view: 'editor' })}
        data-testid="nav-editor"
      >
        Editor
      </a>
      <a
        className={inHistory ? 'on' : ''}
        aria-current={inHistory ? 'page' : undefined}
        href={formatRoute({ view: 'runs', query: lastQuery })}
        data-testid="nav-history"
      >
        History
      </a>
    </nav>
  );
}

function Tab({
  on,
  href,
  children,
  testId,
}: {
  on: boolean;
  href: string;
  children: ReactNode;
  testId: string;
}) {
  return (
    <a
      className={`h-navtab${on ? ' on' : ''}`}
      aria-current={on ? 'page' : undefined}
      href={href}
      data-testid={testId}
    >
      {children}
    </a>
  );
}

export function HistoryToolbar({ route }: { route: Route }) {
  const lastQuery = useHistoryStore((s) => s.lastQuery);
  const runsSide = route.view === 'runs' || route.view === 'run' || route.view === 'compare';
  return (
    <header className="toolbar">
      <div className="brand" title="Baton — MLflow Project workflows">
        <span className="brand-mark">◆</span> Baton
      </div>
      <ViewSwitch route={route} />
      <div className="tb-group h-navtabs">
        <Tab on={runsSide} href={formatRoute({ view: 'runs', query: lastQuery })} testId="nav-runs">
          Runs
        </Tab>
        <Tab on={!runsSide} href={formatRoute({ view: 'workflowRuns' })} testId="nav-workflow-runs">
          Workflow runs
        </Tab>
      </div>
      <div className="tb-spacer" />
    </header>
  );
}

export function HistoryView({ route }: { route: Route }) {
  let body: ReactNode = null;
  switch (route.view) {
    case 'runs':
      body = <RunsView query={route.query} />;
      break;
    case 'run':
      body = <RunDetail key={route.runId} runId={route.runId} tab={route.tab} from={route.from} />;
      break;
    case 'compare':
      body = <CompareView runIds={route.runIds} />;
      break;
    case 'workflowRuns':
      body = <WorkflowRunsList />;
      break;
    case 'workflowRun':
      body = <WorkflowRunView key={route.workflowRunId} workflowRunId={route.workflowRunId} />;
      break;
    case 'workflowCompare':
      body = <WorkflowCompareView a={route.a} b={route.b} />;
      break;
    case 'editor':
      break;
  }
  return (
    <div className="history" data-testid="history">
      <Suspense fallback={<div className="h-page muted pad">Loading…</div>}>{body}</Suspense>
    </div>
  );
}
