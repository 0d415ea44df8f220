// Hash routing: #/dashboard, #/displays, ...

import { useEffect, useState } from 'preact/hooks';

export const ROUTES = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'displays', label: 'Displays' },
  { id: 'pairing', label: 'Pairing' },
  { id: 'performance', label: 'Performance' },
  { id: 'apps', label: 'Apps' },
  { id: 'logs', label: 'Logs' },
  { id: 'host', label: 'Host' },
  { id: 'settings', label: 'Settings' },
] as const;

export type RouteId = (typeof ROUTES)[number]['id'];

function current(): RouteId {
  const id = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return ROUTES.find((r) => r.id === id)?.id ?? 'dashboard';
}

export function useRoute(): RouteId {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const onChange = () => setRoute(current());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
