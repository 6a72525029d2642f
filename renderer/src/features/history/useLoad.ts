/**
 * Loads something asynchronously for a component: the answer of the newest `load` only (a late
 * answer for an earlier run id is dropped), `reload()` fetches again while still showing the old
 * value, and `loading` is derived (no state set synchronously in the effect).
 */
import { useCallback, useEffect, useState } from 'react';

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>): Loaded<T> {
  const [tick, setTick] = useState(0);
  const [st, setSt] = useState<{
    load: (() => Promise<T>) | null;
    tick: number;
    data: T | null;
    error: unknown;
  }>({
    load: null,
    tick: -1,
    data: null,
    error: null,
  });
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setSt({ load, tick, data, error: null }),
      (error: unknown) => live && setSt({ load, tick, data: null, error }),
    );
    return () => {
      live = false;
    };
  }, [load, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const same = st.load === load;
  return {
    data: same ? st.data : null,
    error: same ? st.error : null,
    loading: !same || st.tick !== tick,
    reload,
  };
}
