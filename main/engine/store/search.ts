/**
 * Run search: MLflow's filter and order_by (common/search) compiled to parameterised SQL over the
 * history schema, with MLflow's SQL-store semantics (mlflow/store/tracking/sqlalchemy_store.py,
 * `_search_runs`, `_get_sqlalchemy_filter_clauses`, `_get_orderby_clauses`):
 *
 * - each metric/param/tag clause must match a row of latest_metrics/params/tags for that key, so a
 *   run without the key never matches (not even `!=`); `IS NULL` / `IS NOT NULL` test presence;
 * - LIKE is case-sensitive (MLflow sets `PRAGMA case_sensitive_like` on SQLite; we compile LIKE to
 *   the equivalent GLOB instead of changing a connection-wide pragma); ILIKE is
 *   `lower(x) LIKE lower(pattern)`, as SQLAlchemy renders it on SQLite;
 * - ordering puts missing values last in both directions, and for metrics NaN after real values
 *   and before missing ones; MLflow's `start_time DESC, run_id` follow as tie-breakers;
 * - paging is offset-based like MLflow's, with an opaque token tied to the query.
 *
 * Only run ids come back; the Store turns them into records.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Db } from './db.js';
import { AppError } from '../../../common/errors.js';
import type { Clause, NumericComparator, StringComparator } from '../../../common/search/filter.js';
import { parseFilter } from '../../../common/search/filter.js';
import type { OrderTerm } from '../../../common/search/order-by.js';
import { parseOrderBy } from '../../../common/search/order-by.js';

export type RunViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface SearchRunsQuery {
  /** Experiments to search; absent means all experiments, empty means none. */
  experimentIds?: readonly string[];
  filter?: string;
  orderBy?: readonly string[];
  /** Page size: default 1000, at most 50000 (MLflow's SEARCH_MAX_RESULTS_DEFAULT / _THRESHOLD). */
  maxResults?: number;
  /** The nextPageToken of the previous page of the same search. */
  pageToken?: string;
  /** Default ACTIVE_ONLY, as MLflow. */
  runViewType?: RunViewType;
}

export interface SearchRunsResult {
  runIds: string[];
  /** Present when more runs match; pass it back as pageToken with the same query. */
  nextPageToken: string | null;
}

export const SEARCH_MAX_RESULTS_DEFAULT = 1000;
export const SEARCH_MAX_RESULTS_THRESHOLD = 50_000;
const RUN_VIEW_TYPES: readonly RunViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];
/** Longer run id lists go in as one JSON parameter instead of one placeholder each. */
const MAX_INLINE_LIST = 100;

type SqlValue = string | number;

export interface CompiledSearch {
  sql: string;
  params: SqlValue[];
  /** Rows to skip (from the page token) and the page size; the statement fetches one extra row. */
  offset: number;
  limit: number;
  /** Identifies the search (not the page) so a page token cannot be replayed on another search. */
  fingerprint: string;
}

const ATTRIBUTE_COLUMNS: Readonly<Record<string, string>> = {
  run_id: 'r.run_id',
  // MLflow's SQL store reads run_name from the mlflow.runName tag because its runs.name column is
  // empty for runs logged by MLflow <= 1.29; Baton keeps runs.run_name and the tag in step.
  run_name: 'r.run_name',
  status: 'r.status',
  user_id: 'r.user_id',
  artifact_uri: 'r.artifact_uri',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
};
const NULLABLE_ATTRIBUTES = new Set(['start_time', 'end_time']);

/** Compiles a search to one SQL statement; exported for tests and query-plan checks. */
export function compileSearchRuns(q: SearchRunsQuery = {}): CompiledSearch {
  const limit = checkMaxResults(q.maxResults);
  const view = checkView(q.runViewType);
  const experimentIds = q.experimentIds === undefined ? undefined : checkExperimentIds(q.experimentIds);
  const clauses = parseFilter(q.filter);
  const terms = parseOrderBy(q.orderBy);
  const fingerprint = fingerprintOf(experimentIds, view, clauses, terms);
  const offset = decodePageToken(q.pageToken, fingerprint);
  const parts = compileParts(experimentIds, view, clauses, terms);
  return { sql: selectSql(parts), params: [...parts.joinParams, ...parts.whereParams, limit + 1, offset], offset, limit, fingerprint };
}

function checkView(v: RunViewType | undefined): RunViewType {
  const view = v ?? 'ACTIVE_ONLY';
  if (!RUN_VIEW_TYPES.includes(view)) {
    throw new AppError('USAGE', `Invalid run view type '${String(view)}': use ACTIVE_ONLY, DELETED_ONLY or ALL.`);
  }
  return view;
}

interface SqlParts {
  joins: string[];
  joinParams: SqlValue[];
  where: string[];
  whereParams: SqlValue[];
  order: string[];
  orderParams: SqlValue[];
}

/** An order term: MLflow's, or one of Baton's history-table columns. */
type HistoryOrderTerm = OrderTerm | { type: 'baton'; key: BatonOrderKey; ascending: boolean; implicit: false };

function compileParts(
  experimentIds: number[] | undefined,
  view: RunViewType,
  clauses: Clause[],
  terms: readonly HistoryOrderTerm[],
  now = 0,
): SqlParts {
  const p: SqlParts = { joins: [], joinParams: [], where: [], whereParams: [], order: [], orderParams: [] };
  if (experimentIds !== undefined) {
    if (experimentIds.length === 0) p.where.push('0');
    else {
      p.where.push(`r.experiment_id IN (${experimentIds.map(() => '?').join(', ')})`);
      p.whereParams.push(...experimentIds);
    }
  }
  if (view !== 'ALL') {
    // A literal, not a parameter: the partial index of deleted runs (migration 3) can then serve it.
    p.where.push(view === 'ACTIVE_ONLY' ? "r.lifecycle_stage = 'active'" : "r.lifecycle_stage = 'deleted'");
  }
  for (const c of clauses) {
    const [sql, params] = clauseSql(c);
    p.where.push(sql);
    p.whereParams.push(...params);
  }

  terms.forEach((t, i) => {
    const dir = t.ascending ? 'ASC' : 'DESC';
    if (t.type === 'baton') {
      // Missing values (a run not started, not a workflow step) sort last both ways, as MLflow's.
      const expr = BATON_ORDER_SQL[t.key];
      p.order.push(`${expr} ${dir} NULLS LAST`);
      if (t.key === 'duration') p.orderParams.push(now);
      return;
    }
    if (t.type === 'attribute') {
      const col = ATTRIBUTE_COLUMNS[t.key]!;
      // SQLite sorts NULL first ascending and last descending; MLflow wants it last both ways.
      p.order.push(NULLABLE_ATTRIBUTES.has(t.key) && t.ascending ? `${col} ASC NULLS LAST` : `${col} ${dir}`);
      return;
    }
    const alias = `o${i}`;
    const table = t.type === 'metric' ? 'latest_metrics' : t.type === 'parameter' ? 'params' : 'tags';
    p.joins.push(`LEFT JOIN ${table} AS ${alias} ON ${alias}.run_id = r.run_id AND ${alias}.key = ?`);
    p.joinParams.push(t.key);
    if (t.type === 'metric') {
      // MLflow: CASE WHEN is_nan THEN 1 WHEN value IS NULL THEN 2 ELSE 0 END, then the value.
      p.order.push(`CASE WHEN ${alias}.is_nan = 1 THEN 1 WHEN ${alias}.value IS NULL THEN 2 ELSE 0 END`);
      p.order.push(`${alias}.value ${dir}`);
    } else {
      p.order.push(`${alias}.value ${dir} NULLS LAST`);
    }
  });
  return p;
}

function selectSql(p: SqlParts): string {
  return (
    `SELECT r.run_id AS run_id FROM runs AS r` +
    (p.joins.length ? `\n${p.joins.join('\n')}` : '') +
    (p.where.length ? `\nWHERE ${p.where.join('\n  AND ')}` : '') +
    `\nORDER BY ${p.order.join(', ')}` +
    `\nLIMIT ? OFFSET ?`
  );
}

// ---- the history table's search (runs.search) -----------------------------------------------------

/**
 * Baton's extra order keys, so the history table can sort by each of its columns. Written bare or
 * with `attributes.` (`duration DESC`, `attributes.experiment_name`). duration is end − start, or
 * now − start for a run still going; the others are names the run's ids point to.
 */
export const BATON_ORDER_KEYS = ['duration', 'experiment_name', 'workflow_name', 'step_name', 'entry_point'] as const;
export type BatonOrderKey = (typeof BATON_ORDER_KEYS)[number];
const BATON_ORDER_SQL: Readonly<Record<BatonOrderKey, string>> = {
  duration: '(coalesce(r.end_time, ?) - r.start_time)',
  experiment_name: '(SELECT e.name FROM experiments AS e WHERE e.experiment_id = r.experiment_id)',
  workflow_name: '(SELECT w.workflow_name FROM workflow_runs AS w WHERE w.workflow_run_id = r.workflow_run_id)',
  step_name: 'r.step_name',
  entry_point: "nullif(r.entry_point, '')",
};
const BATON_ORDER_TERM = new RegExp(
  `^\\s*(?:attributes?\\.|attr\\.)?(${BATON_ORDER_KEYS.join('|')})(?:\\s+(ASC|DESC))?\\s*$`,
  'i',
);

export interface HistorySearchQuery {
  filter?: string;
  orderBy?: readonly string[];
  experimentIds?: readonly string[];
  statuses?: readonly string[];
  /** Runs of workflow runs of this workflow (workflow_runs.workflow_name). */
  workflowName?: string;
  /** Runs a workflow run made or reused (its steps' runs). Must be a full id. */
  workflowRunId?: string;
  /** start_time bounds, epoch ms, inclusive. */
  startedAfter?: number;
  startedBefore?: number;
  runViewType?: RunViewType;
  offset?: number;
  /** Page size, default 100, at most 50000. */
  limit?: number;
  /** "Now" for the duration of runs still going (default Date.now()). */
  now?: number;
}

export interface CompiledHistorySearch {
  sql: string;
  params: SqlValue[];
  countSql: string;
  countParams: SqlValue[];
  offset: number;
  limit: number;
}

/** Parses order_by items, Baton's extra keys among MLflow's; errors name the item. */
export function parseHistoryOrderBy(items: readonly string[] | undefined): HistoryOrderTerm[] {
  const terms: HistoryOrderTerm[] = [];
  const seen = new Set<string>();
  const mlflowItems: { index: number; item: string }[] = [];
  (items ?? []).forEach((item, index) => {
    const m = BATON_ORDER_TERM.exec(item);
    if (!m) {
      mlflowItems.push({ index, item });
      return;
    }
    const key = m[1]!.toLowerCase() as BatonOrderKey;
    if (seen.has(key)) {
      throw new AppError('FILTER_INVALID', `Invalid order_by '${item}': duplicate column ${key} (order_by item ${index + 1}).`, {
        kind: 'order_by',
        expression: item,
        position: item.indexOf(m[1]!),
        token: m[1]!,
      });
    }
    seen.add(key);
    terms[index] = { type: 'baton', key, ascending: (m[2] ?? 'ASC').toUpperCase() === 'ASC', implicit: false };
  });
  // The MLflow terms are parsed together (duplicates are found across them), then put back in place.
  const parsed = parseOrderBy(mlflowItems.map((x) => x.item));
  mlflowItems.forEach((x, i) => (terms[x.index] = parsed[i]!));
  return [...terms, ...parsed.slice(mlflowItems.length)];
}

/** Compiles the history table's search: MLflow's filter and order plus the table's own filters. */
export function compileHistorySearch(q: HistorySearchQuery): CompiledHistorySearch {
  const view = checkView(q.runViewType);
  const experimentIds = q.experimentIds === undefined ? undefined : checkExperimentIds(q.experimentIds);
  const clauses = parseFilter(q.filter);
  const terms = parseHistoryOrderBy(q.orderBy);
  const limit = q.limit ?? 100;
  const offset = q.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_MAX_RESULTS_THRESHOLD) {
    throw new AppError('USAGE', `Invalid limit ${String(limit)}: it must be an integer from 1 to ${SEARCH_MAX_RESULTS_THRESHOLD}.`);
  }
  if (!Number.isInteger(offset) || offset < 0) throw new AppError('USAGE', `Invalid offset ${String(offset)}: it must be a non-negative integer.`);
  const p = compileParts(experimentIds, view, clauses, terms, q.now ?? Date.now());
  if (q.statuses !== undefined) {
    const bad = q.statuses.find((s) => !RUN_STATUS_VALUES.includes(s));
    if (bad !== undefined) throw new AppError('USAGE', `Invalid status '${bad}': use ${RUN_STATUS_VALUES.join(', ')}.`);
    const statuses = [...new Set(q.statuses)];
    p.where.push(statuses.length ? `r.status IN (${statuses.map(() => '?').join(', ')})` : '0');
    p.whereParams.push(...statuses);
  }
  if (q.workflowName !== undefined) {
    p.where.push('r.workflow_run_id IN (SELECT w.workflow_run_id FROM workflow_runs AS w WHERE w.workflow_name = ?)');
    p.whereParams.push(q.workflowName);
  }
  if (q.workflowRunId !== undefined) {
    // The runs it made and the earlier runs its cached steps reused.
    p.where.push(
      'r.run_id IN (SELECT x.run_id FROM runs AS x WHERE x.workflow_run_id = ? UNION SELECT s.run_id FROM workflow_steps AS s WHERE s.workflow_run_id = ? AND s.run_id IS NOT NULL)',
    );
    p.whereParams.push(q.workflowRunId, q.workflowRunId);
  }
  for (const [bound, op] of [
    [q.startedAfter, '>='],
    [q.startedBefore, '<='],
  ] as const) {
    if (bound === undefined) continue;
    if (!Number.isFinite(bound)) throw new AppError('USAGE', `Invalid start time bound ${String(bound)}: expected epoch milliseconds.`);
    p.where.push(`r.start_time ${op} ?`);
    p.whereParams.push(bound);
  }
  const whereSql = p.where.length ? `\nWHERE ${p.where.join('\n  AND ')}` : '';
  return {
    sql: selectSql(p),
    params: [...p.joinParams, ...p.whereParams, ...p.orderParams, limit, offset],
    countSql: `SELECT count(*) AS run_id FROM runs AS r${whereSql}`,
    countParams: [...p.whereParams],
    offset,
    limit,
  };
}

const RUN_STATUS_VALUES: readonly string[] = ['SCHEDULED', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED'];

/** One page of the history table's search and the number of runs matching in all. */
export function searchHistory(db: Db, q: HistorySearchQuery): { runIds: string[]; total: number; offset: number } {
  const c = compileHistorySearch(q);
  const runIds = statement(db, c.sql)
    .all(...c.params)
    .map((r) => r.run_id);
  const total = (statement(db, c.countSql).get(...c.countParams) as unknown as { run_id: number }).run_id;
  return { runIds, total, offset: c.offset };
}

/** Runs a search and returns one page of run ids in order. */
export function searchRuns(db: Db, q: SearchRunsQuery = {}): SearchRunsResult {
  const c = compileSearchRuns(q);
  const rows = statement(db, c.sql).all(...c.params);
  const more = rows.length > c.limit;
  const runIds = (more ? rows.slice(0, c.limit) : rows).map((r) => r.run_id);
  return { runIds, nextPageToken: more ? encodePageToken(c.offset + c.limit, c.fingerprint) : null };
}

// ---- clauses --------------------------------------------------------------------------------------

function clauseSql(c: Clause): [string, SqlValue[]] {
  switch (c.type) {
    case 'metric': {
      // NaN is stored as value 0 with is_nan = 1. As in MLflow's in-memory SearchUtils (Python
      // floats), NaN is unequal to everything and neither smaller nor larger than anything. The
      // is_nan test is only written when the stored 0 would otherwise give the wrong answer, so
      // the common shapes stay covered by latest_metrics_key_value (key, value).
      const zeroPasses = compareNumbers(0, c.comparator, c.value);
      const cond =
        c.comparator === '!='
          ? zeroPasses
            ? 'value != ?'
            : '(value != ? OR is_nan = 1)'
          : zeroPasses
            ? `value ${c.comparator} ? AND is_nan = 0`
            : `value ${c.comparator} ?`;
      return [`r.run_id IN (SELECT run_id FROM latest_metrics WHERE key = ? AND ${cond})`, [c.key, c.value]];
    }
    case 'parameter':
    case 'tag': {
      const table = c.type === 'parameter' ? 'params' : 'tags';
      if (!('value' in c)) {
        const not = c.comparator === 'IS NULL' ? 'NOT ' : '';
        return [`r.run_id ${not}IN (SELECT run_id FROM ${table} WHERE key = ?)`, [c.key]];
      }
      const [cond, value] = stringComparison('value', c.comparator, c.value);
      return [`r.run_id IN (SELECT run_id FROM ${table} WHERE key = ? AND ${cond})`, [c.key, value]];
    }
    case 'attribute': {
      const col = ATTRIBUTE_COLUMNS[c.key]!;
      if (Array.isArray(c.value)) {
        const inline = c.value.length <= MAX_INLINE_LIST;
        const list = inline ? `(${c.value.map(() => '?').join(', ')})` : '(SELECT value FROM json_each(?))';
        return [`${col} ${c.comparator} ${list}`, inline ? c.value : [JSON.stringify(c.value)]];
      }
      if (typeof c.value === 'number') return [`${col} ${c.comparator} ?`, [c.value]];
      const [cond, value] = stringComparison(col, c.comparator as StringComparator, c.value);
      return [cond, [value]];
    }
  }
}

function compareNumbers(a: number, op: NumericComparator, b: number): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

function stringComparison(col: string, op: StringComparator, value: string): [string, string] {
  switch (op) {
    case '=':
    case '!=':
      return [`${col} ${op} ?`, value];
    case 'LIKE':
      return [`${col} GLOB ?`, likeToGlob(value)];
    case 'ILIKE':
      return [`lower(${col}) LIKE lower(?)`, value];
  }
}

/**
 * A LIKE pattern as the GLOB pattern that matches the same strings case-sensitively: % and _ become
 * * and ?, and GLOB's own wildcards are bracketed. Like SQLite's LIKE without ESCAPE (what MLflow
 * sends), there is no escape character.
 */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '%') out += '*';
    else if (ch === '_') out += '?';
    else if (ch === '*' || ch === '?' || ch === '[') out += `[${ch}]`;
    else out += ch;
  }
  return out;
}

// ---- arguments ------------------------------------------------------------------------------------

function checkMaxResults(v: number | undefined): number {
  if (v === undefined) return SEARCH_MAX_RESULTS_DEFAULT;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new AppError(
      'USAGE',
      `Invalid value for maxResults: it must be a positive integer, but got ${String(v)}.`,
    );
  }
  if (v > SEARCH_MAX_RESULTS_THRESHOLD) {
    throw new AppError(
      'USAGE',
      `Invalid value for maxResults: it must be at most ${SEARCH_MAX_RESULTS_THRESHOLD}, but got ${v}.`,
    );
  }
  return v;
}

function checkExperimentIds(ids: readonly string[]): number[] {
  if (!Array.isArray(ids))
    throw new AppError('USAGE', 'Invalid experiment ids: expected a list of experiment id strings.');
  return [
    ...new Set(
      ids.map((id) => {
        if (typeof id !== 'string' || !/^\d{1,15}$/.test(id)) {
          throw new AppError(
            'USAGE',
            `Invalid experiment id '${String(id)}': experiment ids are non-negative integers.`,
          );
        }
        return Number(id);
      }),
    ),
  ].sort((a, b) => a - b);
}

// ---- page tokens ----------------------------------------------------------------------------------

/*
 * A token is base64url(JSON {v, o, q}) + "." + check, where o is the offset, q the search's
 * fingerprint and check a digest of both. The digest is not a secret: it catches edited or
 * truncated tokens and tokens from another search, which is what an offset token needs.
 */

function fingerprintOf(
  experimentIds: number[] | undefined,
  view: RunViewType,
  clauses: Clause[],
  terms: OrderTerm[],
): string {
  const shape = {
    e: experimentIds ?? null,
    v: view,
    f: clauses.map((c) => ({ t: c.type, k: c.key, c: c.comparator, v: 'value' in c ? c.value : null })),
    o: terms.map((t) => [t.type, t.key, t.ascending]),
  };
  return sha256(JSON.stringify(shape)).slice(0, 16);
}

function check(body: string): string {
  return sha256(`baton-run-search-page-token:${body}`).slice(0, 16);
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function encodePageToken(offset: number, fingerprint: string): string {
  const body = Buffer.from(JSON.stringify({ v: 1, o: offset, q: fingerprint })).toString('base64url');
  return `${body}.${check(body)}`;
}

function decodePageToken(token: string | undefined, fingerprint: string): number {
  if (token === undefined || token === '') return 0;
  const bad = (why: string): never => {
    throw new AppError('USAGE', `Invalid page token: ${why}. Start the search again without a page token.`);
  };
  if (typeof token !== 'string') return bad('expected a string');
  const m = /^([A-Za-z0-9_-]{1,512})\.([0-9a-f]{16})$/.exec(token);
  if (!m) return bad('it is not a token returned by a previous search');
  const [, body, digest] = m as unknown as [string, string, string];
  if (check(body) !== digest) return bad('it has been altered or truncated');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return bad('it has been altered or truncated');
  }
  const p = parsed as { v?: unknown; o?: unknown; q?: unknown } | null;
  if (
    !p ||
    p.v !== 1 ||
    typeof p.q !== 'string' ||
    typeof p.o !== 'number' ||
    !Number.isSafeInteger(p.o) ||
    p.o < 0
  ) {
    return bad('it has been altered or truncated');
  }
  if (p.q !== fingerprint)
    return bad('it belongs to a different search (the filter, order, experiments or view changed)');
  return p.o;
}

// ---- statements -----------------------------------------------------------------------------------

type Row = { run_id: string };
const statements = new WeakMap<Db, Map<string, Database.Statement<SqlValue[], Row>>>();
const MAX_CACHED_STATEMENTS = 64;

/** Prepared statements per connection, least recently used dropped first. */
function statement(db: Db, sql: string): Database.Statement<SqlValue[], Row> {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map<string, Database.Statement<SqlValue[], Row>>()));
  let stmt = cache.get(sql);
  if (stmt) {
    cache.delete(sql);
  } else {
    stmt = db.prepare<SqlValue[], Row>(sql);
    if (cache.size >= MAX_CACHED_STATEMENTS) cache.delete(cache.keys().next().value!);
  }
  cache.set(sql, stmt);
  return stmt;
}
