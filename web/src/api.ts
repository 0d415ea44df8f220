// Requests to the console server: /auth/* for the console's own sign-in, and
// /api/v1/* which it forwards to the host's management API.

/** A failed request: the server's `error` text, its HTTP status (0: no answer) and body. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The server wants the password re-entered (missing or wrong X-Confirm-Password). */
  get confirmRequired(): boolean {
    return this.body.confirm_required === true;
  }
}

/** The readable text of anything thrown. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

const signedOutListeners = new Set<(notice?: string) => void>();

/** Calls `fn` whenever the session is gone (the API answered 401, or the user signed out). */
export function onSignedOut(fn: (notice?: string) => void): () => void {
  signedOutListeners.add(fn);
  return () => signedOutListeners.delete(fn);
}

export function notifySignedOut(notice?: string): void {
  for (const fn of [...signedOutListeners]) fn(notice);
}

export interface RequestOptions {
  body?: unknown;
  /** The password, for the actions the server guards with X-Confirm-Password. */
  confirm?: string;
  signal?: AbortSignal;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: string | undefined;
  // The server wants a JSON body on every state-changing request.
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body ?? {});
  }
  if (opts.confirm !== undefined) headers['X-Confirm-Password'] = opts.confirm;

  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      cache: 'no-store',
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    if (e instanceof TypeError && opts.confirm !== undefined && /header/i.test(e.message)) {
      throw new ApiError('the password has characters that cannot be sent for confirmation', 0);
    }
    throw new ApiError(`the console server cannot be reached (${messageOf(e)})`, 0);
  }

  const text = await res.text();
  let data: unknown;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const doc = isObject(data) ? data : {};
    const message =
      typeof doc.error === 'string' && doc.error
        ? doc.error
        : text.trim().slice(0, 300) || `${res.status} ${res.statusText || 'error'}`;
    if (res.status === 401 && path.startsWith('/api/')) notifySignedOut();
    throw new ApiError(message, res.status, doc);
  }
  return data as T;
}

const v1 = (path: string) => `/api/v1/${path}`;

/** The host's management API, under /api/v1. */
export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', v1(path), { signal }),
  post: <T = unknown>(path: string, body?: unknown, confirm?: string) =>
    request<T>('POST', v1(path), { body, confirm }),
  put: <T = unknown>(path: string, body?: unknown, confirm?: string) => request<T>('PUT', v1(path), { body, confirm }),
  patch: <T = unknown>(path: string, body?: unknown, confirm?: string) =>
    request<T>('PATCH', v1(path), { body, confirm }),
  del: <T = unknown>(path: string, body?: unknown, confirm?: string) =>
    request<T>('DELETE', v1(path), { body, confirm }),
};

/** The console's own sign-in. */
export const auth = {
  session: () => request<{ signed_in: boolean; expires_unix?: number }>('GET', '/auth/session'),
  login: (password: string) => request<{ signed_in: boolean }>('POST', '/auth/login', { body: { password } }),
  logout: () => request('POST', '/auth/logout'),
  changePassword: (current: string, next: string) =>
    request('POST', '/auth/password', { body: { current, new: next } }),
};

/** A path segment, escaped. */
export const seg = (s: string | number) => encodeURIComponent(String(s));
