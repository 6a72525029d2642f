/** The current route from the URL hash, re-rendering on hashchange (reload and back button work). */
import { useSyncExternalStore } from 'react';
import { formatRoute, parseHash } from './route.js';
import type { Route } from './route.js';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const getHash = (): string => window.location.hash;

let lastHash: string | null = null;
let lastRoute: Route = { view: 'editor' };

function routeOf(hash: string): Route {
  if (hash !== lastHash) {
    lastHash = hash;
    lastRoute = parseHash(hash);
  }
  return lastRoute;
}

export function useHashRoute(): Route {
  const hash = useSyncExternalStore(subscribe, getHash, () => '');
  return routeOf(hash);
}

/** Goes to a route (a new history entry), or replaces the current one (filters typed in the table). */
export function navigate(route: Route | string, opts: { replace?: boolean } = {}): void {
  const hash = typeof route === 'string' ? route : formatRoute(route);
  if (window.location.hash === hash) return;
  if (opts.replace) {
    const url = new URL(window.location.href);
    url.hash = hash;
    window.history.replaceState(window.history.state, '', url.toString());
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = hash;
  }
}
