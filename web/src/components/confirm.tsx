// The password prompt for dangerous actions (apps, unpairing): the server wants
// the console password again in X-Confirm-Password. The dialog stays open on a
// wrong password so it can be typed again.

import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../api';

export interface ConfirmRequest {
  title: string;
  message: ComponentChildren;
  /** The button's label, e.g. "Unpair". */
  confirmLabel?: string;
  /** Performs the action with the password; throws to keep the dialog open. */
  action: (password: string) => Promise<void>;
}

type Confirm = (req: ConfirmRequest) => Promise<boolean>;

const ConfirmContext = createContext<Confirm>(() => Promise.resolve(false));

/** Asks for the password and runs the action; resolves true once it succeeded. */
export function useConfirm(): Confirm {
  return useContext(ConfirmContext);
}

interface Pending extends ConfirmRequest {
  resolve: (ok: boolean) => void;
}

export function ConfirmProvider({ children }: { children: ComponentChildren }) {
  const [pending, setPending] = useState<Pending | null>(null);
  const confirm = useCallback<Confirm>((req) => new Promise<boolean>((resolve) => setPending({ ...req, resolve })), []);
  const close = (ok: boolean) => {
    pending?.resolve(ok);
    setPending(null);
  };
  return (
    <ConfirmContext.Provider value={confirm}>
      {children}
      {pending && <ConfirmDialog req={pending} onClose={close} />}
    </ConfirmContext.Provider>
  );
}

function ConfirmDialog({ req, onClose }: { req: ConfirmRequest; onClose: (ok: boolean) => void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    input.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!password || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await req.action(password);
      onClose(true);
    } catch (err) {
      setError(messageOf(err));
      setPassword('');
      setBusy(false);
      input.current?.focus();
    }
  };

  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="confirm-title" data-testid="confirm-dialog">
      <form class="dialog" onSubmit={submit}>
        <h2 id="confirm-title">{req.title}</h2>
        <div class="dialog-body">{req.message}</div>
        <label class="field">
          <span>Console password</span>
          <input
            ref={input}
            type="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            data-testid="confirm-password"
          />
        </label>
        {error && (
          <p class="inline-error" role="alert" data-testid="confirm-error">
            {error}
          </p>
        )}
        <div class="actions">
          <button type="button" class="ghost" onClick={() => onClose(false)} disabled={busy}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={busy || !password} data-testid="confirm-submit">
            {busy ? 'Working…' : (req.confirmLabel ?? 'Confirm')}
          </button>
        </div>
      </form>
    </div>
  );
}
