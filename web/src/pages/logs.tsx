import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, messageOf } from '../api';
import { ErrorBanner, Page, Panel } from '../components/ui';
import { fmtClock } from '../format';
import type { LogLine } from '../types';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];
const POLL_MS = 2000;
const KEEP = 2000;

export function Logs() {
  const [level, setLevel] = useState('info');
  const [module, setModule] = useState('');
  const [contains, setContains] = useState('');
  const [live, setLive] = useState(true);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [modules, setModules] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  // The typed filters apply once typing pauses.
  const [filters, setFilters] = useState({ module, contains });
  useEffect(() => {
    const t = setTimeout(() => setFilters({ module: module.trim(), contains }), 350);
    return () => clearTimeout(t);
  }, [module, contains]);

  // A new filter starts over with the newest 500 lines, then follows with `since`.
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let since = 0;
    let first = true;
    setLines([]);
    const load = async () => {
      const q = new URLSearchParams({ level, limit: '500' });
      if (since) q.set('since', String(since));
      if (filters.module) q.set('module', filters.module);
      if (filters.contains) q.set('contains', filters.contains);
      try {
        const doc = await api.get<{ lines: LogLine[] }>(`logs?${q}`, abort.signal);
        const fresh = doc.lines ?? [];
        if (fresh.length) {
          since = fresh[fresh.length - 1].seq;
          setLines((prev) => (first ? fresh : [...prev, ...fresh]).slice(-KEEP));
          setModules((prev) => [...new Set([...prev, ...fresh.map((l) => l.module)])].sort());
        }
        first = false;
        setError(undefined);
      } catch (e) {
        if (abort.signal.aborted) return;
        setError(messageOf(e));
      }
      if (live && !abort.signal.aborted) timer = setTimeout(load, POLL_MS);
    };
    void load();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [level, filters, live]);

  // Follow the end unless the reader scrolled up.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  const onScroll = () => {
    const el = box.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };

  return (
    <Page id="logs" title="Logs">
      <Panel>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label class="field">
            <span>At least</span>
            <select value={level} onChange={(e) => setLevel(e.currentTarget.value)} data-testid="log-level">
              {LEVELS.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>Module</span>
            <input
              type="text"
              list="log-modules"
              value={module}
              placeholder="all"
              onInput={(e) => setModule(e.currentTarget.value)}
              data-testid="log-module"
            />
            <datalist id="log-modules">
              {modules.map((m) => (
                <option key={m} value={m} />
              ))}
            </datalist>
          </label>
          <label class="field grow">
            <span>Containing</span>
            <input
              type="search"
              value={contains}
              placeholder="text"
              onInput={(e) => setContains(e.currentTarget.value)}
              data-testid="log-contains"
            />
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={live}
              onChange={(e) => setLive(e.currentTarget.checked)}
              data-testid="log-live"
            />
            Live
          </label>
        </form>
        <ErrorBanner error={error} />
        <div class="log" ref={box} onScroll={onScroll} data-testid="log-box">
          {lines.length === 0 ? (
            <div class="muted log-empty">No line matches.</div>
          ) : (
            lines.map((l) => (
              <div key={l.seq} class={`log-line log-${l.level}`} data-testid="log-line">
                <span class="log-time">{fmtClock(l.unix_ms, true)}</span>
                <span class="log-level">{l.level}</span>
                <span class="log-module">{l.module}</span>
                <span class="log-msg">{l.message}</span>
              </div>
            ))
          )}
        </div>
        <p class="muted small-print">
          {lines.length} lines{live ? ', following' : ''}
        </p>
      </Panel>
    </Page>
  );
}
