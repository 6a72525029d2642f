/**
 * A run's output on its page: paged over `runs.logs` with the same byte-exact, ANSI-aware window
 * as the canvas log panel (logs/log-buffer.ts), only the lines in view in the DOM, older pages
 * loaded at the top, newer ones at the bottom (and live while the run writes), and a search over
 * the whole file (`runs.searchLogs`) whose hits jump to their line.
 */
import { memo, useCallback, useEffect, useRef, useState } from 'react';
import type { MethodOutput } from '../../../../common/api/contract.js';
import type { AnsiSegment } from '../../logs/ansi.js';
import { DEFAULT_STYLE, parseAnsiLine, styleToCss } from '../../logs/ansi.js';
import {
  appendPage,
  emptyLog,
  hasNewer,
  hasOlder,
  prependPage,
  startAt,
  tailSegments,
} from '../../logs/log-buffer.js';
import type { LogBuffer } from '../../logs/log-buffer.js';
import { formatCount } from '../../lib/format.js';
import { useApi } from '../../store/context.js';
import { useLogScroll } from '../../logs/useLogScroll.js';
import { errorText, useCall } from './api.js';

const LINE_H = 18;

const plain = (text: string): string =>
  parseAnsiLine(text, DEFAULT_STYLE)
    .segments.map((s) => s.text)
    .join('');
const OVERSCAN = 30;
const PAGE = 256 * 1024;

type Hit = MethodOutput<'runs.searchLogs'>['matches'][number];

const Line = memo(function Line({
  segments,
  top,
  hit,
}: {
  segments: AnsiSegment[];
  top: number;
  hit: boolean;
}) {
  return (
    <div className={`log-line${hit ? ' h-log-hit' : ''}`} data-testid="run-log-line" style={{ top }}>
      {segments.length === 0
        ? '\u200b'
        : segments.map((s, i) => {
            if (!s.style) return <span key={i}>{s.text}</span>;
            const css = styleToCss(s.style);
            return (
              <span
                key={i}
                className={css.className}
                style={{ color: css.color, background: css.background }}
              >
                {s.text}
              </span>
            );
          })}
    </div>
  );
});

export function LogViewer({ runId, running }: { runId: string; running: boolean }) {
  const call = useCall();
  const api = useApi();
  const [buf, setBuf] = useState<LogBuffer>(() => emptyLog(runId));
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState('');
  const [regex, setRegex] = useState(false);
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [hits, setHits] = useState<{ matches: Hit[]; truncated: boolean; query: string } | null>(null);
  const [searchError, setSearchError] = useState<string | null>(null);
  const [target, setTarget] = useState<number | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const bufRef = useRef(buf);
  const busy = useRef(false);
  const scrollTo = useRef<number | null>(null);

  const commit = useCallback((next: LogBuffer) => {
    bufRef.current = next;
    setBuf(next);
  }, []);

  // The end of the file first (the last 256 KiB).
  useEffect(() => {
    let live = true;
    call('runs.logs', { runId, offset: -PAGE, limit: PAGE }).then(
      (page) => {
        if (!live) return;
        commit(startAt(runId, page));
        setError(null);
      },
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [call, runId, commit]);

  const fetchNewer = useCallback(async () => {
    const b = bufRef.current;
    if (busy.current || b.runId !== runId) return;
    busy.current = true;
    setLoading(true);
    try {
      const page = await call('runs.logs', { runId, offset: b.nextOffset, limit: PAGE });
      if (bufRef.current === b) commit(appendPage(b, page));
    } catch (e) {
      setError(errorText(e));
    } finally {
      busy.current = false;
      setLoading(false);
    }
  }, [call, runId, commit]);

  const fetchOlder = useCallback(async () => {
    const b = bufRef.current;
    if (busy.current || !hasOlder(b)) return;
    busy.current = true;
    setLoading(true);
    try {
      const from = Math.max(0, b.startOffset - PAGE);
      const page = await call('runs.logs', { runId, offset: from, limit: b.startOffset - from });
      if (bufRef.current === b) commit(prependPage(b, page));
    } catch (e) {
      setError(errorText(e));
    } finally {
      busy.current = false;
      setLoading(false);
    }
  }, [call, runId, commit]);

  // Live output while the run writes.
  useEffect(() => {
    if (!running) return;
    return api.on('run.logAppended', (p) => {
      if (p.runId === runId && follow) void fetchNewer();
    });
  }, [api, runId, running, follow, fetchNewer]);

  // The run just ended: read what it wrote last (its final lines may have come after the last event).
  const wasRunning = useRef(running);
  useEffect(() => {
    if (wasRunning.current && !running) void fetchNewer();
    wasRunning.current = running;
  }, [running, fetchNewer]);

  const tail = buf.tail ? tailSegments(buf) : null;
  const count = buf.lines.length + (tail ? 1 : 0);

  // Offsets of the lines (for jumping to a search hit).
  const lineIndexAt = (b: LogBuffer, offset: number): number => {
    let at = b.startOffset;
    for (let i = 0; i < b.lines.length; i++) {
      const bytes = b.lines[i]?.bytes ?? 0;
      if (offset < at + bytes) return i;
      at += bytes;
    }
    return b.lines.length - 1;
  };

  const [view, setView] = useLogScroll(ref, buf.lines, count, follow, LINE_H, 400, scrollTo);

  const onScroll = (): void => {
    const el = ref.current;
    if (!el) return;
    setView({ top: el.scrollTop, height: el.clientHeight });
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < LINE_H * 2;
    if (atEnd !== follow) setFollow(atEnd);
    if (el.scrollTop < LINE_H * 10 && hasOlder(bufRef.current)) void fetchOlder();
    if (atEnd && hasNewer(bufRef.current)) void fetchNewer();
  };

  const search = async (): Promise<void> => {
    const q = query;
    if (!q) {
      setHits(null);
      setSearchError(null);
      return;
    }
    try {
      const r = await call('runs.searchLogs', { runId, query: q, regex, caseSensitive, maxMatches: 1000 });
      setHits({ ...r, query: q });
      setSearchError(null);
    } catch (e) {
      setHits(null);
      setSearchError(errorText(e));
    }
  };

  const jump = async (hit: Hit): Promise<void> => {
    setFollow(false);
    setTarget(hit.offset);
    const b = bufRef.current;
    const inWindow = hit.offset >= b.startOffset && hit.offset < b.endOffset;
    if (inWindow) {
      scrollTo.current = lineIndexAt(b, hit.offset);
      commit({ ...b });
      return;
    }
    try {
      const from = Math.max(0, hit.offset - 64 * 1024);
      const page = await call('runs.logs', { runId, offset: from, limit: PAGE });
      const next = startAt(runId, page);
      scrollTo.current = lineIndexAt(next, hit.offset);
      commit(next);
    } catch (e) {
      setError(errorText(e));
    }
  };

  const targetLine =
    target !== null && target >= buf.startOffset && target < buf.endOffset ? lineIndexAt(buf, target) : -1;
  const start = Math.max(0, Math.floor(view.top / LINE_H) - OVERSCAN);
  const end = Math.min(count, Math.ceil((view.top + view.height) / LINE_H) + OVERSCAN);
  const rows = [];
  for (let i = start; i < end; i++) {
    const line = buf.lines[i];
    if (line)
      rows.push(<Line key={line.id} segments={line.segments} top={i * LINE_H} hit={i === targetLine} />);
    else if (tail) rows.push(<Line key="tail" segments={tail} top={i * LINE_H} hit={false} />);
  }

  return (
    <div className="h-logs" data-testid="run-logs">
      <div className="h-logs-main">
        <div className="log-head">
          <form
            className="h-log-search"
            onSubmit={(e) => {
              e.preventDefault();
              void search();
            }}
          >
            <input
              placeholder="Search the output"
              aria-label="Search the output"
              data-testid="log-search-input"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
            />
            <label className="check small" title="Regular expression">
              <input type="checkbox" checked={regex} onChange={(e) => setRegex(e.target.checked)} />
              .*
            </label>
            <label className="check small" title="Match case">
              <input
                type="checkbox"
                checked={caseSensitive}
                onChange={(e) => setCaseSensitive(e.target.checked)}
              />
              Aa
            </label>
            <button className="btn small" type="submit" data-testid="log-search-go">
              Find
            </button>
          </form>
          <span className="tb-spacer" />
          {hasOlder(buf) && (
            <button
              className="btn small"
              disabled={loading}
              onClick={() => void fetchOlder()}
              data-testid="run-log-older"
            >
              Load older
            </button>
          )}
          <span className="muted small">
            {formatCount(buf.size)} bytes · {count} line{count === 1 ? '' : 's'} loaded
          </span>
          <label className="check small" title="Stay at the end as output arrives">
            <input
              type="checkbox"
              checked={follow}
              onChange={(e) => {
                setFollow(e.target.checked);
                if (e.target.checked) void fetchNewer();
              }}
            />
            Follow
          </label>
        </div>
        <div
          className="log-body h-log-body"
          ref={ref}
          onScroll={onScroll}
          data-testid="run-log-body"
          tabIndex={0}
        >
          {error && <div className="inline-error pad">{error}</div>}
          {!error && buf.size === 0 && buf.runId === runId && <div className="muted pad">No output.</div>}
          <div className="log-spacer" style={{ height: count * LINE_H }}>
            {rows}
          </div>
        </div>
      </div>
      {(hits || searchError) && (
        <aside className="h-log-hits" data-testid="log-hits">
          {searchError && <div className="field-error pad">{searchError}</div>}
          {hits && (
            <>
              <div className="subhead h-hits-head">
                {hits.matches.length}
                {hits.truncated ? '+' : ''} match{hits.matches.length === 1 ? '' : 'es'}
              </div>
              <ul>
                {hits.matches.map((m) => (
                  <li key={m.offset}>
                    <button
                      className={`h-hit${target === m.offset ? ' on' : ''}`}
                      data-testid="log-hit"
                      onClick={() => void jump(m)}
                    >
                      <span className="h-hit-line mono">{m.line}</span>
                      <span className="h-hit-text mono">{plain(m.text)}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </aside>
      )}
    </div>
  );
}
