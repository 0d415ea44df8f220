import { useEffect, useState } from 'preact/hooks';
import { api, messageOf, seg } from '../api';
import { Chart, type Series } from '../components/chart';
import { attempt } from '../components/toasts';
import { Badge, Empty, ErrorBanner, Loading, Page, Panel, Table } from '../components/ui';
import { fmtBytes, fmtInt, fmtKbps, fmtTime, fmtUs } from '../format';
import { useResource } from '../hooks';
import { STAGES, type Recording, type StatsSample } from '../types';

const POLL_MS = 2000;
const WINDOW_MS = 5 * 60 * 1000;

const STAGE_COLORS: Record<(typeof STAGES)[number], string> = {
  capture_wait: '#5eb1ff',
  convert: '#b48cff',
  encode: '#ffb454',
  packetize: '#7ee0b0',
  send: '#ff7a90',
  host: '#e6edf3',
};

export function Performance() {
  const [viewing, setViewing] = useState<string | null>(null);
  return (
    <Page id="performance" title="Performance">
      {viewing ? <RecordingView id={viewing} onClose={() => setViewing(null)} /> : <LiveGraphs />}
      <Recordings viewing={viewing} onView={setViewing} />
    </Page>
  );
}

/** Polls stats/live and keeps the last five minutes of samples. */
function LiveGraphs() {
  const [samples, setSamples] = useState<StatsSample[]>([]);
  const [error, setError] = useState<string>();

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = new AbortController();
    const poll = async () => {
      try {
        const s = await api.get<StatsSample>('stats/live', abort.signal);
        setError(undefined);
        if (s && typeof s.unix_ms === 'number') {
          setSamples((prev) => {
            if (prev.length && prev[prev.length - 1].unix_ms >= s.unix_ms) return prev;
            return [...prev, s].filter((x) => x.unix_ms > s.unix_ms - WINDOW_MS);
          });
        }
      } catch (e) {
        if (abort.signal.aborted) return;
        setError(messageOf(e));
      }
      if (!abort.signal.aborted) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, []);

  return (
    <Panel title="Live" actions={<span class="muted">last 5 minutes, a sample every 2 s</span>}>
      <ErrorBanner error={error} />
      <SessionGraphs samples={samples} />
    </Panel>
  );
}

/** The graphs of one session (picked when there are several) over `samples`. */
function SessionGraphs({ samples }: { samples: StatsSample[] }) {
  const ids = [...new Set(samples.flatMap((s) => s.sessions.map((x) => x.id)))];
  const [picked, setPicked] = useState<number>();
  const latest = samples[samples.length - 1]?.sessions[0]?.id;
  const id = picked !== undefined && ids.includes(picked) ? picked : (latest ?? ids[ids.length - 1]);

  if (id === undefined) {
    return samples.length === 0 ? <Loading /> : <Empty>No session is streaming: graphs appear when one does.</Empty>;
  }
  const points = samples.flatMap((s) => {
    const x = s.sessions.find((v) => v.id === id);
    return x ? [{ t: s.unix_ms, x }] : [];
  });
  const times = points.map((p) => p.t);
  const pick = <T,>(f: (x: (typeof points)[number]['x']) => T) => points.map((p) => f(p.x));
  const now = points[points.length - 1]?.x;

  const latency: Series[] = STAGES.map((stage) => ({
    label: stage.replace('_', ' '),
    color: STAGE_COLORS[stage],
    values: pick((x) => x.stages?.[stage]?.p50_us ?? null),
    dashed: stage === 'host',
  }));

  return (
    <div>
      <div class="graph-head">
        {ids.length > 1 && (
          <label class="field inline">
            <span>Session</span>
            <select value={String(id)} onChange={(e) => setPicked(Number(e.currentTarget.value))}>
              {ids.map((i) => (
                <option key={i} value={i}>
                  #{i}
                </option>
              ))}
            </select>
          </label>
        )}
        {now && (
          <span>
            Session #{id} · <strong>{now.client}</strong> · {now.mode} · FEC {now.fec_pct}% · {fmtInt(now.frames_lost)}{' '}
            frames lost · {fmtInt(now.dropped)} dropped
          </span>
        )}
      </div>
      <div class="charts">
        <Chart title="Latency per stage (p50)" times={times} series={latency} format={fmtUs} floor={100} />
        <Chart
          title="Frame rate"
          times={times}
          series={[{ label: 'fps', color: '#7ee0b0', values: pick((x) => x.fps) }]}
          format={(v) => `${Math.round(v)} fps`}
          floor={10}
        />
        <Chart
          title="Bitrate"
          times={times}
          series={[
            { label: 'sent', color: '#5eb1ff', values: pick((x) => x.bitrate_kbps) },
            { label: 'target', color: '#8b97a8', values: pick((x) => x.target_kbps), dashed: true },
          ]}
          format={fmtKbps}
          floor={100}
        />
        <Chart
          title="Loss and recovery"
          times={times}
          series={[
            { label: 'loss (ppm)', color: '#ff7a90', values: pick((x) => x.loss_ppm) },
            { label: 'FEC recovered', color: '#7ee0b0', values: pick((x) => x.fec_recovered) },
            { label: 'dropped', color: '#ffb454', values: pick((x) => x.dropped) },
          ]}
          format={(v) => fmtInt(v)}
          floor={10}
        />
      </div>
    </div>
  );
}

function RecordingView({ id, onClose }: { id: string; onClose: () => void }) {
  const rec = useResource<{ id: string; samples: StatsSample[] }>(`stats/recordings/${seg(id)}`);
  return (
    <Panel
      title={<>Recording {id}</>}
      testid="recording-view"
      actions={
        <button type="button" class="small" onClick={onClose} data-testid="recording-close">
          Back to live
        </button>
      }
    >
      <ErrorBanner error={rec.error} />
      {rec.data ? (
        rec.data.samples.length ? (
          <SessionGraphs samples={rec.data.samples} />
        ) : (
          <Empty>This recording has no samples.</Empty>
        )
      ) : (
        rec.loading && <Loading />
      )}
    </Panel>
  );
}

function Recordings({ viewing, onView }: { viewing: string | null; onView: (id: string | null) => void }) {
  const list = useResource<{ recordings: Recording[] }>('stats/recordings', { interval: 5000 });
  const recordings = [...(list.data?.recordings ?? [])].sort((a, b) => b.started_unix_ms - a.started_unix_ms);
  const running = recordings.some((r) => r.running);

  const start = () => attempt(() => api.post('stats/capture/start'), 'Recording started').then(list.reload);
  const stop = () => attempt(() => api.post('stats/capture/stop'), 'Recording stopped').then(list.reload);
  const remove = (r: Recording) =>
    attempt(() => api.del(`stats/recordings/${seg(r.id)}`), `Recording ${r.id} deleted`).then(() => {
      if (viewing === r.id) onView(null);
      list.reload();
    });

  return (
    <Panel
      title="Recordings"
      actions={
        running ? (
          <button type="button" class="danger" onClick={stop} data-testid="capture-stop">
            Stop recording
          </button>
        ) : (
          <button type="button" class="primary" onClick={start} data-testid="capture-start">
            Start recording
          </button>
        )
      }
    >
      <ErrorBanner error={list.error} />
      {!list.data ? (
        list.loading && <Loading />
      ) : recordings.length === 0 ? (
        <Empty>No recording yet. A recording keeps every sample on disk until it is deleted.</Empty>
      ) : (
        <Table columns={['Recording', 'Started', { label: 'Samples', num: true }, { label: 'Size', num: true }, '']}>
          {recordings.map((r) => (
            <tr key={r.id} data-testid="recording-row" class={viewing === r.id ? 'selected' : ''}>
              <td>
                <code>{r.id}</code> {r.running && <Badge tone="warn">recording</Badge>}
              </td>
              <td data-label="Started">{fmtTime(r.started_unix_ms)}</td>
              <td data-label="Samples" class="num">
                {fmtInt(r.samples)}
              </td>
              <td data-label="Size" class="num">
                {fmtBytes(r.bytes)}
              </td>
              <td class="row-actions">
                <button
                  type="button"
                  class="small"
                  onClick={() => onView(r.id)}
                  data-testid="recording-view-button"
                >
                  View
                </button>
                <button
                  type="button"
                  class="small danger"
                  disabled={r.running}
                  onClick={() => remove(r)}
                  data-testid="recording-delete"
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Panel>
  );
}
