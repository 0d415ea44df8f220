// The documents the host's management API answers (GET /api/v1/...).

export type Access = 'full' | 'controller-only' | 'view-only';
export const ACCESS_LEVELS: Access[] = ['full', 'controller-only', 'view-only'];

export interface Quantiles {
  p50_us: number;
  p99_us: number;
}

export const STAGES = ['capture_wait', 'convert', 'encode', 'packetize', 'send', 'host'] as const;
export type Stage = (typeof STAGES)[number];
export type Stages = Partial<Record<Stage, Quantiles>>;

export interface Encoder {
  name: string;
  codec: string;
  kind: string;
  available: boolean;
  why?: string;
}

export interface Gpus {
  environment: string;
  preference: string;
  gpus: { id: string; name: string; memory_bytes?: number }[];
  selected: { name: string; reason: string };
}

export interface HostInfo {
  name: string;
  fingerprint: string;
  version: string;
  revision: string;
  build_type: string;
  os: string;
  codecs: string[];
  encoders: Encoder[];
  display_backend: string;
  ports: { native: number; management: number };
  gpus: Gpus;
}

export interface Display {
  display: number;
  client: string;
  mode: string;
  state: 'active' | 'lingering' | 'pinned' | string;
  sessions: number;
  generation: number;
  expires_in_ms?: number;
}

export interface Status {
  agent_running: boolean;
  counters: Record<string, number>;
  displays: Display[];
  pairing: { armed: boolean; clients: number; pending: number };
  sessions: { id: number; client: string; display: number; frames: number; mode: string; state: string }[];
}

export interface Session {
  id: number;
  state: 'handshaking' | 'streaming' | 'ended' | string;
  client: string;
  peer: string;
  fingerprint: string;
  access: string;
  mode: string;
  display: number;
  bitrate_kbps: number;
  encoder: string;
  fec_pct: number;
  started_unix_ms: number;
  end_reason: string;
  video: { frames: number; keyframes: number; bytes: number; send_dropped: number; [k: string]: number };
  client_loss: { frames_lost: number; frames_recovered: number; loss_ppm: number };
  stages: Stages;
}

export interface DisplaySettings {
  backend: string;
  keep_alive: string;
  max_displays: number;
  mode_conflict: string;
  render_gpu: string;
  [key: string]: unknown;
}

export interface PairWindow {
  armed: boolean;
  locked: boolean;
  failures: number;
  access?: Access;
  expires_in_s?: number;
  for?: string;
  pin?: string;
}

export interface Knock {
  id: number;
  name: string;
  fingerprint: string;
  peer: string;
  waiting_s: number;
  expires_in_s: number;
}

export interface Client {
  fingerprint: string;
  name: string;
  access: Access;
  paired_at: number;
  last_seen: number;
  expires_at: number;
  expired: boolean;
  protocol: 'native' | 'gamestream';
}

export interface GameStreamSession {
  id: number;
  state: string;
  client_name: string;
  address: string;
  app: string;
  mode: { width: number; height: number; fps: number };
  codec: string;
  frames: number;
  end_reason: string;
}

export interface GameStream {
  enabled: boolean;
  fingerprint?: string;
  ports?: { http: number; https: number; rtsp: number; control: number };
  pin_request?: { device_name: string; address: string; fingerprint: string } | null;
  sessions?: GameStreamSession[];
}

export interface App {
  id: string;
  name: string;
  command: string[];
  working_dir: string;
  env: Record<string, string>;
  builtin: boolean;
}

export interface Setting {
  key: string;
  value?: string;
  default: string;
  source?: string;
  doc: string;
  accepted: string;
  editable: boolean;
  console?: string;
}

export interface LogLine {
  seq: number;
  unix_ms: number;
  level: string;
  module: string;
  message: string;
}

export interface LiveSession {
  id: number;
  client: string;
  mode: string;
  fps: number;
  bitrate_kbps: number;
  target_kbps: number;
  loss_ppm: number;
  frames_lost: number;
  fec_pct: number;
  fec_recovered: number;
  dropped: number;
  stages: Stages;
}

export interface StatsSample {
  unix_ms: number;
  sessions: LiveSession[];
}

export interface Recording {
  id: string;
  running: boolean;
  samples: number;
  bytes: number;
  started_unix_ms: number;
}
