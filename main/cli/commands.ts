import fs from 'node:fs';
import path from 'node:path';
import { AppError, formatProblem, toAppError } from '../../common/errors.js';
import type { Problem } from '../../common/errors.js';
import type { SearchSyntaxErrorDetails } from '../../common/search/filter.js';
import { Cursor, NUMERIC_ATTRIBUTES, STRING_ATTRIBUTES } from '../../common/search/filter.js';
import type { RunStatus } from '../../common/types.js';
import { RUN_STATUSES } from '../../common/types.js';
import { topologicalOrder } from '../../common/workflow/graph.js';
import type { Engine } from '../engine/engine.js';
import { loadProject, resolveEntryPoint } from '../engine/projects/index.js';
import { BATON_ORDER_KEYS, SEARCH_MAX_RESULTS_THRESHOLD } from '../engine/store/search.js';
import { loadWorkflowFile } from '../engine/workflow/load.js';
import type { WorkflowExecution } from '../engine/workflow/execute.js';
import { keyValues, parse, positiveInt } from './args.js';
import { colorStatus, duration, runDetails, runJson, runsTable, stepsTable, workflowRunJson } from './format.js';
import { HELP } from './help.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Whether stderr is a terminal (live progress, colours). */
  tty: boolean;
  cwd: string;
  /** Registers what Ctrl-C should do while a command runs. */
  onInterrupt: (fn: () => void) => void;
}

/** Exit codes: 0 success, 1 the run/workflow failed or was killed, 2 invalid input (nothing run). */
export type ExitCode = 0 | 1 | 2;

export type Command = (argv: string[], io: Io, engine: () => Engine) => Promise<ExitCode> | ExitCode;

function help(io: Io, key: keyof typeof HELP): ExitCode {
  io.out(HELP[key]);
  return 0;
}

export const run: Command = async (argv, io, engine) => {
  const { values, positionals } = parse(
    argv,
    {
      entry: { type: 'string', short: 'e' },
      param: { type: 'string', short: 'P', multiple: true },
      'experiment-name': { type: 'string' },
      'experiment-id': { type: 'string' },
      'run-name': { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
    },
    { min: 1, max: 1, names: 'PROJECT' },
  );
  if (values.help) return help(io, 'run');
  const e = engine();
  const params = keyValues(values.param);
  const sub = await e.runProject({
    uri: positionals[0]!,
    entryPoint: values.entry,
    parameters: params,
    // As `mlflow run`: without a flag, MLFLOW_EXPERIMENT_NAME / MLFLOW_EXPERIMENT_ID choose the experiment.
    ...experimentChoice(values['experiment-name'], values['experiment-id']),
    runName: values['run-name'],
    baseDir: io.cwd,
  });
  io.onInterrupt(() => void sub.cancel());
  const stopLogs = values.quiet ? () => undefined : e.events.on('run.logAppended', (ev) => ev.runId === sub.runId && io.err(ev.text));
  if (!values.json) io.err(`=== Run ${sub.runId} (${e.getRun(sub.runId).command}) ===\n`);
  const ok = await sub.wait();
  stopLogs();
  const r = e.getRun(sub.runId);
  if (values.json) io.out(JSON.stringify(runJson(r)) + '\n');
  else {
    io.err(`=== Run ${r.run_id} ${colorStatus(r.status, io.tty)} (exit code ${r.exit_code ?? '-'}, ${duration(r.start_time, r.end_time)}) ===\n`);
    io.out(`${r.run_id} ${r.status}\n`);
  }
  return ok ? 0 : 1;
};

/** The order keys `runs list --order-by` accepts besides metrics.KEY, params.KEY and tags.KEY. */
const ORDER_ATTRIBUTES = [...STRING_ATTRIBUTES, ...NUMERIC_ATTRIBUTES, ...BATON_ORDER_KEYS];

/**
 * A bad --order-by item's error also names the history table's own keys (MLflow's parser, which
 * gets the items that are not plain Baton keys, lists only MLflow's attributes), and a Baton key
 * followed by something wrong (`duration DESC x`) is reported where it goes wrong, not as an
 * unknown attribute.
 */
function withOrderKeysHint<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof AppError) || e.code !== 'FILTER_INVALID') throw e;
    const d = e.details as SearchSyntaxErrorDetails | undefined;
    if (d?.kind !== 'order_by' || !e.message.includes('unknown attribute')) throw e;
    batonKeyItemError(d.expression);
    throw new AppError(
      'FILTER_INVALID',
      `${e.message.replace(/; orderable attributes are .*$/s, '')}. --order-by takes ${ORDER_ATTRIBUTES.join(', ')}, metrics.KEY, params.KEY or tags.KEY, optionally followed by ASC or DESC`,
      e.details,
    );
  }
}

const BATON_KEY_PREFIX = new RegExp(`^\\s*(?:attributes?\\.|attr\\.)?(?:${BATON_ORDER_KEYS.join('|')})(?![\\p{L}\\p{N}_.])`, 'iu');

/** Throws the precise error for an order_by item that starts with a Baton key; returns otherwise. */
function batonKeyItemError(item: string): void {
  const m = BATON_KEY_PREFIX.exec(item);
  if (!m) return;
  const c: Cursor = new Cursor(item, 'order_by');
  c.pos = m[0].length;
  c.skipWs();
  const w = c.peekWord()?.toUpperCase();
  if (w !== 'ASC' && w !== 'DESC') c.fail('expected ASC or DESC', c.pos, { hint: 'give one column per order_by item' });
  c.pos += w.length;
  c.skipWs();
  c.fail('expected the end of the order_by item', c.pos, { hint: 'give one column per order_by item' });
}

function experimentChoice(name: string | undefined, id: string | undefined): { experimentName?: string; experimentId?: string } {
  if (name !== undefined && id !== undefined) throw new AppError('USAGE', 'Give --experiment-name or --experiment-id, not both.');
  if (name !== undefined) return { experimentName: name };
  if (id !== undefined) return { experimentId: id };
  if (process.env.MLFLOW_EXPERIMENT_NAME) return { experimentName: process.env.MLFLOW_EXPERIMENT_NAME };
  if (process.env.MLFLOW_EXPERIMENT_ID) return { experimentId: process.env.MLFLOW_EXPERIMENT_ID };
  return {};
}

export const workflow: Command = async (argv, io, engine) => {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'validate':
      return workflowValidate(rest, io);
    case 'run':
      return workflowRun(rest, io, engine);
    case 'resume':
      return workflowResume(rest, io, engine);
    case 'show':
      return workflowShow(rest, io, engine);
    case 'list':
      return workflowList(rest, io, engine);
    case 'cancel':
      return workflowCancel(rest, io, engine);
    case undefined:
    case '-h':
    case '--help':
      return help(io, 'workflow');
    default:
      throw new AppError('USAGE', `Unknown command 'workflow ${sub}'. Commands: validate, run, resume, show, list, cancel.`);
  }
};

function workflowValidate(argv: string[], io: Io): ExitCode {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, { min: 1, max: 1, names: 'FILE' });
  if (values.help) return help(io, 'workflow validate');
  try {
    const loaded = loadWorkflowFile(path.resolve(io.cwd, positionals[0]!), loadProject, resolveEntryPoint);
    const order = topologicalOrder(loaded.spec);
    if (values.json) io.out(JSON.stringify({ valid: true, name: loaded.spec.name, file: loaded.file, steps: order, problems: [] }) + '\n');
    else io.out(`${loaded.file}: workflow '${loaded.spec.name}' is valid (${order.length} steps: ${order.join(' → ')})\n`);
    return 0;
  } catch (e) {
    const err = toAppError(e);
    if (!values.json) throw err;
    const problems = ((err.details as { problems?: Problem[] } | undefined)?.problems ?? [{ code: err.code, message: err.message }]);
    io.out(JSON.stringify({ valid: false, code: err.code, message: err.message, problems }) + '\n');
    return 2;
  }
}

const WORKFLOW_RUN_OPTIONS = {
  param: { type: 'string', short: 'P', multiple: true },
  'no-cache': { type: 'boolean' },
  'max-parallel': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

async function workflowRun(argv: string[], io: Io, engine: () => Engine): Promise<ExitCode> {
  const { values, positionals } = parse(
    argv,
    { ...WORKFLOW_RUN_OPTIONS, from: { type: 'string', multiple: true }, parent: { type: 'string' } },
    { min: 1, max: 1, names: 'FILE' },
  );
  if (values.help) return help(io, 'workflow run');
  if (values.parent !== undefined && !values.from) throw new AppError('USAGE', '--parent goes with --from STEP.');
  const maxParallel = positiveInt(values['max-parallel'], '--max-parallel');
  const exec = await engine().startWorkflow(positionals[0]!, {
    inputs: keyValues(values.param),
    noCache: values['no-cache'],
    maxParallel,
    fromSteps: values.from,
    parent: values.parent,
    cwd: io.cwd,
  });
  return followWorkflow(exec, io, engine(), values);
}

async function workflowResume(argv: string[], io: Io, engine: () => Engine): Promise<ExitCode> {
  const { values, positionals } = parse(
    argv,
    { ...WORKFLOW_RUN_OPTIONS, from: { type: 'string', multiple: true } },
    { min: 1, max: 1, names: 'WORKFLOW_RUN_ID' },
  );
  if (values.help) return help(io, 'workflow resume');
  const exec = await engine().resumeWorkflow(positionals[0]!, {
    inputs: keyValues(values.param),
    noCache: values['no-cache'],
    maxParallel: positiveInt(values['max-parallel'], '--max-parallel'),
    fromSteps: values.from,
    cwd: io.cwd,
  });
  return followWorkflow(exec, io, engine(), values);
}

/** Live progress on stderr while a workflow runs; the result (text or JSON) on stdout. */
async function followWorkflow(exec: WorkflowExecution, io: Io, e: Engine, values: { json?: boolean; quiet?: boolean }): Promise<ExitCode> {
  io.onInterrupt(() => void exec.cancel());
  const id = exec.workflowRunId;
  const stepOf = new Map<string, string>();
  const t0 = Date.now();
  const stamp = () => `+${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const offStep = e.events.on('step.updated', ({ workflowRunId, step }) => {
    if (workflowRunId !== id) return;
    if (step.status === 'RUNNING' && !step.run_id) return; // still being prepared; its launch follows
    if (step.run_id) stepOf.set(step.run_id, step.step_name);
    const run = step.run_id ? ` run ${step.run_id}` : '';
    const why = step.status === 'CACHED' || step.status === 'SKIPPED' || step.status === 'FAILED' ? (step.reason ? ` — ${step.reason}` : '') : '';
    io.err(`${stamp()} ${step.step_name}: ${colorStatus(step.status, io.tty)}${run}${why}\n`);
  });
  // Each line of a step's output is prefixed with its step name, also when a line arrives in pieces.
  const midLine = new Set<string>();
  const offLog = values.quiet
    ? () => undefined
    : e.events.on('run.logAppended', ({ runId, text }) => {
        const step = stepOf.get(runId);
        if (!step) return;
        const prefix = io.tty ? `\x1b[2m[${step}]\x1b[0m ` : `[${step}] `;
        const body = text.replace(/\n(?=.)/gs, `\n${prefix}`);
        io.err(midLine.has(runId) ? body : prefix + body);
        if (text.endsWith('\n')) midLine.delete(runId);
        else midLine.add(runId);
      });
  io.err(`workflow run ${id} started\n`);
  const result = await exec.wait();
  offStep();
  offLog();
  if (values.json) io.out(JSON.stringify(workflowRunJson(result)) + '\n');
  else {
    io.out(`workflow run ${result.workflow_run_id} ${result.status} (${duration(result.start_time, result.end_time)})\n`);
    io.out(stepsTable(Object.values(result.steps)) + '\n');
  }
  return result.status === 'FINISHED' ? 0 : 1;
}

function workflowShow(argv: string[], io: Io, engine: () => Engine): ExitCode {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, { min: 1, max: 1, names: 'WORKFLOW_RUN_ID' });
  if (values.help) return help(io, 'workflow show');
  const store = engine().store;
  const w = store.getWorkflowRun(store.resolveWorkflowRunId(positionals[0]!))!;
  if (values.json) io.out(JSON.stringify(workflowRunJson(w)) + '\n');
  else io.out(`workflow run ${w.workflow_run_id} '${w.workflow_name}' ${w.status} (${duration(w.start_time, w.end_time)})\n${stepsTable(Object.values(w.steps))}\n`);
  return 0;
}

function workflowList(argv: string[], io: Io, engine: () => Engine): ExitCode {
  const { values } = parse(argv, { json: { type: 'boolean' }, 'max-results': { type: 'string' } }, { min: 0, max: 0, names: '' });
  if (values.help) return help(io, 'workflow list');
  const list = engine().store.listWorkflowRuns(positiveInt(values['max-results'], '--max-results') ?? 100);
  if (values.json) io.out(JSON.stringify(list.map(workflowRunJson)) + '\n');
  else
    for (const w of list)
      io.out(`${w.workflow_run_id}  ${w.status.padEnd(8)}  ${duration(w.start_time, w.end_time).padStart(7)}  ${w.workflow_name}\n`);
  return 0;
}

async function workflowCancel(argv: string[], io: Io, engine: () => Engine): Promise<ExitCode> {
  const { values, positionals } = parse(argv, {}, { min: 1, max: 1, names: 'WORKFLOW_RUN_ID' });
  if (values.help) return help(io, 'workflow cancel');
  const e = engine();
  const id = e.store.resolveWorkflowRunId(positionals[0]!);
  const before = e.store.getWorkflowRun(id)!.status;
  if (before !== 'RUNNING') {
    io.out(`workflow run ${id} had already ended (${before})\n`);
    return 0;
  }
  await e.workflows.cancel(id);
  io.out(`workflow run ${id}: cancel requested; its running steps were stopped\n`);
  return 0;
}

export const runs: Command = async (argv, io, engine) => {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'list': {
      const { values } = parse(
        rest,
        {
          'experiment-name': { type: 'string' },
          status: { type: 'string' },
          filter: { type: 'string' },
          'order-by': { type: 'string', multiple: true },
          'max-results': { type: 'string' },
          all: { type: 'boolean' },
          json: { type: 'boolean' },
        },
        { min: 0, max: 0, names: '' },
      );
      if (values.help) return help(io, 'runs list');
      const status = values.status?.toUpperCase();
      if (status !== undefined && !RUN_STATUSES.includes(status as RunStatus)) {
        throw new AppError('USAGE', `--status must be one of ${RUN_STATUSES.join(', ')}, got '${values.status}'.`);
      }
      const e = engine();
      let experimentIds: string[] | undefined;
      if (values['experiment-name'] !== undefined) {
        const exp = e.store.findExperimentByName(values['experiment-name']);
        if (!exp) throw new AppError('EXPERIMENT_NOT_FOUND', `Experiment '${values['experiment-name']}' does not exist.`);
        experimentIds = [exp.experiment_id];
      }
      const maxResults = positiveInt(values['max-results'], '--max-results') ?? 1000;
      if (maxResults > SEARCH_MAX_RESULTS_THRESHOLD) {
        throw new AppError('USAGE', `--max-results must be at most ${SEARCH_MAX_RESULTS_THRESHOLD}, got ${maxResults}.`);
      }
      // The history table's search (the UI's runs.search): MLflow's filter and order_by syntax
      // (docs/search.md) plus the table's own sort keys, so the same query gives the same runs in
      // the same order here and there.
      const { runs: list } = withOrderKeysHint(() =>
        e.store.searchHistory({
          experimentIds,
          filter: values.filter?.trim() || undefined,
          orderBy: values['order-by'],
          statuses: status ? [status] : undefined,
          runViewType: values.all ? 'ALL' : 'ACTIVE_ONLY',
          limit: maxResults,
        }),
      );
      io.out(values.json ? JSON.stringify(list.map(runJson)) + '\n' : runsTable(list) + '\n');
      return 0;
    }
    case 'show': {
      const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, { min: 1, max: 1, names: 'RUN_ID' });
      if (values.help) return help(io, 'runs show');
      const r = engine().getRun(positionals[0]!);
      io.out(values.json ? JSON.stringify(runJson(r)) + '\n' : runDetails(r) + '\n');
      return 0;
    }
    case 'logs': {
      const { values, positionals } = parse(rest, {}, { min: 1, max: 1, names: 'RUN_ID' });
      if (values.help) return help(io, 'runs logs');
      const file = engine().logPath(positionals[0]!);
      if (file && fs.existsSync(file)) await pipeFile(file, io);
      return 0;
    }
    case 'cancel': {
      const { values, positionals } = parse(rest, {}, { min: 1, max: 1, names: 'RUN_ID' });
      if (values.help) return help(io, 'runs cancel');
      const e = engine();
      const r = e.getRun(positionals[0]!);
      const before = r.status;
      const status = await e.cancelRun(r.run_id);
      io.out(before === 'RUNNING' || before === 'SCHEDULED' ? `${r.run_id} ${status}\n` : `${r.run_id} had already ended (${status})\n`);
      return 0;
    }
    case 'rerun': {
      const { values, positionals } = parse(
        rest,
        { json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' }, param: { type: 'string', short: 'P', multiple: true } },
        { min: 1, max: 1, names: 'RUN_ID' },
      );
      if (values.help) return help(io, 'runs rerun');
      const e = engine();
      const sub = await e.rerun(positionals[0]!, keyValues(values.param));
      io.onInterrupt(() => void sub.cancel());
      const off = values.quiet ? () => undefined : e.events.on('run.logAppended', (ev) => ev.runId === sub.runId && io.err(ev.text));
      const ok = await sub.wait();
      off();
      const r = e.getRun(sub.runId);
      io.out(values.json ? JSON.stringify(runJson(r)) + '\n' : `${r.run_id} ${r.status}\n`);
      return ok ? 0 : 1;
    }
    case 'rename': {
      const { values, positionals } = parse(rest, {}, { min: 2, max: 2, names: 'RUN_ID NAME' });
      if (values.help) return help(io, 'runs rename');
      const r = engine().updateRun(positionals[0]!, { name: positionals[1]! });
      io.out(`${r.run_id} renamed to '${r.run_name}'\n`);
      return 0;
    }
    case 'note': {
      const { values, positionals } = parse(rest, { clear: { type: 'boolean' } }, { min: 1, max: 2, names: 'RUN_ID TEXT' });
      if (values.help) return help(io, 'runs note');
      if (values.clear && positionals.length === 2) throw new AppError('USAGE', 'Give a note TEXT or --clear, not both.');
      if (!values.clear && positionals.length === 1) throw new AppError('USAGE', 'Missing argument: TEXT (or --clear to remove the note).');
      const note = values.clear ? '' : positionals[1]!;
      if (!values.clear && note === '') throw new AppError('USAGE', 'The note is empty; use --clear to remove a note.');
      const r = engine().updateRun(positionals[0]!, { note });
      io.out(values.clear ? `${r.run_id}: note removed\n` : `${r.run_id}: note set\n`);
      return 0;
    }
    case 'delete':
    case 'restore': {
      const { values, positionals } = parse(rest, {}, { min: 1, max: 10_000, names: 'RUN_ID...' });
      if (values.help) return help(io, sub === 'delete' ? 'runs delete' : 'runs restore');
      const e = engine();
      const n = sub === 'delete' ? e.deleteRuns(positionals) : e.restoreRuns(positionals);
      io.out(`${n} run${n === 1 ? '' : 's'} ${sub === 'delete' ? 'deleted' : 'restored'}${n < positionals.length ? ` (${positionals.length - n} already ${sub === 'delete' ? 'deleted' : 'active'})` : ''}\n`);
      return 0;
    }
    case 'mark-failed': {
      const { values, positionals } = parse(rest, {}, { min: 1, max: 1, names: 'RUN_ID' });
      if (values.help) return help(io, 'runs mark-failed');
      const e = engine();
      const id = e.store.resolveRunId(positionals[0]!);
      io.out(`${id} ${e.markFailed(id)}\n`);
      return 0;
    }
    case undefined:
    case '-h':
    case '--help':
      return help(io, 'runs');
    default:
      throw new AppError('USAGE', `Unknown command 'runs ${sub}'. Commands: list, show, logs, cancel, rerun, rename, note, delete, restore, mark-failed.`);
  }
};

function pipeFile(file: string, io: Io): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = fs.createReadStream(file, { encoding: 'utf8' });
    s.on('data', (chunk) => io.out(chunk as string));
    s.on('end', resolve);
    s.on('error', reject);
  });
}

export function formatProblems(problems: Problem[]): string {
  return problems.map(formatProblem).join('\n');
}
