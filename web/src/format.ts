// Numbers and times for people.

export function fmtInt(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '—' : Math.round(n).toLocaleString('en-US');
}

export function fmtBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** Three significant digits at most, no trailing zeros: 1.25, 5, 12.5. */
const sig = (n: number) => String(Number(n.toPrecision(3)));

/** Microseconds: "272 µs", "1.25 ms". */
export function fmtUs(us: number): string {
  if (!Number.isFinite(us)) return '—';
  return us < 1000 ? `${Math.round(us)} µs` : `${sig(us / 1000)} ms`;
}

export function fmtKbps(kbps: number): string {
  if (!Number.isFinite(kbps)) return '—';
  return kbps >= 1000 ? `${sig(kbps / 1000)} Mb/s` : `${Math.round(kbps)} kb/s`;
}

/** A duration in milliseconds: "45 s", "3 min 05 s", "2 h 10 min", "3 d 4 h". */
export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Unix milliseconds as local date and time. */
export function fmtTime(unixMs: number): string {
  if (!unixMs) return '—';
  return new Date(unixMs).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** Unix milliseconds as local time of day with milliseconds (log lines). */
export function fmtClock(unixMs: number, withMs = false): string {
  const d = new Date(unixMs);
  const hms = d.toLocaleTimeString(undefined, { hour12: false });
  return withMs ? `${hms}.${String(d.getMilliseconds()).padStart(3, '0')}` : hms;
}

/** Unix seconds (0: never) relative to now: "3 min ago", "in 2 d". */
export function fmtRelative(unixS: number, nowMs = Date.now(), never = 'never'): string {
  if (!unixS) return never;
  const delta = unixS * 1000 - nowMs;
  return delta >= 0 ? `in ${fmtDuration(delta)}` : `${fmtDuration(-delta)} ago`;
}
