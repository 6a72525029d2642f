/**
 * MLflow's run search `order_by` items, parsed as MLflow 3.x's
 * `SearchUtils.parse_order_by_for_search_runs` accepts them: one column per item
 * (`metrics.rmse`, `params.alpha`, `tags.team`, `attributes.start_time`, a bare attribute name,
 * keys quoted with backticks or double quotes), optionally followed by ASC or DESC (any case;
 * ascending by default). Duplicate columns are an error, as in MLflow's `_get_orderby_clauses`.
 *
 * The result ends with MLflow's default ordering as tie-breakers: `start_time DESC` (unless
 * start_time was given) and `run_id ASC`. How missing values and NaN sort is the SQL side's job
 * (main/engine/store/search.ts); MLflow puts them last in both directions:
 * metrics sort real values, then NaN, then missing; every other column sorts values, then missing.
 */
import { AppError } from '../errors.js';
import type { EntityType } from './filter.js';
import { Cursor, parseIdentifier } from './filter.js';

export interface OrderTerm {
  type: EntityType;
  /** The key; for attributes one of run_id, run_name, status, user_id, artifact_uri, start_time, end_time. */
  key: string;
  ascending: boolean;
  /** True for the tie-breakers MLflow appends (start_time DESC, run_id ASC). */
  implicit: boolean;
}

/** MLflow's natural order: newest first, then run id. */
export const DEFAULT_ORDER: readonly OrderTerm[] = [
  { type: 'attribute', key: 'start_time', ascending: false, implicit: true },
  { type: 'attribute', key: 'run_id', ascending: true, implicit: true },
];

/** Parses order_by items; an absent or empty list gives MLflow's default order. */
export function parseOrderBy(items: readonly string[] | null | undefined): OrderTerm[] {
  if (items != null && !Array.isArray(items)) {
    throw new AppError(
      'FILTER_INVALID',
      'Invalid order_by: expected a list of strings such as ["metrics.rmse DESC"]',
    );
  }
  const terms: OrderTerm[] = [];
  const seen = new Map<string, number>();
  (items ?? []).forEach((item, index) => {
    if (typeof item !== 'string') {
      throw new AppError(
        'FILTER_INVALID',
        `Invalid order_by item ${index + 1}: expected a string, got ${typeof item}`,
      );
    }
    const c: Cursor = new Cursor(item, 'order_by');
    c.skipWs();
    const id = parseIdentifier(c);
    const afterKey = c.pos;
    c.skipWs();
    let ascending = true;
    if (!c.atEnd()) {
      const at = c.pos;
      const w = c.peekWord()?.toUpperCase();
      if (w !== 'ASC' && w !== 'DESC')
        c.fail('expected ASC or DESC', at, { hint: 'give one column per order_by item' });
      c.pos += w.length;
      ascending = w === 'ASC';
      c.skipWs();
      if (!c.atEnd())
        c.fail('expected the end of the order_by item', c.pos, { hint: 'give one column per order_by item' });
    }
    const k = `${id.type}\u0000${id.key}`;
    const first = seen.get(k);
    if (first !== undefined) {
      c.fail('duplicate column', id.start, {
        token: item.slice(id.start, afterKey),
        hint: `order_by item ${first + 1} ('${items![first]}') already sorts by ${id.display}`,
      });
    }
    seen.set(k, index);
    terms.push({ type: id.type, key: id.key, ascending, implicit: false });
  });
  for (const d of DEFAULT_ORDER) {
    if (!terms.some((t) => t.type === d.type && t.key === d.key)) terms.push({ ...d });
  }
  return terms;
}
