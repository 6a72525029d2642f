/**
 * The output of the selected step's run, live. Only the lines in view are in the DOM (fixed line
 * height, windowed), the store keeps a bounded window of the file, and scrolling to the top pages
 * older output in. Follow mode sticks to the end while new output arrives.
 */
import { memo, useCallback, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { StatusBadge } from '../../components/StatusBadge.js';
import type { AnsiSegment } from '../../logs/ansi.js';
import { styleToCss } from '../../logs/ansi.js';
import { hasOlder, tailSegments } from '../../logs/log-buffer.js';
import { useLogScroll } from '../../logs/useLogScroll.js';
import { useAppStore } from '../../store/context.js';
import { shortId } from '../../lib/format.js';

const LINE_H = 18;
const OVERSCAN = 30;

const Line = memo(function Line({ segments, top }: { segments: AnsiSegment[]; top: number }) {
  return (
    <div className="log-line" data-testid="log-line" style={{ top }}>
      {segments.length === 0
        ? '\u200b'
        : segments.map((s, i) => {
            if (!s.style) return <span key={i}>{s.text}</span>;
            const css = styleToCss(s.style);
            return (
              <span key={i} className={css.className} style={{ color: css.color, background: css.background }}>
                {s.text}
              </span>
            );
          })}
    </div>
  );
});

export function LogPanel() {
  const { log, step, follow, loading, error, status } = useAppStore(
    useShallow((s) => ({
      log: s.log,
      step: s.logStep,
      follow: s.logFollow,
      loading: s.logLoading,
      error: s.logError,
      status: s.logStep ? s.stepRuns[s.logStep]?.status : undefined,
    })),
  );
  const a = useAppStore(useShallow((s) => ({ setFollow: s.setLogFollow, fetchOlder: s.fetchOlderLog, setOpen: s.setLogPanelOpen })));
  const ref = useRef<HTMLDivElement>(null);

  const tail = log.tail ? tailSegments(log) : null;
  const count = log.lines.length + (tail ? 1 : 0);

  // Keep the view still when older lines are prepended; stick to the end when following.
  const [view, setView] = useLogScroll(ref, log.lines, count, follow, LINE_H, 200);

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    setView({ top: el.scrollTop, height: el.clientHeight });
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < LINE_H * 2;
    if (atEnd !== follow) a.setFollow(atEnd);
    if (el.scrollTop < LINE_H * 10 && hasOlder(log) && !loading) void a.fetchOlder();
  }, [a, follow, log, loading, setView]);

  const start = Math.max(0, Math.floor(view.top / LINE_H) - OVERSCAN);
  const end = Math.min(count, Math.ceil((view.top + view.height) / LINE_H) + OVERSCAN);
  const rows = [];
  for (let i = start; i < end; i++) {
    const line = log.lines[i];
    if (line) rows.push(<Line key={line.id} segments={line.segments} top={i * LINE_H} />);
    else if (tail) rows.push(<Line key="tail" segments={tail} top={i * LINE_H} />);
  }

  return (
    <section className="log-panel" data-testid="log-panel">
      <div className="log-head">
        <span className="log-title">Output</span>
        {step ? (
          <>
            <span className="mono" data-testid="log-step">
              {step}
            </span>
            {log.runId && <span className="mono muted small">run {shortId(log.runId)}</span>}
            <StatusBadge status={status} />
          </>
        ) : (
          <span className="muted small">Select a step to see its output.</span>
        )}
        <span className="tb-spacer" />
        {hasOlder(log) && (
          <button className="btn small" data-testid="log-load-older" disabled={loading} onClick={() => void a.fetchOlder()}>
            Load older
          </button>
        )}
        <span className="muted small" data-testid="log-count">
          {count} line{count === 1 ? '' : 's'}
        </span>
        <label className="check small" title="Stay at the end as output arrives">
          <input type="checkbox" data-testid="log-follow" checked={follow} onChange={(e) => a.setFollow(e.target.checked)} />
          Follow
        </label>
        <button className="icon-btn" title="Hide output" onClick={() => a.setOpen(false)}>
          ×
        </button>
      </div>
      <div className="log-body" ref={ref} onScroll={onScroll} data-testid="log-body">
        {error && <div className="inline-error pad">{error}</div>}
        {step && !log.runId && !error && <div className="muted pad">This step has not run yet.</div>}
        <div className="log-spacer" style={{ height: count * LINE_H }}>
          {rows}
        </div>
      </div>
    </section>
  );
}
