import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, auth, notifySignedOut } from '../api';
import { toast } from '../components/toasts';
import { Badge, ErrorBanner, Loading, Page, Panel, Table } from '../components/ui';
import { useAction, useResource } from '../hooks';
import type { Setting } from '../types';

const MIN_PASSWORD = 12;

export function Settings() {
  return (
    <Page id="settings" title="Settings">
      <div class="grid-2">
        <PasswordForm />
        <Panel title="Sign out">
          <p class="muted">Signing out ends every console session, on every device.</p>
          <button
            type="button"
            class="danger"
            onClick={() =>
              auth.logout().then(
                () => notifySignedOut('Signed out everywhere.'),
                (e) => toast.error(e),
              )
            }
            data-testid="sign-out-everywhere"
          >
            Sign out everywhere
          </button>
        </Panel>
      </div>
      <HostSettings />
    </Page>
  );
}


/** One password input of the change form. */
function PasswordField(props: {
  label: ComponentChildren;
  autocomplete: string;
  value: string;
  onInput: (value: string) => void;
  testid: string;
}) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <input
        type="password"
        autocomplete={props.autocomplete}
        value={props.value}
        required
        onInput={(e) => props.onInput(e.currentTarget.value)}
        data-testid={props.testid}
      />
    </label>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const change = useAction();
  const [local, setLocal] = useState<string>();

  const submit = async (e: Event) => {
    e.preventDefault();
    if (next.length < MIN_PASSWORD) return setLocal(`the new password needs at least ${MIN_PASSWORD} characters`);
    if (next !== again) return setLocal('the new passwords differ');
    setLocal(undefined);
    if (await change.run(() => auth.changePassword(current, next))) {
      toast.ok('Password changed: other console sessions are signed out');
      setCurrent('');
      setNext('');
      setAgain('');
    }
  };
  const error = local ?? change.error;

  return (
    <Panel title="Console password">
      <form class="stack" onSubmit={submit} data-testid="password-form">
        <PasswordField
          label="Current password"
          autocomplete="current-password"
          value={current}
          onInput={setCurrent}
          testid="password-current"
        />
        <PasswordField
          label={<>New password (at least {MIN_PASSWORD} characters)</>}
          autocomplete="new-password"
          value={next}
          onInput={setNext}
          testid="password-new"
        />
        <PasswordField
          label="New password again"
          autocomplete="new-password"
          value={again}
          onInput={setAgain}
          testid="password-again"
        />
        {error && (
          <p class="inline-error" role="alert" data-testid="password-error">
            {error}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={change.busy} data-testid="password-submit">
            Change password
          </button>
        </div>
      </form>
    </Panel>
  );
}

/** Every host setting with where its value comes from; editable ones can be set or reset. */
function HostSettings() {
  const settings = useResource<{ applies: string; settings: Setting[] }>('settings', { events: ['settings.'] });
  const [editing, setEditing] = useState<string | null>(null);
  const [value, setValue] = useState('');
  const save = useAction();

  const patch = async (key: string, v: string | null) => {
    if (await save.run(() => api.patch('settings', { [key]: v }))) {
      toast.ok(
        v === null ? `${key} reset` : `${key} saved: it applies ${settings.data?.applies ?? 'at the next start'}`,
      );
      setEditing(null);
      settings.reload();
    }
  };

  return (
    <Panel
      title="Host settings"
      actions={settings.data && <span class="muted">Changes apply {settings.data.applies}.</span>}
    >
      <ErrorBanner error={settings.error} />
      {!settings.data ? (
        settings.loading && <Loading />
      ) : (
        <Table class="settings-table" columns={['Setting', 'Value', 'Source', '']}>
          {settings.data.settings.map((s) => (
            <tr key={s.key} data-testid="setting-row">
              <td>
                <code>{s.key}</code>
                <div class="sub">{s.doc}</div>
                {s.accepted && <div class="sub">Accepts: {s.accepted}</div>}
              </td>
              <td data-label="Value">
                {editing === s.key ? (
                  <form
                    class="inline-form"
                    onSubmit={(e) => {
                      e.preventDefault();
                      void patch(s.key, value);
                    }}
                  >
                    <input
                      type="text"
                      class="mono"
                      value={value}
                      aria-label={s.key}
                      onInput={(e) => setValue(e.currentTarget.value)}
                    />
                    <button type="submit" class="small primary" disabled={save.busy}>
                      Save
                    </button>
                    <button type="button" class="small ghost" onClick={() => setEditing(null)}>
                      Cancel
                    </button>
                  </form>
                ) : (
                  <>
                    <code class="wrap">{s.value || <span class="muted">(empty)</span>}</code>
                    {s.default && s.value !== s.default && <div class="sub">default: {s.default}</div>}
                    {s.console !== undefined && <div class="sub">console: {s.console}</div>}
                  </>
                )}
                {editing === s.key && save.error && <p class="inline-error">{save.error}</p>}
              </td>
              <td data-label="Source">
                <Badge tone={s.source === 'default' ? 'neutral' : 'info'}>{s.source ?? '—'}</Badge>
              </td>
              <td class="row-actions">
                {s.editable && editing !== s.key && (
                  <>
                    <button
                      type="button"
                      class="small"
                      onClick={() => {
                        save.clear();
                        setEditing(s.key);
                        setValue(s.console ?? s.value ?? '');
                      }}
                    >
                      Edit
                    </button>
                    {s.console !== undefined && (
                      <button type="button" class="small ghost" onClick={() => patch(s.key, null)}>
                        Reset
                      </button>
                    )}
                  </>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Panel>
  );
}
