/** Asks before the window closes or reloads with unsaved changes. */
import { useEffect } from 'react';
import { useAppStore } from '../store/context.js';
import { isDirty } from '../store/selectors.js';

export function useUnsavedGuard(): void {
  const dirty = useAppStore((s) => isDirty(s) && s.nodes.length > 0);
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (e: BeforeUnloadEvent): void => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty]);
}
