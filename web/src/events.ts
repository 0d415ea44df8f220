// The host's lifecycle events (GET /api/v1/events, Server-Sent Events), one
// stream for the whole console, fanned out to whoever listens.

import { auth, notifySignedOut } from './api';

export const EVENT_TYPES = [
  'session.started',
  'session.ended',
  'display.added',
  'display.removed',
  'display.lingering',
  'display.pinned',
  'display.mode_changed',
  'display.settings_changed',
  'pairing.armed',
  'pairing.disarmed',
  'pairing.knock',
  'pairing.approved',
  'pairing.denied',
  'pairing.locked',
  'client.paired',
  'client.unpaired',
  'client.updated',
  'app.added',
  'app.changed',
  'app.removed',
  'settings.changed',
  'events.lost',
] as const;

export interface HostEvent {
  type: string;
  data: unknown;
}

type Listener = (e: HostEvent) => void;

const RETRY_MS = 5000;

class EventFeed {
  private source: EventSource | null = null;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private wanted = false;
  private readonly listeners = new Set<Listener>();
  private readonly stateListeners = new Set<(live: boolean) => void>();
  live = false;

  start(): void {
    this.wanted = true;
    if (!this.source) this.connect();
  }

  stop(): void {
    this.wanted = false;
    clearTimeout(this.retry);
    this.source?.close();
    this.source = null;
    this.setLive(false);
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onLive(fn: (live: boolean) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  private setLive(live: boolean): void {
    if (live === this.live) return;
    this.live = live;
    for (const fn of [...this.stateListeners]) fn(live);
  }

  private connect(): void {
    const source = new EventSource('/api/v1/events');
    this.source = source;
    source.onopen = () => this.setLive(true);
    source.onerror = () => {
      this.setLive(false);
      // CONNECTING: the browser retries by itself. CLOSED: the server refused
      // the stream (signed out, or the host is down); find out which, retry later.
      if (source.readyState !== EventSource.CLOSED) return;
      source.close();
      this.source = null;
      auth
        .session()
        .then((s) => {
          if (!s.signed_in) notifySignedOut();
        })
        .catch(() => undefined);
      this.retry = setTimeout(() => {
        if (this.wanted && !this.source) this.connect();
      }, RETRY_MS);
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (m: MessageEvent<string>) => {
        let data: unknown = m.data;
        try {
          data = JSON.parse(m.data);
        } catch {
          // keep the text
        }
        const event = { type, data };
        for (const fn of [...this.listeners]) fn(event);
      });
    }
  }
}

export const events = new EventFeed();
