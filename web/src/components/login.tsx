import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, auth, messageOf } from '../api';

/** The sign-in screen. Throttling (429) disables the button until the wait is over. */
export function Login({ onSignedIn, notice }: { onSignedIn: () => void; notice?: string }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<{ text: string; fatal: boolean }>();
  const [busy, setBusy] = useState(false);
  const [waitUntil, setWaitUntil] = useState(0);
  const [now, setNow] = useState(Date.now());
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.focus(), []);

  // Tick while throttled so the countdown and the button follow.
  useEffect(() => {
    if (waitUntil <= Date.now()) return undefined;
    const t = setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= waitUntil) clearInterval(t);
    }, 250);
    return () => clearInterval(t);
  }, [waitUntil]);

  const waiting = Math.max(0, Math.ceil((waitUntil - now) / 1000));

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy || !password) return;
    setBusy(true);
    try {
      await auth.login(password);
      setError(undefined);
      onSignedIn();
      return;
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      if (status === 429 && err instanceof ApiError) {
        const s = Number(err.body.retry_after_s);
        if (Number.isFinite(s) && s > 0) {
          setWaitUntil(Date.now() + s * 1000);
          setNow(Date.now());
        }
      }
      // 503: no password is set on the host; nothing typed here can help.
      setError({ text: messageOf(err), fatal: status === 503 });
      setPassword('');
    }
    setBusy(false);
    input.current?.focus();
  };

  return (
    <div class="login-screen" data-testid="page-login">
      <form class="login-card" onSubmit={submit}>
        <div class="brand brand-large">
          <span class="brand-mark" aria-hidden="true" />
          punktfunk
        </div>
        <p class="muted">Sign in to this host's console.</p>
        {notice && !error && <div class="banner banner-info">{notice}</div>}
        {error && (
          <div class={`banner ${error.fatal ? 'banner-fatal' : 'banner-error'}`} role="alert" data-testid="login-error">
            {error.text}
          </div>
        )}
        <label class="field">
          <span>Password</span>
          <input
            ref={input}
            type="password"
            name="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            data-testid="login-password"
          />
        </label>
        <button
          type="submit"
          class="primary wide"
          disabled={busy || waiting > 0 || !password}
          data-testid="login-submit"
        >
          {waiting > 0 ? `Try again in ${waiting} s` : busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
