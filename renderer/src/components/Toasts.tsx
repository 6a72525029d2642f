import { memo, useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../store/context.js';
import type { Toast } from '../store/types.js';

const ToastView = memo(function ToastView({ toast, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  useEffect(() => {
    const t = setTimeout(() => onDismiss(toast.id), toast.kind === 'error' ? 9000 : 3500);
    return () => clearTimeout(t);
  }, [toast.id, toast.kind, onDismiss]);
  return (
    <div className={`toast toast-${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'} data-testid="toast" data-kind={toast.kind}>
      <div className="toast-body">
        {toast.code && <code className="toast-code">{toast.code}</code>}
        <span>{toast.message}</span>
      </div>
      <button className="icon-btn" aria-label="Dismiss" onClick={() => onDismiss(toast.id)}>
        ×
      </button>
    </div>
  );
});

export function Toasts() {
  const toasts = useAppStore(useShallow((s) => s.toasts));
  const dismiss = useAppStore((s) => s.dismissToast);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <ToastView key={t.id} toast={t} onDismiss={dismiss} />
      ))}
    </div>
  );
}
