import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, messageOf } from './api';
import { events, type HostEvent } from './events';

export interface Resource<T> {
  data: T | undefined;
  /** The last request's error; `data` keeps the last good answer meanwhile. */
  error: string | undefined;
  loading: boolean;
  reload: () => void;
  /** Replaces the data locally, e.g. with what a successful action answered. */
  set: (data: T) => void;
}

export interface ResourceOptions {
  /** Poll every this many milliseconds (0: only on mount, reload and events). */
  interval?: number;
  /** Reload on events whose type starts with one of these. */
  events?: string[];
}

/** GET /api/v1/`path`, kept fresh by polling and by the host's events. */
export function useResource<T>(path: string, opts: ResourceOptions = {}): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const { interval = 0 } = opts;
  const prefixes = (opts.events ?? []).join(',');

  // One request at a time; the next poll is scheduled once it is answered.
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const doc = await api.get<T>(path, abort.signal);
        setData(doc);
        setError(undefined);
      } catch (e) {
        if (abort.signal.aborted) return;
        setError(messageOf(e));
      }
      setLoading(false);
      if (interval > 0 && !abort.signal.aborted) timer = setTimeout(load, interval);
    };
    void load();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [path, interval, tick]);

  useHostEvents(prefixes ? prefixes.split(',') : [], reload);

  return { data, error, loading, reload, set: setData };
}

/** Calls `fn` (debounced) on host events whose type starts with one of `prefixes`. */
export function useHostEvents(prefixes: string[], fn: (e: HostEvent) => void, debounceMs = 250): void {
  const latest = useRef(fn);
  latest.current = fn;
  const key = prefixes.join(',');
  useEffect(() => {
    if (!key) return undefined;
    const wanted = key.split(',');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = events.subscribe((e) => {
      if (!wanted.some((p) => e.type.startsWith(p)) && e.type !== 'events.lost') return;
      clearTimeout(timer);
      timer = setTimeout(() => latest.current(e), debounceMs);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [key, debounceMs]);
}

/** Whether the event stream is connected. */
export function useLive(): boolean {
  const [live, setLive] = useState(events.live);
  useEffect(() => events.onLive(setLive), []);
  return live;
}

/** The time, re-read every `ms` milliseconds (for countdowns). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/**
 * Runs actions one at a time for a form or a row: `busy` while one runs, and its
 * error (if any) for an inline message. Returns whether the action succeeded.
 */
export function useAction(): {
  busy: boolean;
  error: string | undefined;
  run: (fn: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const run = useCallback(async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      return true;
    } catch (e) {
      if (mounted.current) setError(messageOf(e));
      return false;
    } finally {
      if (mounted.current) setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(undefined) };
}
