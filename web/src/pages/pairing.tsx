import { useEffect, useRef, useState } from 'preact/hooks';
import { api, seg } from '../api';
import { useConfirm } from '../components/confirm';
import { attempt, toast } from '../components/toasts';
import { Badge, Empty, ErrorBanner, Fingerprint, Loading, Page, Panel, Table } from '../components/ui';
import { fmtDuration, fmtRelative } from '../format';
import { useAction, useNow, useResource } from '../hooks';
import { ACCESS_LEVELS, type Access, type Client, type GameStream, type Knock, type PairWindow } from '../types';

const EXPIRIES: [string, string][] = [
  ['1h', 'in 1 hour'],
  ['1d', 'in 1 day'],
  ['7d', 'in 7 days'],
  ['30d', 'in 30 days'],
  ['never', 'never'],
];

export function Pairing() {
  return (
    <Page id="pairing" title="Pairing">
      <PinWindow />
      <Pending />
      <MoonlightPin />
      <Clients />
    </Page>
  );
}

function AccessSelect(props: {
  value: Access;
  onChange: (a: Access) => void;
  disabled?: boolean;
  testid?: string;
  label?: string;
}) {
  return (
    <select
      value={props.value}
      disabled={props.disabled}
      aria-label={props.label ?? 'Access'}
      onChange={(e) => props.onChange(e.currentTarget.value as Access)}
      data-testid={props.testid}
    >
      {ACCESS_LEVELS.map((a) => (
        <option key={a} value={a}>
          {a}
        </option>
      ))}
    </select>
  );
}

/** Opens a PIN window; while it is open the PIN is shown large, with its time left. */
function PinWindow() {
  const pair = useResource<PairWindow>('pair', { interval: 2000, events: ['pairing.', 'client.paired'] });
  const [ttl, setTtl] = useState('120');
  const [access, setAccess] = useState<Access>('full');
  const arm = useAction();
  const now = useNow(500);
  const received = useRef(Date.now());
  useEffect(() => {
    received.current = Date.now();
  }, [pair.data]);

  const w = pair.data;
  const left =
    w?.armed && w.expires_in_s !== undefined ? Math.max(0, w.expires_in_s * 1000 - (now - received.current)) : 0;

  const submit = (e: Event) => {
    e.preventDefault();
    void arm.run(async () => pair.set(await api.post<PairWindow>('pair/arm', { ttl_s: Number(ttl), access })));
  };
  const disarm = () => attempt(async () => pair.set(await api.del<PairWindow>('pair')), 'PIN window closed');

  return (
    <Panel title="PIN window" testid="pin-window">
      <ErrorBanner error={pair.error} />
      {w?.locked && <div class="banner banner-error">Pairing is locked after too many wrong PINs.</div>}
      {w?.armed && w.pin ? (
        <div class="pin-box">
          <div class="pin" data-testid="pin" aria-label="Pairing PIN">
            {w.pin}
          </div>
          <div class="pin-meta">
            <div>
              Type this PIN on the client. Closes in{' '}
              <strong data-testid="pin-expires">{fmtDuration(left + 999)}</strong>.
            </div>
            <div class="muted">
              Grants <strong>{w.access}</strong> access
              {w.for ? (
                <>
                  {' '}
                  to <Fingerprint fp={w.for} /> only
                </>
              ) : null}{' '}
              · {w.failures} wrong PIN{w.failures === 1 ? '' : 's'}
            </div>
            <button type="button" class="danger" onClick={disarm} data-testid="pair-disarm">
              Close window
            </button>
          </div>
        </div>
      ) : !w ? (
        pair.loading && <Loading />
      ) : (
        <form class="inline-form wrap" onSubmit={submit}>
          <label class="field">
            <span>Open for (seconds)</span>
            <input
              type="number"
              min="10"
              max="3600"
              step="1"
              value={ttl}
              class="narrow"
              onInput={(e) => setTtl(e.currentTarget.value)}
              data-testid="pair-ttl"
            />
          </label>
          <label class="field">
            <span>Access for the new client</span>
            <AccessSelect value={access} onChange={setAccess} testid="pair-access" />
          </label>
          <button type="submit" class="primary" disabled={arm.busy} data-testid="pair-arm">
            Show a PIN
          </button>
        </form>
      )}
      {arm.error && (
        <p class="inline-error" role="alert">
          {arm.error}
        </p>
      )}
    </Panel>
  );
}

/** GameStream: a Moonlight client shows a PIN and waits; the operator types it here. */
function MoonlightPin() {
  const gs = useResource<GameStream>('gamestream', { interval: 2000, events: ['gamestream.', 'client.paired'] });
  const [pin, setPin] = useState('');
  const send = useAction();
  const g = gs.data;
  if (!g?.enabled) return null;  // GameStream is off: nothing to show
  const waiting = g.pin_request;
  const submit = (e: Event) => {
    e.preventDefault();
    void send.run(async () => {
      await api.post('gamestream/pin', { pin });
      setPin('');
      toast.ok('PIN entered; the client finishes pairing');
      gs.reload();
    });
  };
  return (
    <Panel title="Moonlight (GameStream)" testid="gamestream-pin">
      <ErrorBanner error={gs.error} />
      <p class="muted">
        GameStream pairing runs over plain HTTP: keep it to networks you trust. Ports: HTTP {g.ports?.http}, HTTPS{' '}
        {g.ports?.https}, RTSP {g.ports?.rtsp}.
      </p>
      {waiting ? (
        <form class="inline-form wrap" onSubmit={submit}>
          <div>
            <strong data-testid="gamestream-waiting">{waiting.device_name}</strong> ({waiting.address}) asks to pair.
          </div>
          <label class="field">
            <span>The PIN it shows</span>
            <input
              inputMode="numeric"
              pattern="[0-9]{4}"
              maxLength={4}
              value={pin}
              class="narrow"
              onInput={(e) => setPin(e.currentTarget.value)}
              data-testid="gamestream-pin-input"
            />
          </label>
          <button type="submit" class="primary" disabled={send.busy || pin.length !== 4} data-testid="gamestream-pin-submit">
            Pair
          </button>
        </form>
      ) : (
        <Empty>No Moonlight client is waiting. Start pairing on the client; its PIN goes here.</Empty>
      )}
      {send.error && (
        <p class="inline-error" role="alert">
          {send.error}
        </p>
      )}
      {(g.sessions ?? []).length > 0 && (
        <Table columns={['Session', 'Client', 'App', 'Mode', 'State', 'Frames']}>
          {(g.sessions ?? []).map((x) => (
            <tr key={x.id} data-testid="gamestream-session">
              <td>{x.id}</td>
              <td data-label="Client">
                {x.client_name} <span class="muted">{x.address}</span>
              </td>
              <td data-label="App">{x.app}</td>
              <td data-label="Mode">
                {x.mode.width}×{x.mode.height}@{x.mode.fps} {x.codec}
              </td>
              <td data-label="State">
                {x.state}
                {x.end_reason ? <span class="muted"> ({x.end_reason})</span> : null}
              </td>
              <td data-label="Frames">{x.frames}</td>
            </tr>
          ))}
        </Table>
      )}
    </Panel>
  );
}

/** Clients that knocked without a PIN, waiting for a yes or no. */
function Pending() {
  const pending = useResource<{ pending: Knock[] }>('pending', { interval: 2000, events: ['pairing.'] });
  const [access, setAccess] = useState<Record<number, Access>>({});
  const list = pending.data?.pending ?? [];

  const approve = (k: Knock) =>
    attempt(
      () => api.post(`pending/${seg(k.id)}/approve`, { access: access[k.id] ?? 'full' }),
      `${k.name || 'Client'} approved`,
    ).then(pending.reload);
  const deny = (k: Knock) =>
    attempt(() => api.post(`pending/${seg(k.id)}/deny`), `${k.name || 'Client'} denied`).then(pending.reload);

  return (
    <Panel title="Waiting for approval">
      <ErrorBanner error={pending.error} />
      {!pending.data ? (
        pending.loading && <Loading />
      ) : list.length === 0 ? (
        <Empty>No client is knocking.</Empty>
      ) : (
        <Table columns={['Client', 'Fingerprint', 'From', 'Waiting', 'Access', '']}>
          {list.map((k) => (
            <tr key={k.id} data-testid="pending-row">
              <td>
                <strong>{k.name || 'unnamed'}</strong>
              </td>
              <td data-label="Fingerprint">
                <Fingerprint fp={k.fingerprint} />
              </td>
              <td data-label="From">{k.peer}</td>
              <td data-label="Waiting">
                {fmtDuration(k.waiting_s * 1000)}{' '}
                <span class="muted">(gives up in {fmtDuration(k.expires_in_s * 1000)})</span>
              </td>
              <td data-label="Access">
                <AccessSelect
                  value={access[k.id] ?? 'full'}
                  onChange={(a) => setAccess({ ...access, [k.id]: a })}
                />
              </td>
              <td class="row-actions">
                <button
                  type="button"
                  class="small primary"
                  onClick={() => approve(k)}
                  data-testid="pending-approve"
                >
                  Approve
                </button>
                <button type="button" class="small danger" onClick={() => deny(k)} data-testid="pending-deny">
                  Deny
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Panel>
  );
}

/** Paired devices: access and expiry edits, unpairing (password confirmed). */
function Clients() {
  const clients = useResource<{ clients: Client[] }>('clients', {
    interval: 5000,
    events: ['client.', 'pairing.approved'],
  });
  const confirm = useConfirm();
  const now = useNow(10000);
  const list = clients.data?.clients ?? [];

  const update = (c: Client, body: { access?: Access; expires?: string }) =>
    attempt(() => api.patch(`clients/${seg(c.fingerprint)}`, body), `${c.name || 'Client'} updated`).then(
      clients.reload,
    );

  const unpair = (c: Client) =>
    confirm({
      title: `Unpair ${c.name || 'this client'}?`,
      message: <p>It can no longer connect without pairing again, and a session it has running ends now.</p>,
      confirmLabel: 'Unpair',
      action: async (password) => {
        await api.del(`clients/${seg(c.fingerprint)}`, {}, password);
      },
    }).then((ok) => {
      if (ok) toast.ok(`${c.name || 'Client'} unpaired`);
      clients.reload();
    });

  // One password for all; each client is then removed with it.
  const unpairAll = () =>
    confirm({
      title: 'Unpair every client?',
      message: <p>All {list.length} paired clients lose access, and their running sessions end.</p>,
      confirmLabel: 'Unpair all',
      action: async (password) => {
        for (const c of list) await api.del(`clients/${seg(c.fingerprint)}`, {}, password);
      },
    }).then((ok) => {
      if (ok) toast.ok('Every client unpaired');
      clients.reload();
    });

  return (
    <Panel
      title="Paired clients"
      actions={
        list.length > 0 && (
          <button type="button" class="small danger" onClick={unpairAll} data-testid="unpair-all">
            Unpair all
          </button>
        )
      }
    >
      <ErrorBanner error={clients.error} />
      {!clients.data ? (
        clients.loading && <Loading />
      ) : list.length === 0 ? (
        <Empty>No paired client.</Empty>
      ) : (
        <Table columns={['Client', 'Access', 'Expires', 'Paired', 'Last seen', '']}>
          {list.map((c) => (
            <tr key={c.fingerprint} data-testid="client-row">
              <td>
                <strong>{c.name || 'unnamed'}</strong> {c.expired && <Badge tone="bad">expired</Badge>}{' '}
                {c.protocol === 'gamestream' && <Badge tone="info">Moonlight</Badge>}
                <div class="sub">
                  <Fingerprint fp={c.fingerprint} />
                </div>
              </td>
              <td data-label="Access">
                <AccessSelect
                  value={c.access}
                  onChange={(a) => update(c, { access: a })}
                  testid="client-access"
                  label={`Access of ${c.name}`}
                />
              </td>
              <td data-label="Expires">
                <div>{fmtRelative(c.expires_at, now)}</div>
                <select
                  class="small"
                  value=""
                  aria-label={`Change the expiry of ${c.name}`}
                  onChange={(e) => {
                    const v = e.currentTarget.value;
                    e.currentTarget.value = '';
                    if (v) void update(c, { expires: v });
                  }}
                >
                  <option value="">Change…</option>
                  {EXPIRIES.map(([v, label]) => (
                    <option key={v} value={v}>
                      {label}
                    </option>
                  ))}
                </select>
              </td>
              <td data-label="Paired">{fmtRelative(c.paired_at, now)}</td>
              <td data-label="Last seen">{fmtRelative(c.last_seen, now)}</td>
              <td class="row-actions">
                <button type="button" class="small danger" onClick={() => unpair(c)} data-testid="unpair">
                  Unpair
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Panel>
  );
}
