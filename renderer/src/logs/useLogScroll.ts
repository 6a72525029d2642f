/**
 * The scrolling of a virtualised log view (the canvas's output panel, the run page's log): the
 * visible window, kept in step with the element's size; the view stuck to the end while following;
 * kept still when older lines are prepended; and, if asked (`jumpToRef`, a line index), a jump that
 * puts that line a third of the way down.
 */
import { useLayoutEffect, useRef, useState } from 'react';
import type { Dispatch, MutableRefObject, RefObject, SetStateAction } from 'react';

export interface LogView {
  top: number;
  height: number;
}

export function useLogScroll(
  ref: RefObject<HTMLDivElement | null>,
  lines: readonly { id: number }[],
  count: number,
  follow: boolean,
  lineHeight: number,
  initialHeight: number,
  jumpToRef?: MutableRefObject<number | null>,
): [LogView, Dispatch<SetStateAction<LogView>>] {
  const [view, setView] = useState<LogView>({ top: 0, height: initialHeight });
  const firstIdRef = useRef<number | null>(null);
  const firstId = lines[0]?.id ?? null;

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const prevFirst = firstIdRef.current;
    firstIdRef.current = firstId;
    if (jumpToRef && jumpToRef.current !== null) {
      el.scrollTop = Math.max(0, jumpToRef.current * lineHeight - el.clientHeight / 3);
      jumpToRef.current = null;
      return;
    }
    if (follow) {
      // No lines (a step just selected that has not printed): nothing to follow. Reading
      // scrollHeight would lay the whole page out in the middle of React's commit — ~20 ms with a
      // 500-step canvas, at the press that selects a step and starts its drag.
      if (count > 0) el.scrollTop = el.scrollHeight;
      return;
    }
    if (prevFirst !== null && firstId !== null && firstId < prevFirst) {
      const added = lines.findIndex((l) => l.id === prevFirst);
      if (added > 0) el.scrollTop += added * lineHeight;
    }
  }, [ref, firstId, count, follow, lines, lineHeight, jumpToRef]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setView({ top: el.scrollTop, height: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);

  return [view, setView];
}
