import { statusLabel } from '../store/selectors.js';

/** idle · queued · running · finished · failed · killed · skipped · cached */
export function StatusBadge({ status, testId, cached }: { status: string | undefined; testId?: string; cached?: boolean }) {
  const label = statusLabel(cached && status === 'CACHED' ? 'CACHED' : status);
  return (
    <span className={`badge badge-${label}`} data-testid={testId} data-status={label}>
      {label}
    </span>
  );
}
