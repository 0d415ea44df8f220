import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { attempt, toast } from '../components/toasts';
import { Badge, Empty, ErrorBanner, Fingerprint, Loading, Page, Panel, Table } from '../components/ui';
import { fmtDuration } from '../format';
import { useAction, useNow, useResource } from '../hooks';
import type { Display, DisplaySettings } from '../types';

const BACKENDS = ['synthetic', 'xvfb', 'wlroots'];
// What happens when a client that has a display asks for another mode.
const MODE_CONFLICTS: Record<string, string> = {
  separate: 'a second display in the new mode',
  steal: 'the display changes mode; its other viewers follow',
  join: 'the new session joins the display in its current mode',
  reject: 'the new session is refused',
};

const toneOf = (state: string) => (state === 'active' ? 'ok' : state === 'lingering' ? 'warn' : 'info');

export function Displays() {
  const state = useResource<Display[]>('display/state', { interval: 2000, events: ['display.', 'session.'] });
  const now = useNow(250);

  // Countdowns run from the moment each answer arrived.
  const received = useRef(Date.now());
  useEffect(() => {
    received.current = Date.now();
  }, [state.data]);

  const release = () =>
    attempt(() => api.post('display/release'), 'Lingering and pinned displays released').then(state.reload);

  return (
    <Page
      id="displays"
      title="Displays"
      actions={
        <button type="button" onClick={release} data-testid="display-release">
          Release idle displays
        </button>
      }
    >
      <ErrorBanner error={state.error} />
      <Panel title="Virtual displays">
        {!state.data ? (
          state.loading ? (
            <Loading />
          ) : null
        ) : state.data.length === 0 ? (
          <Empty>No virtual display: one starts when a client connects.</Empty>
        ) : (
          <Table
            columns={[
              'Display',
              'State',
              'Mode',
              'Client',
              { label: 'Sessions', num: true },
              { label: 'Generation', num: true },
              'Goes in',
            ]}
          >
            {state.data.map((d) => (
              <tr key={d.display} data-testid="display-row" data-display={d.display} data-state={d.state}>
                <td data-label="Display">
                  <strong>{d.display}</strong>
                </td>
                <td data-label="State">
                  <Badge tone={toneOf(d.state)}>{d.state}</Badge>
                </td>
                <td data-label="Mode">{d.mode}</td>
                <td data-label="Client">
                  <Fingerprint fp={d.client} />
                </td>
                <td data-label="Sessions" class="num">
                  {d.sessions}
                </td>
                <td data-label="Generation" class="num">
                  {d.generation}
                </td>
                <td data-label="Goes in" data-testid="display-countdown">
                  {d.expires_in_ms !== undefined
                    ? fmtDuration(d.expires_in_ms - (now - received.current) + 999)
                    : '—'}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Panel>
      <PolicyEditor />
    </Page>
  );
}

/** The display policy (PUT display/settings replaces the whole document). */
function PolicyEditor() {
  const settings = useResource<DisplaySettings>('display/settings', { events: ['display.settings_changed'] });
  const [draft, setDraft] = useState<DisplaySettings>();
  const save = useAction();

  // A fresh document replaces the form unless it is being edited.
  const dirty =
    draft !== undefined && settings.data !== undefined && JSON.stringify(draft) !== JSON.stringify(settings.data);
  useEffect(() => {
    if (settings.data && !dirty) setDraft(settings.data);
  }, [settings.data]);

  if (!draft) {
    return (
      <Panel title="Policy">
        <ErrorBanner error={settings.error} />
        {settings.loading && <Loading />}
      </Panel>
    );
  }
  const set = (key: keyof DisplaySettings, value: unknown) => setDraft({ ...draft, [key]: value });
  const submit = async (e: Event) => {
    e.preventDefault();
    const ok = await save.run(async () => settings.set(await api.put<DisplaySettings>('display/settings', draft)));
    if (ok) {
      toast.ok('Display policy saved');
      settings.reload();
    }
  };

  return (
    <Panel title="Policy" testid="display-policy">
      <p class="muted">Applies to displays created from now on.</p>
      <form class="form-grid" onSubmit={submit}>
        <label class="field">
          <span>Backend</span>
          <select
            value={draft.backend}
            onChange={(e) => set('backend', e.currentTarget.value)}
            data-testid="policy-backend"
          >
            {[...new Set([...BACKENDS, draft.backend])].map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Keep alive after the last session</span>
          <input
            type="text"
            value={draft.keep_alive}
            placeholder="10s, 5m, 0"
            onInput={(e) => set('keep_alive', e.currentTarget.value)}
            data-testid="policy-keep-alive"
          />
        </label>
        <label class="field">
          <span>At most this many displays</span>
          <input
            type="number"
            min="1"
            step="1"
            value={draft.max_displays}
            onInput={(e) => set('max_displays', Number(e.currentTarget.value))}
          />
        </label>
        <label class="field">
          <span>On a mode conflict</span>
          <select value={draft.mode_conflict} onChange={(e) => set('mode_conflict', e.currentTarget.value)}>
            {[...new Set([...Object.keys(MODE_CONFLICTS), draft.mode_conflict])].map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
          <small class="hint">{MODE_CONFLICTS[draft.mode_conflict] ?? ''}</small>
        </label>
        <label class="field">
          <span>Render GPU</span>
          <input
            type="text"
            value={draft.render_gpu}
            placeholder="automatic"
            onInput={(e) => set('render_gpu', e.currentTarget.value)}
          />
        </label>
        {save.error && (
          <p class="inline-error span-all" role="alert" data-testid="policy-error">
            {save.error}
          </p>
        )}
        <div class="actions span-all">
          <button
            type="button"
            class="ghost"
            disabled={!dirty || save.busy}
            onClick={() => {
              save.clear();
              if (settings.data) setDraft(settings.data);
            }}
            data-testid="policy-revert"
          >
            Revert
          </button>
          <button type="submit" class="primary" disabled={!dirty || save.busy} data-testid="policy-save">
            Save policy
          </button>
        </div>
      </form>
    </Panel>
  );
}
