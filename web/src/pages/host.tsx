import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { toast } from '../components/toasts';
import { Badge, ErrorBanner, Facts, Loading, Page, Panel, Table } from '../components/ui';
import { fmtBytes } from '../format';
import { useAction, useResource } from '../hooks';
import type { Gpus, HostInfo } from '../types';

export function Host() {
  const host = useResource<HostInfo>('host', { events: ['display.settings_changed'] });
  const h = host.data;
  return (
    <Page id="host" title="Host">
      <ErrorBanner error={host.error} />
      {!h ? (
        host.loading && <Loading />
      ) : (
        <>
          <div class="grid-2">
            <Panel title="Identity">
              <Facts
                items={[
                  ['Name', h.name, 'host-identity-name'],
                  ['Fingerprint', <code class="wrap">{h.fingerprint}</code>, 'host-fingerprint'],
                  ['Version', `${h.version}${h.revision ? ` (${h.revision})` : ''}`, 'host-version'],
                  ['Build', h.build_type],
                  ['System', h.os],
                  ['Display backend', h.display_backend],
                ]}
              />
            </Panel>
            <Panel title="Ports">
              <Facts
                items={[
                  ['Streaming (native)', String(h.ports.native), 'host-port-native'],
                  ['Management API', String(h.ports.management), 'host-port-management'],
                ]}
              />
              <p class="muted">Codecs: {h.codecs.join(', ') || 'none'}</p>
            </Panel>
          </div>
          <Panel title="Encoders">
            <Table columns={['Encoder', 'Codec', 'Kind', 'Available']}>
              {h.encoders.map((e) => (
                <tr key={`${e.name}/${e.codec}`} data-testid="encoder-row" data-encoder={e.name}>
                  <td>
                    <strong>{e.name}</strong>
                  </td>
                  <td data-label="Codec">{e.codec}</td>
                  <td data-label="Kind">{e.kind}</td>
                  <td data-label="Available">
                    {e.available ? <Badge tone="ok">yes</Badge> : <Badge tone="bad">no</Badge>}
                    {e.why && (
                      <div class="sub why" data-testid="encoder-why">
                        {e.why}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          </Panel>
          <GpuPanel initial={h.gpus} />
        </>
      )}
    </Page>
  );
}

/** The GPUs found, the one rendering, and the saved preference. */
function GpuPanel({ initial }: { initial: Gpus }) {
  const [gpus, setGpus] = useState(initial);
  const [choice, setChoice] = useState(initial.preference);
  const save = useAction();
  useEffect(() => {
    setGpus(initial);
    setChoice(initial.preference);
  }, [initial]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const ok = await save.run(async () => setGpus(await api.put<Gpus>('gpus/preference', { gpu: choice })));
    if (ok) toast.ok('GPU preference saved');
  };
  const options = [
    ['', 'automatic'],
    ['cpu', 'CPU (no GPU)'],
    ...gpus.gpus.map((g) => [g.id, `${g.name}${g.memory_bytes ? ` (${fmtBytes(g.memory_bytes)})` : ''}`]),
  ];
  if (!options.some(([v]) => v === choice)) options.push([choice, choice]);

  return (
    <Panel title="GPUs">
      <Facts
        items={[
          ['Rendering on', <strong>{gpus.selected.name}</strong>, 'gpu-selected'],
          ['Why', gpus.selected.reason],
          ['Found', gpus.gpus.length ? gpus.gpus.map((g) => g.name).join(', ') : 'none'],
          ...(gpus.environment ? [['From the environment', gpus.environment] as [string, string]] : []),
        ]}
      />
      <form class="inline-form wrap" onSubmit={submit}>
        <label class="field">
          <span>Preference</span>
          <select value={choice} onChange={(e) => setChoice(e.currentTarget.value)}>
            {options.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={save.busy || choice === gpus.preference}>
          Save
        </button>
      </form>
      {save.error && (
        <p class="inline-error" role="alert">
          {save.error}
        </p>
      )}
    </Panel>
  );
}
