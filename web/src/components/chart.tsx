// A hand-drawn SVG line chart: time on x, one line per series, gaps where a
// series has no value. Drawn at the container's pixel width so text stays crisp.

import { useEffect, useRef, useState } from 'preact/hooks';
import { fmtClock } from '../format';

export interface Series {
  label: string;
  color: string;
  values: (number | null)[];
  dashed?: boolean;
}

interface Props {
  title: string;
  /** Unix milliseconds of each sample. */
  times: number[];
  series: Series[];
  format: (v: number) => string;
  /** The y axis reaches at least this high. */
  floor?: number;
  height?: number;
}

const PAD = { left: 62, right: 12, top: 10, bottom: 24 };

/** Gridlines for 0…`max`: a round step (1, 2 or 5 times a power of ten), about four of them. */
function ticksFor(max: number): number[] {
  const rough = Math.max(max, 1e-9) / 4;
  const p = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((m) => m * p >= rough) ?? 10) * p;
  const top = Math.max(1, Math.ceil(max / step - 1e-9));
  return Array.from({ length: top + 1 }, (_, i) => i * step);
}

function useWidth<T extends HTMLElement>(fallback: number) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const ro = new ResizeObserver(() => setWidth(Math.max(200, Math.floor(el.clientWidth))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width] as const;
}

export function Chart({ title, times, series, format, floor = 0, height = 180 }: Props) {
  const [ref, width] = useWidth<HTMLDivElement>(600);
  const n = times.length;
  const t0 = times[0] ?? 0;
  const t1 = Math.max(times[n - 1] ?? 0, t0 + 1000);
  // 5% headroom keeps a line at its maximum off the top edge.
  const ticks = ticksFor(
    1.05 *
      Math.max(floor, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)))),
  );
  const max = ticks[ticks.length - 1];
  const w = width - PAD.left - PAD.right;
  const h = height - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * w;
  const y = (v: number) => PAD.top + h - (Math.min(v, max) / max) * h;

  const path = (values: (number | null)[]) => {
    let d = '';
    let pen = false;
    values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(times[i]).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  };

  const last = (s: Series) => [...s.values].reverse().find((v): v is number => v !== null);

  return (
    <figure class="chart" data-testid="chart" data-points={n}>
      <figcaption>{title}</figcaption>
      <div ref={ref} class="chart-canvas">
        <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
          {ticks.map((v) => (
            <g key={v}>
              <line class="grid" x1={PAD.left} x2={width - PAD.right} y1={y(v)} y2={y(v)} />
              <text class="axis" x={PAD.left - 6} y={y(v) + 4} text-anchor="end">
                {format(v)}
              </text>
            </g>
          ))}
          {n > 0 && (
            <>
              <text class="axis" x={PAD.left} y={height - 6} text-anchor="start">
                {fmtClock(t0)}
              </text>
              <text class="axis" x={width - PAD.right} y={height - 6} text-anchor="end">
                {fmtClock(times[n - 1])}
              </text>
            </>
          )}
          {series.map((s) => (
            <path
              key={s.label}
              d={path(s.values)}
              fill="none"
              stroke={s.color}
              stroke-width="2"
              stroke-linejoin="round"
              stroke-dasharray={s.dashed ? '6 4' : undefined}
            />
          ))}
          {n < 2 && (
            <text class="axis" x={PAD.left + w / 2} y={PAD.top + h / 2} text-anchor="middle">
              waiting for samples…
            </text>
          )}
        </svg>
      </div>
      <ul class="legend">
        {series.map((s) => {
          const v = last(s);
          return (
            <li key={s.label}>
              <svg width="14" height="4" aria-hidden="true">
                <rect width="14" height="4" rx="2" fill={s.color} />
              </svg>
              {s.label} <strong>{v === undefined ? '—' : format(v)}</strong>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}
