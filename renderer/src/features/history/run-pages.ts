/**
 * The runs table's data: pages of `runs.search` fetched on demand by offset and cached. A query
 * change starts a new generation (answers for older ones are dropped); a refresh keeps showing
 * the rows it has until the new answers arrive. Only pages in or near the viewport are fetched,
 * at most two at a time, nearest to the middle of the view first; a page scrolled past before its
 * turn is never asked for.
 * One page beyond each edge of the view is fetched ahead. The cache keeps a bounded number of
 * pages (the farthest from the viewport go first).
 */
import type { MethodInput, MethodOutput } from '../../../../common/api/contract.js';
import type { RunRowDto } from '../../../../common/api/schemas.js';
import type { Call } from './call.js';
import { ApiError } from './call.js';

export const PAGE_SIZE = 100;
const MAX_PAGES = 60;
const MAX_IN_FLIGHT = 2;

export interface PagesSnapshot {
  /** The query these pages answer (a JSON key); differs from the current one while it loads. */
  queryKey: string | null;
  total: number | null;
  pages: ReadonlyMap<number, readonly RunRowDto[]>;
  error: ApiError | null;
  /** Bumped on every change (for memoised rows). */
  version: number;
}

/**
 * The first page of a query asked for before React mounts (main.tsx, a page opened on the runs
 * table), so the table's first rows don't wait for the app to mount. Taken once, by the first
 * RunPages that asks for page 0 of that same query soon after; a late or different ask is sent anew.
 * When it has arrived by the time the table mounts, the table's first render already shows it.
 */
interface Early {
  key: string;
  at: number;
  answer: Promise<MethodOutput<'runs.search'>>;
  value?: MethodOutput<'runs.search'>;
}
let early: Early | null = null;
const EARLY_FRESH_MS = 5_000;

/**
 * Sends the first page's search; the promise settles when it is answered, with the page (undefined
 * when the search failed; it never rejects).
 */
export function prefetchFirstPage(
  call: Call,
  input: MethodInput<'runs.search'>,
): Promise<MethodOutput<'runs.search'> | undefined> {
  const answer = call('runs.search', { ...input, offset: 0, limit: PAGE_SIZE });
  const e: Early = { key: JSON.stringify(input), at: performance.now(), answer };
  early = e;
  // Unused (or superseded), its failure is nobody's: the table asks again and reports its own.
  return answer.then(
    (v) => {
      e.value = v;
      return v;
    },
    () => undefined,
  );
}

function takeEarly(key: string | null, page: number, answered = false): Early | null {
  const e = early;
  if (!e || page !== 0 || e.key !== key || performance.now() - e.at > EARLY_FRESH_MS) return null;
  if (answered && e.value === undefined) return null;
  early = null;
  return e;
}

const EMPTY: PagesSnapshot = { queryKey: null, total: null, pages: new Map(), error: null, version: 0 };

export class RunPages {
  private snap: PagesSnapshot = EMPTY;
  private readonly listeners = new Set<() => void>();
  private input: MethodInput<'runs.search'> | null = null;
  private key: string | null = null;
  private gen = 0;
  /** Pages of the current generation being fetched. */
  private readonly inFlight = new Set<number>();
  /** Pages the current generation already has (it may still show the previous generation's). */
  private readonly have = new Set<number>();
  private wanted: { first: number; last: number } = { first: 0, last: 0 };
  /** The page in the middle of the view: pages nearest to it are fetched first. */
  private center = 0;
  /** Requests sent in all (for the benchmark and tests). */
  requests = 0;
  /** Started with the early first page of this query (see prime). */
  private primed: string | null = null;

  constructor(private readonly call: Call) {}

  /**
   * Starts with the early first page of this query when it has already been answered, so the
   * table's first render shows rows; the setQuery that follows for the same query keeps them.
   */
  prime(input: MethodInput<'runs.search'>, key: string): boolean {
    const e = takeEarly(key, 0, true);
    if (!e?.value) return false;
    this.input = input;
    this.key = key;
    this.primed = key;
    this.have.add(0);
    this.snap = { queryKey: key, total: e.value.total, pages: new Map([[0, e.value.runs]]), error: null, version: 1 };
    return true;
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  getSnapshot = (): PagesSnapshot => this.snap;

  private emit(next: Partial<PagesSnapshot>): void {
    this.snap = { ...this.snap, ...next, version: this.snap.version + 1 };
    for (const l of this.listeners) l();
  }

  /** Sets the query. `soft`: the same query again (new runs, changed statuses): keep the rows meanwhile. */
  setQuery(input: MethodInput<'runs.search'>, key: string, soft = false): void {
    const primed = this.primed === key;
    this.primed = null;
    if (primed) {
      this.input = input;
      this.pump();
      return;
    }
    this.input = input;
    this.gen++;
    this.inFlight.clear();
    this.have.clear();
    if (!soft || this.key !== key) {
      this.key = key;
      this.emit({ queryKey: null, total: null, pages: new Map(), error: null });
    }
    this.key = key;
    this.pump();
  }

  /** Rows first..last (inclusive) are on screen or in the overscan. */
  want(first: number, last: number): void {
    // One page of look-ahead on each side, so rows are there before they scroll into view.
    const f = Math.floor(Math.max(0, first - PAGE_SIZE) / PAGE_SIZE);
    const l = Math.floor(Math.max(0, last + PAGE_SIZE) / PAGE_SIZE);
    const center = Math.floor(Math.max(0, (first + last) / 2) / PAGE_SIZE);
    if (f === this.wanted.first && l === this.wanted.last && center === this.center) return;
    this.wanted = { first: f, last: l };
    this.center = center;
    this.pump();
  }

  private pump(): void {
    if (!this.input) return;
    const total = this.snap.queryKey === this.key ? this.snap.total : null;
    const lastPage = total === null ? this.center : Math.max(0, Math.ceil(total / PAGE_SIZE) - 1);
    const candidates: number[] = [];
    for (
      let p = total === null ? this.center : this.wanted.first;
      p <= Math.min(this.wanted.last, lastPage);
      p++
    ) {
      if (!this.have.has(p) && !this.inFlight.has(p)) candidates.push(p);
    }
    candidates.sort((a, b) => Math.abs(a - this.center) - Math.abs(b - this.center) || a - b);
    // Until the first answer says how many rows there are, ask for the page in view only.
    if (total === null && (this.inFlight.size > 0 || this.have.size > 0)) return;
    for (const p of candidates) {
      if (this.inFlight.size >= MAX_IN_FLIGHT) break;
      this.fetch(p);
      if (total === null) break;
    }
  }

  private fetch(page: number): void {
    const gen = this.gen;
    const input = this.input;
    if (!input) return;
    this.inFlight.add(page);
    this.requests++;
    const answer =
      takeEarly(this.key, page)?.answer ??
      this.call('runs.search', { ...input, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
    answer.then(
      (r) => {
        if (gen !== this.gen) return;
        this.inFlight.delete(page);
        this.have.add(page);
        // Same query (a refresh): older pages stay on screen until their own new answer replaces them.
        const pages = new Map(this.snap.queryKey === this.key ? this.snap.pages : []);
        pages.set(page, r.runs);
        this.trim(pages);
        this.emit({ queryKey: this.key, total: r.total, pages, error: null });
        this.pump();
      },
      (e: unknown) => {
        if (gen !== this.gen) return;
        this.inFlight.delete(page);
        const err =
          e instanceof ApiError ? e : new ApiError('INTERNAL', e instanceof Error ? e.message : String(e));
        this.emit({ queryKey: this.key, total: 0, pages: new Map(), error: err });
      },
    );
  }

  private trim(pages: Map<number, readonly RunRowDto[]>): void {
    if (pages.size <= MAX_PAGES) return;
    const mid = (this.wanted.first + this.wanted.last) / 2;
    const byDistance = [...pages.keys()].sort((a, b) => Math.abs(b - mid) - Math.abs(a - mid));
    for (const p of byDistance.slice(0, pages.size - MAX_PAGES)) {
      pages.delete(p);
      this.have.delete(p);
    }
  }
}

export function rowAt(snap: PagesSnapshot, index: number): RunRowDto | undefined {
  return snap.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
}
