/**
 * MLflow's run search filter language (`filter_string` of `search_runs`), parsed as MLflow 3.x's
 * `SearchUtils.parse_search_filter` accepts it: comparisons joined by AND (no OR, no parentheses),
 * on `metrics.`, `params.`, `tags.` and `attributes.` keys (with MLflow's aliases), keys quoted with
 * backticks or double quotes, values in single or double quotes, and the comparators MLflow allows
 * for each kind of key. Environment-free: shared by the engine and the UI (which underlines
 * `details.position` of a FILTER_INVALID error).
 *
 * Errors read "Invalid filter '<filter>': <problem> at position <n>, found '<token>'[; <hint>]",
 * with 0-based character offsets.
 */
import { AppError } from '../errors.js';

/** MLflow's canonical entity names (`SearchUtils._IDENTIFIERS`, minus datasets). */
export type EntityType = 'metric' | 'parameter' | 'tag' | 'attribute';

export const NUMERIC_COMPARATORS = ['=', '!=', '<', '<=', '>', '>='] as const;
export type NumericComparator = (typeof NUMERIC_COMPARATORS)[number];
export const STRING_COMPARATORS = ['=', '!=', 'LIKE', 'ILIKE'] as const;
export type StringComparator = (typeof STRING_COMPARATORS)[number];
export type NullComparator = 'IS NULL' | 'IS NOT NULL';
export type ListComparator = 'IN' | 'NOT IN';
export type Comparator = NumericComparator | StringComparator | NullComparator | ListComparator;

/** `RunInfo.get_searchable_attributes()`: the string ones, then the numeric ones. */
export const STRING_ATTRIBUTES = ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri'] as const;
export const NUMERIC_ATTRIBUTES = ['start_time', 'end_time'] as const;
export type StringAttribute = (typeof STRING_ATTRIBUTES)[number];
export type NumericAttribute = (typeof NUMERIC_ATTRIBUTES)[number];
export type RunAttribute = StringAttribute | NumericAttribute;

/** MLflow's alternate attribute names (`_ALTERNATE_NUMERIC_ATTRIBUTES`, `_ALTERNATE_STRING_ATTRIBUTES`). */
const FILTER_ATTRIBUTE_ALIASES: Readonly<Record<string, RunAttribute>> = {
  created: 'start_time',
  Created: 'start_time',
  'run name': 'run_name',
  'Run name': 'run_name',
  'Run Name': 'run_name',
};
/** order_by accepts only the numeric alternates (`VALID_ORDER_BY_ATTRIBUTE_KEYS`). */
const ORDER_BY_ATTRIBUTE_ALIASES: Readonly<Record<string, RunAttribute>> = {
  created: 'start_time',
  Created: 'start_time',
};

/**
 * MLflow's entity prefixes and their aliases (`_VALID_IDENTIFIERS`); `runs` is a Baton extra.
 * `dataset`/`datasets` are recognised only to be rejected with a clear message.
 */
const ENTITY_ALIASES: Readonly<Record<string, EntityType | 'dataset'>> = {
  metric: 'metric',
  metrics: 'metric',
  parameter: 'parameter',
  parameters: 'parameter',
  param: 'parameter',
  params: 'parameter',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  runs: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

/** How a key is written back in messages and docs. */
export const ENTITY_PREFIX: Readonly<Record<EntityType, string>> = {
  metric: 'metrics',
  parameter: 'params',
  tag: 'tags',
  attribute: 'attributes',
};

interface ClauseSpan {
  /** Offset of the clause's first character in the filter. */
  position: number;
  /** Offset just past the clause's last character. */
  end: number;
}

export type Clause = ClauseSpan &
  (
    | { type: 'metric'; key: string; comparator: NumericComparator; value: number }
    | { type: 'parameter' | 'tag'; key: string; comparator: StringComparator; value: string }
    | { type: 'parameter' | 'tag'; key: string; comparator: NullComparator }
    | { type: 'attribute'; key: NumericAttribute; comparator: NumericComparator; value: number }
    | { type: 'attribute'; key: StringAttribute; comparator: StringComparator; value: string }
    | { type: 'attribute'; key: 'run_id'; comparator: ListComparator; value: string[] }
  );

/** What `details` of a FILTER_INVALID error holds. */
export interface SearchSyntaxErrorDetails {
  kind: 'filter' | 'order_by';
  expression: string;
  position: number;
  /** The offending text, or null at the end of the expression. */
  token: string | null;
}

// ---- shared scanner (also used by order-by.ts) ------------------------------------------------

const WORD = /[\p{L}_][\p{L}\p{N}_]*/uy;
const WORD_START = /[\p{L}_]/u;
const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/y;
const OPERATOR_CHARS = '<>=!~';
const QUOTES = '\'"`';

/** @internal A cursor over one expression with MLflow-aware lexing and located errors. */
export class Cursor {
  pos = 0;

  constructor(
    readonly src: string,
    readonly kind: 'filter' | 'order_by',
  ) {}

  atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  peek(offset = 0): string {
    return this.src.charAt(this.pos + offset);
  }

  skipWs(): void {
    while (this.pos < this.src.length && /\s/u.test(this.src.charAt(this.pos))) this.pos++;
  }

  /** A word (identifier characters) at the cursor, without consuming it. */
  peekWord(): string | null {
    WORD.lastIndex = this.pos;
    const m = WORD.exec(this.src);
    return m ? m[0] : null;
  }

  readWord(): string | null {
    const w = this.peekWord();
    if (w !== null) this.pos += w.length;
    return w;
  }

  /** A quoted run at the cursor ('…', "…" or `…`); a doubled quote stands for itself. */
  readQuoted(what: string): { value: string; raw: string; start: number } {
    const start = this.pos;
    const q = this.src.charAt(start);
    let value = '';
    let i = start + 1;
    for (;;) {
      const j = this.src.indexOf(q, i);
      if (j < 0)
        this.fail(`unterminated ${what}`, start, {
          token: this.src.slice(start),
          hint: `the closing ${q} is missing`,
        });
      value += this.src.slice(i, j);
      if (this.src.charAt(j + 1) === q) {
        value += q;
        i = j + 2;
        continue;
      }
      this.pos = j + 1;
      return { value, raw: this.src.slice(start, j + 1), start };
    }
  }

  /** The lexeme at `p` as a person would point at it, or null at the end. */
  tokenAt(p: number): string | null {
    const s = this.src;
    if (p >= s.length) return null;
    const ch = s.charAt(p);
    if (QUOTES.includes(ch)) {
      let i = p + 1;
      for (;;) {
        const j = s.indexOf(ch, i);
        if (j < 0) return s.slice(p);
        if (s.charAt(j + 1) === ch) {
          i = j + 2;
          continue;
        }
        return s.slice(p, j + 1);
      }
    }
    if (WORD_START.test(ch)) return /^[\p{L}\p{N}_.]+/u.exec(s.slice(p))![0];
    if (/[-+.\d]/.test(ch)) {
      const m = /^[-+]?[\p{L}\p{N}_.]+/u.exec(s.slice(p));
      if (m) return m[0];
    }
    if (OPERATOR_CHARS.includes(ch)) return /^[<>=!~]+/.exec(s.slice(p))![0];
    return ch;
  }

  fail(problem: string, position: number, opts: { token?: string | null; hint?: string } = {}): never {
    const token = opts.token !== undefined ? opts.token : this.tokenAt(position);
    const found =
      token === null
        ? `the end of the ${this.kind}`
        : QUOTES.includes(token.charAt(0))
          ? token
          : `'${token}'`;
    const message =
      `Invalid ${this.kind} '${this.src}': ${problem} at position ${position}, found ${found}` +
      (opts.hint ? `; ${opts.hint}` : '');
    const details: SearchSyntaxErrorDetails = { kind: this.kind, expression: this.src, position, token };
    throw new AppError('FILTER_INVALID', message, details);
  }
}

/** @internal A parsed left-hand side: `metrics.rmse`, `tags."mlflow.runName"`, `status`, … */
export interface Identifier {
  type: EntityType;
  /** The key, unquoted; attribute aliases (created, run name) are translated to MLflow's names. */
  key: string;
  start: number;
  /** How the identifier is named in messages, e.g. `metrics.rmse`. */
  display: string;
}

const FILTER_ATTRIBUTES_HINT =
  'searchable attributes are run_id, run_name, status, start_time, end_time, user_id, artifact_uri ' +
  "(and MLflow's aliases created, Created, `run name`)";
const ORDER_BY_ATTRIBUTES_HINT =
  'orderable attributes are run_id, run_name, status, start_time, end_time, user_id, artifact_uri (and created, Created)';
const ENTITY_HINT =
  'use metrics.<key>, params.<key>, tags.<key> or attributes.<name> ' +
  '(aliases: metric, param, parameter, parameters, tag, attribute, attr, run, runs)';

function attributeHint(key: string, mode: 'filter' | 'order_by'): string {
  if (key === 'lifecycle_stage')
    return 'MLflow does not search on lifecycle_stage; use the run view type (ACTIVE_ONLY, DELETED_ONLY, ALL)';
  if (key === 'experiment_id')
    return 'MLflow does not search on experiment_id; pass the experiment ids to the search instead';
  if (ENTITY_ALIASES[key] !== undefined) return `did you mean ${key}.<key>?`;
  return mode === 'filter' ? FILTER_ATTRIBUTES_HINT : ORDER_BY_ATTRIBUTES_HINT;
}

/** @internal Parses the identifier at the cursor (no leading whitespace). */
export function parseIdentifier(c: Cursor): Identifier {
  const start = c.pos;
  const mode = c.kind;
  const ch = c.peek();
  let head: string;
  let headQuote = '';
  if (ch === '`' || ch === '"') {
    headQuote = ch;
    head = c.readQuoted(ch === '`' ? 'backtick-quoted name' : 'quoted name').value;
  } else {
    const w = c.readWord();
    if (w === null) {
      const hint =
        ch === '('
          ? 'parentheses are not supported: MLflow filters are comparisons joined by AND'
          : /\d/.test(ch)
            ? 'a comparison starts with the key, e.g. metrics.rmse < 1'
            : undefined;
      c.fail(
        mode === 'filter'
          ? 'expected a key such as metrics.rmse, params.alpha, tags.team or attributes.status'
          : 'expected a column such as metrics.rmse, params.alpha, tags.team or attributes.start_time',
        start,
        { hint },
      );
    }
    head = w;
  }

  if (c.peek() !== '.') {
    // A bare name is an attribute (MLflow: `_get_identifier` with one token).
    const key = validAttribute(c, head, start, mode);
    checkKeyEnd(c, headQuote === '');
    return { type: 'attribute', key, start, display: `attributes.${key}` };
  }

  // entity.key — MLflow trims backticks from the entity (`_valid_entity_type`), not double quotes.
  const entity = headQuote === '"' ? undefined : ENTITY_ALIASES[head];
  if (entity === undefined)
    c.fail('unknown entity type', start, { token: c.src.slice(start, c.pos), hint: ENTITY_HINT });
  if (entity === 'dataset') {
    c.fail('dataset filters are not supported', start, {
      token: c.src.slice(start, c.pos),
      hint: 'Baton records no dataset inputs, so datasets.name, datasets.digest and datasets.context cannot match',
    });
  }
  c.pos++; // the dot
  const keyStart = c.pos;
  const kc = c.peek();
  let key: string;
  if (kc === '`' || kc === '"') {
    key = c.readQuoted(kc === '`' ? 'backtick-quoted key' : 'quoted key').value;
    if (key === '') c.fail('empty key', keyStart, { token: c.src.slice(keyStart, c.pos) });
    if (c.peek() === '.') {
      c.fail('unexpected text after a quoted key', c.pos, {
        hint: 'quote the whole key, e.g. tags.`mlflow.source.git.commit`',
      });
    }
    checkKeyEnd(c, false);
  } else {
    const first = c.readWord();
    if (first === null) {
      c.fail(`expected a key after '${c.src.slice(start, keyStart)}'`, keyStart, {
        hint:
          kc === "'"
            ? 'keys take backticks or double quotes; single quotes are for values'
            : 'quote keys that start with a digit or contain special characters, e.g. metrics.`f1 score` or params."1st-try"',
      });
    }
    key = first;
    while (c.peek() === '.') {
      const segStart = c.pos + 1;
      c.pos++;
      const seg = c.readWord();
      if (seg === null) {
        c.fail('expected a key segment after "."', segStart, {
          hint: 'quote keys that contain special characters, e.g. tags.`my.key-1`',
        });
      }
      key += `.${seg}`;
    }
    checkKeyEnd(c, true);
  }
  if (entity === 'attribute') {
    const attr = validAttribute(c, key, keyStart, mode);
    return { type: 'attribute', key: attr, start, display: `attributes.${attr}` };
  }
  return { type: entity, key, start, display: `${ENTITY_PREFIX[entity]}.${displayKey(key)}` };
}

/** After a key comes whitespace, a comparison operator or the end; anything else is part of a badly quoted key. */
function checkKeyEnd(c: Cursor, unquoted: boolean): void {
  const ch = c.peek();
  if (ch === '' || /\s/u.test(ch) || OPERATOR_CHARS.includes(ch)) return;
  c.fail(unquoted ? 'unexpected character in key' : 'unexpected text after a quoted key', c.pos, {
    token: ch,
    hint: unquoted
      ? 'quote keys that contain special characters, e.g. metrics.`cross-entropy` or tags."my key"'
      : 'leave a space between the key and what follows',
  });
}

function validAttribute(c: Cursor, name: string, at: number, mode: 'filter' | 'order_by'): RunAttribute {
  if (
    (STRING_ATTRIBUTES as readonly string[]).includes(name) ||
    (NUMERIC_ATTRIBUTES as readonly string[]).includes(name)
  ) {
    return name as RunAttribute;
  }
  const alias = (mode === 'filter' ? FILTER_ATTRIBUTE_ALIASES : ORDER_BY_ATTRIBUTE_ALIASES)[name];
  if (alias) return alias;
  c.fail('unknown attribute', at, { token: c.src.slice(at, c.pos), hint: attributeHint(name, mode) });
}

/** `metrics.rmse`, or metrics.`f1 score` when the key needs quoting. */
export function displayKey(key: string): string {
  return /^[\p{L}_][\p{L}\p{N}_]*(?:\.[\p{L}_][\p{L}\p{N}_]*)*$/u.test(key)
    ? key
    : `\`${key.replace(/`/g, '``')}\``;
}

export function isNumericAttribute(key: string): key is NumericAttribute {
  return (NUMERIC_ATTRIBUTES as readonly string[]).includes(key);
}

// ---- filter -------------------------------------------------------------------------------------

/** Parses a filter into AND-joined clauses. An empty or blank filter has no clauses. */
export function parseFilter(expr: string | null | undefined): Clause[] {
  if (expr == null || expr.trim() === '') return [];
  const c: Cursor = new Cursor(expr, 'filter');
  const clauses: Clause[] = [];
  c.skipWs();
  for (;;) {
    clauses.push(parseComparison(c));
    c.skipWs();
    if (c.atEnd()) return clauses;
    const at = c.pos;
    const w = c.peekWord();
    const upper = w?.toUpperCase();
    if (upper === 'AND') {
      c.pos += 3;
      c.skipWs();
      if (c.atEnd()) c.fail('expected a comparison after AND', c.pos);
      continue;
    }
    if (upper === 'OR') {
      c.fail('OR is not supported', at, {
        hint: 'MLflow filters are comparisons joined by AND; run one search per alternative',
      });
    }
    c.fail('expected AND or the end of the filter', at);
  }
}

const METRIC_OPS_HINT = 'metrics support =, !=, <, <=, >, >=';
const NUMERIC_ATTR_OPS_HINT = 'numeric attributes support =, !=, <, <=, >, >=';
const STRING_ENTITY_OPS_HINT = 'support =, !=, LIKE, ILIKE, IS NULL, IS NOT NULL';
const STRING_ATTR_OPS_HINT = 'string attributes support =, !=, LIKE, ILIKE (and IN, NOT IN for run_id)';

function parseComparison(c: Cursor): Clause {
  const id = parseIdentifier(c);
  c.skipWs();
  const opStart = c.pos;
  const op = parseOperator(c, id);
  const opText = c.src.slice(opStart, c.pos);
  checkComparator(c, id, op, opStart, opText);
  const position = id.start;

  if (op === 'IS NULL' || op === 'IS NOT NULL') {
    return { type: id.type as 'parameter' | 'tag', key: id.key, comparator: op, position, end: c.pos };
  }
  c.skipWs();
  if (op === 'IN' || op === 'NOT IN') {
    const value = parseList(c, id);
    return { type: 'attribute', key: 'run_id', comparator: op, value, position, end: c.pos };
  }
  if (id.type === 'metric' || (id.type === 'attribute' && isNumericAttribute(id.key))) {
    const value = parseNumber(c, id);
    const n = op as NumericComparator;
    return id.type === 'metric'
      ? { type: 'metric', key: id.key, comparator: n, value, position, end: c.pos }
      : { type: 'attribute', key: id.key as NumericAttribute, comparator: n, value, position, end: c.pos };
  }
  const value = parseString(c, id);
  const s = op as StringComparator;
  return id.type === 'attribute'
    ? { type: 'attribute', key: id.key as StringAttribute, comparator: s, value, position, end: c.pos }
    : { type: id.type, key: id.key, comparator: s, value, position, end: c.pos };
}

function parseOperator(c: Cursor, id: Identifier): Comparator {
  const start = c.pos;
  const ch = c.peek();
  const expected = (): never =>
    c.fail('expected a comparison operator', start, {
      hint: `${opsHint(id)}; quote keys that contain spaces or special characters`,
    });
  if (ch !== '' && OPERATOR_CHARS.includes(ch)) {
    const run = /^[<>=!~]+/.exec(c.src.slice(start))![0];
    if (!(NUMERIC_COMPARATORS as readonly string[]).includes(run)) {
      c.fail('expected a comparison operator', start, { token: run, hint: opsHint(id) });
    }
    c.pos += run.length;
    return run as NumericComparator;
  }
  const w = c.peekWord()?.toUpperCase();
  if (w === undefined) return expected();
  if (w === 'LIKE' || w === 'ILIKE' || w === 'IN') {
    c.pos += w.length;
    return w;
  }
  if (w === 'NOT') {
    c.pos += 3;
    c.skipWs();
    const at = c.pos;
    if (c.peekWord()?.toUpperCase() !== 'IN') {
      c.fail('expected IN after NOT', at, {
        hint: 'MLflow has NOT IN but no NOT LIKE; use != for a single value',
      });
    }
    c.pos += 2;
    return 'NOT IN';
  }
  if (w === 'IS') {
    c.pos += 2;
    c.skipWs();
    let at = c.pos;
    let not = false;
    if (c.peekWord()?.toUpperCase() === 'NOT') {
      not = true;
      c.pos += 3;
      c.skipWs();
      at = c.pos;
    }
    if (c.peekWord()?.toUpperCase() !== 'NULL') {
      c.fail(not ? 'expected NULL after IS NOT' : 'expected NULL or NOT NULL after IS', at, {
        hint: 'IS compares with NULL only; use = to compare with a value',
      });
    }
    c.pos += 4;
    return not ? 'IS NOT NULL' : 'IS NULL';
  }
  return expected();
}

function opsHint(id: Identifier): string {
  if (id.type === 'metric') return METRIC_OPS_HINT;
  if (id.type === 'attribute')
    return isNumericAttribute(id.key) ? NUMERIC_ATTR_OPS_HINT : STRING_ATTR_OPS_HINT;
  return `${ENTITY_PREFIX[id.type]} ${STRING_ENTITY_OPS_HINT}`;
}

/** MLflow's `is_metric` / `is_param` / `is_tag` / `is_string_attribute` / `is_numeric_attribute` checks. */
function checkComparator(c: Cursor, id: Identifier, op: Comparator, at: number, text: string): void {
  const numeric = (NUMERIC_COMPARATORS as readonly string[]).includes(op);
  let ok: boolean;
  let problem = `invalid comparator for ${id.type === 'attribute' ? (isNumericAttribute(id.key) ? 'numeric attributes' : 'string attributes') : ENTITY_PREFIX[id.type]}`;
  let hint = opsHint(id);
  if (id.type === 'metric') {
    ok = numeric;
    if (op === 'IS NULL' || op === 'IS NOT NULL')
      hint += ' (IS NULL and IS NOT NULL work on params and tags only)';
  } else if (id.type === 'parameter' || id.type === 'tag') {
    ok =
      op === '=' ||
      op === '!=' ||
      op === 'LIKE' ||
      op === 'ILIKE' ||
      op === 'IS NULL' ||
      op === 'IS NOT NULL';
    if (op === 'IN' || op === 'NOT IN') hint += ' (IN and NOT IN work on attributes.run_id only)';
  } else if (isNumericAttribute(id.key)) {
    ok = numeric;
  } else {
    ok = op === '=' || op === '!=' || op === 'LIKE' || op === 'ILIKE' || op === 'IN' || op === 'NOT IN';
    if (ok && (op === 'IN' || op === 'NOT IN') && id.key !== 'run_id') {
      ok = false;
      problem = `${op} is not supported for ${id.display}`;
      hint = "only the 'run_id' attribute supports comparison with a list of quoted string values";
    }
  }
  if (!ok) c.fail(problem, at, { token: text, hint });
}

function parseNumber(c: Cursor, id: Identifier): number {
  const at = c.pos;
  NUMBER.lastIndex = at;
  const m = NUMBER.exec(c.src);
  const what =
    id.type === 'metric'
      ? `a number for ${id.display}`
      : `a number (milliseconds since the epoch) for ${id.display}`;
  if (!m) {
    const ch = c.peek();
    c.fail(`expected ${what}`, at, {
      hint: ch === "'" || ch === '"' ? 'numbers are written without quotes' : undefined,
    });
  }
  c.pos += m[0].length;
  const next = c.peek();
  if (next !== '' && /[\p{L}\p{N}_.]/u.test(next)) c.fail('invalid number', at);
  return Number(m[0]);
}

function parseString(c: Cursor, id: Identifier): string {
  const at = c.pos;
  const ch = c.peek();
  if (ch === "'" || ch === '"') return c.readQuoted('string').value;
  const tok = c.tokenAt(at);
  c.fail(`expected a quoted string for ${id.display}`, at, {
    hint:
      ch === '`'
        ? 'values take single or double quotes; backticks quote keys'
        : tok !== null
          ? `use single or double quotes, e.g. '${tok.replace(/'/g, "''")}'`
          : "use single or double quotes, e.g. 'my-value'",
  });
}

function parseList(c: Cursor, id: Identifier): string[] {
  if (c.peek() !== '(') {
    c.fail("expected '(' to start the list", c.pos, {
      hint: `e.g. ${id.display} IN ('<run id>', '<run id>')`,
    });
  }
  c.pos++;
  const values: string[] = [];
  for (;;) {
    c.skipWs();
    const ch = c.peek();
    if (ch === ')') {
      if (values.length === 0) c.fail('empty list', c.pos, { hint: 'give at least one quoted run id' });
      c.pos++;
      return values;
    }
    if (ch !== "'" && ch !== '"') c.fail('expected a quoted string in the list', c.pos);
    values.push(c.readQuoted('string').value);
    c.skipWs();
    if (c.peek() === ',') {
      c.pos++;
      continue;
    }
    if (c.peek() !== ')') c.fail("expected ',' or ')' in the list", c.pos);
  }
}
