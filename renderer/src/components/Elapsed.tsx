import { useNow } from '../hooks/useNow.js';
import { formatDuration } from '../lib/format.js';

/** Time a run took, ticking while it runs. */
export function Elapsed({ start, end, running, testId }: { start: number | null; end: number | null; running: boolean; testId?: string }) {
  const now = useNow(running && start !== null && end === null);
  if (start === null) return null;
  const stop = end ?? (running ? now : null);
  if (stop === null) return null;
  return (
    <span className="elapsed" data-testid={testId}>
      {formatDuration(Math.max(0, stop - start))}
    </span>
  );
}
