// Short messages after an action: errors stay until dismissed or 12 s, successes 4 s.

import { useEffect, useState } from 'preact/hooks';
import { messageOf } from '../api';

interface Toast {
  id: number;
  kind: 'ok' | 'error';
  text: string;
}

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<(t: Toast[]) => void>();

function publish(next: Toast[]): void {
  toasts = next;
  for (const fn of [...listeners]) fn(toasts);
}

function dismiss(id: number): void {
  publish(toasts.filter((t) => t.id !== id));
}

function show(kind: Toast['kind'], text: string): void {
  const id = nextId++;
  publish([...toasts.slice(-4), { id, kind, text }]);
  setTimeout(() => dismiss(id), kind === 'error' ? 12000 : 4000);
}

export const toast = {
  ok: (text: string) => show('ok', text),
  error: (e: unknown) => show('error', messageOf(e)),
};

/** Runs an action, toasting its error or (if given) a success message. */
export async function attempt(fn: () => Promise<unknown>, success?: string): Promise<boolean> {
  try {
    await fn();
    if (success) toast.ok(success);
    return true;
  } catch (e) {
    toast.error(e);
    return false;
  }
}

export function Toasts() {
  const [list, setList] = useState(toasts);
  useEffect(() => {
    listeners.add(setList);
    return () => {
      listeners.delete(setList);
    };
  }, []);
  return (
    <div class="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`} data-testid={`toast-${t.kind}`}>
          <span>{t.text}</span>
          <button type="button" class="icon" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
