import { useState } from 'preact/hooks';
import { api, seg } from '../api';
import { useConfirm } from '../components/confirm';
import { toast } from '../components/toasts';
import { Badge, Empty, ErrorBanner, Loading, Page, Panel, Table } from '../components/ui';
import { useResource } from '../hooks';
import type { App } from '../types';

/** Splits a command line into argv: whitespace separates, quotes and backslashes escape. No shell runs it. */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) out.push(word);
  return out;
}

/** argv back to one line, quoting the words that need it. */
export function joinCommand(argv: string[]): string {
  return argv.map((a) => (a === '' || /[\s"'\\]/.test(a) ? `'${a.replace(/'/g, `'"'"'`)}'` : a)).join(' ');
}

interface Draft {
  id: string;
  name: string;
  command: string;
  working_dir: string;
  env: string;
}

const EMPTY: Draft = { id: '', name: '', command: '', working_dir: '', env: '' };

function draftOf(a: App): Draft {
  return {
    id: a.id,
    name: a.name,
    command: joinCommand(a.command),
    working_dir: a.working_dir,
    env: Object.entries(a.env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  };
}

/** KEY=VALUE lines → an object; blank lines and #comments are skipped. */
function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`"${line}" is not KEY=VALUE`);
    env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return env;
}

export function Apps() {
  const apps = useResource<{ apps: App[] }>('apps', { events: ['app.'] });
  const confirm = useConfirm();
  // null: no editor; `editing` is the id being edited, '' when adding.
  const [draft, setDraft] = useState<Draft | null>(null);
  const [editing, setEditing] = useState('');
  const [formError, setFormError] = useState<string>();

  const open = (a?: App) => {
    setDraft(a ? draftOf(a) : EMPTY);
    setEditing(a?.id ?? '');
    setFormError(undefined);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    if (!draft) return;
    let body: Omit<App, 'builtin' | 'id'> & { id?: string };
    try {
      const command = splitCommand(draft.command);
      if (command.length === 0) throw new Error('the command is empty');
      body = {
        name: draft.name.trim() || draft.id.trim(),
        command,
        working_dir: draft.working_dir.trim(),
        env: parseEnv(draft.env),
      };
    } catch (err) {
      setFormError((err as Error).message);
      return;
    }
    setFormError(undefined);
    const id = editing || draft.id.trim();
    const ok = await confirm({
      title: editing ? `Change ${id}?` : `Add ${id || 'this app'}?`,
      message: (
        <p>
          Clients can then start <code>{joinCommand(body.command)}</code> on this host.
        </p>
      ),
      confirmLabel: editing ? 'Save' : 'Add',
      action: async (password) => {
        if (editing) await api.put(`apps/${seg(editing)}`, body, password);
        else await api.post('apps', { id, ...body }, password);
      },
    });
    if (ok) {
      toast.ok(editing ? `${id} saved` : `${id} added`);
      setDraft(null);
      apps.reload();
    }
  };

  const remove = (a: App) =>
    confirm({
      title: `Remove ${a.name}?`,
      message: <p>Clients can no longer start it.</p>,
      confirmLabel: 'Remove',
      action: async (password) => {
        await api.del(`apps/${seg(a.id)}`, {}, password);
      },
    }).then((ok) => {
      if (ok) toast.ok(`${a.name} removed`);
      apps.reload();
    });

  const list = apps.data?.apps ?? [];
  const set = (key: keyof Draft) => (e: Event) =>
    draft && setDraft({ ...draft, [key]: (e.currentTarget as HTMLInputElement).value });

  return (
    <Page
      id="apps"
      title="Apps"
      actions={
        <button type="button" class="primary" onClick={() => open()} data-testid="app-add">
          Add an app
        </button>
      }
    >
      <ErrorBanner error={apps.error} />
      {draft && (
        <Panel title={editing ? `Edit ${editing}` : 'New app'} testid="app-editor">
          <form class="form-grid" onSubmit={save}>
            <label class="field">
              <span>ID</span>
              <input
                type="text"
                value={draft.id}
                disabled={!!editing}
                pattern="[a-z0-9._\-]{1,64}"
                title="a-z, 0-9, dot, dash, underscore; up to 64"
                required
                onInput={set('id')}
                data-testid="app-id"
              />
            </label>
            <label class="field">
              <span>Name</span>
              <input
                type="text"
                value={draft.name}
                placeholder="defaults to the ID"
                onInput={set('name')}
                data-testid="app-name"
              />
            </label>
            <label class="field span-all">
              <span>Command (no shell: quote words with spaces)</span>
              <input
                type="text"
                class="mono"
                value={draft.command}
                placeholder="steam -bigpicture"
                required
                onInput={set('command')}
                data-testid="app-command"
              />
            </label>
            <label class="field span-all">
              <span>Working directory</span>
              <input
                type="text"
                class="mono"
                value={draft.working_dir}
                placeholder="the display agent's"
                onInput={set('working_dir')}
              />
            </label>
            <label class="field span-all">
              <span>Environment (KEY=VALUE, one a line)</span>
              <textarea class="mono" rows={3} value={draft.env} onInput={set('env')} />
            </label>
            {formError && (
              <p class="inline-error span-all" role="alert">
                {formError}
              </p>
            )}
            <div class="actions span-all">
              <button type="button" class="ghost" onClick={() => setDraft(null)}>
                Cancel
              </button>
              <button type="submit" class="primary" data-testid="app-save">
                {editing ? 'Save' : 'Add'}
              </button>
            </div>
          </form>
        </Panel>
      )}
      <Panel title="Apps clients may start">
        {!apps.data ? (
          apps.loading && <Loading />
        ) : list.length === 0 ? (
          <Empty>No app.</Empty>
        ) : (
          <Table columns={['App', 'Command', 'Working dir', 'Environment', '']}>
            {list.map((a) => (
              <tr key={a.id} data-testid="app-row" data-app={a.id}>
                <td>
                  <strong>{a.name}</strong> {a.builtin && <Badge tone="info">built in</Badge>}
                  <div class="sub">
                    <code>{a.id}</code>
                  </div>
                </td>
                <td data-label="Command">
                  {a.command.length ? (
                    <code class="wrap">{joinCommand(a.command)}</code>
                  ) : (
                    <span class="muted">the desktop</span>
                  )}
                </td>
                <td data-label="Working dir">
                  {a.working_dir ? <code>{a.working_dir}</code> : <span class="muted">—</span>}
                </td>
                <td data-label="Environment">
                  {Object.keys(a.env).length ? (
                    <code class="wrap">
                      {Object.entries(a.env)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(' ')}
                    </code>
                  ) : (
                    <span class="muted">—</span>
                  )}
                </td>
                <td class="row-actions">
                  {!a.builtin && (
                    <>
                      <button type="button" class="small" onClick={() => open(a)} data-testid="app-edit">
                        Edit
                      </button>
                      <button type="button" class="small danger" onClick={() => remove(a)} data-testid="app-remove">
                        Remove
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Panel>
    </Page>
  );
}
