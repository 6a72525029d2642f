import { useEffect } from 'react';
import { useAppStore } from '../store/context.js';
import { isDirty } from '../store/selectors.js';
import { basename } from '../lib/paths.js';

export function useWindowTitle(): void {
  const title = useAppStore((s) => `${isDirty(s) ? '• ' : ''}${s.file ? basename(s.file) : s.meta.name} — Baton`);
  useEffect(() => {
    document.title = title;
  }, [title]);
}
