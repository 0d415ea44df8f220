import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, auth, messageOf, notifySignedOut, onSignedOut } from './api';
import { ConfirmProvider } from './components/confirm';
import { Login } from './components/login';
import { Toasts, toast } from './components/toasts';
import { ErrorBoundary } from './components/ui';
import { events } from './events';
import { useLive } from './hooks';
import { Apps } from './pages/apps';
import { Dashboard } from './pages/dashboard';
import { Displays } from './pages/displays';
import { Host } from './pages/host';
import { Logs } from './pages/logs';
import { Pairing } from './pages/pairing';
import { Performance } from './pages/performance';
import { Settings } from './pages/settings';
import { ROUTES, type RouteId, useRoute } from './router';
import type { HostInfo } from './types';

const PAGES: Record<RouteId, FunctionComponent> = {
  dashboard: Dashboard,
  displays: Displays,
  pairing: Pairing,
  performance: Performance,
  apps: Apps,
  logs: Logs,
  host: Host,
  settings: Settings,
};

type AuthState =
  | { kind: 'checking' }
  | { kind: 'signed-out'; notice?: string }
  | { kind: 'signed-in' }
  | { kind: 'unreachable'; error: string };

export function App() {
  const [state, setState] = useState<AuthState>({ kind: 'checking' });

  const check = () =>
    auth
      .session()
      .then((s) => setState(s.signed_in ? { kind: 'signed-in' } : { kind: 'signed-out' }))
      .catch((e) => setState({ kind: 'unreachable', error: messageOf(e) }));

  useEffect(() => {
    void check();
    return onSignedOut((notice) =>
      setState({ kind: 'signed-out', notice: notice ?? 'Your session ended: sign in again.' }),
    );
  }, []);

  // The event stream runs while signed in.
  useEffect(() => {
    if (state.kind !== 'signed-in') return undefined;
    events.start();
    return () => events.stop();
  }, [state.kind]);

  switch (state.kind) {
    case 'checking':
      return <div class="splash">Connecting…</div>;
    case 'unreachable':
      return (
        <div class="login-screen">
          <div class="login-card">
            <div class="brand brand-large">
              <span class="brand-mark" aria-hidden="true" />
              punktfunk
            </div>
            <div class="banner banner-fatal" role="alert" data-testid="login-error">
              {state.error}
            </div>
            <button type="button" class="primary wide" onClick={check}>
              Retry
            </button>
          </div>
        </div>
      );
    case 'signed-out':
      return <Login notice={state.notice} onSignedIn={() => setState({ kind: 'signed-in' })} />;
    case 'signed-in':
      return (
        <ConfirmProvider>
          <Shell />
          <Toasts />
        </ConfirmProvider>
      );
  }
}

function Shell() {
  const route = useRoute();
  const live = useLive();
  const [hostName, setHostName] = useState('');

  useEffect(() => {
    api
      .get<HostInfo>('host')
      .then((h) => setHostName(h.name))
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    window.scrollTo(0, 0);
    const label = ROUTES.find((r) => r.id === route)?.label ?? '';
    document.title = `${label} · ${hostName || 'punktfunk'}`;
  }, [route, hostName]);

  const signOut = async () => {
    try {
      await auth.logout();
    } catch (e) {
      toast.error(e);
      return;
    }
    notifySignedOut('Signed out.');
  };

  const Current = PAGES[route];
  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href="#/dashboard">
          <span class="brand-mark" aria-hidden="true" />
          punktfunk
        </a>
        <span class="host-name" data-testid="host-name" title="Host name">
          {hostName}
        </span>
        <span
          class={`live ${live ? 'live-on' : ''}`}
          data-testid="live"
          title={live ? 'Receiving live events' : 'Not connected to live events: polling'}
        >
          <span class="dot" aria-hidden="true" />
          {live ? 'live' : 'polling'}
        </span>
        <span class="spacer" />
        <button type="button" class="ghost small" onClick={signOut} data-testid="sign-out">
          Sign out
        </button>
      </header>
      {/* A sidebar on wide screens, a horizontal scroller on phones. */}
      <nav class="nav" aria-label="Pages">
        {ROUTES.map((r) => (
          <a
            key={r.id}
            href={`#/${r.id}`}
            class={r.id === route ? 'active' : ''}
            aria-current={r.id === route ? 'page' : undefined}
            data-testid={`nav-${r.id}`}
          >
            {r.label}
          </a>
        ))}
      </nav>
      <main class="main">
        <ErrorBoundary key={route}>
          <Current />
        </ErrorBoundary>
      </main>
    </div>
  );
}
