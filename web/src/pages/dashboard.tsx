import { useState } from 'preact/hooks';
import { api, seg } from '../api';
import { attempt, toast } from '../components/toasts';
import { Badge, Empty, ErrorBanner, Fingerprint, Loading, Page, Panel, Stat } from '../components/ui';
import { fmtBytes, fmtDuration, fmtInt, fmtKbps } from '../format';
import { useNow, useResource } from '../hooks';
import type { Session, Status } from '../types';

const LIVE_EVENTS = ['session.', 'display.', 'pairing.', 'client.'];

export function Dashboard() {
  const status = useResource<Status>('status', { interval: 3000, events: LIVE_EVENTS });
  const sessions = useResource<{ sessions: Session[] }>('session', { interval: 3000, events: ['session.'] });
  const now = useNow();

  const all = sessions.data?.sessions ?? [];
  const running = all.filter((s) => s.state !== 'ended');
  const ended = all
    .filter((s) => s.state === 'ended')
    .slice(-5)
    .reverse();
  const reload = () => {
    status.reload();
    sessions.reload();
  };
  const c = status.data?.counters ?? {};

  return (
    <Page id="dashboard" title="Dashboard">
      <ErrorBanner error={status.error ?? sessions.error} />
      <div class="stats">
        <Stat label="Sessions now" value={fmtInt(running.length)} testid="stat-sessions" />
        <Stat label="Displays" value={fmtInt(status.data?.displays.length)} />
        <Stat label="Connections" value={fmtInt(c.connections)} />
        <Stat label="Sessions started" value={fmtInt(c.sessions_started)} />
        <Stat label="Sessions ended" value={fmtInt(c.sessions_ended)} />
        <Stat label="Refused (busy)" value={fmtInt(c.refused_busy)} />
        <Stat label="Paired" value={fmtInt(c.paired)} />
        <Stat label="Pairing failed" value={fmtInt(c.pairing_failed)} />
      </div>

      <Panel title="Sessions">
        {sessions.loading && !sessions.data ? (
          <Loading />
        ) : running.length === 0 ? (
          <Empty>No client is streaming.</Empty>
        ) : (
          <div class="session-list" data-testid="sessions">
            {running.map((s) => (
              <SessionCard key={s.id} s={s} now={now} onChange={reload} />
            ))}
          </div>
        )}
        {ended.length > 0 && (
          <details class="recent">
            <summary>Recently ended ({ended.length})</summary>
            <ul class="plain-list">
              {ended.map((s) => (
                <li key={s.id} data-testid="ended-session">
                  #{s.id} <strong>{s.client || 'unnamed client'}</strong> <span class="muted">{s.peer}</span> —{' '}
                  {s.end_reason || 'ended'} after {fmtInt(s.video.frames)} frames
                </li>
              ))}
            </ul>
          </details>
        )}
      </Panel>

      <div class="grid-2">
        <Panel title="Displays" actions={<a href="#/displays">Manage</a>}>
          {!status.data ? (
            <Loading />
          ) : status.data.displays.length === 0 ? (
            <Empty>No virtual display.</Empty>
          ) : (
            <ul class="plain-list">
              {status.data.displays.map((d) => (
                <li key={d.display} data-testid="dashboard-display">
                  Display {d.display} <span class="muted">{d.mode}</span>{' '}
                  <Badge tone={d.state === 'active' ? 'ok' : 'warn'}>{d.state}</Badge>{' '}
                  <span class="muted">
                    {d.sessions} session{d.sessions === 1 ? '' : 's'}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Panel>
        <Panel title="Pairing" actions={<a href="#/pairing">Manage</a>}>
          {!status.data ? (
            <Loading />
          ) : (
            <ul class="plain-list">
              <li>PIN window: {status.data.pairing.armed ? <Badge tone="warn">open</Badge> : <Badge>closed</Badge>}</li>
              <li>
                Waiting for approval: <strong>{status.data.pairing.pending}</strong>
              </li>
              <li>
                Paired clients: <strong>{status.data.pairing.clients}</strong>
              </li>
              <li>
                Display agent:{' '}
                {status.data.agent_running ? <Badge tone="ok">running</Badge> : <Badge tone="bad">not running</Badge>}
              </li>
            </ul>
          )}
        </Panel>
      </div>
    </Page>
  );
}

/** One running session: what it streams, and its controls. */
function SessionCard({ s, now, onChange }: { s: Session; now: number; onChange: () => void }) {
  const [kbps, setKbps] = useState(String(s.bitrate_kbps || ''));
  const [busy, setBusy] = useState(false);
  const act = async (fn: () => Promise<unknown>, ok: string) => {
    setBusy(true);
    await attempt(fn, ok);
    setBusy(false);
    onChange();
  };
  const applyBitrate = (e: Event) => {
    e.preventDefault();
    const n = Number(kbps);
    if (!Number.isInteger(n) || n <= 0) {
      toast.error('the bitrate is a whole number of kb/s');
      return;
    }
    void act(() => api.put(`session/${seg(s.id)}/bitrate`, { kbps: n }), `Session ${s.id}: bitrate ${fmtKbps(n)}`);
  };

  return (
    <article class="session" data-testid="session-row" data-client={s.client} data-session={s.id}>
      <header class="session-head">
        <div class="session-who">
          <strong>{s.client || 'unnamed client'}</strong>{' '}
          <Badge tone={s.state === 'streaming' ? 'ok' : 'info'}>{s.state}</Badge>
          <div class="sub">
            #{s.id} · {s.peer} · <Fingerprint fp={s.fingerprint} /> · {s.access} access
          </div>
        </div>
        <div class="session-actions">
          <button
            type="button"
            class="small"
            disabled={busy}
            onClick={() => act(() => api.post(`session/${seg(s.id)}/idr`), `Session ${s.id}: keyframe requested`)}
            data-testid="force-idr"
          >
            Force keyframe
          </button>
          <button
            type="button"
            class="small danger"
            disabled={busy}
            onClick={() => act(() => api.del(`session/${seg(s.id)}`), `Session ${s.id} stopped`)}
            data-testid="stop-session"
          >
            Stop
          </button>
        </div>
      </header>
      <dl class="session-facts">
        <div>
          <dt>Mode</dt>
          <dd>{s.mode || '—'}</dd>
        </div>
        <div>
          <dt>Encoder</dt>
          <dd>{s.encoder || '—'}</dd>
        </div>
        <div>
          <dt>Display</dt>
          <dd>{s.display || '—'}</dd>
        </div>
        <div>
          <dt>Frames</dt>
          <dd>{fmtInt(s.video.frames)}</dd>
        </div>
        <div>
          <dt>Sent</dt>
          <dd>{fmtBytes(s.video.bytes)}</dd>
        </div>
        <div>
          <dt>Client loss</dt>
          <dd>{fmtInt(s.client_loss.loss_ppm)} ppm</dd>
        </div>
        <div>
          <dt>Up</dt>
          <dd>{s.started_unix_ms ? fmtDuration(now - s.started_unix_ms) : '—'}</dd>
        </div>
      </dl>
      <form class="inline-form bitrate" onSubmit={applyBitrate}>
        <label for={`kbps-${s.id}`}>Bitrate</label>
        <input
          id={`kbps-${s.id}`}
          type="number"
          min="1"
          step="1"
          class="narrow"
          value={kbps}
          onInput={(e) => setKbps(e.currentTarget.value)}
          data-testid="bitrate-input"
        />
        <span class="muted">kb/s</span>
        <button type="submit" class="small" disabled={busy} data-testid="bitrate-apply">
          Apply
        </button>
      </form>
    </article>
  );
}
